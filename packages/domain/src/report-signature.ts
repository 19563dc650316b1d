import { entryFraming, own, utf8Bytes } from './entry-framing';
import type { EntryFraming } from './entry-framing';
import type { KillReportRejection } from './model';
import { err, ok } from './result';
import type { Result } from './result';

/** Entry field holding the signature: 64 hex digits of HMAC-SHA256. */
export const SIGNATURE_FIELD = 'sig';
/** Entry field naming the key the signature was made with. */
export const KEY_ID_FIELD = 'kid';
/** How far ahead of Medic's clock a signed report's timestamp may be (clocks of different hosts drift). */
export const MAX_CLOCK_SKEW_SECONDS = 30;
/** Start of the bytes signed for a flat entry; JSON text never starts so, so no two framings sign the same bytes. */
export const FLAT_SIGNING_PREFIX = 'medic-flat-v1\n';

const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const SIGNATURE_PATTERN = /^[0-9a-fA-F]{64}$/;
const encoder = new TextEncoder();

/** The cryptography the check needs, handed in: the core computes no MAC itself. */
export interface MacFunctions {
  /** HMAC-SHA256 of `message` under `key`. */
  hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array;
  /** Whether two byte strings of equal length are equal, in time that does not depend on where they differ. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
}

/** How Medic trusts kill reports (smith.signing). */
export interface SigningPolicy {
  /** Every entry must carry a valid signature. */
  readonly required: boolean;
  /** Secrets by key id; two are valid at once while a key is rotated. */
  readonly keys: ReadonlyMap<string, Uint8Array>;
  /** A signed report older than this (or more than MAX_CLOCK_SKEW_SECONDS in the future) is stale. */
  readonly maxReportAgeSeconds: number;
  readonly mac: MacFunctions;
}

/** What reading an entry needs besides the entry: the signing policy, the clock's reading, and when the broker took the entry. */
export interface EntryTrust {
  readonly policy: SigningPolicy;
  readonly now: Date;
  /** When the broker accepted the entry (ISO 8601), if it says; a report's age counts from here, so a backlog is not stale. */
  readonly enqueuedAt?: string;
}

/**
 * The exact bytes a signature covers, for the entry's framing:
 * - `payload` or `data`: that field's value, as UTF-8, byte for byte as Smith wrote it;
 * - flat: FLAT_SIGNING_PREFIX, then every field except `sig` and `kid` in ascending order of their names' UTF-8 bytes,
 *   each as the netstring of its name followed by the netstring of its value (netstring of x: the decimal number of
 *   UTF-8 bytes of x, ":", x, ",").
 */
export function signedBytes(fields: Readonly<Record<string, string>>): Uint8Array {
  const framing = entryFraming(fields);
  return encoder.encode(framing === 'flat' ? flatSigningText(fields) : (own(fields, framing) ?? ''));
}

/** The entry with `kid` and `sig` added: what Smith writes (and what tests and `pnpm sign-report` produce). */
export function signKillEntry(fields: Readonly<Record<string, string>>, keyId: string, key: Uint8Array, mac: MacFunctions): Record<string, string> {
  const unsigned = Object.fromEntries(Object.entries(fields).filter(([name]) => name !== SIGNATURE_FIELD && name !== KEY_ID_FIELD));
  return { ...unsigned, [KEY_ID_FIELD]: keyId, [SIGNATURE_FIELD]: toHex(mac.hmacSha256(key, signedBytes(unsigned))) };
}

/**
 * Checks an entry's signature. ok(true): signed with a known key and intact; ok(false): unsigned, and allowed to be
 * (signing not required; `sig`/`kid` are then checked only when keys are configured). Otherwise a `bad_signature`
 * rejection naming `sig` or `kid`.
 */
export function checkSignature(fields: Readonly<Record<string, string>>, policy: SigningPolicy): Result<boolean, KillReportRejection> {
  const sig = own(fields, SIGNATURE_FIELD);
  const kid = own(fields, KEY_ID_FIELD);
  if (sig === undefined && kid === undefined) {
    return policy.required ? err(bad(SIGNATURE_FIELD, 'the entry is not signed, and smith.signing.required is on')) : ok(false);
  }
  if (!policy.required && policy.keys.size === 0) return ok(false);
  if (kid === undefined) return err(bad(KEY_ID_FIELD, 'missing: a signed entry names its key id'));
  if (!KEY_ID_PATTERN.test(kid)) return err(bad(KEY_ID_FIELD, 'must be 1-64 characters of [A-Za-z0-9._-]'));
  const key = policy.keys.get(kid);
  if (key === undefined) return err(bad(KEY_ID_FIELD, `unknown key id ${kid}`));
  if (sig === undefined) return err(bad(SIGNATURE_FIELD, 'missing: the entry names a key id but carries no signature'));
  if (!SIGNATURE_PATTERN.test(sig)) return err(bad(SIGNATURE_FIELD, 'must be 64 hex digits (HMAC-SHA256)'));
  const framing: EntryFraming = entryFraming(fields);
  const expected = policy.mac.hmacSha256(key, signedBytes(fields));
  if (!policy.mac.equal(expected, fromHex(sig))) {
    return err(bad(SIGNATURE_FIELD, `does not match the ${framing === 'flat' ? 'flat fields' : `${framing} field`} under key ${kid}`));
  }
  return ok(true);
}

/**
 * Whether a signed report is fresh: its timestamp at most maxReportAgeSeconds before the moment the broker accepted
 * the entry (or now, whichever is earlier; a replay is a new entry, accepted now), and at most MAX_CLOCK_SKEW_SECONDS
 * after now. Otherwise a `stale_report` rejection naming `timestamp`.
 */
export function checkFreshness(timestamp: string, trust: EntryTrust): Result<void, KillReportRejection> {
  const reported = Date.parse(timestamp);
  const now = trust.now.getTime();
  const enqueued = trust.enqueuedAt === undefined ? Number.NaN : Date.parse(trust.enqueuedAt);
  const reference = Number.isNaN(enqueued) ? now : Math.min(now, enqueued);
  const maxAge = trust.policy.maxReportAgeSeconds;
  const age = (reference - reported) / 1000;
  if (age > maxAge) {
    return err(stale(`${timestamp} is ${Math.floor(age)} s older than the entry; signed reports may be at most ${maxAge} s old`));
  }
  const ahead = (reported - now) / 1000;
  if (ahead > MAX_CLOCK_SKEW_SECONDS) {
    return err(stale(`${timestamp} is ${Math.ceil(ahead)} s in the future; at most ${MAX_CLOCK_SKEW_SECONDS} s of clock skew is allowed`));
  }
  return ok(undefined);
}

function flatSigningText(fields: Readonly<Record<string, string>>): string {
  const names = Object.keys(fields)
    .filter((name) => name !== SIGNATURE_FIELD && name !== KEY_ID_FIELD)
    .sort(byCodePoints);
  let text = FLAT_SIGNING_PREFIX;
  for (const name of names) text += netstring(name) + netstring(fields[name] ?? '');
  return text;
}

function netstring(text: string): string {
  return `${utf8Bytes(text)}:${text},`;
}

/** Code-point order, which is the order of the strings' UTF-8 bytes (UTF-16 code-unit order is not, beyond U+FFFF). */
function byCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = (left[i]?.codePointAt(0) ?? 0) - (right[i]?.codePointAt(0) ?? 0);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function bad(field: string, reason: string): KillReportRejection {
  return { field, rule: 'bad_signature', message: `${field}: bad_signature: ${reason}` };
}

function stale(reason: string): KillReportRejection {
  return { field: 'timestamp', rule: 'stale_report', message: `timestamp: stale_report: ${reason}` };
}
