import * as v from 'valibot';
import { KILL_REASONS, SEVERITIES } from './model';
import type { KillReport, KillReportRejection } from './model';
import { entryFraming, own, utf8Bytes } from './entry-framing';
import { escapeNonPrintable, isPrintable } from './printable';
import { checkFreshness, checkSignature } from './report-signature';
import type { EntryTrust } from './report-signature';
import { err, ok } from './result';
import type { Result } from './result';

/** Largest accepted stream entry: UTF-8 bytes of every key and value together (ARCHITECTURE.md, Wire format). */
export const MAX_ENTRY_BYTES = 64 * 1024;

const MAX_NAME_LENGTH = 128;
const MAX_LIST_ITEMS = 100;
const MAX_EVIDENCE_LENGTH = 1024;
const MAX_METADATA_BYTES = 16 * 1024;
const MAX_METADATA_DEPTH = 5;
/** Bad values are echoed in messages only this far, so a rejection stays one readable line. */
const MAX_ECHO_LENGTH = 40;

const KILL_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const NAME_RULE = "must match [a-zA-Z0-9][a-zA-Z0-9_.-]* without '..'";
const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
/** A flat entry's confidence_score must be a plain decimal, so "NaN", "Infinity", "", " 1" and "0x1" are refused. */
const DECIMAL_PATTERN = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Fields a flat entry carries JSON-encoded. */
const JSON_FIELDS = ['evidence', 'dependencies', 'metadata'] as const;

type Rule =
  | 'required'
  | 'type'
  | 'min_length'
  | 'max_length'
  | 'pattern'
  | 'enum'
  | 'range'
  | 'max_items'
  | 'max_size'
  | 'max_depth'
  | 'timestamp'
  | 'json';

/** Splits a raw stream entry into the report object it frames: `payload` JSON, else `data` JSON, else the fields flat. */
export function decodeKillEntry(fields: Readonly<Record<string, string>>): Result<unknown, KillReportRejection> {
  const size = checkSize(fields);
  return size.ok ? decodeFraming(fields) : size;
}

/** Validates a wire-format report (snake_case; ARCHITECTURE.md, Wire format) and maps it to a `KillReport`; the first broken rule is the rejection. */
export function parseKillReport(input: unknown): Result<KillReport, KillReportRejection> {
  if (!isPlainObject(input)) return err(rejection('entry', 'type', `must be a JSON object (got ${shown(input)})`));
  const parsed = v.safeParse(WIRE_SCHEMA, input, { abortEarly: true });
  if (!parsed.success) return err(rejectionOf(parsed.issues[0]));
  const wire = parsed.output;
  return ok({
    killId: wire.kill_id,
    timestamp: wire.timestamp,
    targetModule: wire.target_module,
    targetInstanceId: wire.target_instance_id,
    killReason: wire.kill_reason,
    severity: wire.severity,
    confidenceScore: wire.confidence_score,
    evidence: wire.evidence,
    dependencies: wire.dependencies,
    sourceAgent: wire.source_agent,
    metadata: wire.metadata,
  });
}

/**
 * Reads one raw stream entry: its size, then (with `trust`) its signature over the exact bytes of its framing, then
 * the wire format, then the age of a signed report. The first check that fails is the rejection.
 */
export function readKillEntry(fields: Readonly<Record<string, string>>, trust?: EntryTrust): Result<KillReport, KillReportRejection> {
  const size = checkSize(fields);
  if (!size.ok) return size;
  const signed = trust ? checkSignature(fields, trust.policy) : ok(false);
  if (!signed.ok) return signed;
  const decoded = decodeFraming(fields);
  if (!decoded.ok) return decoded;
  const report = parseKillReport(decoded.value);
  if (!report.ok || !signed.value || !trust) return report;
  const fresh = checkFreshness(report.value.timestamp, trust);
  return fresh.ok ? report : fresh;
}

function checkSize(fields: Readonly<Record<string, string>>): Result<void, KillReportRejection> {
  const size = entryBytes(fields);
  if (size > MAX_ENTRY_BYTES) {
    return err(rejection('entry', 'max_size', `must be at most ${MAX_ENTRY_BYTES} bytes (got ${size} bytes)`));
  }
  return ok(undefined);
}

