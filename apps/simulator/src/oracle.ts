import type { OutcomeRecord } from '@medic/domain';
import type { Kill } from './periods';
import { signalLikelihoods } from './smith';
import type { SignalLikelihoods } from './smith';
import { DAY, MINUTE } from './units';

/** What the simulator really does, which the oracle knows and Medic does not. */
export interface TrueModel {
  /** Mean of the exponential distribution the modules' hidden true-positive rates are drawn from (capped at `maxRate`). */
  readonly meanRate: number;
  readonly maxRate: number;
  readonly quietCompromiseRate: number;
  readonly confidenceNoise: number;
  readonly killsPerDay: number;
  readonly rekillWindowMinutes: number;
  /** Minutes after a compromised module's resurrection within which Smith kills it again (uniformly). */
  readonly rekillDelayMinutes: readonly [number, number];
}

/** Cells of the grid over a module's hidden rate. */
const GRID = 400;

/**
 * The oracle's probability, for every kill of an arm, that the kill was a true positive: the exact posterior under the
 * simulator's generative model, given what Medic's store held when the kill came: the kill's own signals, the signals of
 * every earlier kill of the module, and the module's labels (operators' verdicts, resurrections that held or were
 * re-killed), in the arm's own order of events. Aligned with `kills`. The posterior over the module's hidden rate
 * multiplies P(signals | rate) for each earlier kill and P(label | truth) weighted by P(truth | its signals, rate) for each
 * label: only kills Medic did not deny get labels, a choice made on the signals, which this keeps from biasing the rate.
 */
export function oracleTruePositiveProbabilities(kills: readonly Kill[], records: readonly OutcomeRecord[], model: TrueModel, startsAt: string): number[] {
  const start = Date.parse(startsAt);
  const instant = (iso: string): number => Date.parse(iso) - start;
  const byKill = new Map(records.map((r) => [r.killId, r]));
  // The resurrection each kill re-killed, if any: the store labels it re_killed at the instant of the kill.
  const reKilled = new Map(records.filter((r) => r.reKilledAt !== null).map((r) => [`${r.targetModule}@${instant(r.reKilledAt ?? '')}`, r]));
  const grid = rateGrid(model);
  const posteriors = new Map<string, Float64Array>();
  const logPosterior = (module: string): Float64Array => {
    let logs = posteriors.get(module);
    if (!logs) {
      logs = Float64Array.from(grid.prior, Math.log);
      posteriors.set(module, logs);
    }
    return logs;
  };
  const likelihoods = kills.map((k) => signalLikelihoods(k.signals, model.confidenceNoise));
  const kindex = new Map(kills.map((k, i) => [k.killId, i]));
  const chanceKill = (running: number): number => 1 - Math.exp(-rateOfKills(model, running) * model.rekillWindowMinutes);

  // Labels as the store came to hold them: the kill, the instant the label became known, and P(label | truth).
  const labels: Array<{ at: number; kill: number; ifTrue: number; ifFalse: number }> = [];
  for (const [i, kill] of kills.entries()) {
    const record = byKill.get(kill.killId);
    if (!record) continue;
    if (record.rejectedAt !== null) {
      // The simulated operator rejects exactly the true positives...
      labels.push({ at: instant(record.rejectedAt), kill: i, ifTrue: 1, ifFalse: 0 });
    } else if (record.approvedAt !== null) {
      // ...and approves exactly the false positives, whatever happens to the resurrection afterwards.
      labels.push({ at: instant(record.approvedAt), kill: i, ifTrue: 0, ifFalse: 1 });
    } else if (record.wasAutoApproved && record.completedAt !== null) {
      const chance = chanceKill(kill.runningModules);
      if (record.reKilledAt !== null) {
        // A compromise is always killed again; a false positive only by a chance kill inside the window.
        labels.push({ at: instant(record.reKilledAt), kill: i, ifTrue: 1, ifFalse: chance });
      } else if (record.outcomeType === 'success') {
        labels.push({ at: instant(record.completedAt) + model.rekillWindowMinutes * MINUTE, kill: i, ifTrue: 0, ifFalse: 1 - chance });
      }
      // A rollback says nothing about the truth: the health check fails at the same rate either way.
    }
  }
  labels.sort((a, b) => a.at - b.at);

  const probabilities: number[] = [];
  const compromised: number[] = [];
  let next = 0;
  for (const [i, kill] of kills.entries()) {
    // Labels known strictly before this kill, in the order they became known.
    for (; next < labels.length && (labels[next]?.at ?? Infinity) < kill.at; next++) {
      const label = labels[next];
      if (!label) break;
      const L = likelihoods[label.kill] as SignalLikelihoods;
      const c = compromised[label.kill] ?? 0;
      const logs = logPosterior(kills[label.kill]?.module ?? '');
      for (let j = 0; j < grid.rates.length; j++) {
        const p = truePositiveGiven(grid.rates[j] ?? 0, L, c, model);
        logs[j] = (logs[j] ?? -Infinity) + Math.log(p * label.ifTrue + (1 - p) * label.ifFalse);
      }
    }
    const c = compromisedBefore(kill, reKilled.get(`${kill.module}@${kill.at}`), instant, kindex, probabilities, model);
    const L = likelihoods[i] as SignalLikelihoods;
    const logs = logPosterior(kill.module);
    compromised.push(c);
    probabilities.push(truePositiveProbability(logs, grid.rates, L, c, model));
    // From now on this kill's signals are part of what is known about the module: P(signals | rate).
    for (let j = 0; j < grid.rates.length; j++) {
      const prior = c + (1 - c) * (grid.rates[j] ?? 0);
      logs[j] = (logs[j] ?? -Infinity) + Math.log(prior * trueLikelihood(L, model) + (1 - prior) * L.falseAlarm);
    }
  }
  return probabilities;
}

