import { DEFAULT_CALIBRATION, DEFAULT_POLICY } from '../policy';
import type { OutcomeRecord } from '../model';
import { minutesFrom, sampleRecord } from '../testing/fixtures';
import { createTestCore } from '../testing/test-core';
import type { TestCore } from '../testing/test-core';
import { restoreThresholds, runCalibration } from './calibrate';
import { handleDelivery } from './handle-delivery';

/** Calibration with the harm budget out of the way (tests of the budget set their own). */
const LOOSE = { minSamples: 20, windowDays: 30, maxHarmRate: 1 };

/** A core with the default ceiling 0.3, which calibration can move either way. */
const calibratable = (repo?: TestCore['repo']): TestCore => createTestCore({ policy: DEFAULT_POLICY, ...(repo ? { repo } : {}) });

/** An auto-approved resurrection of `module` that completed `minutesAgo` before the test clock. */
function autoApproved(t: TestCore, killId: string, outcomeType: OutcomeRecord['outcomeType'], minutesAgo: number): OutcomeRecord {
  const now = t.clock.now().toISOString();
  return sampleRecord({
    killId,
    timestamp: minutesFrom(-minutesAgo - 1, now),
    state: 'done',
    outcomeType,
    originalDecision: 'approve_auto',
    wasAutoApproved: true,
    completedAt: minutesFrom(-minutesAgo, now),
    timeToHealthy: outcomeType === 'success' ? 1.2 : null,
  });
}

describe('runCalibration', () => {
  it('confirms successes that outlived the re-kill window, and only those', async () => {
    const t = createTestCore();
    t.fleet.add({ name: 'web-1', health: 'passing' });
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-old' }));
    t.clock.advance(20 * 60_000);
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-young', targetModule: 'api', targetInstanceId: 'web-1' }));
    t.clock.advance(11 * 60_000);
    await runCalibration(t.core, DEFAULT_CALIBRATION);
    expect(await t.repo.get('kill-old')).toMatchObject({ outcomeType: 'success', confirmedAt: t.clock.now().toISOString() });
    expect(await t.repo.get('kill-young')).toMatchObject({ outcomeType: 'success', confirmedAt: null });
  });

  it('raises the ceiling after many held auto-approvals, stores the run and reports it', async () => {
    const t = calibratable();
    for (let i = 0; i < 80; i++) await t.repo.insert(autoApproved(t, `held-${i}`, 'success', 60 + i));
    const before = t.core.thresholds.autoApproveMaxScore;
    const calibration = await runCalibration(t.core, LOOSE);
    expect(calibration).toMatchObject({ direction: 'up', samples: 80, successes: 80, previousMaxScore: before, calibratedAt: t.clock.now().toISOString() });
    expect(calibration.nextMaxScore).toBeGreaterThan(before);
    expect(t.core.thresholds.autoApproveMaxScore).toBe(calibration.nextMaxScore);
    expect(await t.repo.latestCalibration()).toEqual(calibration);
    expect(t.events).toContainEqual({ type: 'calibrated', calibration });
  });

  it('lowers the ceiling when many auto-approvals were wrong', async () => {
    const t = calibratable();
    for (let i = 0; i < 10; i++) await t.repo.insert(autoApproved(t, `held-${i}`, 'success', 60 + i));
    for (let i = 0; i < 10; i++) await t.repo.insert({ ...autoApproved(t, `rekilled-${i}`, 're_killed', 60 + i), reKilledAt: t.clock.now().toISOString() });
    const calibration = await runCalibration(t.core, LOOSE);
    expect(calibration).toMatchObject({ direction: 'down', samples: 20, successes: 10 });
    expect(t.core.thresholds.autoApproveMaxScore).toBeLessThan(calibration.previousMaxScore);
  });

  it('keeps the ceiling with too few samples', async () => {
    const t = calibratable();
    await t.repo.insert(autoApproved(t, 'held-1', 'success', 60));
    const calibration = await runCalibration(t.core, LOOSE);
    expect(calibration).toMatchObject({ direction: 'none', samples: 1, nextMaxScore: calibration.previousMaxScore });
  });

  it('moves at most once per fresh batch: labels decided before the last move do not count again', async () => {
    const t = calibratable();
    for (let i = 0; i < 80; i++) await t.repo.insert(autoApproved(t, `held-${i}`, 'success', 60 + i));
    const first = await runCalibration(t.core, LOOSE);
    expect(first).toMatchObject({ direction: 'up', samples: 80, evidenceSince: minutesFrom(-30 * 24 * 60, first.calibratedAt) });

    // A day later the same 80 labels would justify another step; only labels decided since the move count.
    t.clock.advance(24 * 60 * 60_000);
    const second = await runCalibration(t.core, LOOSE);
    expect(second).toMatchObject({ direction: 'none', samples: 0, evidenceSince: first.calibratedAt, nextMaxScore: first.nextMaxScore });
    expect(second.reason).toMatch(/^Waiting for fresh evidence/);

    // A fresh batch decided after the move lets it move again, judged on that batch alone.
    for (let i = 0; i < 80; i++) await t.repo.insert(autoApproved(t, `fresh-${i}`, 'success', 60 + i));
    const third = await runCalibration(t.core, LOOSE);
    expect(third).toMatchObject({ direction: 'up', samples: 80, evidenceSince: first.calibratedAt, previousMaxScore: first.nextMaxScore });
  });

  it('keeps the ceiling while the implied harm is not shown to be within max_harm_rate, and stores that evidence', async () => {
    const t = calibratable();
    for (let i = 0; i < 80; i++) await t.repo.insert(autoApproved(t, `held-${i}`, 'success', 60 + i));
    await t.repo.insert({ ...autoApproved(t, 'rekilled', 're_killed', 70), reKilledAt: t.clock.now().toISOString() });
    for (let i = 0; i < 40; i++) await t.repo.insert(sampleRecord({ killId: `denied-${i}`, timestamp: minutesFrom(-100 - i, t.clock.now().toISOString()), originalDecision: 'deny', riskLevel: 'high' }));
    const calibration = await runCalibration(t.core, DEFAULT_CALIBRATION);
    expect(calibration).toMatchObject({ direction: 'none', samples: 81, successes: 80, reKilled: 1, truePositives: 41, maxHarmRate: DEFAULT_CALIBRATION.maxHarmRate });
    expect(calibration.harmUpper).toBeGreaterThan(DEFAULT_CALIBRATION.maxHarmRate);
    expect(await t.repo.latestCalibration()).toEqual(calibration);
    expect(t.core.thresholds.autoApproveMaxScore).toBe(calibration.previousMaxScore);
  });
});

describe('restoreThresholds', () => {
  it('puts the newest stored calibration back in force after a restart', async () => {
    const first = calibratable();
    for (let i = 0; i < 80; i++) await first.repo.insert(autoApproved(first, `held-${i}`, 'success', 60 + i));
    const calibration = await runCalibration(first.core, LOOSE);

    const restarted = calibratable(first.repo);
    expect(restarted.core.thresholds.autoApproveMaxScore).toBe(calibration.previousMaxScore);
    await expect(restoreThresholds(restarted.core)).resolves.toEqual(calibration);
    expect(restarted.core.thresholds.autoApproveMaxScore).toBe(calibration.nextMaxScore);
  });

  it('leaves the thresholds alone when nothing was calibrated yet', async () => {
    const t = calibratable();
    const before = t.core.thresholds.autoApproveMaxScore;
    await expect(restoreThresholds(t.core)).resolves.toBeNull();
    expect(t.core.thresholds.autoApproveMaxScore).toBe(before);
  });
});
