import fc from 'fast-check';
import { calibrate, wilsonInterval } from './calibration';
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

describe('calibrate', () => {
  it('does not move below min_samples, and says why', () => {
    const calibration = calibrate({ total: 19, successes: 19 }, 0.3, DEFAULT_CALIBRATION, AT);
    expect(calibration).toMatchObject({ direction: 'none', previousMaxScore: 0.3, nextMaxScore: 0.3, samples: 19, successes: 19, successRate: 1 });
    expect(calibration.wilsonLower).toBeCloseTo(wilsonInterval(19, 19).lower, 12);
    expect(calibration.reason).toMatch(/^Not enough samples: 19 .* at least 20 needed/);
  });

  it('fills empty statistics with null when there are no samples', () => {
    expect(calibrate({ total: 0, successes: 0 }, 0.3, { ...DEFAULT_CALIBRATION, minSamples: 0 }, AT)).toEqual({
      calibratedAt: '2026-02-11T12:00:00.000Z',
      previousMaxScore: 0.3,
      nextMaxScore: 0.3,
      direction: 'none',
      samples: 0,
      successes: 0,
      successRate: null,
      wilsonLower: null,
      wilsonUpper: null,
      reason: expect.stringContaining('Not enough samples') as unknown as string,
    });
  });

  it('moves up one step on clear evidence', () => {
    const calibration = calibrate({ total: 200, successes: 200 }, 0.3, DEFAULT_CALIBRATION, AT);
    expect(calibration).toMatchObject({ direction: 'up', previousMaxScore: 0.3, nextMaxScore: 0.35, samples: 200, successes: 200, successRate: 1 });
    expect(calibration.calibratedAt).toBe('2026-02-11T12:00:00.000Z');
    expect(calibration.wilsonLower).toBeCloseTo(0.9812, 4);
    expect(calibration.wilsonUpper).toBe(1);
    expect(calibration.reason).toContain('Raised auto_approve_max_score from 0.3 to 0.35');
  });

  it('moves down one step on clear failure', () => {
    const calibration = calibrate({ total: 100, successes: 50 }, 0.3, DEFAULT_CALIBRATION, AT);
    expect(calibration).toMatchObject({ direction: 'down', nextMaxScore: 0.25, successRate: 0.5 });
    expect(calibration.wilsonUpper).toBeCloseTo(0.5962, 4);
    expect(calibration.reason).toContain('Lowered auto_approve_max_score from 0.3 to 0.25');
  });

  it('stays when the evidence is not clear either way', () => {
    const calibration = calibrate({ total: 100, successes: 90 }, 0.3, DEFAULT_CALIBRATION, AT);
    expect(calibration).toMatchObject({ direction: 'none', nextMaxScore: 0.3 });
    expect(calibration.reason).toContain('not clear enough to move');
  });

  it('never moves past the upper limit', () => {
    const atMax = calibrate({ total: 500, successes: 500 }, CALIBRATION_LIMITS.max, DEFAULT_CALIBRATION, AT);
    expect(atMax).toMatchObject({ direction: 'none', nextMaxScore: CALIBRATION_LIMITS.max });
    expect(atMax.reason).toContain('already at its upper limit 0.4');
    const nearMax = calibrate({ total: 500, successes: 500 }, 0.38, DEFAULT_CALIBRATION, AT);
    expect(nearMax).toMatchObject({ direction: 'up', nextMaxScore: CALIBRATION_LIMITS.max });
  });

  it('never moves past the lower limit', () => {
    const atMin = calibrate({ total: 100, successes: 10 }, CALIBRATION_LIMITS.min, DEFAULT_CALIBRATION, AT);
    expect(atMin).toMatchObject({ direction: 'none', nextMaxScore: CALIBRATION_LIMITS.min });
    expect(atMin.reason).toContain('already at its lower limit 0.1');
    const nearMin = calibrate({ total: 100, successes: 10 }, 0.12, DEFAULT_CALIBRATION, AT);
    expect(nearMin).toMatchObject({ direction: 'down', nextMaxScore: CALIBRATION_LIMITS.min });
  });

  it('does not drift over repeated steps', () => {
    let score: number = CALIBRATION_LIMITS.min;
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      score = calibrate({ total: 200, successes: 200 }, score, DEFAULT_CALIBRATION, AT).nextMaxScore;
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
        const calibration = calibrate({ total, successes }, current, DEFAULT_CALIBRATION, AT);
        expect(calibration.nextMaxScore).toBeGreaterThanOrEqual(min);
        expect(calibration.nextMaxScore).toBeLessThanOrEqual(max);
        expect(Math.abs(calibration.nextMaxScore - current)).toBeLessThanOrEqual(step + 1e-9);
        const moved = calibration.nextMaxScore > current ? 'up' : calibration.nextMaxScore < current ? 'down' : 'none';
        expect(calibration.direction).toBe(moved);
      }),
    );
  });
});
