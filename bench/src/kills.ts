import { KILL_REASONS, Prng, SEVERITIES, round } from '@medic/domain';
import type { KillReportWire } from '@medic/domain';
import type { EntryFields } from '@medic/test-support';

/** A kill as Smith publishes it: its report as JSON in the field `payload`. */
export function payloadOf(kill: KillReportWire): EntryFields {
  return { payload: JSON.stringify(kill) };
}

/** `count` kills over `modules` modules with every reason, severity and a spread of confidences and payload sizes. */
export function variedKills(prefix: string, count: number, options: { modules?: number; seed?: number } = {}): KillReportWire[] {
  // Seeded, so every run offers the same mix.
  const random = new Prng(options.seed ?? 42);
  const modules = Array.from({ length: options.modules ?? 50 }, (_, i) => `svc-${i}`);
  return Array.from({ length: count }, (_, i) => {
    const module = random.pick(modules);
    return {
      kill_id: `${prefix}-${i}`,
      timestamp: new Date().toISOString(),
      target_module: module,
      target_instance_id: `${module}-${random.int(4)}`,
      kill_reason: random.pick(KILL_REASONS),
      severity: random.pick(SEVERITIES),
      confidence_score: round(random.next(), 3),
      evidence: Array.from({ length: 1 + random.int(3) }, (_, e) => `signal ${e}: ${random.int(1e6).toString(16)}`),
      dependencies: random.chance(0.3) ? [random.pick(modules)] : [],
      source_agent: 'smith-bench',
      metadata: random.chance(0.5) ? { region: random.pick(['eu', 'us', 'ap']), node: random.int(100) } : {},
    };
  });
}

/** The reboot plan's low-risk report (anomaly, low severity, confidence 0.4) for one container: approve_auto with auto-approve on. */
export function lowRiskKill(killId: string, module: string, instance: string): KillReportWire {
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

/** The kinds of bad entry the malformed mix cycles through, each breaking a different rule of the kill report. */
const MALFORMED: ReadonlyArray<(kill: KillReportWire) => EntryFields> = [
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
export function malformedMix(prefix: string, count: number, badShare: number, seed = 5): { entries: EntryFields[]; bad: number } {
  const kills = variedKills(prefix, count, { seed });
  let bad = 0;
  const entries = kills.map((kill, i): EntryFields => {
    // Entry i is bad when the running share of bad entries falls below badShare.
    if (bad < Math.round((i + 1) * badShare)) return MALFORMED[bad++ % MALFORMED.length]!(kill);
    return payloadOf(kill);
  });
  return { entries, bad };
}
