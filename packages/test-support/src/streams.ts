import type Redis from 'ioredis';
import { uniqueId } from './scratch';
import { waitFor } from './wait';
import type { WaitOptions } from './wait';

/** Fields of one stream entry, as XADD writes them. */
export type EntryFields = Readonly<Record<string, string>>;

/** XADDs per round trip when publishing many entries. */
const PIPELINE_CHUNK = 1000;

/** A fresh stream name, so tests and bench runs share the server without sharing keys. */
export const testStream = (label = 'test'): string => `medic-test:${label}:${uniqueId()}`;

/** Removes the streams and their dead-letter streams (`<stream>.dead`). */
export async function deleteStreams(redis: Redis, ...streams: readonly string[]): Promise<void> {
  if (streams.length > 0) await redis.del(...streams.flatMap((s) => [s, `${s}.dead`]));
}

/** Appends one entry; resolves with its id once Redis has it. */
export async function publish(redis: Redis, stream: string, fields: EntryFields): Promise<string> {
  return (await redis.xadd(stream, '*', ...Object.entries(fields).flat())) as string;
}

/** Appends the entries in order, pipelined; resolves with their ids. */
export async function publishAll(redis: Redis, stream: string, entries: readonly EntryFields[]): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < entries.length; start += PIPELINE_CHUNK) {
    const pipeline = redis.pipeline();
    for (const fields of entries.slice(start, start + PIPELINE_CHUNK)) pipeline.xadd(stream, '*', ...Object.entries(fields).flat());
    for (const [error, id] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      ids.push(id as string);
    }
  }
  return ids;
}

/** The fields of a reply's flat list `[name, value, name, value, …]`. */
export function fieldsOf(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return fields;
}

/** Every dead letter of `stream`: its reason, by the id of the entry it copies. */
export async function deadLetterReasons(redis: Redis, stream: string): Promise<Map<string, string>> {
  const dead = await redis.xrange(`${stream}.dead`, '-', '+');
  return new Map(dead.map(([, flat]) => fieldsOf(flat)).map((fields) => [fields['original_id'] ?? '', fields['reason'] ?? '']));
}

/** Where a consumer group stands (XINFO GROUPS). */
export interface GroupInfo {
  /** Entries read and not acknowledged. */
  readonly pending: number;
  /** Entries not read yet (null when Redis cannot tell). */
  readonly lag: number | null;
  /** Entries read so far (null when Redis cannot tell). */
  readonly entriesRead: number | null;
  /** The newest entry handed to a consumer. */
  readonly lastDeliveredId: string;
}

/** The group's standing; null until the stream and the group exist. */
export async function groupInfo(redis: Redis, stream: string, group: string): Promise<GroupInfo | null> {
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
    return { pending: num('pending') ?? 0, lag: num('lag'), entriesRead: num('entries-read'), lastDeliveredId: String(info.get('last-delivered-id') ?? '0-0') };
  }
  return null;
}

/** Entries of the group read and not acknowledged (XPENDING). */
export async function pendingCount(redis: Redis, stream: string, group: string): Promise<number> {
  const [count] = (await redis.xpending(stream, group)) as [number, ...unknown[]];
  return Number(count);
}

/** Whether stream entry id `a` comes at or after `b` ("<ms>-<seq>"). */
export function entryAtOrAfter(a: string, b: string): boolean {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs > bMs || (aMs === bMs && aSeq >= bSeq);
}

/** Waits until `group` has read every entry of `stream` up to `lastId` and acknowledged all it read. */
export async function waitUntilHandled(redis: Redis, stream: string, group: string, lastId: string, options: WaitOptions = {}): Promise<void> {
  await waitFor(
    `every entry up to ${lastId} to be read and acknowledged`,
    async () => {
      const info = await groupInfo(redis, stream, group);
      return info !== null && entryAtOrAfter(info.lastDeliveredId, lastId) && (await pendingCount(redis, stream, group)) === 0;
    },
    options,
  );
}
