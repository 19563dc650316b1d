import { MedicError } from '@medic/domain';
import type { DeadLetter, Delivery, DependencyStatus, KillSource } from '@medic/domain';
import { accessFailure } from './access-errors';
import { messageOf } from './error-message';
import type { RedisStreamClient } from './redis-stream-client';
import { parseAutoClaimReply, parseReadReply } from './stream-reply';
import type { StreamEntry } from './stream-reply';

export type RedisLogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Where the source reports connection changes and recoveries; must not throw. */
export type RedisLogger = (level: RedisLogLevel, message: string, meta?: Readonly<Record<string, unknown>>) => void;

export interface RedisKillSourceOptions {
  /** Connection for acks, dead letters and PING; the source duplicates it for its blocking reads and closes both. */
  readonly client: RedisStreamClient;
  readonly stream: string;
  readonly group: string;
  /** Stable name (default host name in createRedisKillSource) so a restarted agent resumes its own pending entries. */
  readonly consumer: string;
  /** How long one read waits for new entries (default 500 ms). */
  readonly blockMs?: number;
  /**
   * Entries pending this long with another consumer are taken over (default 60 000 ms). The source renews the entries it
   * holds itself every claimIdleMs/3, so a kill in flight longer than this is never taken over while its agent runs.
   */
  readonly claimIdleMs?: number;
  /** Default `<stream>.dead`. */
  readonly deadLetterStream?: string;
  /** How long receive() waits for a lost connection to come back before it returns [] (default 2 000 ms). */
  readonly unavailableWaitMs?: number;
  /** How long health() waits for PING (default 1 000 ms). */
  readonly healthTimeoutMs?: number;
  /** How messages name the server, e.g. its URL without the password (default "the configured server"). */
  readonly endpoint?: string;
  /** How long open() waits for a first connection before letting receive() retry (default 10 000 ms). */
  readonly openWaitMs?: number;
  readonly logger?: RedisLogger;
}

