import { calibrate, candidateCeilings, impliedHarm, nextEvidenceSince } from '../calibration';
import type { Calibration, SignalSample } from '../model';
import { calibrationFacts, queueNotification } from '../notifications';
import type { CalibrationConfig } from '../policy';
import { learnSignalModel } from '../signal-model';
import type { SignalModel } from '../signal-model';
import type { MedicCore } from './core';

/** What learning from outcomes works with; it writes the learnt signals. */
export type LearningDeps = Pick<MedicCore, 'repo' | 'clock' | 'policy' | 'learned' | 'onEvent'>;

/** What a calibration run works with: learning's, plus the ceiling it moves and what queueing its notification takes. */
export type CalibrationDeps = LearningDeps & Pick<MedicCore, 'ceiling' | 'newId' | 'notificationRoutes'>;

/**
 * Confirms successes that outlived the re-kill window, then relearns what the signals say from the kills of the history window
 * (one grouped query); decisions use the new model from now on.
 */
export async function learnFromOutcomes(deps: LearningDeps): Promise<SignalModel | null> {
  return (await learn(deps)).model;
}

async function learn(deps: LearningDeps): Promise<{ model: SignalModel | null; sample: SignalSample }> {
  const now = deps.clock.now();
  const ago = (minutes: number): string => new Date(now.getTime() - minutes * 60_000).toISOString();
  await deps.repo.confirmSuccesses(ago(deps.policy.rekillWindowMinutes), now.toISOString());
  const since = ago(deps.policy.historyWindowDays * 24 * 60);
  const sample = await deps.repo.signalSample(since);
  const model = learnSignalModel(sample, deps.policy, { since, at: now.toISOString() });
  deps.learned.set(model);
  deps.onEvent({ type: 'signals_learned', since, model });
  return { model, sample };
}

/**
 * Learns from the outcomes (learnFromOutcomes), then moves the auto-approve ceiling from the evidence decided since it last
 * moved (within the window) and the harm the learnt model predicts for it, and stores the run with that evidence.
 */
export async function runCalibration(deps: CalibrationDeps, config: CalibrationConfig): Promise<Calibration> {
  const learnt = await learn(deps);
  const now = deps.clock.now();
  const ago = (minutes: number): string => new Date(now.getTime() - minutes * 60_000).toISOString();
  const since = nextEvidenceSince(await deps.repo.latestCalibration(), ago(config.windowDays * 24 * 60));
  const sample = await deps.repo.calibrationSample(since);
  const current = deps.ceiling.current();
  const ceilings = candidateCeilings(current);
  const model = learnt.model;
  const harm = model ? impliedHarm(model, learnt.sample, deps.policy, ceilings).map((h, i) => ({ ceiling: ceilings[i]!, harm: h })) : null;
  const calibration = calibrate(sample, current, config, now, since, harm);
  await deps.repo.saveCalibration(calibration, queueNotification(deps.notificationRoutes, calibrationFacts(calibration), deps.newId));
  deps.ceiling.set(calibration.nextMaxScore);
  deps.onEvent({ type: 'calibrated', calibration });
  return calibration;
}

/** Puts the newest stored calibration's ceiling in force, so it survives restarts; null (ceiling unchanged) when there is none. */
export async function restoreCeiling(deps: Pick<MedicCore, 'repo' | 'ceiling'>): Promise<Calibration | null> {
  const latest = await deps.repo.latestCalibration();
  if (latest) deps.ceiling.set(latest.nextMaxScore);
  return latest;
}
