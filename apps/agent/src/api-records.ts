import { snakeCased } from '@medic/domain';
import type { OutcomeRecord, ThreatLookup } from '@medic/domain';

/** A stored record as the API shows it: snake_case, like the store's columns. */
export function toApiRecord(r: OutcomeRecord) {
  return {
    ...snakeCased(r, ['killId', 'outcomeId', 'decisionId', 'targetModule', 'targetInstanceId', 'timestamp', 'mode', 'state']),
    decision: r.originalDecision,
    risk_score: r.originalRiskScore,
    risk_level: r.riskLevel,
    confidence: r.originalConfidence,
    ...snakeCased(r, [
      'guard',
      'wasAutoApproved',
      'outcomeType',
      'timeToHealthy',
      'healthStatus',
      'containerId',
      'error',
      'errorMessage',
      'approvedBy',
      'approvedAt',
      'rejectedBy',
      'rejectedAt',
      'completedAt',
      'confirmedAt',
      'reKilledAt',
      'reasoning',
    ]),
    factors: r.factors.map((f) => snakeCased(f, ['name', 'value', 'weight', 'normalizedWeight', 'contribution', 'detail'])),
    threat_intel: threatJson(r.threatContext),
    kill: {
      ...snakeCased(r.report, ['killReason', 'severity', 'confidenceScore', 'sourceAgent']),
      reported_at: r.report.timestamp,
      evidence: r.report.evidence,
    },
  };
}

function threatJson(t: ThreatLookup) {
  switch (t.status) {
    case 'answered':
      return {
        status: t.status,
        ...snakeCased(t.context, ['riskScore', 'alertCount', 'openCount', 'falsePositiveCount', 'indicators', 'recommendation', 'lookbackHours']),
      };
    case 'unavailable':
      return { status: t.status, reason: t.reason };
    case 'disabled':
      return { status: t.status };
  }
}
