import { MedicError } from '@medic/domain';

/** One stream entry as Redis returned it; `fields` is null when the entry was deleted while still pending. */
export interface StreamEntry {
  readonly id: string;
  readonly fields: Record<string, string> | null;
}

/** The part of an XAUTOCLAIM reply the source needs. */
export interface AutoClaimReply {
  /** Where the next scan starts; "0-0" once the whole pending list was scanned. */
  readonly cursor: string;
  readonly entries: StreamEntry[];
  /** Pending ids whose entries no longer exist (Redis ≥ 7 drops them from the pending list itself). */
  readonly deletedIds: string[];
}

/** Entries of a single-stream XREADGROUP reply (`null` when the read timed out). */
export function parseReadReply(reply: unknown): StreamEntry[] {
  if (reply === null || reply === undefined) return [];
  const [stream] = asArray(reply, 'XREADGROUP reply');
  if (stream === undefined) return [];
  const [, entries] = asArray(stream, 'XREADGROUP stream');
  return parseEntries(entries);
}

/** An XAUTOCLAIM reply of Redis 6.2 (two elements) or ≥ 7 (three). */
export function parseAutoClaimReply(reply: unknown): AutoClaimReply {
  const [cursor, entries, deleted] = asArray(reply, 'XAUTOCLAIM reply');
  return {
    cursor: asString(cursor, 'XAUTOCLAIM cursor'),
    entries: parseEntries(entries),
    deletedIds: deleted === undefined || deleted === null ? [] : asArray(deleted, 'XAUTOCLAIM deleted ids').map((id) => asString(id, 'deleted id')),
  };
}

/** Field/value pairs of a flat array; a repeated field keeps its last value. */
export function fieldsToRecord(flat: readonly unknown[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    fields[asString(flat[i], 'field name')] = asString(flat[i + 1], 'field value');
  }
  return fields;
}

function parseEntries(entries: unknown): StreamEntry[] {
  if (entries === null || entries === undefined) return [];
  const parsed: StreamEntry[] = [];
  for (const entry of asArray(entries, 'stream entries')) {
    // Redis 6.2 answers a claimed but deleted entry with a bare nil: there is no id to act on.
    if (entry === null) continue;
    const [id, flat] = asArray(entry, 'stream entry');
    parsed.push({ id: asString(id, 'entry id'), fields: flat === null || flat === undefined ? null : fieldsToRecord(asArray(flat, 'entry fields')) });
  }
  return parsed;
}

function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new MedicError('redis_protocol', `unexpected ${what} from Redis: ${typeof value}`);
  return value;
}

function asString(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new MedicError('redis_protocol', `unexpected ${what} from Redis: ${typeof value}`);
}
