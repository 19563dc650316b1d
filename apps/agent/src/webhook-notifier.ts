import { backoffDelay } from '@medic/domain';
import type { DeliveryAttempt, FailureRun, DependencyStatus, NotificationOutbox, OutboxEntry } from '@medic/domain';
import type { WebhookConfig } from './config';
import type { Logger } from './logger';
import type { MessageContext, RenderedMessage } from './notification-formats';
import { renderMessage } from './notification-formats';

/** Entries taken from the outbox per round, per webhook. */
const BATCH = 50;
/** How often an idle webhook looks for new entries (new decisions also wake it at once). */
const IDLE_POLL_MS = 500;
/** How long to wait before asking a failing store again. */
const STORE_RETRY_MS = 1000;
/** Characters of a receiver's answer kept in an error. */
const ANSWER_CHARS = 200;

export interface WebhookNotifierOptions {
  readonly outbox: NotificationOutbox;
  readonly webhooks: readonly WebhookConfig[];
  /** Capped exponential backoff while a receiver is unreachable, and the failed attempts after which a notification is dropped. */
  readonly retry: { readonly firstDelayMs: number; readonly maxDelayMs: number; readonly maxAttempts: number };
  /** One request's time limit. */
  readonly timeoutMs: number;
  /** Asked for each message: the API's address is known only once it listens. */
  readonly context: () => MessageContext;
  readonly logger: Logger;
  readonly userAgent: string;
  /** Replaces the global fetch (tests count requests). */
  readonly fetch?: typeof fetch;
}

/** Per-webhook totals for /stats. */
export interface WebhookStats {
  readonly name: string;
  readonly url: string;
  readonly format: WebhookConfig['format'];
  readonly events: readonly string[];
  readonly pending: number;
  readonly sent: number;
  readonly failed: number;
  readonly dropped: number;
}

export interface NotificationStats {
  readonly pending: number;
  readonly sent: number;
  readonly failed: number;
  readonly dropped: number;
  readonly webhooks: readonly WebhookStats[];
}

/** One webhook's delivery loop and what it knows of the receiver. */
interface Lane {
  readonly webhook: WebhookConfig;
  run: FailureRun;
  lastError: string | null;
  /** Date.now() before which no attempt is made (backoff). */
  nextAttemptAt: number;
  /** Wakes an idle loop; null while it works. */
  wake: (() => void) | null;
  request: AbortController | null;
  loop: Promise<void> | null;
}

type Attempt = Omit<DeliveryAttempt, 'at'> | { readonly result: 'stopped' };

/**
 * Delivers the outbox to the configured webhooks, each in its own loop, in the order entries were queued. A receiver
 * that does not answer usably (connection error, time-out, 5xx, 408, 429, a redirect, or 401/403/404/405/410 for a wrong
 * URL or credentials) is tried again with its oldest entry after a capped exponential backoff, and each such attempt is
 * one failed attempt for every entry that was waiting then: an entry that waited through `maxAttempts` of them is
 * dropped and logged. Another 4xx refuses one notification: it is dropped at once. Runs beside the kill loop and never
 * holds it: the pipeline only writes entries, in the transactions it makes anyway.
 */
export class WebhookNotifier {
  readonly #options: WebhookNotifierOptions;
  readonly #lanes: Lane[];
  readonly #fetch: typeof fetch;
  #stopped = false;

  constructor(options: WebhookNotifierOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
    this.#lanes = options.webhooks.map((webhook) => ({ webhook, run: { count: 0, recent: [] }, lastError: null, nextAttemptAt: 0, wake: null, request: null, loop: null }));
  }

