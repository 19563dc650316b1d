import type { KillReport, OutcomeRecord, ThreatContext } from '../model';
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
    timeToHealthy: null,
    healthStatus: null,
    containerId: null,
    error: null,
    errorMessage: null,
    approvedBy: null,
    approvedAt: null,
    rejectedBy: null,
    rejectedAt: null,
    completedAt: null,
    confirmedAt: null,
    reKilledAt: null,
    ...overrides,
  };
}
