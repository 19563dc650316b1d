import type { Kill } from './periods';
import { round } from '@medic/domain';

/** One operating point of the oracle: approve every kill whose probability of being a false positive is at least `threshold`. */
export interface FrontierPoint {
  readonly threshold: number;
  /** Share of false-positive kills approved. */
  readonly recovered: number;
  /** Share of true-positive kills approved. */
  readonly harm: number;
}

/** Medic's point and the oracle's best point with no more harm, and their ratio. */
export interface SameHarm {
  readonly medic: { readonly recovered: number; readonly harm: number };
  readonly oracle: FrontierPoint;
  /** Medic's recovered share / the oracle's at Medic's harm; null when the oracle recovers nothing there. */
  readonly ratio: number | null;
}

/** Medic's auto-resurrections on an arm's kills next to the oracle's frontier on the same kills. */
export interface OracleComparison {
  /** Counted on what happened: each kill is a false or a true positive. */
  readonly realized: SameHarm;
  /**
   * Each kill counted by the oracle's probability instead (a false positive with weight 1 − p, a true positive with p).
   * The oracle's probabilities are calibrated, so this estimates the same shares without the luck of which few true
   * positives happened to look like false alarms.
   */
  readonly expected: SameHarm;
  /**
   * Counted again, with the oracle's threshold chosen without looking at any truth: where the oracle's expected harm equals
   * Medic's expected harm (the `expected` comparison's point). `realized` takes the oracle's best counted point within Medic's
   * counted harm, so it picks the oracle's luck (its next true positive may be far down its ranking); this does not.
   */
  readonly blind: SameHarm;
  /** The oracle's probabilities summed over the kills, and the true positives counted: close when it is calibrated. */
  readonly truePositives: { readonly expected: number; readonly counted: number };
  /** The oracle's best point (counted) within the harm budget. */
  readonly oracleAtBudget: FrontierPoint;
  readonly harmBudget: number;
  /** The oracle (counted) at fixed thresholds on its probability of a false positive. */
  readonly sweep: readonly FrontierPoint[];
  /** The same thresholds, each kill counted by the oracle's probability: the harm a threshold carries before the luck of the draw. */
  readonly sweepExpected: readonly FrontierPoint[];
  /** The whole frontier (counted), thinned for drawing. */
  readonly curve: readonly FrontierPoint[];
}

/** Thresholds the printed sweep shows. */
export const SWEEP_THRESHOLDS = [0.999, 0.995, 0.99, 0.98, 0.95, 0.9, 0.5] as const;
/** Points kept for the chart. */
const CURVE_POINTS = 200;

interface Weighted {
  /** The oracle's probability that the kill was a false positive. */
  readonly p: number;
  readonly falsePositive: number;
  readonly truePositive: number;
  readonly approvedByMedic: boolean;
}

/** Sweeps the oracle's threshold over the arm's kills (every distinct value) and places Medic's auto-resurrections next to it. */
export function compareWithOracle(kills: readonly Kill[], truePositiveProbability: readonly number[], harmBudget: number): OracleComparison {
  const probability = (i: number) => 1 - (truePositiveProbability[i] ?? 1);
  const counted = kills.map((k, i) => ({ p: probability(i), falsePositive: k.truePositive ? 0 : 1, truePositive: k.truePositive ? 1 : 0, approvedByMedic: k.autoResurrected }));
  const expected = kills.map((k, i) => ({ p: probability(i), falsePositive: probability(i), truePositive: 1 - probability(i), approvedByMedic: k.autoResurrected }));
  const frontier = frontierOf(counted);
  const expectedFrontier = frontierOf(expected);
  const step = Math.max(1, Math.ceil(frontier.length / CURVE_POINTS));
  const on = (curve: readonly FrontierPoint[]) => (threshold: number): FrontierPoint => [...curve].reverse().find((f) => f.threshold >= threshold) ?? (curve[0] as FrontierPoint);
  const at = on(frontier);
  const atExpected = on(expectedFrontier);
  return {
    realized: sameHarm(counted, frontier),
    truePositives: { expected: round(sum(expected, (k) => k.truePositive), 1), counted: sum(counted, (k) => k.truePositive) },
    expected: sameHarm(expected, expectedFrontier),
    blind: blindComparison(counted, expected, expectedFrontier),
    oracleAtBudget: rounded(best(frontier, harmBudget)),
    harmBudget,
    sweep: SWEEP_THRESHOLDS.map((t) => rounded({ ...at(t), threshold: t })),
    sweepExpected: SWEEP_THRESHOLDS.map((t) => rounded({ ...atExpected(t), threshold: t })),
    curve: frontier.filter((_, i) => i % step === 0 || i === frontier.length - 1).map(rounded),
  };
}