/**
 * Probability that the module was already compromised when this kill came: it was killed inside the re-kill window after a
 * resurrection. Bayes over the resurrected kill's own probability (0 when an operator approved it) and the kill's timing:
 * a compromised module is killed again after a uniform delay, a clean one only by Smith's background rate.
 */
function compromisedBefore(
  kill: Kill,
  previous: OutcomeRecord | undefined,
  instant: (iso: string) => number,
  kindex: ReadonlyMap<string, number>,
  earlier: readonly number[],
  model: TrueModel,
): number {
  if (!previous || previous.completedAt === null || previous.approvedAt !== null) return 0;
  const p = earlier[kindex.get(previous.killId) ?? -1] ?? 0;
  const minutes = (kill.at - instant(previous.completedAt)) / MINUTE;
  const [low, high] = model.rekillDelayMinutes;
  const background = rateOfKills(model, kill.runningModules);
  const scheduled = minutes >= low && minutes <= high ? 1 / (high - low) : 0;
  const odds = p * (scheduled + background);
  return odds === 0 ? 0 : odds / (odds + (1 - p) * background);
}

/** P(true positive | signals, posterior over the module's rate, probability it was already compromised). */
function truePositiveProbability(logs: Float64Array, rates: Float64Array, L: SignalLikelihoods, compromised: number, model: TrueModel): number {
  const top = Math.max(...logs);
  let weight = 0;
  let sum = 0;
  for (let j = 0; j < rates.length; j++) {
    const w = Math.exp((logs[j] ?? -Infinity) - top);
    if (w === 0) continue;
    weight += w;
    sum += w * truePositiveGiven(rates[j] ?? 0, L, compromised, model);
  }
  return weight === 0 ? 0 : sum / weight;
}

/** P(true positive | signals, the module's rate, probability it was already compromised): Bayes' rule over the two ways a kill is drawn. */
function truePositiveGiven(rate: number, L: SignalLikelihoods, compromised: number, model: TrueModel): number {
  const prior = compromised + (1 - compromised) * rate;
  const tp = prior * trueLikelihood(L, model);
  const fp = (1 - prior) * L.falseAlarm;
  return tp + fp === 0 ? prior : tp / (tp + fp);
}

/** Likelihood of the signals for a true positive: a quiet compromise draws them as a false alarm. */
function trueLikelihood(L: SignalLikelihoods, model: TrueModel): number {
  return model.quietCompromiseRate * L.falseAlarm + (1 - model.quietCompromiseRate) * L.real;
}

/** Smith's background rate of kills per running module, per minute. */
function rateOfKills(model: TrueModel, running: number): number {
  return model.killsPerDay / (Math.max(1, running) * (DAY / MINUTE));
}

/** The prior over a module's hidden rate: min(maxRate, exponential(meanRate)), as cells with their prior mass, plus the cap's atom. */
function rateGrid(model: TrueModel): { rates: Float64Array; prior: Float64Array } {
  const { meanRate: mean, maxRate: cap } = model;
  if (!(mean > 0)) return { rates: Float64Array.of(0), prior: Float64Array.of(1) };
  const cdf = (x: number) => 1 - Math.exp(-x / mean);
  const rates = new Float64Array(GRID + 1);
  const prior = new Float64Array(GRID + 1);
  for (let j = 0; j < GRID; j++) {
    const a = (j * cap) / GRID;
    const b = ((j + 1) * cap) / GRID;
    rates[j] = (a + b) / 2;
    prior[j] = cdf(b) - cdf(a);
  }
  rates[GRID] = cap;
  prior[GRID] = 1 - cdf(cap);
  return { rates, prior };
}
