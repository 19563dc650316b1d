/** Connection states as ioredis names them; only "ready" accepts commands without queueing. */
export type RedisConnectionStatus = 'wait' | 'reconnecting' | 'connecting' | 'connect' | 'ready' | 'close' | 'end';

/** Options the source overrides on its dedicated blocking-read connection. */
export interface ReaderConnectionOptions {
  /** 0: a read in flight when the connection drops fails at once instead of waiting out the outage. */
  readonly maxRetriesPerRequest: number;
  /** false: no read is queued while disconnected; the source waits for "ready" itself. */
  readonly enableOfflineQueue: boolean;
  readonly lazyConnect: boolean;
}

/** A MULTI/EXEC transaction as the source uses it. */
export interface RedisTransaction {
  /** Runs the queued commands atomically; one [error, result] pair per command, null when aborted. */
  exec(): Promise<Array<[error: Error | null, result: unknown]> | null>;
}

/** The slice of an ioredis client that RedisKillSource uses, so any compatible client can be injected. */
export interface RedisStreamClient {
  /** Current connection state. */
  readonly status: RedisConnectionStatus;
  /** The current socket (ioredis's `stream`), to guard against errors it reports after the client stopped listening. */
  readonly stream?: { on(event: 'error', listener: (error: Error) => void): unknown } | null;
  /** XGROUP CREATE key group id MKSTREAM. */
  xgroup(subcommand: 'CREATE', key: string, group: string, id: string, mkstream: 'MKSTREAM'): Promise<unknown>;
  /** Non-blocking XREADGROUP of the consumer's own pending entries after `id`. */
  xreadgroup(groupToken: 'GROUP', group: string, consumer: string, countToken: 'COUNT', count: number, streamsToken: 'STREAMS', key: string, id: string): Promise<unknown>;
  /** Blocking XREADGROUP of new entries (`id` ">"). */
  xreadgroup(
    groupToken: 'GROUP',
    group: string,
    consumer: string,
    countToken: 'COUNT',
    count: number,
    blockToken: 'BLOCK',
    blockMs: number,
    streamsToken: 'STREAMS',
    key: string,
    id: string,
  ): Promise<unknown>;
  /** XAUTOCLAIM key group consumer min-idle-time start COUNT count. */
  xautoclaim(key: string, group: string, consumer: string, minIdleMs: number, start: string, countToken: 'COUNT', count: number): Promise<unknown[]>;
  /** XPENDING key group IDLE min-idle-time start end count consumer: one consumer's entries pending at least that long. */
  xpending(key: string, group: string, idleToken: 'IDLE', minIdleMs: number, start: string, end: string, count: number, consumer: string): Promise<unknown[]>;
  /** XCLAIM key group consumer min-idle-time id [id ...] JUSTID: resets the entries' idle time without redelivering them. */
  xclaim(...args: [key: string, group: string, consumer: string, minIdleMs: number, ...ids: string[], justid: 'JUSTID']): Promise<unknown[]>;
  /** XACK key group id [id ...]. */
  xack(key: string, group: string, ...ids: string[]): Promise<number>;
  /** A MULTI/EXEC transaction of the given commands (each [name, ...args]). */
  multi(commands: string[][]): RedisTransaction;
  ping(): Promise<string>;
  /** Graceful close: waits for the replies already due. */
  quit(): Promise<unknown>;
  /** Immediate close; pending commands are rejected. */
  disconnect(): void;
  /** A second connection with the same settings but the given overrides. */
  duplicate(overrides: ReaderConnectionOptions): RedisStreamClient;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready' | 'reconnecting' | 'end', listener: () => void): unknown;
  removeListener(event: 'ready', listener: () => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}
