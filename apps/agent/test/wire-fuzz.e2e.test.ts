// A seeded fuzz run of the wire format against the real Redis source and SQLite store: thousands of generated
// entries, about half of them hostile in 40 ways, with signed reports required. Every hostile entry is dead-lettered
// with the field it broke named, every valid kill is decided exactly once, nothing stays pending, and no log line
// carries a raw control, bidi or zero-width character.
import type Redis from 'ioredis';
import { isPrintable, KILL_REASONS, Prng, SEVERITIES, signKillEntry } from '@medic/domain';
import { connectRedis, deadLetterReasons, publishAll, REDIS_URL, scratchDir, testStream, waitUntilHandled } from '@medic/test-support';
import { createAgent } from '../src/agent';
import type { Agent } from '../src/agent';
import { buildConfig } from '../src/config';
import { NODE_MAC } from '../src/signing';
import { capturedLogger, GROUP } from './harness';

const SEED = 13;
const ENTRIES = 3_000;
const KEY = 'fuzz-key-0123456789abcdef0123456789abcdef';
const key = new TextEncoder().encode(KEY);

/** The same entries on every run. */
const prng = new Prng(SEED);
const random = (): number => prng.next();
const pick = <T>(values: readonly T[]): T => prng.pick(values);
const int = (max: number): number => prng.int(max);
const name = (): string => `${pick(['web', 'api', 'db', 'cache', 'Queue_2', 'x'])}${pick(['', '-1', '.blue', '_a9'])}`;
/** Characters that must never reach a log line or a terminal raw. */
const HOSTILE_CHARS = ['\u0000', '\u0007', '\u001b[2J', '\n', '\r', '\u007f', '\u0085', '\u009b', '\u202e', '\u2066', '\u200b', '\u200d', '\ufeff', '\u2028', '\u00ad'];
/** Printable text, including non-Latin scripts and emoji. */
const prose = (): string => pick(['cpu spike', 'egress to 203.0.113.9', 'ü€ ✓', 'スミス', 'ok 😀', 'a "quoted" \\ value', '']);

type Report = Record<string, unknown>;

function validReport(n: number): Report {
  return {
    kill_id: `fuzz-${n}-${int(1e6)}`,
    timestamp: new Date(Date.now() - int(60_000)).toISOString(),
    target_module: name(),
    target_instance_id: name(),
    kill_reason: pick(KILL_REASONS),
    severity: pick(SEVERITIES),
    confidence_score: Math.round(random() * 1000) / 1000,
    // Evidence has no charset rule: hostile characters are valid here and must come out escaped.
    evidence: Array.from({ length: int(4) }, () => (random() < 0.3 ? `${prose()}${pick(HOSTILE_CHARS)}` : prose())),
    dependencies: Array.from({ length: int(3) }, name),
    source_agent: pick(['smith', 'Smith v2 (prod) – ü', 'smith/eu-1']),
    metadata: random() < 0.5 ? {} : { node: 'n1', depth: { two: { three: [1, 2] } }, note: prose() },
  };
}

