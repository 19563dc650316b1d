import { hostname } from 'node:os';
import Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { RedisKillSource } from './redis-kill-source';
import type { RedisKillSourceOptions } from './redis-kill-source';

export interface RedisKillSourceConfig extends Omit<RedisKillSourceOptions, 'client' | 'consumer' | 'endpoint'> {
  /** redis:// or rediss:// (TLS), optionally with user and password. */
  readonly url: string;
  /** Default: this machine's host name, stable across restarts. */
  readonly consumer?: string;
  /** For rediss://: the CA that signed the server's certificate (default: Node's trusted CAs), and a client certificate and key when the server asks for one. */
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
}

/** The URL with any password masked, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

/** Backoff between reconnect attempts: 100 ms doubling up to 2 s, retried forever. */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 2_000);
}

/** A RedisKillSource on a new ioredis connection whose commands wait across a Redis restart instead of failing. */
export function createRedisKillSource(config: RedisKillSourceConfig): RedisKillSource {
  const consumer = config.consumer ?? hostname();
  const options: RedisOptions & { disconnectTimeout: number } = {
    // null: acks and dead letters queue while Redis is away and go out once it is back.
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: reconnectDelay,
    connectTimeout: 5_000,
    // ioredis option missing from its types: its default (2 s) keeps the process alive after closing during an outage.
    disconnectTimeout: 200,
    connectionName: `medic:${consumer.replace(/[^A-Za-z0-9._:-]/g, '_')}`,
    // The ready check runs INFO, which a least-privilege ACL user may not run; a Redis still loading answers LOADING, which the loop retries.
    enableReadyCheck: false,
    ...(config.tls ? { tls: { ...config.tls } } : {}),
  };
  const { tls: _tls, url, ...rest } = config;
  const client = new Redis(url, options);
  return new RedisKillSource({ ...rest, client, consumer, endpoint: redactUrl(url) });
}
