import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CALIBRATION, DEFAULT_POLICY, Prng } from '@medic/domain';
import type { CalibrationConfig, PolicyConfig } from '@medic/domain';
import { APPROVAL_TTL_MINUTES, killSlots, runArm, SIMULATION_START } from './arm';
import { drawModules, MAX_RATE } from './fleet';
import type { ArmReport, SimulationParameters, SimulationReport } from './types';

/** Defaults: 90 days because at ~20 kills a day calibration needs weeks of labelled auto-approvals before its evidence is clear. */
export const DEFAULT_PARAMETERS: SimulationParameters = {
  seed: 1,
  days: 90,
  modules: 30,
  killsPerDay: 20,
  truePositiveRate: 0.2,
  operatorDelayMinutes: 30,
  manualRecoveryMinutes: 240,
  quietCompromiseRate: 0.05,
  confidenceNoise: 0,
  rollbackRate: 0.01,
  autoApprove: true,
  maxScore: DEFAULT_POLICY.autoApprove.maxScore,
};

export interface SimulationOptions extends Partial<SimulationParameters> {
  /** Directory for the two SQLite stores (calibration-on.db, calibration-off.db, replaced if present); default: a temporary directory removed afterwards. */
  readonly dbDir?: string;
}

/**
 * Runs the real use cases (handleDelivery, approveKill, runCalibration) over a real SQLite store against a synthetic fleet,
 * once with calibration and once without, on the same seeded world; deterministic for a given set of parameters.
 */
export async function simulate(options: SimulationOptions = {}): Promise<SimulationReport> {
  const { dbDir, ...given } = options;
  const parameters: SimulationParameters = { ...DEFAULT_PARAMETERS, ...definedOnly(given) };
  const policy: PolicyConfig = { ...DEFAULT_POLICY, autoApprove: { ...DEFAULT_POLICY.autoApprove, enabled: parameters.autoApprove, maxScore: parameters.maxScore } };
  const calibration: CalibrationConfig = DEFAULT_CALIBRATION;
  const modules = drawModules(parameters.modules, parameters.truePositiveRate, Prng.derive(parameters.seed, 'modules'));
  const slots = killSlots(parameters);

  const dir = dbDir ?? mkdtempSync(join(tmpdir(), 'medic-simulation-'));
  mkdirSync(dir, { recursive: true });
  try {
    const arms: ArmReport[] = [];
    for (const calibrating of [true, false]) {
      const path = join(dir, `calibration-${calibrating ? 'on' : 'off'}.db`);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
      const truth = {
        meanRate: parameters.truePositiveRate,
        maxRate: MAX_RATE,
        quietCompromiseRate: parameters.quietCompromiseRate,
        confidenceNoise: parameters.confidenceNoise,
        killsPerDay: parameters.killsPerDay,
      };
      arms.push(await runArm({ parameters, policy, calibration, modules, slots, calibrating, path, truth, harmBudget: calibration.maxHarmRate }));
    }
    return {
      parameters,
      policy: {
        autoApproveEnabled: policy.autoApprove.enabled,
        minConfidence: policy.autoApprove.minConfidence,
        initialMaxScore: policy.autoApprove.maxScore,
        minSamples: calibration.minSamples,
        calibrationWindowDays: calibration.windowDays,
        maxHarmRate: calibration.maxHarmRate,
        rekillWindowMinutes: policy.rekillWindowMinutes,
        approvalTtlMinutes: APPROVAL_TTL_MINUTES,
      },
      startsAt: SIMULATION_START,
      modules,
      arms,
    };
  } finally {
    if (dbDir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** Drops keys given as undefined, so they keep their defaults. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
