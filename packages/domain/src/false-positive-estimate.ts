import type { LabelCounts } from './model';

/** How many labels the fleet's rate counts for in a module's estimate (at most as many as the fleet has): the module's own labels outweigh it beyond this many. */
export const FLEET_PRIOR_LABELS = 10;

/** A module's false-positive rate: a Beta–binomial posterior from its labels, shrunk towards the fleet's rate. */
export interface FalsePositiveEstimate {
  /** Posterior mean of the share of the module's kills that were false positives. */
  readonly rate: number;
  /** Posterior standard deviation of that share. */
  readonly sd: number;
  /** The module's own labels (the sample size) and how many of them were false positives. */
  readonly labels: number;
  readonly falsePositives: number;
  /** The fleet's false-positive rate the estimate is shrunk towards, and the fleet labels behind it. */
  readonly fleetRate: number;
  readonly fleetLabels: number;
  /** Share of the estimate that rests on the module's own labels, labels / (labels + prior labels): 0 new, towards 1 well known. */
  readonly weight: number;
  /** How narrow the estimate is, 1 − 2 × sd in [0, 1] (a rate's standard deviation is below 0.5): 0 knows nothing, 1 is certain. */
  readonly certainty: number;
}

/**
 * The module's false-positive rate from its labels (pure; the caller gathers the counts, which may be expected counts:
 * unlabelled kills counted by their probability). Prior Beta(k·f, k·(1 − f)) with f the fleet's rate (Laplace-smoothed) and
 * k = min(priorLabels, the fleet's labels), so a young fleet's rate is held loosely; posterior Beta(k·f + FP, k·(1 − f) + TP).
 * Null when neither the module nor the fleet has a label.
 */
export function estimateFalsePositiveRate(module: LabelCounts, fleet: LabelCounts, priorLabels = FLEET_PRIOR_LABELS): FalsePositiveEstimate | null {
  const fp = count(module.falsePositives);
  const tp = count(module.truePositives);
  // The fleet's counts include the module's own; never fewer.
  const fleetFp = Math.max(count(fleet.falsePositives), fp);
  const fleetLabels = fleetFp + Math.max(count(fleet.truePositives), tp);
  if (fleetLabels === 0) return null;
  const fleetRate = (fleetFp + 1) / (fleetLabels + 2);
  const strength = Math.min(priorLabels, fleetLabels);
  const alpha = strength * fleetRate + fp;
  const beta = strength * (1 - fleetRate) + tp;
  const total = alpha + beta;
  const rate = alpha / total;
  const sd = Math.sqrt((rate * (1 - rate)) / (total + 1));
  return {
    rate,
    sd,
    labels: fp + tp,
    falsePositives: fp,
    fleetRate,
    fleetLabels,
    weight: (fp + tp) / total,
    certainty: Math.min(1, Math.max(0, 1 - 2 * sd)),
  };
}

/** A usable count (expected counts may be fractional): negative or non-finite counts say nothing. */
function count(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}
