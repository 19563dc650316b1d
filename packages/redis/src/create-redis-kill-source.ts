import { hostname } from 'node:os';
import Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { RedisKillSource } from './redis-kill-source';
import type { RedisKillSourceOptions } from './redis-kill-source';

export interface RedisKillSourceConfig extends Omit<RedisKillSourceOptions, 'client' | 'consumer'> {
  /** redis:// or rediss:// (TLS), optionally with user and password. */
  readonly url: string;
  /** Default: this machine's host name, stable across restarts. */
  readonly consumer?: string;
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
  };
  const client = new Redis(config.url, options);
  return new RedisKillSource({ ...config, client, consumer });
}
