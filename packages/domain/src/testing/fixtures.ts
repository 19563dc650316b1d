import type { KillReason, KillReport, OutcomeRecord, Severity, SignalCount, SignalLabel, SignalSample, ThreatContext } from '../model';
import { NOTHING_KNOWN_YET } from '../model';
import { DEFAULT_POLICY } from '../policy';
import type { PolicyConfig } from '../policy';
import { learnSignalModel } from '../signal-model';
import type { SignalModel } from '../signal-model';
import { snakeCased } from '../snake-case';

/** A fixed instant tests can count from. */
export const FIXTURE_TIME = '2025-03-01T12:00:00.000Z';

/** FIXTURE_TIME (or `from`) shifted by `minutes`, as ISO 8601 UTC. */
export function minutesFrom(minutes: number, from: string = FIXTURE_TIME): string {
  return new Date(Date.parse(from) + minutes * 60_000).toISOString();
}

/** The reboot plan's demo report exactly as Smith writes it (snake_case JSON wire format). */
export const DEMO_KILL_WIRE = {
  kill_id: 'demo-1',
  timestamp: '2026-02-11T12:00:00Z',
  target_module: 'nginx-test',
  target_instance_id: 'inst-001',
  kill_reason: 'anomaly_behavior',
  severity: 'low',
  confidence_score: 0.4,
  evidence: ['unusual_traffic'],
  dependencies: [],
  source_agent: 'smith',
} as const;

/** The same report as validated: what parseKillReport makes of DEMO_KILL_WIRE. */
export const DEMO_KILL_REPORT: KillReport = {
  killId: 'demo-1',
  timestamp: '2026-02-11T12:00:00Z',
  targetModule: 'nginx-test',
  targetInstanceId: 'inst-001',
  killReason: 'anomaly_behavior',
  severity: 'low',
  confidenceScore: 0.4,
  evidence: ['unusual_traffic'],
  dependencies: [],
  sourceAgent: 'smith',
  metadata: {},
};

/** A valid low-risk kill report (the reboot plan's demo report), with overrides. */
export function sampleReport(overrides: Partial<KillReport> = {}): KillReport {
  return {
    killId: 'kill-1',
    timestamp: FIXTURE_TIME,
    targetModule: 'web',
    targetInstanceId: 'web-1',
    killReason: 'anomaly_behavior',
    severity: 'low',
    confidenceScore: 0.4,
    evidence: ['cpu spike'],
    dependencies: [],
    sourceAgent: 'smith',
    metadata: {},
    ...overrides,
  };
}

/** A kill report as Smith writes it to the stream: snake_case JSON in field `payload`. */
export function killEntryFields(overrides: Partial<KillReport> = {}): Record<string, string> {
  const payload = snakeCased(sampleReport(overrides), [
    'killId',
    'timestamp',
    'targetModule',
    'targetInstanceId',
    'killReason',
    'severity',
    'confidenceScore',
    'evidence',
    'dependencies',
    'sourceAgent',
    'metadata',
  ]);
  return { payload: JSON.stringify(payload) };
}

/** Threat context with no alerts. */
export const QUIET_CONTEXT: ThreatContext = {
  riskScore: 0.05,
  alertCount: 0,
  openCount: 0,
  falsePositiveCount: 0,
  indicators: [],
  recommendation: 'allow',
  lookbackHours: 24,
};

/** Threat context with open high-risk alerts. */
export const HOT_CONTEXT: ThreatContext = {
  riskScore: 0.9,
  alertCount: 4,
  openCount: 3,
  falsePositiveCount: 0,
  indicators: ['198.51.100.7'],
  recommendation: 'deny',
  lookbackHours: 24,
};

