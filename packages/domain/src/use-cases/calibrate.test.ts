import { DEFAULT_CALIBRATION, DEFAULT_POLICY } from '../policy';
import type { KillReport, OutcomeRecord } from '../model';
import { minutesFrom, sampleRecord, sampleReport } from '../testing/fixtures';
import { createTestCore } from '../testing/test-core';
import type { TestCore } from '../testing/test-core';
import { learnFromOutcomes, restoreCeiling, runCalibration } from './calibrate';
import { handleDelivery } from './handle-delivery';

/** Calibration with the harm budget out of the way (tests of the budget set their own). */
const LOOSE = { minSamples: 20, windowDays: 30, maxHarmRate: 1 };

/** A core with the default ceiling, which calibration can move either way. */
const calibratable = (repo?: TestCore['repo']): TestCore => createTestCore({ policy: DEFAULT_POLICY, ...(repo ? { repo } : {}) });

/** Signals of a kill that looks like a false alarm. */
const FALSE_ALARM = { killReason: 'resource_exhaustion', severity: 'low', confidenceScore: 0.25 } as const;
/** Signals of a kill that looks like a compromise. */
const COMPROMISE = { killReason: 'threat_detected', severity: 'critical', confidenceScore: 0.9 } as const;

/** An auto-approved resurrection of `module` that completed `minutesAgo` before the test clock. */
function autoApproved(t: TestCore, killId: string, outcomeType: OutcomeRecord['outcomeType'], minutesAgo: number, module = 'web'): OutcomeRecord {
  const now = t.clock.now().toISOString();
  return sampleRecord({
    killId,
    targetModule: module,
    report: sampleReport({ killId, targetModule: module, ...FALSE_ALARM }),
    timestamp: minutesFrom(-minutesAgo - 1, now),
    state: 'done',
    outcomeType,
    originalDecision: 'approve_auto',
    wasAutoApproved: true,
    completedAt: minutesFrom(-minutesAgo, now),
    timeToHealthy: outcomeType === 'success' ? 1.2 : null,
  });
}

/** A kill of `module` an operator rejected (a true-positive label), with the signals given. */
function rejected(t: TestCore, killId: string, minutesAgo: number, signals: Partial<KillReport>, module = 'db'): OutcomeRecord {
  const now = t.clock.now().toISOString();
  return sampleRecord({
    killId,
    targetModule: module,
    report: sampleReport({ killId, targetModule: module, ...signals }),
    timestamp: minutesFrom(-minutesAgo - 1, now),
    state: 'done',
    originalDecision: 'pending_review',
    rejectedBy: 'operator',
    rejectedAt: minutesFrom(-minutesAgo, now),
  });
}

/** Kills of api, a module without labels, with signals that could go either way, left for review: scores above the default ceiling for a raise to reach. */
async function middling(t: TestCore): Promise<void> {
  const now = t.clock.now().toISOString();
  const signals = (['resource_exhaustion', 'anomaly_behavior'] as const).flatMap((killReason) =>
    (['low', 'medium'] as const).flatMap((severity) => [0.35, 0.55, 0.75].map((confidenceScore) => ({ killReason, severity, confidenceScore }))),
  );
  for (const [i, s] of signals.entries()) {
    const killId = `middling-${i}`;
    await t.repo.insert(sampleRecord({ killId, targetModule: 'api', report: sampleReport({ killId, targetModule: 'api', ...s }), timestamp: minutesFrom(-400 - i, now) }));
  }
}

