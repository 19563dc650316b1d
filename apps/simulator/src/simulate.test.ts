import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import { DEFAULT_PARAMETERS, simulate } from './simulate';
import type { SimulationOptions } from './simulate';
import type { ArmReport, PeriodRow, SimulationReport } from './types';

/** Small runs keep the suite fast: 5 modules for a week. */
const SMALL: SimulationOptions = { modules: 5, days: 7, killsPerDay: 20 };

function arm(report: SimulationReport, calibration: boolean): ArmReport {
  const found = report.arms.find((a) => a.calibration === calibration);
  if (!found) throw new Error(`no arm with calibration ${calibration}`);
  return found;
}

function rows(a: ArmReport): PeriodRow[] {
  return [...a.days, ...a.weeks, a.total];
}

describe('simulate', () => {
  let first: SimulationReport;

  beforeAll(async () => {
    first = await simulate({ ...SMALL, seed: 7 });
  });

  it('gives the same report for the same seed', async () => {
    expect(await simulate({ ...SMALL, seed: 7 })).toEqual(first);
  });

  it('gives another report for another seed', async () => {
    const other = await simulate({ ...SMALL, seed: 8 });
    expect(other.modules).not.toEqual(first.modules);
    expect(other.arms).not.toEqual(first.arms);
  });

  it('reports both arms over the same days, with consistent figures', () => {
    expect(first.arms.map((a) => a.label)).toEqual(['calibration on', 'calibration off']);
    expect(first.parameters).toEqual({ ...DEFAULT_PARAMETERS, ...SMALL, seed: 7 });
    for (const a of first.arms) {
      expect(a.days).toHaveLength(7);
      expect(a.weeks).toHaveLength(1);
      expect(a.total.kills).toBeGreaterThan(50);
      for (const row of rows(a)) {
        expect(row.falsePositiveKills + row.truePositiveKills).toBe(row.kills);
        expect(row.decisions.approve_auto + row.decisions.pending_review + row.decisions.deny).toBe(row.kills);
        expect(row.falsePositivesAutoResurrected + row.truePositivesAutoResurrected).toBe(row.decisions.approve_auto);
      }
      expect(a.days.reduce((sum, d) => sum + d.kills, 0)).toBe(a.total.kills);
      expect(a.weeks[0]).toEqual({ ...a.total, period: 1 });
    }
  });

  it('calibrates daily in the calibration-on arm only; the other keeps its ceiling', () => {
    const on = arm(first, true);
    const off = arm(first, false);
    expect(on.calibrations.map((c) => c.day)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(on.days.map((d) => d.autoApproveMaxScore)).toEqual(on.calibrations.map((c) => c.nextMaxScore));
    expect(off.calibrations).toEqual([]);
    expect(new Set(off.days.map((d) => d.autoApproveMaxScore))).toEqual(new Set([DEFAULT_PARAMETERS.maxScore]));
  });

  it('auto-approves kills in live mode, and their labels reach the store', () => {
    const on = arm(first, true);
    expect(on.total.decisions.approve_auto).toBeGreaterThan(0);
    expect(on.store.autoApproveLabelled).toBeGreaterThan(0);
    expect(on.store.byOutcome.success).toBeGreaterThan(0);
  });

  it('does no harm, and auto-approves nothing at all, when auto-approve is off', async () => {
    const report = await simulate({ ...SMALL, seed: 7, autoApprove: false, truePositiveRate: 0.5, quietCompromiseRate: 1 });
    expect(report.policy.autoApproveEnabled).toBe(false);
    for (const a of report.arms) {
      expect(a.total.truePositiveKills).toBeGreaterThan(0);
      for (const row of rows(a)) {
        expect(row.truePositivesAutoResurrected).toBe(0);
        expect(row.falsePositivesAutoResurrected).toBe(0);
        expect(row.decisions.approve_auto).toBe(0);
        expect(row.truePositiveAutoShare === null || row.truePositiveAutoShare === 0).toBe(true);
      }
      expect(a.store.autoApproveLabelled).toBe(0);
    }
    expect(arm(report, true).calibrations.every((c) => c.direction === 'none' && c.samples === 0)).toBe(true);
  });

  it('measures harm, and calibration lowers a ceiling whose predicted harm is above the budget', async () => {
    const report = await simulate({ days: 30, seed: 3, maxScore: 0.4 });
    const on = arm(report, true);
    const off = arm(report, false);
    expect(off.total.truePositivesAutoResurrected).toBeGreaterThan(0);
    const down = on.calibrations.find((c) => c.direction === 'down');
    expect(down?.harmPoint).not.toBeNull();
    expect(down?.harmPoint ?? 1).toBeLessThanOrEqual(report.policy.maxHarmRate);
    expect(on.total.autoApproveMaxScore).toBeLessThan(0.4);
    expect(off.total.autoApproveMaxScore).toBe(0.4);
    expect(on.total.truePositiveAutoShare ?? 1).toBeLessThan(off.total.truePositiveAutoShare ?? 0);
  });

  it('learns when compromises look like false alarms, and stops auto-approving what looks like one', async () => {
    const report = await simulate({ modules: 10, days: 35, seed: 3, maxScore: 0.4, truePositiveRate: 0.8, quietCompromiseRate: 0.8 });
    for (const a of report.arms) {
      expect(a.weeks[0]?.truePositivesAutoResurrected).toBeGreaterThan(0);
      expect(a.learned?.quietShare).toBeGreaterThan(0.5);
      expect(a.weeks.slice(1).every((w) => w.decisions.approve_auto === 0)).toBe(true);
    }
  });

  it('has the simulated operator reject the true positives it reviews, and approve the false ones, through the real use cases', () => {
    for (const a of first.arms) {
      expect(a.store.operatorVerdicts.rejected).toBeGreaterThan(0);
      expect(a.store.operatorVerdicts.approved).toBeGreaterThan(0);
      expect(a.store.operatorVerdicts.approved + a.store.operatorVerdicts.rejected).toBeLessThanOrEqual(a.total.decisions.pending_review);
    }
  });

  describe('the oracle', () => {
    let month: SimulationReport;

    beforeAll(async () => {
      month = await simulate({ seed: 11, days: 30 });
    });

    it('is never beaten in expectation: its frontier is at least Medic at Medic\'s harm, for both arms', () => {
      for (const a of month.arms) {
        // One kill's worth of slack: the frontier's points are thresholds, Medic's approvals any set.
        expect(a.oracle.expected.ratio ?? 0).toBeLessThanOrEqual(1.02);
        expect(a.oracle.expected.oracle.recovered).toBeGreaterThan(0);
      }
    });

    it('draws its frontier on the arm\'s own kills, and places Medic on the same kills', () => {
      const on = arm(month, true);
      expect(on.oracle.realized.medic.recovered).toBeCloseTo(on.total.falsePositiveAutoShare ?? Number.NaN, 4);
      expect(on.oracle.realized.medic.harm).toBeCloseTo(on.total.truePositiveAutoShare ?? Number.NaN, 4);
      expect(on.oracle.curve[on.oracle.curve.length - 1]).toMatchObject({ recovered: 1, harm: 1 });
      expect(on.oracle.sweep.map((p) => p.threshold)).toEqual([0.999, 0.995, 0.99, 0.98, 0.95, 0.9, 0.5]);
    });

    it('is calibrated: its probabilities add up to about as many true positives as there were', () => {
      for (const a of month.arms) {
        const { expected, counted } = a.oracle.truePositives;
        expect(counted).toBeGreaterThan(50);
        // Three standard deviations of a sum of Bernoulli draws, sqrt(Σ p (1 − p)) <= sqrt(Σ p).
        expect(Math.abs(expected - counted)).toBeLessThanOrEqual(3 * Math.sqrt(expected) + 1);
      }
    });
  });

  it('keeps the two stores in --db for inspection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medic-simulation-test-'));
    try {
      const report = await simulate({ ...SMALL, days: 2, dbDir: dir });
      for (const a of report.arms) {
        const repo = await SqliteOutcomeRepo.open({ path: join(dir, `calibration-${a.calibration ? 'on' : 'off'}.db`) });
        try {
          expect((await repo.stats()).total).toBe(a.total.kills);
        } finally {
          await repo.close();
        }
      }
      // A second run into the same directory starts from empty stores.
      expect(await simulate({ ...SMALL, days: 2, dbDir: dir })).toEqual(report);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
