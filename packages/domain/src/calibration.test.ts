import fc from 'fast-check';
import { calibrate, nextEvidenceSince, wilsonInterval } from './calibration';
import { MedicError } from './errors';
import { CALIBRATION_LIMITS, DEFAULT_CALIBRATION } from './policy';

const AT = new Date('2026-02-11T12:00:00.000Z');

describe('wilsonInterval', () => {
  it('matches known values', () => {
    const eightOfTen = wilsonInterval(8, 10);
    expect(eightOfTen.lower).toBeCloseTo(0.4902, 4);
    expect(eightOfTen.upper).toBeCloseTo(0.9433, 4);
    const half = wilsonInterval(50, 100);
    expect(half.lower).toBeCloseTo(0.4038, 4);
    expect(half.upper).toBeCloseTo(0.5962, 4);
    const perfect = wilsonInterval(200, 200);
    expect(perfect.lower).toBeCloseTo(0.9812, 4);
    expect(perfect.upper).toBe(1);
  });

  it('says nothing without trials', () => {
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1 });
  });

  it('widens with a larger z', () => {
    const narrow = wilsonInterval(8, 10, 1);
    const wide = wilsonInterval(8, 10, 2.576);
    expect(wide.lower).toBeLessThan(narrow.lower);
    expect(wide.upper).toBeGreaterThan(narrow.upper);
  });

  it('rejects impossible samples', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(MedicError);
    expect(() => wilsonInterval(-1, 10)).toThrow(MedicError);
  });

  it('stays within [0, 1] and contains the observed rate', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000 }), fc.nat({ max: 10_000 }), (a, b) => {
        const [successes, total] = a <= b ? [a, b] : [b, a];
        const { lower, upper } = wilsonInterval(successes, total);
        expect(lower).toBeGreaterThanOrEqual(0);
        expect(upper).toBeLessThanOrEqual(1);
        if (total > 0) {
          expect(lower).toBeLessThanOrEqual(successes / total + 1e-12);
          expect(upper).toBeGreaterThanOrEqual(successes / total - 1e-12);
        }
      }),
    );
  });
});

/** Evidence since the last move: `total` labelled auto-approvals, `successes` held; harm `reKilled` of `truePositives` kills. */
const sample = (total: number, successes: number, truePositives = 1000, reKilled = 0) => ({ total, successes, reKilled, truePositives });
const SINCE = '2026-01-12T12:00:00.000Z';
const run = (s: ReturnType<typeof sample>, current: number, config = DEFAULT_CALIBRATION) => calibrate(s, current, config, AT, SINCE);