/** Labels enough to learn the signals from: db's kills looked like compromises and were rejected. */
async function compromisesOfDb(t: TestCore, count = 10, prefix = 'db'): Promise<void> {
  for (let i = 0; i < count; i++) await t.repo.insert(rejected(t, `${prefix}-${i}`, 200 + i, COMPROMISE));
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

  it('learns the signals from the outcomes first, and decides with them from then on', async () => {
    const t = calibratable();
    expect(await learnFromOutcomes(t.core)).toBeNull();
    expect(t.events).toContainEqual({ type: 'signals_learned', since: minutesFrom(-90 * 24 * 60, t.clock.now().toISOString()), model: null });
    for (let i = 0; i < 30; i++) await t.repo.insert(autoApproved(t, `held-${i}`, 'success', 60 + i));
    await compromisesOfDb(t);
    await runCalibration(t.core, LOOSE);
    const model = t.core.learned.current();
    expect(model).toMatchObject({ kills: 40, labels: { falsePositives: 30, truePositives: 10 } });
    await handleDelivery(t.core, await t.deliver({ killId: 'next', targetModule: 'web', ...FALSE_ALARM }));
    expect((await t.repo.get('next'))?.reasoning.join(' ')).toContain('by what Medic learnt from 40 kill(s)');
  });

  it('raises the ceiling after many held auto-approvals when the harm a higher one implies is within budget, stores the run and reports it', async () => {
    const t = calibratable();
    for (let i = 0; i < 80; i++) await t.repo.insert(autoApproved(t, `held-${i}`, 'success', 60 + i));
    await compromisesOfDb(t);
    await middling(t);
    const before = t.core.ceiling.current();
    const calibration = await runCalibration(t.core, LOOSE);
    expect(calibration).toMatchObject({ direction: 'up', samples: 80, successes: 80, previousMaxScore: before, calibratedAt: t.clock.now().toISOString() });
    expect(calibration.nextMaxScore).toBeGreaterThan(before);
    expect(t.core.ceiling.current()).toBe(calibration.nextMaxScore);
    expect(calibration.harmUpper).not.toBeNull();
    expect(await t.repo.latestCalibration()).toEqual(calibration);
    expect(t.events).toContainEqual({ type: 'calibrated', calibration });
  });

  it('learns a model from the first kills, compromises or not, and never raises on it into scores it has seen no kill at', async () => {
    const t = calibratable();
    for (let i = 0; i < 80; i++) await t.repo.insert(autoApproved(t, `held-${i}`, 'success', 60 + i));
    const calibration = await runCalibration(t.core, { ...LOOSE, maxHarmRate: 0.005 });
    // No compromise labelled yet: the model stands on the configured tables and these 80 false positives, which all expect
    // less than one true positive; one more kill at the ceiling would be a large share of them, so the ceiling does not rise.
    expect(t.core.learned.current()?.labels).toEqual({ falsePositives: 80, truePositives: 0 });
    expect(calibration.direction).not.toBe('up');
    expect(calibration.nextMaxScore).toBeLessThanOrEqual(calibration.previousMaxScore);
    expect(calibration.harmPoint).not.toBeNull();
    expect(calibration.harmPoint!).toBeGreaterThan(0);
    expect(calibration.harmPoint!).toBeLessThanOrEqual(0.005);
  });

  it('moves the ceiling on the predicted harm without waiting for auto-approvals: labelled kills of any verdict are its evidence', async () => {
    // Operators approved 80 kills that looked like false alarms (they held) and rejected db's compromises: no auto-approval yet.
    const filled = async (): Promise<TestCore> => {
      const t = calibratable();
      const now = t.clock.now().toISOString();
      for (let i = 0; i < 80; i++) {
        await t.repo.insert({ ...autoApproved(t, `held-${i}`, 'success', 60 + i), wasAutoApproved: false, originalDecision: 'pending_review', approvedBy: 'api', approvedAt: minutesFrom(-62 - i, now) });
      }
      await compromisesOfDb(t);
      await middling(t);
      return t;
    };
    const budget = { ...DEFAULT_CALIBRATION, maxHarmRate: 0.05 };
    const calibration = await runCalibration((await filled()).core, budget);
    expect(calibration).toMatchObject({ direction: 'up', samples: 0, successes: 0 });
    expect(calibration.reason).toContain('90 labelled kill(s) decided since');
    expect(calibration.harmUpper!).toBeLessThanOrEqual(budget.maxHarmRate);
    // Under the default budget the same evidence brings it down just as readily: 0.2 implies more than 0.5 %.
    const strict = await runCalibration((await filled()).core, DEFAULT_CALIBRATION);
    expect(strict).toMatchObject({ direction: 'down', samples: 0 });
    expect(strict.reason).toMatch(/ceiling 0\.2 implies harm .*, above max_harm_rate 0\.50 %/);
    expect(strict.harmPoint!).toBeLessThanOrEqual(DEFAULT_CALIBRATION.maxHarmRate);
  });

  it('lowers the ceiling when many auto-approvals were wrong', async () => {
    const t = calibratable();
    for (let i = 0; i < 10; i++) await t.repo.insert(autoApproved(t, `held-${i}`, 'success', 60 + i));
    for (let i = 0; i < 10; i++) await t.repo.insert({ ...autoApproved(t, `rekilled-${i}`, 're_killed', 60 + i), reKilledAt: t.clock.now().toISOString() });
    const calibration = await runCalibration(t.core, LOOSE);
    expect(calibration).toMatchObject({ direction: 'down', samples: 20, successes: 10 });
    expect(t.core.ceiling.current()).toBeLessThan(calibration.previousMaxScore);
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
    await compromisesOfDb(t);
    await middling(t);
    const first = await runCalibration(t.core, LOOSE);
    expect(first).toMatchObject({ direction: 'up', samples: 80, evidenceSince: minutesFrom(-30 * 24 * 60, first.calibratedAt) });

    // A day later the same 80 labels would justify another step; only labels decided since the move count.
    t.clock.advance(24 * 60 * 60_000);
    const second = await runCalibration(t.core, LOOSE);
    expect(second).toMatchObject({ direction: 'none', samples: 0, evidenceSince: first.calibratedAt, nextMaxScore: first.nextMaxScore });
    expect(second.reason).toMatch(/^Waiting for fresh evidence/);

    // A fresh batch decided after the move lets it move again, judged on that batch alone: half of it went wrong.
    for (let i = 0; i < 40; i++) await t.repo.insert(autoApproved(t, `fresh-${i}`, 'success', 60 + i));
    for (let i = 0; i < 40; i++) await t.repo.insert({ ...autoApproved(t, `wrong-${i}`, 're_killed', 60 + i), reKilledAt: t.clock.now().toISOString() });
    const third = await runCalibration(t.core, LOOSE);
    expect(third).toMatchObject({ direction: 'down', samples: 80, successes: 40, evidenceSince: first.calibratedAt, previousMaxScore: first.nextMaxScore });
  });

  it('brings the ceiling down to where the harm it implies is within max_harm_rate, and stores that evidence', async () => {
    const t = calibratable();
    // Kills that look like false alarms were compromises often enough (web's, found by an operator) that api's, auto-approved
    // under the ceiling in force, carry more harm than the budget.
    for (let i = 0; i < 80; i++) await t.repo.insert(autoApproved(t, `held-${i}`, 'success', 60 + i, 'api'));
    for (let i = 0; i < 30; i++) await t.repo.insert(autoApproved(t, `web-${i}`, 'success', 60 + i));
    for (let i = 0; i < 9; i++) await t.repo.insert(rejected(t, `quiet-${i}`, 300 + i, FALSE_ALARM, 'web'));
    await compromisesOfDb(t);
    const before = t.core.ceiling.current();
    const calibration = await runCalibration(t.core, DEFAULT_CALIBRATION);
    expect(calibration).toMatchObject({ direction: 'down', samples: 110, successes: 110, maxHarmRate: DEFAULT_CALIBRATION.maxHarmRate });
    expect(calibration.nextMaxScore).toBeLessThan(before);
    expect(calibration.reason).toMatch(/above max_harm_rate 0\.50 %/);
    expect(await t.repo.latestCalibration()).toEqual(calibration);
    expect(t.core.ceiling.current()).toBe(calibration.nextMaxScore);
  });
});

describe('restoreCeiling', () => {
  it('puts the newest stored calibration back in force after a restart', async () => {
    const first = calibratable();
    for (let i = 0; i < 80; i++) await first.repo.insert(autoApproved(first, `held-${i}`, 'success', 60 + i));
    await compromisesOfDb(first);
    const calibration = await runCalibration(first.core, LOOSE);

    const restarted = calibratable(first.repo);
    expect(restarted.core.ceiling.current()).toBe(calibration.previousMaxScore);
    await expect(restoreCeiling(restarted.core)).resolves.toEqual(calibration);
    expect(restarted.core.ceiling.current()).toBe(calibration.nextMaxScore);
  });

  it('leaves the ceiling alone when nothing was calibrated yet', async () => {
    const t = calibratable();
    const before = t.core.ceiling.current();
    await expect(restoreCeiling(t.core)).resolves.toBeNull();
    expect(t.core.ceiling.current()).toBe(before);
  });
});
