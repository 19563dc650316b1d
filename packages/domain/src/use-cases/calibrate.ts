import { calibrate, candidateCeilings, impliedHarm, nextEvidenceSince } from '../calibration';
import type { Calibration, SignalSample } from '../model';
import { calibrationFacts, queueNotification } from '../notifications';
import type { CalibrationConfig } from '../policy';
import { learnSignalModel } from '../signal-model';
import type { SignalModel } from '../signal-model';
import type { MedicCore } from './core';

/**
 * Confirms successes that outlived the re-kill window, then relearns what the signals say from the kills of the history window
 * (one grouped query); decisions use the new model from now on.
 */
export async function learnFromOutcomes(core: MedicCore): Promise<SignalModel | null> {
  return (await learn(core)).model;
}

async function learn(core: MedicCore): Promise<{ model: SignalModel | null; sample: SignalSample }> {
  const now = core.clock.now();
  const ago = (minutes: number): string => new Date(now.getTime() - minutes * 60_000).toISOString();
  await core.repo.confirmSuccesses(ago(core.policy.rekillWindowMinutes), now.toISOString());
  const since = ago(core.policy.historyWindowDays * 24 * 60);
  const sample = await core.repo.signalSample(since);
  const model = learnSignalModel(sample, core.policy, { since, at: now.toISOString() });
  core.learned.signals = model;
  core.onEvent({ type: 'signals_learned', since, model });
  return { model, sample };
}

/**
 * Learns from the outcomes (learnFromOutcomes), then moves the auto-approve ceiling from the evidence decided since it last
 * moved (within the window) and the harm the learnt model predicts for it, and stores the run with that evidence.
 */
export async function runCalibration(core: MedicCore, config: CalibrationConfig): Promise<Calibration> {
  const learnt = await learn(core);
  const now = core.clock.now();
  const ago = (minutes: number): string => new Date(now.getTime() - minutes * 60_000).toISOString();
  const since = nextEvidenceSince(await core.repo.latestCalibration(), ago(config.windowDays * 24 * 60));
  const sample = await core.repo.calibrationSample(since);
  const current = core.thresholds.autoApproveMaxScore;
  const ceilings = candidateCeilings(current);
  const model = learnt.model;
  const harm = model ? impliedHarm(model, learnt.sample, core.policy, ceilings).map((h, i) => ({ ceiling: ceilings[i]!, harm: h })) : null;
  const calibration = calibrate(sample, current, config, now, since, harm);
  await core.repo.saveCalibration(calibration, queueNotification(core.notificationRoutes, calibrationFacts(calibration), core.newId));
  core.thresholds.autoApproveMaxScore = calibration.nextMaxScore;
  core.onEvent({ type: 'calibrated', calibration });
  return calibration;
}

/** Puts the newest stored calibration's ceiling in force, so it survives restarts; null (thresholds unchanged) when there is none. */
export async function restoreThresholds(core: MedicCore): Promise<Calibration | null> {
  const latest = await core.repo.latestCalibration();
  if (latest) core.thresholds.autoApproveMaxScore = latest.nextMaxScore;
  return latest;
}
