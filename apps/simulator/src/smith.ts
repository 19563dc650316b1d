import type { KillReason, Severity, ThreatContext } from '@medic/domain';
import type { Prng } from './prng';

/** What Smith reports about one kill and what the SIEM holds on the module, drawn conditioned on the hidden truth. */
export interface KillSignals {
  readonly killReason: KillReason;
  readonly severity: Severity;
  readonly confidenceScore: number;
  readonly evidence: readonly string[];
  readonly threat: ThreatContext;
}

// Distributions overlap on purpose: no single signal separates real compromises from false alarms.
const REASONS: Record<'real' | 'false', ReadonlyArray<readonly [KillReason, number]>> = {
  real: [
    ['threat_detected', 0.45],
    ['policy_violation', 0.25],
    ['anomaly_behavior', 0.2],
    ['manual_override', 0.1],
  ],
  false: [
    ['anomaly_behavior', 0.35],
    ['resource_exhaustion', 0.3],
    ['dependency_cascade', 0.15],
    ['policy_violation', 0.15],
    ['threat_detected', 0.05],
  ],
};

const SEVERITIES: Record<'real' | 'false', ReadonlyArray<readonly [Severity, number]>> = {
  real: [
    ['critical', 0.3],
    ['high', 0.4],
    ['medium', 0.25],
    ['low', 0.05],
  ],
  false: [
    ['high', 0.1],
    ['medium', 0.3],
    ['low', 0.4],
    ['info', 0.2],
  ],
};

const EVIDENCE: Readonly<Record<KillReason, string>> = {
  threat_detected: 'signature match on process behaviour',
  anomaly_behavior: 'traffic far from the learned baseline',
  policy_violation: 'write outside the allowed paths',
  resource_exhaustion: 'memory above the limit',
  dependency_cascade: 'upstream dependency was killed',
  manual_override: 'operator asked Smith to stop it',
};

/**
 * Draws Smith's report and the SIEM's alerts for a kill that is a real compromise (`truePositive`) or a false alarm.
 * A quiet compromise is real but leaves the traces of a false alarm: nothing in the signals can tell it apart.
 */
export function drawSignals(truePositive: boolean, rng: Prng, quiet = false): KillSignals {
  const looksReal = truePositive && !quiet;
  const truth = looksReal ? 'real' : 'false';
  const killReason = rng.weighted(REASONS[truth]);
  const severity = rng.weighted(SEVERITIES[truth]);
  // Real compromises: confidence 0.5–0.95 (mean 0.72); false alarms: 0.15–0.7 (mean 0.43).
  const confidenceScore = round(looksReal ? rng.triangular(0.5, 0.95) : rng.triangular(0.15, 0.7));
  // The SIEM sees more, and riskier, alerts around real compromises: risk 0.3–0.95 against 0–0.6.
  const riskScore = round(looksReal ? rng.triangular(0.3, 0.95) : rng.triangular(0, 0.6));
  const alertCount = riskScore < 0.1 ? 0 : 1 + rng.int(Math.ceil(riskScore * 6));
  const openCount = looksReal ? alertCount : rng.int(alertCount + 1);
  const falsePositiveCount = looksReal ? 0 : alertCount - openCount;
  const threat: ThreatContext = {
    riskScore,
    alertCount,
    openCount,
    falsePositiveCount,
    indicators: looksReal && riskScore >= 0.7 ? ['203.0.113.66'] : [],
    recommendation: riskScore >= 0.7 ? 'deny' : riskScore >= 0.4 ? 'review' : 'allow',
    lookbackHours: 24,
  };
  return { killReason, severity, confidenceScore, evidence: [EVIDENCE[killReason]], threat };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
