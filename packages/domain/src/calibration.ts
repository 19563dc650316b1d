import { NO_LABELS } from './model';
import type { Calibration, CalibrationSample, SignalSample } from './model';
import { CALIBRATION_LIMITS } from './policy';
import type { CalibrationConfig, PolicyConfig } from './policy';
import { learnedScore, oddsOfScore } from './risk';
import { killEvidence } from './signal-model';
import type { SignalModel } from './signal-model';
import { wilsonInterval } from './statistics';
import { fmt, round } from './round';

/** The share of true-positive kills a ceiling implies it would auto-approve, with the ends of its interval. */
export interface ImpliedHarm {
  readonly lower: number;
  readonly point: number;
  readonly upper: number;
  /** The sample's kills it would auto-approve: a ceiling that adds none over a lower one has nothing behind its prediction. */
  readonly kills: number;
}

/** The harm the learnt model predicts for each ceiling calibration may move to, from the limit below to the limit above. */
export type HarmByCeiling = ReadonlyArray<{ readonly ceiling: number; readonly harm: ImpliedHarm }>;

/**
 * The harm each ceiling implies, predicted by the learnt model over the sample's kills: each kill counts by its learnt
 * probability of being a true positive, and would be auto-approved when its learnt score is at most the ceiling (critical and
 * always-denied modules never are); harm = the true positives it would auto-approve / all true positives. Every low score
 * rests on the quiet share (how many compromises look like false alarms), learnt from a few labels: lower and upper take it
 * at the ends of its 95 % interval. A module's labels are those in the sample. Every ceiling's count also holds one kill more
 * than the sample, a true positive with the probability its own score gives (the worst kill it would auto-approve): where the
 * sample has few or no kills under a ceiling, its harm is not 0 but what such a kill would bring, so the ceiling never rises
 * into scores nothing was seen at; with hundreds of expected true positives it adds a hundredth of a percent or less. With
 * no true positive expected at all, the harm of any ceiling that kill could pass is 1: nothing is known.
 */
export function impliedHarm(model: SignalModel, sample: SignalSample, policy: PolicyConfig, ceilings: readonly number[]): ImpliedHarm[] {
  const labels = new Map<string, { falsePositives: number; truePositives: number }>();
  for (const row of sample.counts) {
    if (row.label === null) continue;
    const l = labels.get(row.module) ?? { falsePositives: 0, truePositives: 0 };
    if (row.label === 'false_positive') l.falsePositives += row.kills;
    else l.truePositives += row.kills;
    labels.set(row.module, l);
  }
  const quietShares = [model.quietShareInterval.lower, model.quietShare, model.quietShareInterval.upper];
  const total = new Float64Array(3);
  const approved = ceilings.map(() => new Float64Array(3));
  const approvedKills = new Float64Array(ceilings.length);
  for (const row of sample.counts) {
    if (!(row.kills > 0)) continue;
    const never = policy.criticalModules.includes(row.module) || policy.alwaysDenyModules.includes(row.module);
    const evidence = killEvidence(model, row, policy.weights);
    const own = labels.get(row.module) ?? NO_LABELS;
    // Medic decides with the quiet share it learnt (the middle one); the truth may lie anywhere in its interval.
    const truePositives = quietShares.map((quietShare) => {
      const learned = learnedScore(model, policy, row.module, own, evidence, quietShare);
      return { score: learned.score, count: row.kills / (1 + Math.exp(-(learned.lnPrior + learned.lnSignals))) };
    });
    const score = truePositives[1]!.score;
    for (let v = 0; v < 3; v++) total[v] = total[v]! + truePositives[v]!.count;
    if (never) continue;
    for (let c = 0; c < ceilings.length; c++) {
      if (score > ceilings[c]!) continue;
      approvedKills[c] = approvedKills[c]! + row.kills;
      const counts = approved[c]!;
      for (let v = 0; v < 3; v++) counts[v] = counts[v]! + truePositives[v]!.count;
    }
  }
  const share = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);
  return approved.map((counts, c) => {
    // The unseen kill is the same share of the true positives at every quiet share, so lower <= point <= upper still holds.
    const unseen = unseenKill(ceilings[c]!);
    const extra = total[1]! > 0 ? unseen / total[1]! : unseen > 0 ? Infinity : 0;
    const at = (v: number): number => (Number.isFinite(extra) ? (share(counts[v]!, total[v]!) + extra) / (1 + extra) : 1);
    return { lower: at(0), point: at(1), upper: at(2), kills: approvedKills[c]! };
  });
}