/** A stored record in state `decided` (pending_review) for `killId`, with overrides; its report matches its kill id and target. */
export function sampleRecord(overrides: Partial<OutcomeRecord> = {}): OutcomeRecord {
  const killId = overrides.killId ?? 'kill-1';
  const targetModule = overrides.targetModule ?? 'web';
  const targetInstanceId = overrides.targetInstanceId ?? `${targetModule}-1`;
  return {
    outcomeId: `outcome-${killId}`,
    decisionId: `decision-${killId}`,
    killId,
    targetModule,
    targetInstanceId,
    timestamp: FIXTURE_TIME,
    report: sampleReport({ killId, targetModule, targetInstanceId }),
    mode: 'live',
    state: 'decided',
    outcomeType: 'undetermined',
    originalDecision: 'pending_review',
    originalRiskScore: 0.45,
    originalConfidence: 0.6,
    riskLevel: 'medium',
    guard: null,
    wasAutoApproved: false,
    factors: [
      { name: 'smith_confidence', value: 0.4, weight: 0.3, normalizedWeight: 0.6, contribution: 0.24, detail: 'Smith was 40% sure' },
      { name: 'severity', value: 0.25, weight: 0.2, normalizedWeight: 0.4, contribution: 0.1, detail: 'severity low' },
    ],
    reasoning: ['Risk 0.45 is medium.', 'Threat intel is disabled.'],
    threatContext: { status: 'disabled' },
    ...NOTHING_KNOWN_YET,
    ...overrides,
  };
}

/** One group of a signal sample: `kills` kills of `module` with these signals and label. */
const group = (
  module: string,
  killReason: KillReason,
  severity: Severity,
  confidence: number,
  siemRisk: number | null,
  label: SignalLabel | null,
  kills: number,
): SignalCount => ({ module, killReason, severity, confidence, siem: siemRisk === null ? null : { risk: siemRisk, closedAsFalsePositive: siemRisk < 3 }, label, kills });

/**
 * Ninety days of a small fleet's kills as the store groups them: web is rarely killed rightly, db often, cache in between;
 * kills that look like compromises mostly went unlabelled (denied), a few quiet ones were rejected by an operator.
 */
export const FLEET_SIGNAL_SAMPLE: SignalSample = {
  firstDecidedAt: '2026-01-01T00:00:00.000Z',
  counts: [
    group('web', 'resource_exhaustion', 'low', 3, 1, 'false_positive', 120),
    group('web', 'anomaly_behavior', 'medium', 4, 2, 'false_positive', 90),
    group('web', 'anomaly_behavior', 'low', 2, null, 'false_positive', 40),
    group('web', 'anomaly_behavior', 'medium', 4, 2, 'true_positive', 1),
    group('web', 'threat_detected', 'critical', 8, 8, null, 6),
    group('cache', 'resource_exhaustion', 'low', 3, 1, 'false_positive', 60),
    group('cache', 'dependency_cascade', 'info', 2, 0, 'false_positive', 30),
    group('cache', 'anomaly_behavior', 'medium', 5, 4, 're_killed', 2),
    group('cache', 'policy_violation', 'high', 7, 6, 'true_positive', 4),
    group('cache', 'threat_detected', 'high', 8, 7, null, 20),
    group('db', 'anomaly_behavior', 'medium', 4, 2, 'false_positive', 25),
    group('db', 'resource_exhaustion', 'low', 3, 1, 'true_positive', 2),
    group('db', 'policy_violation', 'high', 7, 6, 'true_positive', 6),
    group('db', 'threat_detected', 'critical', 8, 8, null, 45),
    group('db', 'manual_override', 'high', 6, 5, null, 10),
  ],
};

/** The model Medic learns from FLEET_SIGNAL_SAMPLE (under DEFAULT_POLICY unless given), as of 2026-04-01. */
export function learntSignalModel(policy: PolicyConfig = DEFAULT_POLICY): SignalModel {
  const model = learnSignalModel(FLEET_SIGNAL_SAMPLE, policy, { since: FLEET_SIGNAL_SAMPLE.firstDecidedAt ?? '', at: '2026-04-01T00:00:00.000Z' });
  if (!model) throw new Error('FLEET_SIGNAL_SAMPLE has labels enough to learn from');
  return model;
}