function decodeFraming(fields: Readonly<Record<string, string>>): Result<unknown, KillReportRejection> {
  const framing = entryFraming(fields);
  if (framing === 'flat') return decodeFlat(fields);
  const parsed = parseJson(framing, fields[framing] ?? '');
  if (!parsed.ok) return parsed;
  if (!isPlainObject(parsed.value)) return err(rejection(framing, 'type', `must hold a JSON object (got ${shown(parsed.value)})`));
  return parsed;
}

/** Best-effort kill_id of an entry that may be invalid (for rejection rows); only a well-formed id is returned. */
export function killIdHint(fields: Readonly<Record<string, string>>): string | null {
  const candidates: unknown[] = [];
  for (const framing of ['payload', 'data'] as const) {
    const text = own(fields, framing);
    if (text === undefined) continue;
    const parsed = parseJson(framing, text);
    if (parsed.ok && isPlainObject(parsed.value)) candidates.push(own(parsed.value, 'kill_id'));
    // Broken JSON may still name its kill_id plainly.
    else candidates.push(/"kill_id"\s*:\s*"([A-Za-z0-9._:-]{1,128})"/.exec(text)?.[1]);
  }
  candidates.push(own(fields, 'kill_id'));
  const hint = candidates.find(isKillId);
  return hint ?? null;
}

function isKillId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_NAME_LENGTH && KILL_ID_PATTERN.test(value);
}

function decodeFlat(fields: Readonly<Record<string, string>>): Result<unknown, KillReportRejection> {
  const report: Record<string, unknown> = { ...fields };
  for (const field of JSON_FIELDS) {
    const text = own(fields, field);
    if (text === undefined) continue;
    const parsed = parseJson(field, text);
    if (!parsed.ok) return parsed;
    report[field] = parsed.value;
  }
  const confidence = own(fields, 'confidence_score');
  if (confidence !== undefined) {
    if (!DECIMAL_PATTERN.test(confidence)) {
      return err(rejection('confidence_score', 'type', `must be a number (got ${shown(confidence)})`));
    }
    report.confidence_score = Number(confidence);
  }
  return ok(report);
}

function parseJson(field: string, text: string): Result<unknown, KillReportRejection> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return err(rejection(field, 'json', `must be valid JSON (got ${shown(text)})`));
  }
}

function entryBytes(fields: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const [key, value] of Object.entries(fields)) total += utf8Bytes(key) + utf8Bytes(String(value));
  return total;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Rules of the `check` actions, keyed by their requirement function (valibot reports every check as type "check"). */
const CHECK_RULES = new WeakMap<object, Rule>();

function checked<T>(rule: Rule, requirement: (input: T) => boolean, message: (issue: v.CheckIssue<T>) => string) {
  CHECK_RULES.set(requirement, rule);
  return v.check(requirement, message);
}

/** A message that echoes the offending value. */
const says =
  (text: string) =>
  (issue: v.BaseIssue<unknown>): string =>
    `${text} (got ${shown(issue.input)})`;

const atMost = (limit: number, unit: string) => (issue: v.BaseIssue<unknown>) =>
  `must be at most ${limit} ${unit} (got ${(issue.input as { length: number }).length})`;

const boundedString = (max: number) => v.pipe(v.string(says('must be a string')), v.maxLength(max, atMost(max, 'characters')));

const nonEmptyString = (max: number) =>
  v.pipe(v.string(says('must be a string')), v.minLength(1, 'must not be empty'), v.maxLength(max, atMost(max, 'characters')));

const moduleName = () =>
  v.pipe(
    nonEmptyString(MAX_NAME_LENGTH),
    v.regex(NAME_PATTERN, says(NAME_RULE)),
    checked('pattern', (name: string) => !name.includes('..'), says(NAME_RULE)),
  );

const list = <T extends v.GenericSchema>(item: T, what: string) =>
  v.optional(v.pipe(v.array(item, says(`must be an array of ${what}`)), v.maxLength(MAX_LIST_ITEMS, atMost(MAX_LIST_ITEMS, 'items'))), () => []);

const oneOf = (values: readonly string[]) => says(`must be one of ${values.join(', ')}`);