type Framing = 'payload' | 'data' | 'flat';
function frame(report: Report, framing: Framing): Record<string, string> {
  if (framing !== 'flat') return { [framing]: JSON.stringify(report) };
  return Object.fromEntries(Object.entries(report).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}
const sign = (fields: Record<string, string>): Record<string, string> => signKillEntry(fields, 'fuzz', key, NODE_MAC);

interface Hostile {
  readonly fields: Record<string, string>;
  /** The field the rejection must name. */
  readonly field: string;
  readonly kind: string;
}

/** One hostile class: a report broken in one field, framed and (unless the class is about signatures) signed. */
type Breaker = (report: Report) => { report?: Report; fields?: Record<string, string>; field: string; framing?: Framing; signed?: boolean };

const without = (report: Report, field: string): Report => Object.fromEntries(Object.entries(report).filter(([k]) => k !== field));
const nested = (depth: number): unknown => (depth === 0 ? 1 : { d: nested(depth - 1) });

const BREAKERS: Record<string, Breaker> = {
  kill_id_control: (r) => ({ report: { ...r, kill_id: `k${pick(HOSTILE_CHARS)}1` }, field: 'kill_id' }),
  kill_id_long: (r) => ({ report: { ...r, kill_id: 'k'.repeat(129) }, field: 'kill_id' }),
  // Types only exist in JSON framings: a flat field is always a string.
  kill_id_number: (r) => ({ report: { ...r, kill_id: 42 }, field: 'kill_id', framing: 'payload' }),
  module_dotdot: (r) => ({ report: { ...r, target_module: 'a..b' }, field: 'target_module' }),
  module_c1: (r) => ({ report: { ...r, target_module: `web${pick(['\u0085', '\u009b', '\u0080'])}` }, field: 'target_module' }),
  module_path: (r) => ({ report: { ...r, target_module: '../etc/passwd' }, field: 'target_module' }),
  instance_slash: (r) => ({ report: { ...r, target_instance_id: 'a/b' }, field: 'target_instance_id' }),
  instance_bidi: (r) => ({ report: { ...r, target_instance_id: 'web\u202e1' }, field: 'target_instance_id' }),
  agent_control: (r) => ({ report: { ...r, source_agent: `smith${pick(HOSTILE_CHARS)}` }, field: 'source_agent' }),
  agent_empty: (r) => ({ report: { ...r, source_agent: '' }, field: 'source_agent' }),
  severity_unknown: (r) => ({ report: { ...r, severity: `apocalyptic\u001b[31m${pick(HOSTILE_CHARS)}` }, field: 'severity' }),
  reason_type: (r) => ({ report: { ...r, kill_reason: 7 }, field: 'kill_reason' }),
  confidence_range: (r) => ({ report: { ...r, confidence_score: pick([1.01, -0.1, 1e308]) }, field: 'confidence_score' }),
  confidence_string: (r) => ({ report: { ...r, confidence_score: pick(['0.4', 'NaN', '']) }, field: 'confidence_score', framing: 'data' }),
  timestamp_zoneless: (r) => ({ report: { ...r, timestamp: '2026-02-11T12:00:00' }, field: 'timestamp' }),
  timestamp_impossible: (r) => ({ report: { ...r, timestamp: '2026-02-30T12:00:00Z' }, field: 'timestamp' }),
  evidence_many: (r) => ({ report: { ...r, evidence: Array.from({ length: 101 }, () => 'e') }, field: 'evidence' }),
  evidence_long: (r) => ({ report: { ...r, evidence: ['ok', 'x'.repeat(1025)] }, field: 'evidence.1' }),
  evidence_object: (r) => ({ report: { ...r, evidence: { a: 1 } }, field: 'evidence' }),
  dependencies_many: (r) => ({ report: { ...r, dependencies: Array.from({ length: 101 }, () => 'db') }, field: 'dependencies' }),
  dependency_bad: (r) => ({ report: { ...r, dependencies: ['db', `-x${pick(HOSTILE_CHARS)}`] }, field: 'dependencies.1' }),
  metadata_deep: (r) => ({ report: { ...r, metadata: nested(6) }, field: 'metadata' }),
  metadata_array: (r) => ({ report: { ...r, metadata: [1, 2] }, field: 'metadata' }),
  metadata_big: (r) => ({ report: { ...r, metadata: { blob: 'x'.repeat(17_000) } }, field: 'metadata' }),
  missing_field: (r) => {
    const field = pick(['kill_id', 'timestamp', 'target_module', 'target_instance_id', 'kill_reason', 'severity', 'confidence_score', 'source_agent']);
    return { report: without(r, field), field };
  },
  payload_not_json: (r) => ({ fields: { payload: `${JSON.stringify(r).slice(0, 40)}\u0000` }, field: 'payload' }),
  payload_array: (r) => ({ fields: { payload: JSON.stringify([r]) }, field: 'payload' }),
  data_not_json: () => ({ fields: { data: '{"kill_id": "x",' }, field: 'data' }),
  flat_confidence: (r) => ({ fields: { ...frame(r, 'flat'), confidence_score: pick(['0x1', ' 0.4', 'Infinity', '\ufeff0.4']) }, field: 'confidence_score' }),
  flat_evidence_json: (r) => ({ fields: { ...frame(r, 'flat'), evidence: '[unterminated' }, field: 'evidence' }),
  flat_proto_only: () => ({ fields: { __proto__x: '1', constructor: 'x', toString: 'y' }, field: 'kill_id' }),
  entry_too_big: (r) => ({ fields: { payload: JSON.stringify(r), padding: 'p'.repeat(66_000) }, field: 'entry' }),
  unsigned: (r) => ({ report: r, field: 'sig', signed: false }),
  unknown_kid: (r) => ({ fields: signKillEntry(frame(r, 'payload'), 'other', key, NODE_MAC), field: 'kid', signed: false }),
  wrong_secret: (r) => ({ fields: signKillEntry(frame(r, 'payload'), 'fuzz', new TextEncoder().encode('x'.repeat(40)), NODE_MAC), field: 'sig', signed: false }),
  tampered: (r) => {
    const fields = sign(frame(r, 'payload'));
    return { fields: { ...fields, payload: fields.payload!.replace(/"severity":"\w+"/, '"severity":"info"').replace(/}$/, ',"x":1}') }, field: 'sig', signed: false };
  },
  malformed_sig: (r) => ({ fields: { ...frame(r, 'payload'), kid: 'fuzz', sig: `${pick(HOSTILE_CHARS)}zz` }, field: 'sig', signed: false }),
  flat_field_added: (r) => ({ fields: { ...sign(frame(r, 'flat')), extra: '1' }, field: 'sig', signed: false }),
  stale: (r) => ({ report: { ...r, timestamp: new Date(Date.now() - 3_600_000).toISOString() }, field: 'timestamp' }),
  future: (r) => ({ report: { ...r, timestamp: new Date(Date.now() + 3_600_000).toISOString() }, field: 'timestamp' }),
};