/** Frontier points from approving nothing to approving every kill, one per distinct probability, strictest first. */
function frontierOf(kills: readonly Weighted[]): FrontierPoint[] {
  const sorted = [...kills].sort((a, b) => b.p - a.p);
  const fpTotal = sum(sorted, (k) => k.falsePositive);
  const tpTotal = sum(sorted, (k) => k.truePositive);
  const points: FrontierPoint[] = [{ threshold: 1, recovered: 0, harm: 0 }];
  let fp = 0;
  let tp = 0;
  for (const [i, k] of sorted.entries()) {
    fp += k.falsePositive;
    tp += k.truePositive;
    if (i + 1 === sorted.length || (sorted[i + 1]?.p ?? -1) < k.p) points.push({ threshold: k.p, recovered: share(fp, fpTotal), harm: share(tp, tpTotal) });
  }
  return points;
}

/** Medic's point: the shares of the false and true positives among `kills` that it auto-approved. */
function medicPoint(kills: readonly Weighted[]): { recovered: number; harm: number } {
  const approved = kills.filter((k) => k.approvedByMedic);
  return {
    recovered: share(sum(approved, (k) => k.falsePositive), sum(kills, (k) => k.falsePositive)),
    harm: share(sum(approved, (k) => k.truePositive), sum(kills, (k) => k.truePositive)),
  };
}

function sameHarm(kills: readonly Weighted[], frontier: readonly FrontierPoint[]): SameHarm {
  const medic = medicPoint(kills);
  const oracle = best(frontier, medic.harm);
  return {
    medic: { recovered: round(medic.recovered, 4), harm: round(medic.harm, 4) },
    oracle: rounded(oracle),
    ratio: oracle.recovered === 0 ? null : round(medic.recovered / oracle.recovered, 4),
  };
}

/** Medic's counted point next to the oracle's counted point at the threshold (and share of its step) where its expected harm is Medic's. */
function blindComparison(counted: readonly Weighted[], expected: readonly Weighted[], expectedFrontier: readonly FrontierPoint[]): SameHarm {
  const { threshold, part } = bestWithPart(expectedFrontier, medicPoint(expected).harm);
  let fp = 0;
  let tp = 0;
  for (const k of counted) {
    const taken = k.p > threshold ? 1 : k.p === threshold ? part : 0;
    fp += taken * k.falsePositive;
    tp += taken * k.truePositive;
  }
  const medic = medicPoint(counted);
  const oracle = { threshold, recovered: share(fp, sum(counted, (k) => k.falsePositive)), harm: share(tp, sum(counted, (k) => k.truePositive)) };
  return {
    medic: { recovered: round(medic.recovered, 4), harm: round(medic.harm, 4) },
    oracle: rounded(oracle),
    ratio: oracle.recovered === 0 ? null : round(medic.recovered / oracle.recovered, 4),
  };
}

/**
 * The most the oracle recovers with no more harm than `maxHarm`: the best frontier point within it, and, when the next point
 * goes beyond it, that share of the next step. Kills with the same probability form one step (with many modules and little
 * history, hundreds of first kills tie), and an oracle that approves a share of them at random reaches every point between
 * two steps; without this the oracle would be held below its own frontier, and Medic could score above 1.
 */
function best(frontier: readonly FrontierPoint[], maxHarm: number): FrontierPoint {
  return bestWithPart(frontier, maxHarm).point;
}

/** best(), with the threshold whose step it takes a share of and that share (1: the whole step down to the threshold). */
function bestWithPart(frontier: readonly FrontierPoint[], maxHarm: number): { point: FrontierPoint; threshold: number; part: number } {
  const limit = maxHarm + 1e-12;
  let at = 0;
  for (let i = 1; i < frontier.length; i++) if (frontier[i]!.harm <= limit && frontier[i]!.recovered >= frontier[at]!.recovered) at = i;
  const point = frontier[at] as FrontierPoint;
  const next = frontier[at + 1];
  if (next === undefined || next.harm <= point.harm || next.recovered <= point.recovered) return { point, threshold: point.threshold, part: 1 };
  const part = Math.min(1, Math.max(0, (maxHarm - point.harm) / (next.harm - point.harm)));
  if (part < 1e-9) return { point, threshold: point.threshold, part: 1 };
  const shared = { threshold: next.threshold, recovered: point.recovered + part * (next.recovered - point.recovered), harm: point.harm + part * (next.harm - point.harm) };
  return { point: shared, threshold: next.threshold, part };
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

function rounded(f: FrontierPoint): FrontierPoint {
  return { threshold: round(f.threshold, 6), recovered: round(f.recovered, 4), harm: round(f.harm, 4) };
}