/** The expected true positives of one kill scored exactly at `ceiling` (none below a score of 0, which nothing scores under). */
function unseenKill(ceiling: number): number {
  if (!(ceiling >= 0)) return 0;
  const odds = oddsOfScore(Math.min(1, ceiling));
  return odds / (1 + odds);
}

/** The ceilings calibration may move to from `current`: whole grains away, within the limits, and the limits themselves. */
export function candidateCeilings(current: number): number[] {
  const { grain, min, max } = CALIBRATION_LIMITS;
  const found = new Set<number>([min, max, round(Math.min(max, Math.max(min, current)), 3)]);
  for (let i = 1; i * grain <= max - min + 1e-9; i++) {
    if (current + i * grain <= max + 1e-9) found.add(round(current + i * grain, 3));
    if (current - i * grain >= min - 1e-9) found.add(round(current - i * grain, 3));
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * One calibration run over the evidence gathered since the ceiling last moved (`evidenceSince`): with fewer than `minSamples`
 * labelled kills of any verdict in it, nothing moves (one move per fresh batch of evidence). The target is the highest
 * candidate ceiling whose predicted harm (its point estimate) is within `maxHarmRate`; the prediction rests on every labelled
 * kill, so it moves the ceiling without waiting for auto-approvals. Down, straight to the target, when the ceiling in force is
 * above it; and at least a step when, over at least `minSamples` labelled auto-approvals, the Wilson interval of their success
 * rate lies below the target success rate, whatever the model says. Up, while that interval does not lie below it, to the
 * highest ceiling up to the target whose predicted harm is within `maxHarmRate` even at its upper bound: never while the upper
 * bound of the harm a higher ceiling implies is above the budget. Without a learnt model (`harm` null) the harm is unknown: it
 * never rises, and comes down a step on the success rate alone.
 */
export function calibrate(
  sample: CalibrationSample,
  currentMaxScore: number,
  config: CalibrationConfig,
  at: Date,
  evidenceSince: string,
  harm: HarmByCeiling | null,
): Calibration {
  const { step, min, max, targetSuccessRate } = CALIBRATION_LIMITS;
  const { total, successes, reKilled, truePositives, labelled } = sample;
  const hasData = total > 0;
  const bounds = hasData ? wilsonInterval(successes, total) : null;
  const budget = config.maxHarmRate;
  const harmAt = (ceiling: number): ImpliedHarm | null => harm?.find((h) => Math.abs(h.ceiling - ceiling) < 1e-9)?.harm ?? null;
  const result = (next: number, direction: Calibration['direction'], reason: string): Calibration => {
    const predicted = harmAt(next);
    return {
      calibratedAt: at.toISOString(),
      previousMaxScore: currentMaxScore,
      nextMaxScore: next,
      direction,
      samples: total,
      successes,
      successRate: hasData ? successes / total : null,
      wilsonLower: bounds?.lower ?? null,
      wilsonUpper: bounds?.upper ?? null,
      evidenceSince,
      reKilled,
      truePositives,
      labelled,
      harmLower: predicted?.lower ?? null,
      harmPoint: predicted?.point ?? null,
      harmUpper: predicted?.upper ?? null,
      maxHarmRate: budget,
      reason,
    };
  };
  const stay = (reason: string): Calibration => result(currentMaxScore, 'none', reason);
  const batch = `${labelled} labelled kill(s) decided since ${evidenceSince}`;
  const held = bounds === null ? `${batch}, none of them auto-approved` : `${batch}; ${successes} of ${total} auto-approved resurrections among them held`;
  const harmOf = (ceiling: number): string => {
    const h = harmAt(ceiling);
    return h ? `ceiling ${fmt(ceiling)} implies harm ${percent(h.point)} (${percent(h.lower)}–${percent(h.upper)})` : `the harm of ceiling ${fmt(ceiling)} is unknown`;
  };

  if (labelled < config.minSamples) {
    return stay(`Waiting for fresh evidence: ${batch} (${total} of them auto-approved), at least ${config.minSamples} needed; auto_approve_max_score stays ${fmt(currentMaxScore)}.`);
  }
  const candidates = candidateCeilings(currentMaxScore);
  const within = (ceiling: number, bound: 'point' | 'upper'): boolean => {
    const h = harmAt(ceiling);
    return h !== null && h[bound] <= budget;
  };
  const target = harm === null ? null : ([...candidates].reverse().find((c) => within(c, 'point')) ?? min);
  // The success rate takes the ceiling down only on min_samples auto-approvals, but any interval below the target stops a raise.
  const below = bounds !== null && bounds.upper < targetSuccessRate;
  const failing = below && total >= config.minSamples;
  if (failing || (target !== null && target < currentMaxScore - 1e-9)) {
    const why = [
      ...(failing ? [`${held} (Wilson upper bound ${fmt(bounds?.upper ?? 0)} < ${targetSuccessRate})`] : []),
      ...(target !== null && target < currentMaxScore - 1e-9 ? [`${harmOf(currentMaxScore)}, above max_harm_rate ${percent(budget)}`] : []),
    ].join(', and ');
    const next = round(Math.max(min, Math.min(target ?? max, failing ? currentMaxScore - step : max)), 3);
    if (next >= currentMaxScore - 1e-9) return stay(`${why}, but auto_approve_max_score ${fmt(currentMaxScore)} is already at its lower limit ${min}.`);
    return result(next, 'down', `Lowered auto_approve_max_score from ${fmt(currentMaxScore)} to ${fmt(next)}: ${why}; ${harmOf(next)}.`);
  }
  const why = bounds === null ? held : `${held} (Wilson interval ${fmt(bounds.lower)}–${fmt(bounds.upper)}, ${below ? 'below' : 'not below'} ${targetSuccessRate})`;
  if (below) return stay(`${why}: no raise while the auto-approvals' success rate may be below target; auto_approve_max_score stays ${fmt(currentMaxScore)}.`);
  if (currentMaxScore >= max - 1e-9) return stay(`${why}, but auto_approve_max_score ${fmt(currentMaxScore)} is already at its upper limit ${max}.`);
  if (target === null) return stay(`${why}, but without a learnt model the harm of a higher ceiling is unknown; auto_approve_max_score stays ${fmt(currentMaxScore)}.`);
  const highest = [...candidates].reverse().find((c) => c > currentMaxScore + 1e-9 && c <= target + 1e-9 && within(c, 'upper'));
  // Only as far as the last kill seen under it (the lowest ceiling that already holds every kill `highest` would):
  // above that the prediction rests on no kill at all.
  const killsAt = (ceiling: number): number => harmAt(ceiling)?.kills ?? 0;
  const next =
    highest !== undefined && killsAt(highest) > killsAt(currentMaxScore)
      ? candidates.find((c) => c > currentMaxScore + 1e-9 && killsAt(c) >= killsAt(highest))
      : undefined;
  if (highest !== undefined && next === undefined) {
    return stay(`${why}, and ${harmOf(highest)}, but no kill seen scores between ${fmt(currentMaxScore)} and ${fmt(highest)}: auto_approve_max_score stays ${fmt(currentMaxScore)} until one does.`);
  }
  if (next === undefined) {
    const higher = round(Math.min(max, currentMaxScore + CALIBRATION_LIMITS.grain), 3);
    return stay(`${why}, but ${harmOf(higher)}, not within max_harm_rate ${percent(budget)} at its upper bound; auto_approve_max_score stays ${fmt(currentMaxScore)}.`);
  }
  return result(next, 'up', `Raised auto_approve_max_score from ${fmt(currentMaxScore)} to ${fmt(next)}: ${why}, and ${harmOf(next)}, within max_harm_rate ${percent(budget)} at its upper bound.`);
}

/** Where the next calibration's evidence starts: the newest move's instant (labels from before it judged another ceiling), else where the newest run's started. */
export function nextEvidenceSince(latest: Calibration | null, windowStart: string): string {
  const since = latest === null ? windowStart : latest.direction === 'none' ? latest.evidenceSince : latest.calibratedAt;
  return Date.parse(since) > Date.parse(windowStart) ? since : windowStart;
}


/** A share as a percentage with two decimals. */
function percent(share: number): string {
  return `${(share * 100).toFixed(2)} %`;
}
