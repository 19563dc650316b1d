import type Redis from 'ioredis';
import type { GroupInfo } from '@medic/test-support';
import type { RawEntry, WireKill } from './kills';

/** XADDs per pipeline round trip when publishing many kills at once. */
const PIPELINE_CHUNK = 1000;

/** Publishes the kills as Smith does (JSON in field `payload`), pipelined. */
export async function publishAll(redis: Redis, stream: string, kills: readonly WireKill[]): Promise<void> {
  for (let start = 0; start < kills.length; start += PIPELINE_CHUNK) {
    const pipeline = redis.pipeline();
    for (const kill of kills.slice(start, start + PIPELINE_CHUNK)) pipeline.xadd(stream, '*', 'payload', JSON.stringify(kill));
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
  }
}

/** Publishes raw entries (any fields), pipelined. */
export async function publishRaw(redis: Redis, stream: string, entries: readonly RawEntry[]): Promise<void> {
  for (let start = 0; start < entries.length; start += PIPELINE_CHUNK) {
    const pipeline = redis.pipeline();
    for (const fields of entries.slice(start, start + PIPELINE_CHUNK)) pipeline.xadd(stream, '*', ...Object.entries(fields).flat());
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
  }
}

/** Publishes one kill; resolves when Redis has it. */
export async function publishOne(redis: Redis, stream: string, kill: WireKill): Promise<void> {
  await redis.xadd(stream, '*', 'payload', JSON.stringify(kill));
}

/** Whether every one of `total` entries has been read and acknowledged. */
export function drained(progress: GroupInfo | null, total: number): boolean {
  if (progress === null || progress.pending > 0) return false;
  return progress.lag === 0 || (progress.entriesRead !== null && progress.entriesRead >= total);
}

/** Removes the bench's streams (and their dead-letter streams). */
export async function dropStreams(redis: Redis, streams: readonly string[]): Promise<void> {
  if (streams.length > 0) await redis.del(...streams.flatMap((s) => [s, `${s}.dead`]));
}