describe('calibrate', () => {
  it('waits for fresh evidence below min_samples, and says why', () => {
    const calibration = run(sample(19, 19), 0.3);
    expect(calibration).toMatchObject({ direction: 'none', previousMaxScore: 0.3, nextMaxScore: 0.3, samples: 19, successes: 19, successRate: 1, evidenceSince: SINCE });
    expect(calibration.wilsonLower).toBeCloseTo(wilsonInterval(19, 19).lower, 12);
    expect(calibration.reason).toMatch(/^Waiting for fresh evidence: 19 .* decided since 2026-01-12T12:00:00.000Z, at least 20 needed/);
  });

  it('fills empty statistics with null when there are no samples, and keeps its evidence', () => {
    expect(calibrate({ total: 0, successes: 0, reKilled: 0, truePositives: 0 }, 0.3, { ...DEFAULT_CALIBRATION, minSamples: 0 }, AT, SINCE)).toEqual({
      calibratedAt: '2026-02-11T12:00:00.000Z',
      previousMaxScore: 0.3,
      nextMaxScore: 0.3,
      direction: 'none',
      samples: 0,
      successes: 0,
      successRate: null,
      wilsonLower: null,
      wilsonUpper: null,
      evidenceSince: SINCE,
      reKilled: 0,
      truePositives: 0,
      harmUpper: 1,
      maxHarmRate: 0.005,
      reason: expect.stringContaining('Waiting for fresh evidence') as unknown as string,
    });
  });

  it('moves up one step on clear evidence when the implied harm is within budget, storing that evidence', () => {
    const calibration = run(sample(200, 200), 0.3);
    expect(calibration).toMatchObject({ direction: 'up', previousMaxScore: 0.3, nextMaxScore: 0.35, samples: 200, successes: 200, successRate: 1 });
    expect(calibration).toMatchObject({ evidenceSince: SINCE, reKilled: 0, truePositives: 1000, maxHarmRate: 0.005 });
    expect(calibration.calibratedAt).toBe('2026-02-11T12:00:00.000Z');
    expect(calibration.wilsonLower).toBeCloseTo(0.9812, 4);
    expect(calibration.wilsonUpper).toBe(1);
    // Wilson upper bound of 0 harmful of 1000: 1.96² / (1000 + 1.96²).
    expect(calibration.harmUpper).toBeCloseTo(0.003827, 5);
    expect(calibration.reason).toContain('Raised auto_approve_max_score from 0.3 to 0.35');
  });

  describe('the harm budget', () => {
    it('vetoes a raise while the upper bound of the implied harm is above max_harm_rate', () => {
      // 0 re-killed of 500 true positives still allows up to 0.76 %: not shown to be within 0.5 %.
      const unproven = run(sample(200, 200, 500, 0), 0.3);
      expect(unproven).toMatchObject({ direction: 'none', nextMaxScore: 0.3, reKilled: 0, truePositives: 500 });
      expect(unproven.harmUpper).toBeCloseTo(0.00762, 4);
      expect(unproven.reason).toMatch(/implied harm 0 re-killed of 500 true-positive kill\(s\), upper bound 0\.008 is not within max_harm_rate 0\.005/);
      // One harmful resurrection in 1000: the bound is 0.56 %.
      expect(run(sample(200, 200, 1000, 1), 0.3)).toMatchObject({ direction: 'none' });
      // The same evidence under a looser budget is enough.
      expect(run(sample(200, 200, 1000, 1), 0.3, { ...DEFAULT_CALIBRATION, maxHarmRate: 0.01 })).toMatchObject({ direction: 'up', nextMaxScore: 0.35 });
    });

    it('vetoes a raise when no true-positive kill was seen at all: the harm is unknown', () => {
      const calibration = run(sample(200, 200, 0, 0), 0.3);
      expect(calibration).toMatchObject({ direction: 'none', harmUpper: 1 });
      expect(calibration.reason).toContain('0 re-killed of 0 true-positive kill(s), upper bound 1 is not within');
    });

    it('never stands in the way of lowering the ceiling', () => {
      expect(run(sample(100, 50, 0, 0), 0.3)).toMatchObject({ direction: 'down', nextMaxScore: 0.25 });
    });

    it('never lets calibration raise while the bound is above the budget, for any sample', () => {
      fc.assert(
        fc.property(fc.nat({ max: 500 }), fc.nat({ max: 500 }), fc.nat({ max: 2000 }), fc.nat({ max: 20 }), (a, b, tp, re) => {
          const [successes, total] = a <= b ? [a, b] : [b, a];
          const reKilled = Math.min(re, tp);
          const calibration = run(sample(total, successes, tp, reKilled), 0.3);
          if (calibration.direction === 'up') expect(calibration.harmUpper ?? 1).toBeLessThanOrEqual(DEFAULT_CALIBRATION.maxHarmRate);
        }),
      );
    });
  });

  it('moves down one step on clear failure', () => {
    const calibration = run(sample(100, 50), 0.3);
    expect(calibration).toMatchObject({ direction: 'down', nextMaxScore: 0.25, successRate: 0.5 });
    expect(calibration.wilsonUpper).toBeCloseTo(0.5962, 4);
    expect(calibration.reason).toContain('Lowered auto_approve_max_score from 0.3 to 0.25');
  });

  it('comes down as readily as it goes up: the same Wilson test against the same target, mirrored', () => {
    const { targetSuccessRate } = CALIBRATION_LIMITS;
    // 200 of 200 held: the interval lies above the target, up. 180 of 200 held: it lies below, down.
    const up = run(sample(200, 200), 0.3);
    const down = run(sample(200, 180), 0.3);
    expect(up.wilsonLower ?? 0).toBeGreaterThanOrEqual(targetSuccessRate);
    expect(down.wilsonUpper ?? 1).toBeLessThan(targetSuccessRate);
    expect([up.direction, down.direction]).toEqual(['up', 'down']);
    // For any sample, it moves up exactly when the interval lies above the target (and harm allows), down exactly when below.
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), (total, rate) => {
        const successes = Math.round(total * rate);
        const { lower, upper } = wilsonInterval(successes, total);
        const calibration = run(sample(total, successes), 0.3);
        expect(calibration.direction).toBe(lower >= targetSuccessRate ? 'up' : upper < targetSuccessRate ? 'down' : 'none');
      }),
    );
  });

  it('stays when the evidence is not clear either way', () => {
    const calibration = run(sample(100, 95), 0.3);
    expect(calibration).toMatchObject({ direction: 'none', nextMaxScore: 0.3 });
    expect(calibration.reason).toContain('not clear enough to move');
  });

  it('never moves past the upper limit', () => {
    const atMax = run(sample(500, 500), CALIBRATION_LIMITS.max);
    expect(atMax).toMatchObject({ direction: 'none', nextMaxScore: CALIBRATION_LIMITS.max });
    expect(atMax.reason).toContain('already at its upper limit 0.4');
    const nearMax = run(sample(500, 500), 0.38);
    expect(nearMax).toMatchObject({ direction: 'up', nextMaxScore: CALIBRATION_LIMITS.max });
  });

  it('never moves past the lower limit', () => {
    const atMin = run(sample(100, 10), CALIBRATION_LIMITS.min);
    expect(atMin).toMatchObject({ direction: 'none', nextMaxScore: CALIBRATION_LIMITS.min });
    expect(atMin.reason).toContain('already at its lower limit 0.1');
    const nearMin = run(sample(100, 10), 0.12);
    expect(nearMin).toMatchObject({ direction: 'down', nextMaxScore: CALIBRATION_LIMITS.min });
  });

  it('does not drift over repeated steps', () => {
    let score: number = CALIBRATION_LIMITS.min;
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      score = run(sample(200, 200), score).nextMaxScore;
      seen.push(score);
    }
    expect(seen).toEqual([0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.4, 0.4, 0.4, 0.4]);
  });

  it('stays within the limits and moves at most one step for any sample', () => {
    const { min, max, step } = CALIBRATION_LIMITS;
    const scores = fc.integer({ min: 0, max: 6 }).map((i) => Math.round((min + i * step) * 1000) / 1000);
    fc.assert(
      fc.property(fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), scores, (a, b, current) => {
        const [successes, total] = a <= b ? [a, b] : [b, a];
        const calibration = run(sample(total, successes), current);
        expect(calibration.nextMaxScore).toBeGreaterThanOrEqual(min);
        expect(calibration.nextMaxScore).toBeLessThanOrEqual(max);
        expect(Math.abs(calibration.nextMaxScore - current)).toBeLessThanOrEqual(step + 1e-9);
        const moved = calibration.nextMaxScore > current ? 'up' : calibration.nextMaxScore < current ? 'down' : 'none';
        expect(calibration.direction).toBe(moved);
      }),
    );
  });
});

