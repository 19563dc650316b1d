import { MedicError } from './errors';
import type { Calibration, CalibrationSample } from './model';
import { CALIBRATION_LIMITS } from './policy';
import type { CalibrationConfig } from './policy';
import { round } from './round';

/** Wilson score interval of a success rate; z = 1.96 is 95 %. No trials says nothing: [0, 1]. */
export function wilsonInterval(successes: number, total: number, z = 1.96): { lower: number; upper: number } {
  if (!Number.isFinite(successes) || !Number.isFinite(total) || successes < 0 || total < 0 || successes > total) {
    throw new MedicError('invalid_sample', `wilsonInterval needs 0 <= successes <= total (got ${successes} of ${total})`);
  }
  if (total === 0) return { lower: 0, upper: 1 };
  const p = successes / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const centre = p + z2 / (2 * total);
  const margin = z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return { lower: Math.max(0, (centre - margin) / denominator), upper: Math.min(1, (centre + margin) / denominator) };
}

/**
 * One calibration step of `auto_approve_max_score` over the evidence gathered since the ceiling last moved (`evidenceSince`):
 * with at least `minSamples` labelled auto-approvals, up a step when the Wilson interval of their success rate lies above
 * the target and the implied harm is within budget, down a step when it lies below the target, never past the limits.
 * Implied harm = re-killed auto-approvals / true-positive kills (denied, rejected or re-killed), the share of true-positive
 * kills the ceiling sent back; its upper bound is that ratio's Wilson upper bound, and above `maxHarmRate` it vetoes a raise.
 */
export function calibrate(sample: CalibrationSample, currentMaxScore: number, config: CalibrationConfig, at: Date, evidenceSince: string): Calibration {
  const { step, min, max, targetSuccessRate } = CALIBRATION_LIMITS;
  const { total, successes, reKilled, truePositives } = sample;
  const hasData = total > 0;
  const bounds = hasData ? wilsonInterval(successes, total) : null;
  // Every re-kill counts as harm (some are chance kills of a module that was fine): the bound errs towards protection.
  // Without any true-positive kill the harm is unknown: the bound is 1.
  const harmUpper = wilsonInterval(Math.min(reKilled, truePositives), truePositives).upper;
  const stats = {
    calibratedAt: at.toISOString(),
    previousMaxScore: currentMaxScore,
    samples: total,
    successes,
    successRate: hasData ? successes / total : null,
    wilsonLower: bounds?.lower ?? null,
    wilsonUpper: bounds?.upper ?? null,
    evidenceSince,
    reKilled,
    truePositives,
    harmUpper,
    maxHarmRate: config.maxHarmRate,
  };
  const stay = (reason: string): Calibration => ({ ...stats, nextMaxScore: currentMaxScore, direction: 'none', reason });
  const held = `${successes} of ${total} auto-approved resurrections decided since ${evidenceSince} held`;

  if (bounds === null || total < config.minSamples) {
    return stay(
      `Waiting for fresh evidence: ${total} labelled auto-approved resurrection(s) decided since ${evidenceSince}, at least ${config.minSamples} needed; auto_approve_max_score stays ${fmt(currentMaxScore)}.`,
    );
  }
  if (bounds.lower >= targetSuccessRate) {
    const why = `${held} (Wilson lower bound ${fmt(bounds.lower)} >= ${targetSuccessRate})`;
    const harm = `implied harm ${reKilled} re-killed of ${truePositives} true-positive kill(s), upper bound ${fmt(harmUpper)}`;
    if (harmUpper > config.maxHarmRate) {
      return stay(`${why}, but the ${harm} is not within max_harm_rate ${config.maxHarmRate}; auto_approve_max_score stays ${fmt(currentMaxScore)}.`);
    }
    if (currentMaxScore >= max) return stay(`${why}, but auto_approve_max_score ${fmt(currentMaxScore)} is already at its upper limit ${max}.`);
    const next = round(Math.min(max, currentMaxScore + step), 3);
    return { ...stats, nextMaxScore: next, direction: 'up', reason: `Raised auto_approve_max_score from ${fmt(currentMaxScore)} to ${fmt(next)}: ${why}, ${harm} within ${config.maxHarmRate}.` };
  }
  if (bounds.upper < targetSuccessRate) {
    const why = `${held} (Wilson upper bound ${fmt(bounds.upper)} < ${targetSuccessRate})`;
    if (currentMaxScore <= min) return stay(`${why}, but auto_approve_max_score ${fmt(currentMaxScore)} is already at its lower limit ${min}.`);
    const next = round(Math.max(min, Math.min(max, currentMaxScore - step)), 3);
    return { ...stats, nextMaxScore: next, direction: 'down', reason: `Lowered auto_approve_max_score from ${fmt(currentMaxScore)} to ${fmt(next)}: ${why}.` };
  }
  return stay(
    `${held} (Wilson interval ${fmt(bounds.lower)}–${fmt(bounds.upper)} includes ${targetSuccessRate}): not clear enough to move; auto_approve_max_score stays ${fmt(currentMaxScore)}.`,
  );
}

/** Where the next calibration's evidence starts: the newest move's instant (labels from before it judged another ceiling), else where the newest run's started. */
export function nextEvidenceSince(latest: Calibration | null, windowStart: string): string {
  const since = latest === null ? windowStart : latest.direction === 'none' ? latest.evidenceSince : latest.calibratedAt;
  return Date.parse(since) > Date.parse(windowStart) ? since : windowStart;
}


function fmt(value: number): string {
  return String(round(value, 3));
}
