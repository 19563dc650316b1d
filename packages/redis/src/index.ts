export { RedisKillSource } from './redis-kill-source';
export type { RedisKillSourceOptions, RedisLogger, RedisLogLevel } from './redis-kill-source';
export { createRedisKillSource, reconnectDelay, redactUrl } from './create-redis-kill-source';
export type { RedisKillSourceConfig } from './create-redis-kill-source';
export type { RedisStreamClient, RedisTransaction, RedisConnectionStatus, ReaderConnectionOptions } from './redis-stream-client';
