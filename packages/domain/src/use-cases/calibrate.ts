import { calibrate, nextEvidenceSince } from '../calibration';
import type { Calibration } from '../model';
import { calibrationFacts, queueNotification } from '../notifications';
import type { CalibrationConfig } from '../policy';
import type { MedicCore } from './core';

/**
 * Confirms successes that outlived the re-kill window, then moves the auto-approve ceiling from the evidence decided since
 * it last moved (within the window) and stores the run with that evidence (and, when the ceiling moved, its notification).
 */
export async function runCalibration(core: MedicCore, config: CalibrationConfig): Promise<Calibration> {
  const now = core.clock.now();
  const ago = (minutes: number): string => new Date(now.getTime() - minutes * 60_000).toISOString();
  await core.repo.confirmSuccesses(ago(core.policy.rekillWindowMinutes), now.toISOString());
  const since = nextEvidenceSince(await core.repo.latestCalibration(), ago(config.windowDays * 24 * 60));
  const sample = await core.repo.calibrationSample(since);
  const calibration = calibrate(sample, core.thresholds.autoApproveMaxScore, config, now, since);
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