  /**
   * Restores each webhook's run of failed attempts (so the backoff and the drop count go on across a restart), drops the
   * entries of webhooks no longer configured, and starts delivering.
   */
  async start(): Promise<void> {
    const { outbox, logger, retry } = this.#options;
    const states = await outbox.webhookStates();
    const configured = new Map(this.#lanes.map((lane) => [lane.webhook.key, lane]));
    for (const state of states) {
      const lane = configured.get(state.webhook);
      if (lane) {
        lane.run = state.failureRun;
        lane.lastError = state.lastError;
        const last = state.failureRun.recent.at(-1);
        if (state.failureRun.count > 0 && last !== undefined) lane.nextAttemptAt = Date.parse(last) + backoffDelay(delays(retry), state.failureRun.count);
      } else if (state.pending > 0) {
        const dropped = await outbox.dropQueuedBefore(state.webhook, null, 'its webhook is no longer configured', new Date().toISOString());
        logger.warn(`dropped ${dropped} notification(s) queued for webhook ${state.webhook}, which is no longer configured`);
      }
    }
    for (const lane of this.#lanes) lane.loop = this.#loop(lane);
  }

  /** New entries may be waiting: idle loops look now instead of at their next poll. */
  wake(): void {
    for (const lane of this.#lanes) lane.wake?.();
  }

  /** Stops every loop; a request in flight is abandoned, and its entry stays pending for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const lane of this.#lanes) {
      lane.request?.abort();
      lane.wake?.();
    }
    await Promise.all(this.#lanes.map((lane) => lane.loop));
  }

  /** down while a receiver is failing (naming it, its last error and what waits), else up. */
  async health(): Promise<DependencyStatus> {
    const pending = new Map((await this.#options.outbox.webhookStates()).map((s) => [s.webhook, s.pending]));
    const failing = this.#lanes.filter((lane) => lane.run.count > 0);
    if (failing.length === 0) {
      const waiting = this.#lanes.reduce((sum, lane) => sum + (pending.get(lane.webhook.key) ?? 0), 0);
      return { status: 'up', detail: `${this.#lanes.length} webhook(s), ${waiting} notification(s) waiting` };
    }
    const detail = failing
      .map((lane) => {
        const next = Math.max(0, Math.ceil((lane.nextAttemptAt - Date.now()) / 1000));
        return `webhook ${lane.webhook.name}: ${lane.run.count} failed attempt(s) in a row (last: ${lane.lastError ?? 'unknown'}), ${pending.get(lane.webhook.key) ?? 0} notification(s) waiting, next attempt in ${next} s`;
      })
      .join('; ');
    return { status: 'down', detail };
  }

  /** Sent, failed (attempts) and dropped notifications, per webhook and in total; pending ones too. */
  async stats(): Promise<NotificationStats> {
    const states = new Map((await this.#options.outbox.webhookStates()).map((s) => [s.webhook, s]));
    const webhooks = this.#lanes.map(({ webhook }): WebhookStats => {
      const s = states.get(webhook.key);
      return {
        name: webhook.name,
        url: webhook.origin,
        format: webhook.format,
        events: [...webhook.events],
        pending: s?.pending ?? 0,
        sent: s?.sent ?? 0,
        failed: s?.failedAttempts ?? 0,
        dropped: s?.dropped ?? 0,
      };
    });
    const total = (pick: (s: WebhookStats) => number): number => webhooks.reduce((sum, w) => sum + pick(w), 0);
    return { pending: total((w) => w.pending), sent: total((w) => w.sent), failed: total((w) => w.failed), dropped: total((w) => w.dropped), webhooks };
  }

  async #loop(lane: Lane): Promise<void> {
    const { outbox, logger } = this.#options;
    while (!this.#stopped) {
      const wait = lane.nextAttemptAt - Date.now();
      if (wait > 0) {
        await this.#pause(lane, wait, false);
        continue;
      }
      let entries: OutboxEntry[];
      try {
        entries = await outbox.pending(lane.webhook.key, BATCH);
      } catch (error) {
        logger.error(`reading the notification outbox failed: ${messageOf(error)}`, { webhook: lane.webhook.name });
        await this.#pause(lane, STORE_RETRY_MS, false);
        continue;
      }
      if (entries.length === 0) {
        await this.#pause(lane, IDLE_POLL_MS, true);
        continue;
      }
      try {
        await this.#deliver(lane, entries);
      } catch (error) {
        // The outbox failed while settling: whatever was not marked is sent again later (delivery is at least once).
        logger.error(`settling notifications failed: ${messageOf(error)}`, { webhook: lane.webhook.name });
        await this.#pause(lane, STORE_RETRY_MS, false);
      }
    }
  }

  /** Sends entries in order until one fails; marks what went through. */
  async #deliver(lane: Lane, entries: readonly OutboxEntry[]): Promise<void> {
    const { outbox, logger, retry } = this.#options;
    const { webhook } = lane;
    const sent: string[] = [];
    const flush = async (): Promise<void> => {
      if (sent.length > 0) await outbox.markSent(webhook.key, sent.splice(0), new Date().toISOString());
    };
    try {
      for (const entry of entries) {
        if (this.#stopped) return;
        const meta = metaOf(entry, webhook);
        if (!webhook.events.has(entry.notification.event)) {
          await outbox.drop(webhook.key, [entry.id], `webhook ${webhook.name} no longer subscribes to ${entry.notification.event}`, new Date().toISOString());
          logger.warn(`dropped a ${entry.notification.event} notification: webhook ${webhook.name} no longer subscribes to it`, meta);
          continue;
        }
        const at = new Date().toISOString();
        const attempt = await this.#post(lane, entry);
        if (attempt.result === 'stopped') return;
        if (attempt.result === 'delivered') {
          sent.push(entry.id);
          if (lane.run.count > 0) {
            logger.info(`webhook ${webhook.name} answers again after ${lane.run.count} failed attempt(s)`, { webhook: webhook.name });
            lane.run = await outbox.recordAttempt(webhook.key, { at, result: 'delivered', error: null }, retry.maxAttempts);
          }
          continue;
        }
        await flush();
        lane.lastError = attempt.error;
        if (attempt.result === 'refused') {
          lane.run = await outbox.recordAttempt(webhook.key, { at, ...attempt }, retry.maxAttempts);
          await outbox.drop(webhook.key, [entry.id], `the receiver refused it: ${attempt.error ?? ''}`, new Date().toISOString());
          logger.warn(`webhook ${webhook.name} refused a ${entry.notification.event} notification (${attempt.error ?? ''}); dropped`, meta);
          continue;
        }
        lane.run = await outbox.recordAttempt(webhook.key, { at, ...attempt }, retry.maxAttempts);
        const delay = backoffDelay(delays(retry), lane.run.count);
        lane.nextAttemptAt = Date.now() + delay;
        logger.warn(`webhook ${webhook.name} unreachable (attempt ${lane.run.count} in a row), retrying in ${duration(delay)}: ${attempt.error ?? ''}`, { webhook: webhook.name });
        if (lane.run.count >= retry.maxAttempts) {
          // Entries queued before the oldest of the last maxAttempts failed attempts waited through all of them.
          const cutoff = lane.run.recent[lane.run.recent.length - retry.maxAttempts] ?? null;
          const reason = `not delivered after ${retry.maxAttempts} failed attempts; last: ${attempt.error ?? ''}`;
          const dropped = cutoff === null ? 0 : await outbox.dropQueuedBefore(webhook.key, cutoff, reason, new Date().toISOString());
          if (dropped > 0) logger.error(`webhook ${webhook.name}: dropped ${dropped} notification(s) ${reason}`, { webhook: webhook.name });
        }
        return;
      }
    } finally {
      await flush();
    }
  }

  async #post(lane: Lane, entry: OutboxEntry): Promise<Attempt> {
    const { webhook } = lane;
    let message: RenderedMessage;
    try {
      message = renderMessage(webhook.format, entry, this.#options.context());
    } catch (error) {
      return { result: 'refused', error: `could not render it: ${messageOf(error)}` };
    }
    const controller = new AbortController();
    lane.request = controller;
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${this.#options.timeoutMs} ms`)), this.#options.timeoutMs);
    try {
      const headers: Record<string, string> = { 'content-type': message.contentType, 'user-agent': this.#options.userAgent };
      for (const [name, value] of webhook.headers) headers[name] = value.revealText();
      const response = await this.#fetch(webhook.url.revealText(), { method: 'POST', headers, body: message.body, redirect: 'manual', signal: controller.signal });
      const answer = (await response.text().catch(() => '')).slice(0, ANSWER_CHARS).trim();
      if (response.status >= 200 && response.status < 300) return { result: 'delivered', error: null };
      const error = `HTTP ${response.status}${answer ? `: ${answer}` : ''}`;
      return { result: refusesThisOne(response.status) ? 'refused' : 'unreachable', error };
    } catch (error) {
      if (this.#stopped) return { result: 'stopped' };
      return { result: 'unreachable', error: describeFetchError(error, controller) };
    } finally {
      clearTimeout(timer);
      lane.request = null;
    }
  }

  /** Waits `ms`, or until stopped, or (when `wakeable`) until new entries are announced. */
  #pause(lane: Lane, ms: number, wakeable: boolean): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        lane.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      lane.wake = wakeable ? done : () => (this.#stopped ? done() : undefined);
    });
  }
}

/** A 4xx that refuses this notification (its content), not the request: anything but a wrong URL, credentials, method or rate. */
function refusesThisOne(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 403, 404, 405, 408, 410, 429].includes(status);
}

function delays(retry: WebhookNotifierOptions['retry']): { firstMs: number; maxMs: number } {
  return { firstMs: retry.firstDelayMs, maxMs: retry.maxDelayMs };
}

function metaOf(entry: OutboxEntry, webhook: WebhookConfig): Record<string, string | undefined> {
  return { webhook: webhook.name, notification_id: entry.id, kill_id: 'kill' in entry.notification ? entry.notification.kill.killId : undefined };
}

/** fetch's errors say "fetch failed"; the cause says why (ECONNREFUSED, a certificate, the time limit). */
function describeFetchError(error: unknown, controller: AbortController): string {
  if (controller.signal.aborted) return messageOf(controller.signal.reason);
  // Duck-typed: undici's errors may come from another realm (a test runner's), where instanceof Error fails.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = cause?.code;
  const detail = typeof cause?.message === 'string' && cause.message !== '' ? cause.message : undefined;
  if (typeof code === 'string' && detail && !detail.includes(code)) return `${code}: ${detail}`;
  return detail ?? messageOf(error);
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}