const DEFAULT_BLOCK_MS = 500;
const DEFAULT_CLAIM_IDLE_MS = 60_000;
const DEFAULT_UNAVAILABLE_WAIT_MS = 2_000;
const DEFAULT_HEALTH_TIMEOUT_MS = 1_000;
const QUIT_TIMEOUT_MS = 1_000;
const DEFAULT_OPEN_WAIT_MS = 10_000;
/** ioredis's errors for a command on a connection that is gone. */
const UNUSABLE_CONNECTION = /^(Stream isn't writeable|Connection is closed)/;
const SCAN_DONE = '0-0';
/** Pending entries renewed per XPENDING/XCLAIM round trip. */
const RENEW_PAGE = 500;

/**
 * KillSource on a Redis Streams consumer group (ARCHITECTURE.md, Ports): own pending entries first (at start and after every
 * reconnect), then entries idle longer than claimIdleMs taken over from other consumers, then new entries.
 */
export class RedisKillSource implements KillSource {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly deadLetterStream: string;
  private readonly client: RedisStreamClient;
  /** Dedicated connection so a blocked XREADGROUP never delays acks, and close() can cut it at once. */
  private readonly reader: RedisStreamClient;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;
  private readonly claimIntervalMs: number;
  private readonly renewAfterMs: number;
  /** Renews this consumer's pending entries while the source is open; started by the first receive(). */
  private renewTimer: NodeJS.Timeout | null = null;
  private renewing = false;
  private readonly unavailableWaitMs: number;
  private readonly healthTimeoutMs: number;
  private readonly endpoint: string;
  private readonly openWaitMs: number;
  private readonly log: RedisLogger;
  private groupReady: Promise<void> | null = null;
  /** Cursor through our own pending entries; null once they are all handed out. */
  private pendingCursor: string | null = '0';
  private claimCursor = SCAN_DONE;
  private nextClaimAt = 0;
  /** Serialises receive() so cursors never race. */
  private receiving: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The command connection's last error while it is down, for health(). */
  private lastError: string | null = null;
  /** The reading connection's last error while it is down: wrong credentials are reported by receive(), not waited out. */
  private readerError: Error | null = null;
  /** Wake-ups of receive() calls waiting for the reader to reconnect; fired at close(). */
  private readonly readerWaits = new Set<() => void>();
  /** Rejections of commands still waiting for Redis; fired at the end of close(). */
  private readonly pendingCommands = new Set<(error: MedicError) => void>();

  constructor(options: RedisKillSourceOptions) {
    this.client = options.client;
    this.stream = options.stream;
    this.group = options.group;
    this.consumer = options.consumer;
    this.deadLetterStream = options.deadLetterStream ?? `${options.stream}.dead`;
    this.blockMs = options.blockMs ?? DEFAULT_BLOCK_MS;
    this.claimIdleMs = options.claimIdleMs ?? DEFAULT_CLAIM_IDLE_MS;
    this.claimIntervalMs = Math.max(50, Math.floor(this.claimIdleMs / 2));
    this.renewAfterMs = Math.max(10, Math.floor(this.claimIdleMs / 3));
    this.unavailableWaitMs = options.unavailableWaitMs ?? DEFAULT_UNAVAILABLE_WAIT_MS;
    this.healthTimeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    this.endpoint = options.endpoint ?? 'the configured server';
    this.openWaitMs = options.openWaitMs ?? DEFAULT_OPEN_WAIT_MS;
    this.log = options.logger ?? (() => undefined);
    this.reader = this.client.duplicate({ maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: false });
    this.watch(this.client, 'commands');
    this.watch(this.reader, 'reader');
    // A reply lost with the connection may have moved entries into our pending list: read it again on every (re)connect.
    this.reader.on('ready', () => {
      this.pendingCursor = '0';
    });
  }

  /**
   * Waits for both connections and creates the consumer group, so a wrong password, an untrusted certificate or a
   * missing ACL permission stops start-up with a MedicError naming Redis (redis_auth_failed, redis_tls_failed,
   * redis_permission_denied). A Redis that is only unreachable resolves after openWaitMs or its first connection error;
   * receive() then keeps retrying.
   */
  async open(): Promise<void> {
    if (this.closed) throw new MedicError('redis_closed', 'the Redis kill source was closed');
    const connected = (await this.firstConnection(this.client)) && (await this.firstConnection(this.reader));
    if (!connected) return;
    try {
      await this.ensureGroup();
    } catch (error) {
      const fatal = accessFailure(error, this.endpoint);
      if (fatal) throw new MedicError(fatal.code, fatal.message, { cause: error });
      this.log('warn', `creating the consumer group failed; retrying while reading: ${messageOf(error)}`, { stream: this.stream, group: this.group });
    }
  }

  /**
   * At most `max` deliveries; [] when none arrived within blockMs, and always [] once closed. While Redis is unreachable
   * it waits up to unavailableWaitMs for ioredis to reconnect and returns [] (health() says down meanwhile), so the caller
   * just reads again: reconnecting, with its backoff, is ioredis's alone. Throws when Redis refuses the read, or refuses
   * the connection for a reason that does not pass by itself (credentials, certificate, permissions).
   */
  receive(max: number): Promise<Delivery[]> {
    const next = this.receiving.then(() => this.receiveNow(max));
    this.receiving = next.catch(() => undefined);
    return next;
  }

  /**
   * One XACK of every id; with dead letters, first an XADD of each to the dead-letter stream (original fields + reason,
   * original_id, original_stream), all in one MULTI sent at once. Waits across a Redis restart; rejects with
   * 'redis_closed' after close().
   */
  async ack(ids: readonly string[], deadLetters: readonly DeadLetter[] = []): Promise<void> {
    if (deadLetters.length === 0) {
      if (ids.length > 0) await this.command('ack', () => this.client.xack(this.stream, this.group, ...ids));
      return;
    }
    const commands = deadLetters.map(({ delivery, reason }) => [
      'xadd',
      this.deadLetterStream,
      '*',
      ...Object.entries(delivery.fields).flat(),
      'reason',
      reason,
      'original_id',
      delivery.id,
      'original_stream',
      this.stream,
    ]);
    commands.push(['xack', this.stream, this.group, ...ids, ...deadLetters.map((d) => d.delivery.id)]);
    const replies = await this.command('ack', () => this.client.multi(commands).exec());
    if (replies === null) throw new MedicError('redis_command_failed', `dead-lettering ${deadLetters.length} entries was aborted`);
    const failed = replies.find(([error]) => error !== null)?.[0];
    if (failed) throw new MedicError('redis_command_failed', `dead-lettering ${deadLetters.length} entries failed: ${failed.message}`, { cause: failed });
  }

  /** 'up' when PING answers within healthTimeoutMs; 'down' at once while reconnecting. */
  async health(): Promise<DependencyStatus> {
    if (this.closed) return { status: 'down', detail: 'source closed' };
    // While reconnecting a PING would only queue up; a first connect still in progress gets the timeout to finish.
    if (['reconnecting', 'close', 'end'].includes(this.client.status)) {
      return { status: 'down', detail: `Redis connection is ${this.client.status}${this.lastError ? `: ${this.lastError}` : ''}` };
    }
    try {
      const answer = await withTimeout(this.client.ping(), this.healthTimeoutMs);
      return answer === 'timeout' ? { status: 'down', detail: `PING got no answer within ${this.healthTimeoutMs} ms` } : { status: 'up' };
    } catch (error) {
      return { status: 'down', detail: `PING failed: ${messageOf(error)}` };
    }
  }

  /** Cuts the blocking connection at once (a blocked receive() resolves []), lets in-flight acks finish briefly, then closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.renewTimer) clearInterval(this.renewTimer);
    for (const wake of this.readerWaits) wake();
    this.reader.disconnect();
    if (this.client.status === 'ready') await withTimeout(this.client.quit().catch(() => undefined), QUIT_TIMEOUT_MS);
    if (this.client.status !== 'end') this.client.disconnect();
    // Commands queued while disconnected would otherwise wait forever.
    const closed = new MedicError('redis_closed', 'the Redis kill source was closed before Redis answered');
    for (const reject of this.pendingCommands) reject(closed);
  }

  private async receiveNow(max: number): Promise<Delivery[]> {
    const count = Math.floor(max);
    if (this.closed || count < 1) return [];
    this.renewTimer ??= setInterval(() => void this.renewHeld(), this.renewAfterMs).unref();
    // Unreachable: ioredis reconnects with its backoff, health() says down, and the caller reads again.
    if (this.reader.status !== 'ready' && !(await this.readerReady())) {
      const fatal = this.readerError === null || this.closed ? null : accessFailure(this.readerError, this.endpoint);
      if (fatal) throw new MedicError(fatal.code, fatal.message, { cause: this.readerError });
      return [];
    }
    try {
      await this.ensureGroup();
      return await this.readBatch(count);
    } catch (error) {
      if (this.closed) return [];
      if (error instanceof MedicError) throw error;
      const fatal = accessFailure(error, this.endpoint);
      if (fatal) throw new MedicError(fatal.code, fatal.message, { cause: error });
      // The connection dropped under the read: what it may have moved to our pending list is read again on reconnect.
      if (this.reader.status !== 'ready') return [];
      // ioredis may still say "ready" for a connection it is already tearing down (e.g. after a refused AUTH): the caller backs off.
      if (UNUSABLE_CONNECTION.test(messageOf(error))) {
        throw new MedicError('redis_unavailable', `Redis connection lost while reading ${this.stream}: ${messageOf(error)}`, { cause: error });
      }
      if (messageOf(error).startsWith('NOGROUP')) {
        // The stream or group vanished (e.g. a Redis without persistence restarted): recreate it on the next call.
        this.groupReady = null;
        this.log('warn', 'Redis consumer group missing; recreating it', { stream: this.stream, group: this.group });
        return [];
      }
      throw new MedicError('redis_command_failed', `reading ${this.stream} failed: ${messageOf(error)}`, { cause: error });
    }
  }

  private async readBatch(count: number): Promise<Delivery[]> {
    while (this.pendingCursor !== null) {
      const entries = parseReadReply(
        await this.reader.xreadgroup('GROUP', this.group, this.consumer, 'COUNT', count, 'STREAMS', this.stream, this.pendingCursor),
      );
      const last = entries.at(-1);
      if (last === undefined) {
        this.pendingCursor = null;
        break;
      }
      this.pendingCursor = last.id;
      const deliveries = await this.keepExisting(entries);
      if (deliveries.length > 0) return deliveries;
    }
    if (Date.now() >= this.nextClaimAt) {
      const claimed = await this.claimIdle(count);
      if (claimed.length > 0) return claimed;
    }
    const reply = await this.reader.xreadgroup('GROUP', this.group, this.consumer, 'COUNT', count, 'BLOCK', this.blockMs, 'STREAMS', this.stream, '>');
    return this.keepExisting(parseReadReply(reply));
  }

  /** XAUTOCLAIM through the pending list, resuming at the last cursor; a full scan at most every claimIdleMs/2. */
  private async claimIdle(count: number): Promise<Delivery[]> {
    do {
      const reply = parseAutoClaimReply(
        await this.reader.xautoclaim(this.stream, this.group, this.consumer, this.claimIdleMs, this.claimCursor, 'COUNT', count),
      );
      this.claimCursor = reply.cursor;
      if (reply.cursor === SCAN_DONE) this.nextClaimAt = Date.now() + this.claimIntervalMs;
      const deliveries = await this.keepExisting(reply.entries);
      if (deliveries.length > 0) {
        this.log('info', 'claimed Redis entries left idle past claimIdleMs', { stream: this.stream, consumer: this.consumer, ids: deliveries.map((d) => d.id) });
        return deliveries;
      }
    } while (this.claimCursor !== SCAN_DONE);
    return [];
  }

  /**
   * Resets the idle time of this consumer's entries pending longer than renewAfterMs (kills in flight, or waiting behind
   * their module), so no other consumer's XAUTOCLAIM takes them over. XCLAIM's own min-idle-time check keeps an entry
   * that another consumer claimed in the meantime (its idle time reset) from being taken back. Best effort: a failed
   * renewal is retried on the next tick, long before claimIdleMs.
   */
  private async renewHeld(): Promise<void> {
    if (this.renewing || this.closed || this.client.status !== 'ready') return;
    this.renewing = true;
    try {
      let start = '-';
      for (;;) {
        const page = await this.client.xpending(this.stream, this.group, 'IDLE', this.renewAfterMs, start, '+', RENEW_PAGE, this.consumer);
        const ids = page.map((entry) => String((entry as unknown[])[0]));
        if (ids.length > 0) await this.client.xclaim(this.stream, this.group, this.consumer, this.renewAfterMs, ...ids, 'JUSTID');
        if (ids.length < RENEW_PAGE) break;
        start = `(${ids.at(-1)!}`;
      }
    } catch (error) {
      if (!this.closed && !messageOf(error).startsWith('NOGROUP')) {
        this.log('warn', `renewing held Redis entries failed; retrying in ${this.renewAfterMs} ms: ${messageOf(error)}`, { stream: this.stream, consumer: this.consumer });
      }
    } finally {
      this.renewing = false;
    }
  }

  /** Entries deleted from the stream while pending cannot be handled: acknowledge and skip them. */
  private async keepExisting(entries: readonly StreamEntry[]): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    const gone: string[] = [];
    for (const entry of entries) {
      if (entry.fields === null) gone.push(entry.id);
      else deliveries.push({ id: entry.id, fields: entry.fields, ...enqueuedAt(entry.id) });
    }
    if (gone.length > 0) {
      await this.reader.xack(this.stream, this.group, ...gone);
      this.log('warn', 'acknowledged pending Redis entries that no longer exist', { stream: this.stream, ids: gone });
    }
    return deliveries;
  }

  /** Consumer group from the start of the stream, so entries written before Medic first ran are not skipped. */
  private ensureGroup(): Promise<void> {
    this.groupReady ??= this.reader.xgroup('CREATE', this.stream, this.group, '0', 'MKSTREAM').then(
      () => this.log('info', 'created Redis consumer group', { stream: this.stream, group: this.group }),
      (error: unknown) => {
        if (messageOf(error).startsWith('BUSYGROUP')) return;
        this.groupReady = null;
        throw error;
      },
    );
    return this.groupReady;
  }

  /** true once the connection is ready; false when it failed in a way that may pass (or openWaitMs passed); rejects when it cannot pass. */
  private firstConnection(connection: RedisStreamClient): Promise<boolean> {
    if (connection.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        connection.removeListener('ready', onReady);
        connection.removeListener('error', onError);
        settle();
      };
      const onReady = () => finish(() => resolve(true));
      const onError = (error: Error) => {
        const fatal = accessFailure(error, this.endpoint);
        finish(() => (fatal ? reject(new MedicError(fatal.code, fatal.message, { cause: error })) : resolve(false)));
      };
      const timer = setTimeout(() => finish(() => resolve(false)), this.openWaitMs);
      connection.on('ready', onReady);
      connection.on('error', onError);
    });
  }

  /** Resolves true once the reader is ready, false after unavailableWaitMs or on close. */
  private readerReady(): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (ready: boolean) => {
        clearTimeout(timer);
        this.reader.removeListener('ready', onReady);
        this.readerWaits.delete(onStop);
        resolve(ready);
      };
      const onReady = () => finish(true);
      const onStop = () => finish(false);
      const timer = setTimeout(onStop, this.unavailableWaitMs);
      this.reader.on('ready', onReady);
      this.readerWaits.add(onStop);
    });
  }

  /** Runs a command on the command connection; after close() it fails instead of waiting for a reconnect. */
  private command<T>(name: string, run: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new MedicError('redis_closed', `${name} after the Redis kill source was closed`));
    return new Promise<T>((resolve, reject) => {
      this.pendingCommands.add(reject);
      run()
        .then(resolve, (error: unknown) => reject(new MedicError('redis_command_failed', `${name} on ${this.stream} failed: ${messageOf(error)}`, { cause: error })))
        .finally(() => this.pendingCommands.delete(reject));
    });
  }

  /** One warning per outage and one notice per recovery, not one per retry. */
  private watch(connection: RedisStreamClient, name: 'commands' | 'reader'): void {
    let down = false;
    const lost = (detail: string) => {
      if (this.closed) return;
      if (!down) this.log('warn', 'Redis connection lost; reconnecting with backoff', { connection: name, stream: this.stream, detail });
      else this.log('debug', 'Redis still unreachable', { connection: name, detail });
      down = true;
    };
    connection.on('error', (error) => {
      guardSocket(connection);
      const fatal = accessFailure(error, this.endpoint);
      if (fatal && !this.closed) this.log('error', fatal.message, { connection: name, code: fatal.code });
      if (name === 'commands') this.lastError = error.message;
      else this.readerError = error;
      lost(error.message);
    });
    connection.on('reconnecting', () => lost('reconnecting'));
    connection.on('ready', () => {
      if (name === 'commands') this.lastError = null;
      else this.readerError = null;
      if (down && !this.closed) this.log('info', 'Redis connection restored', { connection: name, stream: this.stream });
      down = false;
    });
  }
}

/** Sockets already given a lasting error listener. */
const guarded = new WeakSet<object>();

/**
 * ioredis listens for one error per socket, but a TLS socket whose handshake failed can report a second one (the
 * server's alert), which would otherwise be an uncaught exception: from the first error on, the socket keeps a
 * listener that ignores the rest (the client has already taken the first and reconnects).
 */
function guardSocket(connection: RedisStreamClient): void {
  const socket = connection.stream;
  if (!socket || guarded.has(socket)) return;
  guarded.add(socket);
  socket.on('error', () => undefined);
}

/** The time Redis gave the entry: the milliseconds of an id it generated (XADD *), as ISO 8601. */
function enqueuedAt(id: string): { enqueuedAt?: string } {
  const ms = Number(/^(\d{1,15})-\d+$/.exec(id)?.[1]);
  return Number.isSafeInteger(ms) && ms <= 8.64e15 ? { enqueuedAt: new Date(ms).toISOString() } : {};
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
