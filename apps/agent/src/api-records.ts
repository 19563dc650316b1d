import type { OutcomeRecord, ThreatLookup } from '@medic/domain';

/** A stored record as the API shows it: snake_case, like the store's columns. */
export function toApiRecord(r: OutcomeRecord) {
  return {
    kill_id: r.killId,
    outcome_id: r.outcomeId,
    decision_id: r.decisionId,
    target_module: r.targetModule,
    target_instance_id: r.targetInstanceId,
    timestamp: r.timestamp,
    mode: r.mode,
    state: r.state,
    decision: r.originalDecision,
    risk_score: r.originalRiskScore,
    risk_level: r.riskLevel,
    confidence: r.originalConfidence,
    guard: r.guard,
    was_auto_approved: r.wasAutoApproved,
    outcome_type: r.outcomeType,
    time_to_healthy: r.timeToHealthy,
    health_status: r.healthStatus,
    container_id: r.containerId,
    error: r.error,
    error_message: r.errorMessage,
    approved_by: r.approvedBy,
    approved_at: r.approvedAt,
    rejected_by: r.rejectedBy,
    rejected_at: r.rejectedAt,
    completed_at: r.completedAt,
    confirmed_at: r.confirmedAt,
    re_killed_at: r.reKilledAt,
    reasoning: r.reasoning,
    factors: r.factors.map((f) => ({
      name: f.name,
      value: f.value,
      weight: f.weight,
      normalized_weight: f.normalizedWeight,
      contribution: f.contribution,
      detail: f.detail,
    })),
    threat_intel: threatJson(r.threatContext),
    kill: {
      kill_reason: r.report.killReason,
      severity: r.report.severity,
      confidence_score: r.report.confidenceScore,
      source_agent: r.report.sourceAgent,
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
        risk_score: t.context.riskScore,
        alert_count: t.context.alertCount,
        open_count: t.context.openCount,
        false_positive_count: t.context.falsePositiveCount,
        indicators: t.context.indicators,
        recommendation: t.context.recommendation,
        lookback_hours: t.context.lookbackHours,
      };
    case 'unavailable':
      return { status: t.status, reason: t.reason };
    case 'disabled':
      return { status: t.status };
  }
}
