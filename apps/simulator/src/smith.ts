import { round } from '@medic/domain';
import type { KillReason, Prng, Severity, ThreatContext } from '@medic/domain';

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

/** Smith's confidence, triangular over [min, max]: real compromises 0.5–0.95 (mean 0.72), false alarms 0.15–0.7 (mean 0.43). */
const CONFIDENCE: Record<'real' | 'false', readonly [number, number]> = { real: [0.5, 0.95], false: [0.15, 0.7] };
/** The SIEM sees more, and riskier, alerts around real compromises: risk triangular over 0.3–0.95 against 0–0.6. */
const SIEM_RISK: Record<'real' | 'false', readonly [number, number]> = { real: [0.3, 0.95], false: [0, 0.6] };
/** Signals are reported to 3 decimals. */
const DECIMALS = 3;

/**
 * Draws Smith's report and the SIEM's alerts for a kill that is a real compromise (`truePositive`) or a false alarm.
 * A quiet compromise is real but leaves the traces of a false alarm: nothing in the signals can tell it apart. With
 * `confidenceNoise` that share of kills gets a confidence drawn uniformly from [0, 1], whatever the truth.
 */
export function drawSignals(truePositive: boolean, rng: Prng, quiet = false, confidenceNoise = 0): KillSignals {
  const looksReal = truePositive && !quiet;
  const truth = looksReal ? 'real' : 'false';
  const killReason = rng.weighted(REASONS[truth]);
  const severity = rng.weighted(SEVERITIES[truth]);
  // Drawn only when asked for, so runs without noise keep their random streams.
  const noisy = confidenceNoise > 0 && rng.chance(confidenceNoise);
  const confidenceScore = round(noisy ? rng.next() : rng.triangular(...CONFIDENCE[truth]), DECIMALS);
  const riskScore = round(rng.triangular(...SIEM_RISK[truth]), DECIMALS);
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

/** How likely these exact signals are under each way drawSignals draws them: looking like a real compromise, or like a false alarm. */
export interface SignalLikelihoods {
  readonly real: number;
  readonly falseAlarm: number;
}

/** The probability drawSignals gives these signals (each rounded value's bin) when the kill looks real, and when it looks false. */
export function signalLikelihoods(signals: KillSignals, confidenceNoise = 0): SignalLikelihoods {
  const t = signals.threat;
  const under = (truth: 'real' | 'false'): number => {
    const confidence =
      (1 - confidenceNoise) * roundedTriangular(signals.confidenceScore, ...CONFIDENCE[truth]) + confidenceNoise * roundedUniform(signals.confidenceScore);
    // The alert count follows from the risk alone; open alerts, closed false positives and indicators follow the truth.
    const alerts =
      truth === 'real'
        ? t.openCount === t.alertCount && t.falsePositiveCount === 0 && t.indicators.length === (t.riskScore >= 0.7 ? 1 : 0)
          ? 1
          : 0
        : t.falsePositiveCount === t.alertCount - t.openCount && t.indicators.length === 0
          ? 1 / (t.alertCount + 1)
          : 0;
    return (
      weightOf(REASONS[truth], signals.killReason) *
      weightOf(SEVERITIES[truth], signals.severity) *
      confidence *
      roundedTriangular(t.riskScore, ...SIEM_RISK[truth]) *
      alerts
    );
  };
  return { real: under('real'), falseAlarm: under('false') };
}

function weightOf<T>(entries: ReadonlyArray<readonly [T, number]>, value: T): number {
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  return (entries.find(([v]) => v === value)?.[1] ?? 0) / total;
}

/** P(round(X) = x) for X the mean of two uniforms over [min, max]: the triangular CDF across x's rounding bin. */
function roundedTriangular(x: number, min: number, max: number): number {
  const half = 0.5 * 10 ** -DECIMALS;
  const cdf = (v: number): number => {
    if (v <= min) return 0;
    if (v >= max) return 1;
    const u = (v - min) / (max - min);
    return u <= 0.5 ? 2 * u * u : 1 - 2 * (1 - u) * (1 - u);
  };
  return cdf(x + half) - cdf(x - half);
}

/** P(round(U) = x) for U uniform over [0, 1). */
function roundedUniform(x: number): number {
  const half = 0.5 * 10 ** -DECIMALS;
  return Math.max(0, Math.min(1, x + half) - Math.max(0, x - half));
}

