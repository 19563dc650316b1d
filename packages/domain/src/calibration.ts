import { MedicError } from './errors';
import type { Calibration, CalibrationSample } from './model';
import { CALIBRATION_LIMITS } from './policy';
import type { CalibrationConfig } from './policy';

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
 * One calibration step of `auto_approve_max_score` (DESIGN §7): up a step when the success rate's
 * Wilson lower bound is high enough, down a step when its upper bound is too low, never past the limits.
 */
export function calibrate(sample: CalibrationSample, currentMaxScore: number, config: CalibrationConfig, at: Date): Calibration {
  const { step, min, max, raiseAtLower, lowerBelowUpper } = CALIBRATION_LIMITS;
  const { total, successes } = sample;
  const hasData = total > 0;
  const bounds = hasData ? wilsonInterval(successes, total) : null;
  const stats = {
    calibratedAt: at.toISOString(),
    previousMaxScore: currentMaxScore,
    samples: total,
    successes,
    successRate: hasData ? successes / total : null,
    wilsonLower: bounds?.lower ?? null,
    wilsonUpper: bounds?.upper ?? null,
  };
  const stay = (reason: string): Calibration => ({ ...stats, nextMaxScore: currentMaxScore, direction: 'none', reason });
  const held = `${successes} of ${total} auto-approved resurrections held`;

  if (bounds === null || total < config.minSamples) {
    return stay(`Not enough samples: ${total} labelled auto-approved resurrection(s), at least ${config.minSamples} needed; auto_approve_max_score stays ${fmt(currentMaxScore)}.`);
  }
  if (bounds.lower >= raiseAtLower) {
    const why = `${held} (Wilson lower bound ${fmt(bounds.lower)} >= ${raiseAtLower})`;
    if (currentMaxScore >= max) return stay(`${why}, but auto_approve_max_score ${fmt(currentMaxScore)} is already at its upper limit ${max}.`);
    const next = round(Math.min(max, currentMaxScore + step));
    return { ...stats, nextMaxScore: next, direction: 'up', reason: `Raised auto_approve_max_score from ${fmt(currentMaxScore)} to ${fmt(next)}: ${why}.` };
  }
  if (bounds.upper < lowerBelowUpper) {
    const why = `${held} (Wilson upper bound ${fmt(bounds.upper)} < ${lowerBelowUpper})`;
    if (currentMaxScore <= min) return stay(`${why}, but auto_approve_max_score ${fmt(currentMaxScore)} is already at its lower limit ${min}.`);
    const next = round(Math.max(min, Math.min(max, currentMaxScore - step)));
    return { ...stats, nextMaxScore: next, direction: 'down', reason: `Lowered auto_approve_max_score from ${fmt(currentMaxScore)} to ${fmt(next)}: ${why}.` };
  }
  return stay(
    `${held} (Wilson interval ${fmt(bounds.lower)}–${fmt(bounds.upper)}): not clear enough to move; auto_approve_max_score stays ${fmt(currentMaxScore)}.`,
  );
}

/** Three decimals, so repeated steps of 0.05 do not drift (0.1 + 0.05 + 0.05 ≠ 0.2 in floating point). */
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function fmt(value: number): string {
  return String(round(value));
}
