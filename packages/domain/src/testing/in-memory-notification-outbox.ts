import { MedicError } from '../errors';
import type { OutcomeRecord } from '../model';
import { notificationOf } from '../notifications';
import type { OutboxEntry, QueuedNotification } from '../notifications';
import type { DeliveryAttempt, FailureRun, NotificationOutbox, WebhookDeliveryState } from '../ports';

interface Stored {
  readonly entry: QueuedNotification;
  state: 'pending' | 'sent' | 'dropped';
}

interface WebhookRecord {
  failedAttempts: number;
  run: FailureRun;
  lastError: string | null;
}

const NO_RUN: FailureRun = { count: 0, recent: [] };
const ms = (iso: string): number => Date.parse(iso);

/** NotificationOutbox in memory, with the semantics documented on the port; InMemoryOutcomeRepo writes its entries. */
export class InMemoryNotificationOutbox implements NotificationOutbox {
  /** Entries in the order they were queued. */
  readonly #entries: Stored[] = [];
  readonly #byId = new Map<string, Stored>();
  readonly #webhooks = new Map<string, WebhookRecord>();

  /**
   * @param recordOf the stored record of a kill (the store that owns the outbox), which a notification's kill and decision are read from.
   * @param ensureUp throws while that store is down.
   */
  constructor(
    private readonly recordOf: (killId: string) => OutcomeRecord | null,
    private readonly ensureUp: () => void = () => undefined,
  ) {}

  /** Queues notifications (the owning store calls it inside its own writes; not part of the port). An id already queued is skipped. */
  queue(entries: readonly QueuedNotification[]): void {
    for (const entry of entries) {
      if (this.#byId.has(entry.id)) continue;
      const stored: Stored = { entry: structuredClone(entry), state: 'pending' };
      this.#entries.push(stored);
      this.#byId.set(entry.id, stored);
    }
  }

  async pending(webhook: string, limit: number): Promise<OutboxEntry[]> {
    this.ensureUp();
    const n = Number.isNaN(limit) ? 0 : Math.max(0, Math.floor(limit));
    return this.#entries
      .filter((s) => s.state === 'pending' && s.entry.webhook === webhook)
      .slice(0, n)
      .map(({ entry }) => {
        const notification = notificationOf(entry, entry.killId === null ? null : this.recordOf(entry.killId));
        if (notification === null) throw new MedicError('store_corrupt', `notification ${entry.id} does not fit the record of ${entry.killId ?? 'nothing'}`);
        return structuredClone({ id: entry.id, webhook: entry.webhook, notification });
      });
  }

  async markSent(webhook: string, ids: readonly string[], _at: string): Promise<void> {
    this.ensureUp();
    for (const id of ids) {
      const stored = this.#byId.get(id);
      if (stored?.state === 'pending' && stored.entry.webhook === webhook) stored.state = 'sent';
    }
  }

  async drop(webhook: string, ids: readonly string[], _reason: string, _at: string): Promise<number> {
    this.ensureUp();
    let dropped = 0;
    for (const id of new Set(ids)) {
      const stored = this.#byId.get(id);
      if (stored?.state !== 'pending' || stored.entry.webhook !== webhook) continue;
      stored.state = 'dropped';
      dropped += 1;
    }
    return dropped;
  }

  async dropQueuedBefore(webhook: string, before: string | null, _reason: string, _at: string): Promise<number> {
    this.ensureUp();
    let dropped = 0;
    for (const stored of this.#entries) {
      if (stored.state !== 'pending' || stored.entry.webhook !== webhook) continue;
      if (before !== null && !(ms(stored.entry.at) < ms(before))) continue;
      stored.state = 'dropped';
      dropped += 1;
    }
    return dropped;
  }

  async recordAttempt(webhook: string, attempt: DeliveryAttempt, keep: number): Promise<FailureRun> {
    this.ensureUp();
    const record = this.#webhooks.get(webhook) ?? { failedAttempts: 0, run: NO_RUN, lastError: null };
    this.#webhooks.set(webhook, record);
    if (attempt.result !== 'delivered') {
      record.failedAttempts += 1;
      record.lastError = attempt.error;
    }
    if (attempt.result === 'unreachable') {
      const recent = [...record.run.recent, attempt.at];
      record.run = { count: record.run.count + 1, recent: recent.slice(Math.max(0, recent.length - Math.max(1, keep))) };
    } else {
      record.run = NO_RUN;
    }
    return structuredClone(record.run);
  }

  async webhookStates(): Promise<WebhookDeliveryState[]> {
    this.ensureUp();
    const keys = new Set([...this.#entries.map((s) => s.entry.webhook), ...this.#webhooks.keys()]);
    return [...keys].sort().map((webhook) => {
      const mine = this.#entries.filter((s) => s.entry.webhook === webhook);
      const count = (state: Stored['state']): number => mine.filter((s) => s.state === state).length;
      const record = this.#webhooks.get(webhook);
      return {
        webhook,
        pending: count('pending'),
        sent: count('sent'),
        dropped: count('dropped'),
        failedAttempts: record?.failedAttempts ?? 0,
        failureRun: structuredClone(record?.run ?? NO_RUN),
        lastError: record?.lastError ?? null,
      };
    });
  }
}