function hostile(n: number): Hostile {
  const kind = pick(Object.keys(BREAKERS));
  const broken = BREAKERS[kind]!(validReport(n));
  const framing = broken.framing ?? pick<Framing>(['payload', 'payload', 'data', 'flat']);
  const fields = broken.fields ?? frame(broken.report ?? {}, framing);
  return { fields: broken.signed === false ? fields : sign(fields), field: broken.field, kind };
}

let redis: Redis;
let agent: Agent | null = null;
let stream: string;
let cleanup: () => void = () => undefined;

beforeAll(async () => {
  redis = await connectRedis();
});

afterAll(async () => {
  await agent?.stop();
  cleanup();
  if (stream) await redis.del(stream, `${stream}.dead`);
  redis?.disconnect();
});

describe(`wire-format fuzz (seed ${SEED}, ${ENTRIES} entries, signed reports required)`, () => {
  it('dead-letters every hostile entry naming its field, decides every valid kill once, and leaves nothing pending', async () => {
    const valid: Array<{ killId: string; fields: Record<string, string> }> = [];
    const bad: Hostile[] = [];
    const entries: Array<{ fields: Record<string, string>; expect: { killId: string } | Hostile }> = [];
    for (let n = 0; n < ENTRIES; n++) {
      const roll = random();
      if (roll < 0.45) {
        const h = hostile(n);
        bad.push(h);
        entries.push({ fields: h.fields, expect: h });
      } else if (roll < 0.5 && valid.length > 0) {
        const again = pick(valid);
        entries.push({ fields: again.fields, expect: { killId: again.killId } });
      } else {
        const report = validReport(n);
        const fields = sign(frame(report, pick<Framing>(['payload', 'payload', 'data', 'flat'])));
        valid.push({ killId: report.kill_id as string, fields });
        entries.push({ fields, expect: { killId: report.kill_id as string } });
      }
    }
    expect(new Set(bad.map((h) => h.kind)).size).toBe(Object.keys(BREAKERS).length);

    const scratch = scratchDir();
    cleanup = scratch.remove;
    stream = testStream('fuzz');
    const config = buildConfig(
      {
        mode: 'observer',
        smith: { event_bus: { topic: stream, consumer_name: 'fuzz', block_ms: 100 }, signing: { required: true, keys: { fuzz: 'FUZZ_KEY' } } },
        learning: { database: { path: 'data/outcomes.db' } },
        api: { enabled: false },
        logging: { level: 'info', format: 'json' },
      },
      { env: { REDIS_URL, FUZZ_KEY: KEY }, cwd: scratch.dir, file: null },
    );
    const { logger, raw: lines } = capturedLogger();
    agent = await createAgent({ config, logger });

    const ids = await publishAll(redis, stream, entries.map((entry) => entry.fields));
    await agent.start();

    const last = ids.at(-1)!;
    await waitUntilHandled(redis, stream, GROUP, last, { timeoutMs: 120_000 });

    const reasons = await deadLetterReasons(redis, stream);
    const misjudged: string[] = [];
    entries.forEach((entry, i) => {
      const reason = reasons.get(ids[i]!);
      if ('field' in entry.expect) {
        if (reason === undefined) misjudged.push(`${entry.expect.kind} (${ids[i]}) was not dead-lettered`);
        else if (!reason.startsWith(`${entry.expect.field}: `)) misjudged.push(`${entry.expect.kind} (${ids[i]}) expected ${entry.expect.field}, got ${reason}`);
        else if (!isPrintable(reason)) misjudged.push(`${entry.expect.kind} (${ids[i]}) has a non-printable reason`);
      } else if (reason !== undefined) {
        misjudged.push(`valid ${entry.expect.killId} (${ids[i]}) was dead-lettered: ${reason}`);
      }
    });
    expect(misjudged).toEqual([]);

    const stored = await agent.core.repo.recent(ENTRIES);
    expect(stored.map((r) => r.killId).sort()).toEqual(valid.map((v) => v.killId).sort());
    expect((await agent.core.repo.stats()).rejections).toBe(bad.length);
    expect(await redis.xpending(stream, GROUP)).toEqual([0, null, null, null]);

    await agent.stop();
    agent = null;
    const logged = lines;
    expect(logged.length).toBeGreaterThan(bad.length);
    for (const line of logged) {
      expect(isPrintable(line)).toBe(true);
      expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
  }, 180_000);
});
