import type { ThreatContext } from '@medic/domain';
import type { AlertSummary } from './alert-summary';

/** Risk when the module has no alerts in the look-back: little sign the kill was right, yet silence is not proof it was wrong. */
export const NO_ALERTS_RISK = 0.05;
/** Risk for alerts that carry no risk score at all: they exist, their weight is unknown. */
export const UNSCORED_ALERTS_RISK = 0.5;
/** At or above this risk, with alerts still open, the recommendation is deny. */
export const DENY_RISK = 0.7;
/** At or above this risk the recommendation is at least review. */
export const REVIEW_RISK = 0.3;
/** Workflow statuses still being worked on; "in-progress" is the pre-8.x name of "acknowledged". */
const OPEN_STATUSES = ['open', 'acknowledged', 'in-progress'];

const clamp01 = (value: number): number => Math.min(1, Math.max(0, value));

/**
 * Judges an alert summary: risk = (0.7 × max + 0.3 × avg) / 100, so one severe alert dominates while the mean tempers it,
 * then discounted by the share of alerts closed as false positives.
 */
export function toThreatContext(summary: AlertSummary, lookbackHours: number): ThreatContext {
  const openCount = OPEN_STATUSES.reduce((sum, status) => sum + (summary.statusCounts[status] ?? 0), 0);
  const base = { alertCount: summary.total, openCount, falsePositiveCount: summary.falsePositiveCount, indicators: summary.indicators, lookbackHours };
  if (summary.total === 0) return { ...base, riskScore: NO_ALERTS_RISK, recommendation: 'allow' };
  const max = summary.maxRiskScore ?? summary.avgRiskScore;
  const avg = summary.avgRiskScore ?? summary.maxRiskScore;
  const scored = max === null || avg === null ? UNSCORED_ALERTS_RISK : clamp01((0.7 * max + 0.3 * avg) / 100);
  const falsePositiveShare = clamp01(summary.falsePositiveCount / summary.total);
  const riskScore = Math.round(scored * (1 - falsePositiveShare) * 10_000) / 10_000;
  const liveThreatMatch = summary.threatMatchCount > 0 && summary.falsePositiveCount < summary.total;
  const recommendation =
    riskScore >= DENY_RISK && openCount > 0 ? 'deny' : riskScore >= REVIEW_RISK || liveThreatMatch ? 'review' : 'allow';
  return { ...base, riskScore, recommendation };
}
