import type Redis from 'ioredis';
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

/** Where a consumer group stands: entries read but not acknowledged, entries not yet read, entries read so far. */
export interface GroupProgress {
  readonly pending: number;
  readonly lag: number | null;
  readonly entriesRead: number | null;
}

/** XINFO GROUPS for one group; null until the agent has created it. */
export async function groupProgress(redis: Redis, stream: string, group: string): Promise<GroupProgress | null> {
  let groups: unknown[];
  try {
    groups = (await redis.xinfo('GROUPS', stream)) as unknown[];
  } catch (error) {
    if ((error as Error).message.includes('no such key')) return null;
    throw error;
  }
  for (const raw of groups) {
    const flat = raw as Array<string | number | null>;
    const info = new Map<string, string | number | null>();
    for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1] ?? null);
    if (info.get('name') !== group) continue;
    const num = (key: string): number | null => {
      const value = info.get(key);
      return value === null || value === undefined ? null : Number(value);
    };
    return { pending: num('pending') ?? 0, lag: num('lag'), entriesRead: num('entries-read') };
  }
  return null;
}

/** Whether every one of `total` entries has been read and acknowledged. */
export function drained(progress: GroupProgress | null, total: number): boolean {
  if (progress === null || progress.pending > 0) return false;
  return progress.lag === 0 || (progress.entriesRead !== null && progress.entriesRead >= total);
}

/** Removes the bench's streams (and their dead-letter streams). */
export async function dropStreams(redis: Redis, streams: readonly string[]): Promise<void> {
  if (streams.length > 0) await redis.del(...streams.flatMap((s) => [s, `${s}.dead`]));
}