const WIRE_SCHEMA = v.object({
  kill_id: v.pipe(nonEmptyString(MAX_NAME_LENGTH), v.regex(KILL_ID_PATTERN, says('must consist of [A-Za-z0-9._:-]'))),
  timestamp: v.pipe(
    v.string(says('must be a string')),
    checked('timestamp', isZonedTimestamp, says('must be a real ISO 8601 date-time with a zone (Z or ±hh:mm), e.g. 2026-02-11T12:00:00Z')),
  ),
  target_module: moduleName(),
  target_instance_id: moduleName(),
  kill_reason: v.picklist(KILL_REASONS, oneOf(KILL_REASONS)),
  severity: v.picklist(SEVERITIES, oneOf(SEVERITIES)),
  confidence_score: v.pipe(
    v.number(says('must be a number')),
    v.finite(says('must be a finite number')),
    v.minValue(0, says('must be between 0 and 1')),
    v.maxValue(1, says('must be between 0 and 1')),
  ),
  evidence: list(boundedString(MAX_EVIDENCE_LENGTH), 'strings'),
  dependencies: list(moduleName(), 'module names'),
  source_agent: v.pipe(
    nonEmptyString(MAX_NAME_LENGTH),
    checked('pattern', isPrintable, says('must be printable (no control, format, bidi or zero-width characters)')),
  ),
  metadata: v.optional(
    v.pipe(
      v.custom<Record<string, unknown>>(isPlainObject, says('must be a JSON object')),
      // Depth first: it is a bounded walk, so a cyclic object fails here instead of overflowing the later checks.
      checked(
        'max_depth',
        (meta: Record<string, unknown>) => depthOf(meta, MAX_METADATA_DEPTH + 1) <= MAX_METADATA_DEPTH,
        () => `must be nested at most ${MAX_METADATA_DEPTH} levels deep (got more)`,
      ),
      checked('type', (meta: Record<string, unknown>) => isJsonValue(meta), () => 'must hold only JSON values (strings, finite numbers, booleans, null, arrays, objects)'),
      checked(
        'max_size',
        (meta: Record<string, unknown>) => jsonBytes(meta) <= MAX_METADATA_BYTES,
        (issue) => `must be at most ${MAX_METADATA_BYTES} bytes as JSON (got ${jsonBytes(issue.input)} bytes)`,
      ),
    ),
    () => ({}),
  ),
});

/** A kill report in Smith's wire format (snake_case JSON) as a producer writes it: what parseKillReport accepts. */
export type KillReportWire = v.InferInput<typeof WIRE_SCHEMA>;

function rejectionOf(issue: v.BaseIssue<unknown>): KillReportRejection {
  const field = v.getDotPath(issue) ?? 'entry';
  if (issue.path?.at(-1)?.origin === 'key') return rejection(field, 'required', 'is required');
  return rejection(field, ruleOf(issue), issue.message);
}

function ruleOf(issue: v.BaseIssue<unknown>): Rule {
  switch (issue.type) {
    case 'min_length':
      return 'min_length';
    case 'max_length':
      return Array.isArray(issue.input) ? 'max_items' : 'max_length';
    case 'regex':
      return 'pattern';
    case 'picklist':
      return 'enum';
    case 'min_value':
    case 'max_value':
      return 'range';
    case 'check':
      return (issue.requirement !== undefined && CHECK_RULES.get(issue.requirement as object)) || 'type';
    default:
      return 'type';
  }
}

function rejection(field: string, rule: Rule, reason: string): KillReportRejection {
  return { field, rule, message: `${field}: ${reason}` };
}

/** A short rendering of a bad value for a message, as a JSON string with every non-printable character escaped. */
function shown(value: unknown): string {
  if (typeof value === 'string') {
    const cut = value.length > MAX_ECHO_LENGTH ? `${value.slice(0, MAX_ECHO_LENGTH)}…` : value;
    return escapeNonPrintable(JSON.stringify(cut));
  }
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

/** ISO 8601 date-time with Z or ±hh:mm that names a real instant (no 2026-02-30, no 25:00). */
function isZonedTimestamp(text: string): boolean {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second = 0, offsetHour = 0, offsetMinute = 0] = match
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  if (year === undefined || month === undefined || day === undefined || hour === undefined || minute === undefined) return false;
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHour <= 23 &&
    offsetMinute <= 59
  );
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Nesting depth of arrays and objects (a flat object is 1), counted no further than `limit`. */
function depthOf(value: unknown, limit: number): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (limit <= 1) return 1;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, limit - 1));
  return 1 + deepest;
}

function isJsonValue(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  return isPlainObject(value) && Object.values(value).every(isJsonValue);
}

function jsonBytes(value: unknown): number {
  return utf8Bytes(JSON.stringify(value) ?? '');
}