describe('nextEvidenceSince (the cooldown)', () => {
  const WINDOW = '2026-01-12T12:00:00.000Z';
  const stored = (calibratedAt: string, direction: 'up' | 'down' | 'none', evidenceSince: string) => ({
    ...run(sample(0, 0), 0.3),
    calibratedAt,
    direction,
    evidenceSince,
  });

  it('starts at the window without any earlier run', () => {
    expect(nextEvidenceSince(null, WINDOW)).toBe(WINDOW);
  });

  it('starts at the last move: labels from before it judged another ceiling', () => {
    expect(nextEvidenceSince(stored('2026-02-01T00:00:00.000Z', 'up', WINDOW), WINDOW)).toBe('2026-02-01T00:00:00.000Z');
    expect(nextEvidenceSince(stored('2026-02-01T00:00:00.000Z', 'down', WINDOW), WINDOW)).toBe('2026-02-01T00:00:00.000Z');
  });

  it('keeps the evidence of a run that did not move, so waiting runs add up to one fresh batch', () => {
    expect(nextEvidenceSince(stored('2026-02-05T00:00:00.000Z', 'none', '2026-02-01T00:00:00.000Z'), WINDOW)).toBe('2026-02-01T00:00:00.000Z');
  });

  it('never reaches back beyond the window', () => {
    expect(nextEvidenceSince(stored('2025-11-01T00:00:00.000Z', 'up', WINDOW), WINDOW)).toBe(WINDOW);
    expect(nextEvidenceSince(stored('2026-02-05T00:00:00.000Z', 'none', '1970-01-01T00:00:00.000Z'), WINDOW)).toBe(WINDOW);
  });
});
