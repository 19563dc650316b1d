import { KILL_REASONS, SEVERITIES } from '@medic/domain';
import type { KillReason, Severity } from '@medic/domain';

/** A kill report in Smith's wire format (ARCHITECTURE.md, Wire format), before JSON encoding. */
export interface WireKill {
  readonly kill_id: string;
  readonly timestamp: string;
  readonly target_module: string;
  readonly target_instance_id: string;
  readonly kill_reason: KillReason;
  readonly severity: Severity;
  readonly confidence_score: number;
  readonly evidence: readonly string[];
  readonly dependencies: readonly string[];
  readonly source_agent: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so every run offers the same mix. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;

/** `count` kills over `modules` modules with every reason, severity and a spread of confidences and payload sizes. */
export function variedKills(prefix: string, count: number, options: { modules?: number; seed?: number } = {}): WireKill[] {
  const random = seededRandom(options.seed ?? 42);
  const modules = Array.from({ length: options.modules ?? 50 }, (_, i) => `svc-${i}`);
  return Array.from({ length: count }, (_, i) => {
    const module = pick(random, modules);
    return {
      kill_id: `${prefix}-${i}`,
      timestamp: new Date().toISOString(),
      target_module: module,
      target_instance_id: `${module}-${Math.floor(random() * 4)}`,
      kill_reason: pick(random, KILL_REASONS),
      severity: pick(random, SEVERITIES),
      confidence_score: Math.round(random() * 1000) / 1000,
      evidence: Array.from({ length: 1 + Math.floor(random() * 3) }, (_, e) => `signal ${e}: ${Math.floor(random() * 1e6).toString(16)}`),
      dependencies: random() < 0.3 ? [pick(random, modules)] : [],
      source_agent: 'smith-bench',
      metadata: random() < 0.5 ? { region: pick(random, ['eu', 'us', 'ap']), node: Math.floor(random() * 100) } : {},
    };
  });
}

/** The reboot plan's low-risk report (anomaly, low severity, confidence 0.4) for one container: approve_auto with auto-approve on. */
export function lowRiskKill(killId: string, module: string, instance: string): WireKill {
  return {
    kill_id: killId,
    timestamp: new Date().toISOString(),
    target_module: module,
    target_instance_id: instance,
    kill_reason: 'anomaly_behavior',
    severity: 'low',
    confidence_score: 0.4,
    evidence: ['unusual_traffic'],
    dependencies: [],
    source_agent: 'smith-bench',
    metadata: {},
  };
}

/** One stream entry's fields as XADD writes them. */
export type RawEntry = Readonly<Record<string, string>>;

/** The kinds of bad entry the malformed mix cycles through, each breaking a different rule of the kill report. */
const MALFORMED: ReadonlyArray<(kill: WireKill) => RawEntry> = [
  (k) => ({ payload: JSON.stringify(k).slice(0, -7) }),
  (k) => ({ payload: JSON.stringify({ ...k, severity: 'apocalyptic' }) }),
  (k) => ({ payload: JSON.stringify({ ...k, confidence_score: 7 }) }),
  (k) => ({ payload: JSON.stringify({ ...k, target_module: '../etc' }) }),
  (k) => ({ payload: JSON.stringify({ kill_id: k.kill_id, target_module: k.target_module }) }),
  (k) => ({ payload: JSON.stringify({ ...k, evidence: Array.from({ length: 101 }, () => 'e') }) }),
  (k) => ({ payload: JSON.stringify([k.kill_id]) }),
  (k) => ({ unrelated: k.kill_id }),
];

/**
 * `count` entries of which `badShare` (spread evenly) break a rule of the kill report, cycling through eight kinds of
 * mistake; the rest are varied valid kills. Returns the entries and how many are bad.
 */
export function malformedMix(prefix: string, count: number, badShare: number, seed = 5): { entries: RawEntry[]; bad: number } {
  const kills = variedKills(prefix, count, { seed });
  let bad = 0;
  const entries = kills.map((kill, i): RawEntry => {
    // Entry i is bad when the running share of bad entries falls below badShare.
    if (bad < Math.round((i + 1) * badShare)) return MALFORMED[bad++ % MALFORMED.length]!(kill);
    return { payload: JSON.stringify(kill) };
  });
  return { entries, bad };
}
