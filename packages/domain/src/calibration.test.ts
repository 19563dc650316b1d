import fc from 'fast-check';
import { calibrate, candidateCeilings, impliedHarm, nextEvidenceSince } from './calibration';
import type { HarmByCeiling } from './calibration';
import { wilsonInterval } from './statistics';
import { MedicError } from './errors';
import { NO_LABELS } from './model';
import type { KillReason, SignalCount, SignalSample } from './model';
import { CALIBRATION_LIMITS, DEFAULT_CALIBRATION, DEFAULT_POLICY } from './policy';
import { learnedScore, oddsOfScore } from './risk';
import { killEvidence, learnSignalModel } from './signal-model';

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

/** Evidence since the last move: `total` labelled auto-approvals, `successes` held; `reKilled` of `truePositives` kills, as observed; `labelled` kills of any verdict. */
const sample = (total: number, successes: number, truePositives = 1000, reKilled = 0, labelled = total) => ({ total, successes, reKilled, truePositives, labelled });
const SINCE = '2026-01-12T12:00:00.000Z';
const BUDGET = DEFAULT_CALIBRATION.maxHarmRate;

/** A predicted harm for every candidate ceiling from `current`: `point(ceiling)`, its interval a factor `spread` either side; `kills(ceiling)` kills seen under it (some in every grain). */
function harmTable(current: number, point: (ceiling: number) => number, spread = 2, kills = (ceiling: number) => Math.round(ceiling * 1000)): HarmByCeiling {
  return candidateCeilings(current).map((ceiling) => ({
    ceiling,
    harm: { lower: point(ceiling) / spread, point: point(ceiling), upper: point(ceiling) * spread, kills: kills(ceiling) },
  }));
}

/** Harm that grows tenfold over the whole range, 0.5 % at `at`. */
const rising = (at: number) => (ceiling: number) => BUDGET * 10 ** ((ceiling - at) / 0.3);

const run = (s: ReturnType<typeof sample>, current: number, harm: HarmByCeiling | null = harmTable(current, () => 0), config = DEFAULT_CALIBRATION) =>
  calibrate(s, current, config, AT, SINCE, harm);

describe('candidateCeilings', () => {
  it('offers every grain from the lower to the upper limit', () => {
    const all = candidateCeilings(0.2);
    expect(all[0]).toBe(0);
    expect(CALIBRATION_LIMITS.min).toBe(0);
    expect(all[all.length - 1]).toBe(CALIBRATION_LIMITS.max);
    expect(all).toHaveLength(41);
    expect(all).toContain(0.2);
    expect(all).toContain(0.27);
  });

  it('keeps an off-grid ceiling on its own grains, with the limits', () => {
    const all = candidateCeilings(0.333);
    expect(all).toContain(0.333);
    expect(all).toContain(0.103);
    expect(all).toContain(0.393);
    expect(all).toContain(CALIBRATION_LIMITS.min);
    expect(all).toContain(CALIBRATION_LIMITS.max);
  });
});

describe('calibrate', () => {
  it('waits for fresh evidence below min_samples, and says why', () => {
    const calibration = run(sample(19, 19), 0.3, harmTable(0.3, () => 0.5));
    expect(calibration).toMatchObject({ direction: 'none', previousMaxScore: 0.3, nextMaxScore: 0.3, samples: 19, successes: 19, successRate: 1, evidenceSince: SINCE });
    expect(calibration.wilsonLower).toBeCloseTo(wilsonInterval(19, 19).lower, 12);
    expect(calibration.reason).toMatch(/^Waiting for fresh evidence: 19 labelled kill\(s\) decided since 2026-01-12T12:00:00.000Z \(19 of them auto-approved\), at least 20 needed/);
  });

  it('fills empty statistics with null when there are no samples and no learnt model, and keeps its evidence', () => {
    expect(run({ total: 0, successes: 0, reKilled: 0, truePositives: 0, labelled: 0 }, 0.3, null, { ...DEFAULT_CALIBRATION, minSamples: 0 })).toEqual({
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
      labelled: 0,
      harmLower: null,
      harmPoint: null,
      harmUpper: null,
      maxHarmRate: 0.005,
      reason: expect.stringContaining('without a learnt model the harm of a higher ceiling is unknown') as unknown as string,
    });
  });

  it('rises to the highest ceiling whose harm is within the budget at its upper bound, storing that prediction', () => {
    // Harm 0.5 % at 0.35: within the budget at the upper bound (twice the point) up to 0.35 − 0.3 × log10(2) ≈ 0.26.
    const calibration = run(sample(200, 200, 900, 2), 0.2, harmTable(0.2, rising(0.35)));
    expect(calibration).toMatchObject({ direction: 'up', previousMaxScore: 0.2, nextMaxScore: 0.25, samples: 200, successes: 200, reKilled: 2, truePositives: 900 });
    expect(calibration.harmPoint).toBeCloseTo(rising(0.35)(0.25), 12);
    expect(calibration.harmUpper).toBeCloseTo(2 * rising(0.35)(0.25), 12);
    expect(calibration.harmLower).toBeCloseTo(rising(0.35)(0.25) / 2, 12);
    expect(calibration.harmUpper ?? 1).toBeLessThanOrEqual(BUDGET);
    expect(calibration.reason).toContain('Raised auto_approve_max_score from 0.2 to 0.25');
    expect(calibration.reason).toMatch(/ceiling 0\.25 implies harm 0\.\d\d % \(0\.\d\d %–0\.\d\d %\), within max_harm_rate 0\.50 % at its upper bound/);
  });

  describe('the harm budget', () => {
    it('never raises while the upper bound of the harm a higher ceiling implies is above max_harm_rate', () => {
      // Harm 0.5 % at 0.22: the next grain up, 0.21, implies 0.46 %, but up to 0.92 % at its upper bound.
      const calibration = run(sample(200, 200), 0.2, harmTable(0.2, rising(0.22)));
      expect(calibration).toMatchObject({ direction: 'none', nextMaxScore: 0.2 });
      expect(calibration.reason).toMatch(/but ceiling 0\.21 implies harm .*, not within max_harm_rate 0\.50 % at its upper bound/);
      // The same prediction under a looser budget is enough.
      expect(run(sample(200, 200), 0.2, harmTable(0.2, rising(0.22)), { ...DEFAULT_CALIBRATION, maxHarmRate: 0.01 })).toMatchObject({ direction: 'up' });
    });

    it('never raises without a learnt model: the harm is unknown', () => {
      const calibration = run(sample(500, 500), 0.2, null);
      expect(calibration).toMatchObject({ direction: 'none', harmUpper: null });
      expect(calibration.reason).toContain('without a learnt model the harm of a higher ceiling is unknown');
    });

    it('comes straight down to the highest ceiling whose predicted harm is within the budget', () => {
      // Harm 0.5 % at 0.16: the ceiling in force, 0.3, implies 1.5 %.
      const calibration = run(sample(200, 200), 0.3, harmTable(0.3, rising(0.16)));
      expect(calibration).toMatchObject({ direction: 'down', nextMaxScore: 0.16 });
      expect(calibration.reason).toMatch(/^Lowered auto_approve_max_score from 0\.3 to 0\.16: ceiling 0\.3 implies harm 1\.46 % \(0\.73 %–2\.93 %\), above max_harm_rate 0\.50 %/);
      // Above the budget everywhere: down to the lower limit.
      expect(run(sample(200, 200), 0.3, harmTable(0.3, () => 0.02))).toMatchObject({ direction: 'down', nextMaxScore: CALIBRATION_LIMITS.min });
    });

    it('never raises above the budget, and never rests above it, for any prediction', () => {
      const ceilings = fc.integer({ min: 0, max: 30 }).map((i) => Math.round((CALIBRATION_LIMITS.min + i * CALIBRATION_LIMITS.grain) * 1000) / 1000);
      fc.assert(
        fc.property(fc.nat({ max: 500 }), fc.nat({ max: 500 }), ceilings, fc.double({ min: 0, max: 0.6, noNaN: true }), fc.double({ min: 1, max: 5, noNaN: true }), (a, b, current, at, spread) => {
          const [successes, total] = a <= b ? [a, b] : [b, a];
          const calibration = run(sample(Math.max(20, total), Math.max(20, total) - (total - successes)), current, harmTable(current, rising(at), spread));
          if (calibration.direction === 'up') expect(calibration.harmUpper ?? 1).toBeLessThanOrEqual(BUDGET);
          if (calibration.nextMaxScore > CALIBRATION_LIMITS.min) expect(rising(at)(calibration.nextMaxScore)).toBeLessThanOrEqual(BUDGET * (1 + 1e-9));
        }),
      );
    });
  });

  describe('as low as the budget needs', () => {
    it('comes below 0.1 when the harm budget needs it, down to 0', () => {
      // Harm 0.5 % at 0.05: the ceiling in force, 0.12, implies 0.85 %.
      expect(run(sample(200, 200), 0.12, harmTable(0.12, rising(0.05)))).toMatchObject({ direction: 'down', nextMaxScore: 0.05 });
      expect(run(sample(200, 200), 0.12, harmTable(0.12, () => 0.02))).toMatchObject({ direction: 'down', nextMaxScore: 0 });
      // And back up from there once the prediction allows it.
      expect(run(sample(200, 200), 0, harmTable(0, rising(0.4)))).toMatchObject({ direction: 'up' });
    });
  });

  describe('on the prediction, without waiting for auto-approvals', () => {
    it('raises on min_samples labelled kills of any verdict, with no auto-approval among them', () => {
      const calibration = run(sample(0, 0, 1000, 0, 50), 0.2, harmTable(0.2, rising(0.35)));
      expect(calibration).toMatchObject({ direction: 'up', nextMaxScore: 0.25, samples: 0, successRate: null, labelled: 50 });
      expect(calibration.reason).toContain('50 labelled kill(s) decided since 2026-01-12T12:00:00.000Z, none of them auto-approved');
      // Below min_samples labelled kills it waits, whatever the prediction.
      expect(run(sample(0, 0, 1000, 0, 19), 0.2, harmTable(0.2, rising(0.35)))).toMatchObject({ direction: 'none' });
    });

    it('comes down on the prediction just as readily', () => {
      expect(run(sample(0, 0, 1000, 0, 50), 0.3, harmTable(0.3, rising(0.16)))).toMatchObject({ direction: 'down', nextMaxScore: 0.16 });
    });

    it('lowers on the success rate only over min_samples auto-approvals, but never raises while its interval lies below the target', () => {
      // 5 of 10 held: too few to lower on, enough to hold a raise back.
      const calibration = run(sample(10, 5, 1000, 0, 50), 0.2, harmTable(0.2, () => 0));
      expect(calibration).toMatchObject({ direction: 'none', nextMaxScore: 0.2 });
      expect(calibration.reason).toContain('no raise while the auto-approvals');
      expect(run(sample(20, 10, 1000, 0, 50), 0.2, harmTable(0.2, () => 0))).toMatchObject({ direction: 'down', nextMaxScore: 0.15 });
    });
  });

  describe('no raise into the unknown', () => {
    it('rises only as far as the last kill seen under the ceiling it could reach, and not at all without one', () => {
      // Within the budget up to 0.25 at its upper bound, but the kills seen stop at 0.22.
      const stopAt = (last: number) => (ceiling: number) => Math.round(Math.min(ceiling, last) * 1000);
      const calibration = run(sample(200, 200), 0.2, harmTable(0.2, rising(0.35), 2, stopAt(0.22)));
      expect(calibration).toMatchObject({ direction: 'up', nextMaxScore: 0.22 });
      // No kill seen above the ceiling in force: it stays, and says why.
      const none = run(sample(200, 200), 0.2, harmTable(0.2, rising(0.35), 2, stopAt(0.2)));
      expect(none).toMatchObject({ direction: 'none', nextMaxScore: 0.2 });
      expect(none.reason).toContain('no kill seen scores between 0.2 and 0.25');
      // Coming down needs no kill: it is where the prediction says the budget is.
      expect(run(sample(200, 200), 0.3, harmTable(0.3, rising(0.16), 2, stopAt(0.1)))).toMatchObject({ direction: 'down', nextMaxScore: 0.16 });
    });

    it('predicts the harm of a ceiling no past kill falls under as that of one kill at it, never 0, and rises no further than that allows', () => {
      // Every kill looks like a compromise: none scores under 0.3.
      const loud: SignalSample = {
        firstDecidedAt: '2026-01-01T00:00:00.000Z',
        counts: [{ module: 'db', killReason: 'threat_detected', severity: 'critical', confidence: 9, siem: null, label: 'true_positive', kills: 3 }],
      };
      const learnt = learnSignalModel(loud, DEFAULT_POLICY, { since: '2026-01-01T00:00:00.000Z', at: '2026-01-02T00:00:00.000Z' });
      if (!learnt) throw new Error('no model learnt');
      const ceilings = candidateCeilings(0.2);
      const harm = impliedHarm(learnt, loud, DEFAULT_POLICY, ceilings);
      for (const [i, h] of harm.entries()) {
        expect(h.point).toBeGreaterThan(0);
        expect(h.upper).toBeGreaterThanOrEqual(h.point);
        // The unseen kill is a true positive with the probability its score gives, against the sample's expected true positives.
        if (ceilings[i] === 0.2) expect(h.point).toBeGreaterThan(oddsOfScore(0.2) / (1 + oddsOfScore(0.2)) / 4);
      }
      const table = ceilings.map((ceiling, i) => ({ ceiling, harm: harm[i]! }));
      // With 3 true positives known, one kill at 0.3 would be 0.5 % of them: the ceiling stays below, where it would be 0 without it.
      const calibration = run(sample(200, 200, 1000, 0, 200), 0.2, table);
      expect(calibration.nextMaxScore).toBeLessThan(0.3);
      expect(calibration.harmUpper ?? 1).toBeGreaterThan(0);
      expect(calibration.harmUpper ?? 1).toBeLessThanOrEqual(BUDGET);
    });
  });

  it('comes down at least a step on clear failure, whatever the model says', () => {
    const calibration = run(sample(100, 50), 0.3);
    expect(calibration).toMatchObject({ direction: 'down', nextMaxScore: 0.25, successRate: 0.5 });
    expect(calibration.wilsonUpper).toBeCloseTo(0.5962, 4);
    expect(calibration.reason).toContain('Lowered auto_approve_max_score from 0.3 to 0.25');
    // Without a model the success rate alone brings it down.
    expect(run(sample(100, 50), 0.3, null)).toMatchObject({ direction: 'down', nextMaxScore: 0.25 });
    // When the harm calls for more, it goes further.
    expect(run(sample(100, 50), 0.3, harmTable(0.3, rising(0.12)))).toMatchObject({ direction: 'down', nextMaxScore: 0.12 });
  });

  it('comes down as readily as it goes up: one move to where the prediction puts the budget, from either side', () => {
    // The harm curve puts 0.5 % at 0.25, and 0.5 % at its upper bound at 0.25 − 0.3 × log10(2) ≈ 0.16.
    const harm = (current: number) => harmTable(current, rising(0.25));
    const fromAbove = run(sample(200, 200), 0.4, harm(0.4));
    const fromBelow = run(sample(200, 200), 0.1, harm(0.1));
    expect(fromAbove).toMatchObject({ direction: 'down', nextMaxScore: 0.25 });
    expect(fromBelow).toMatchObject({ direction: 'up', nextMaxScore: 0.15 });
    // Between the two it rests: the prediction is within the budget, the next grain's upper bound is not.
    expect(run(sample(200, 200), 0.2, harm(0.2))).toMatchObject({ direction: 'none' });
  });

  it('never moves past the limits', () => {
    const atMax = run(sample(500, 500), CALIBRATION_LIMITS.max);
    expect(atMax).toMatchObject({ direction: 'none', nextMaxScore: CALIBRATION_LIMITS.max });
    expect(atMax.reason).toContain('already at its upper limit 0.4');
    const atMin = run(sample(100, 10), CALIBRATION_LIMITS.min);
    expect(atMin).toMatchObject({ direction: 'none', nextMaxScore: CALIBRATION_LIMITS.min });
    expect(atMin.reason).toContain('already at its lower limit 0');
    expect(run(sample(100, 10), 0.12)).toMatchObject({ direction: 'down', nextMaxScore: 0.07 });
    expect(run(sample(100, 10), 0.03)).toMatchObject({ direction: 'down', nextMaxScore: CALIBRATION_LIMITS.min });
    expect(run(sample(500, 500), 0.38)).toMatchObject({ direction: 'up', nextMaxScore: CALIBRATION_LIMITS.max });
  });

  it('lands on a candidate within the limits, with the direction it moved, for any sample and prediction', () => {
    const { min, max } = CALIBRATION_LIMITS;
    const ceilings = fc.integer({ min: 0, max: 30 }).map((i) => Math.round((min + i * CALIBRATION_LIMITS.grain) * 1000) / 1000);
    fc.assert(
      fc.property(fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), ceilings, fc.option(fc.double({ min: 0, max: 0.6, noNaN: true })), (a, b, current, at) => {
        const [successes, total] = a <= b ? [a, b] : [b, a];
        const calibration = run(sample(total, successes), current, at === null ? null : harmTable(current, rising(at)));
        expect(calibration.nextMaxScore).toBeGreaterThanOrEqual(min);
        expect(calibration.nextMaxScore).toBeLessThanOrEqual(max);
        expect(candidateCeilings(current)).toContain(calibration.nextMaxScore);
        const moved = calibration.nextMaxScore > current ? 'up' : calibration.nextMaxScore < current ? 'down' : 'none';
        expect(calibration.direction).toBe(moved);
        if (total < DEFAULT_CALIBRATION.minSamples) expect(moved).toBe('none');
      }),
    );
  });
});

describe('nextEvidenceSince (the cooldown)', () => {
  const WINDOW = '2026-01-12T12:00:00.000Z';
  const stored = (calibratedAt: string, direction: 'up' | 'down' | 'none', evidenceSince: string) => ({
    ...run(sample(0, 0), 0.3, null),
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

describe('impliedHarm', () => {
  const row = (module: string, killReason: KillReason, label: SignalCount['label'], kills: number): SignalCount => ({
    module,
    killReason,
    severity: 'medium',
    confidence: 5,
    siem: null,
    label,
    kills,
  });
  // 'calm' is rarely killed rightly, 'busy' often; resource_exhaustion looks like a false alarm, threat_detected like a compromise.
  const sample: SignalSample = {
    firstDecidedAt: '2026-01-01T00:00:00.000Z',
    counts: [
      row('calm', 'resource_exhaustion', 'false_positive', 300),
      row('calm', 'resource_exhaustion', 'true_positive', 2),
      row('calm', 'threat_detected', null, 10),
      row('calm', 'threat_detected', 'true_positive', 4),
      row('busy', 'resource_exhaustion', 'false_positive', 100),
      row('busy', 'resource_exhaustion', 'true_positive', 3),
      row('busy', 'threat_detected', null, 120),
      row('busy', 'threat_detected', 'false_positive', 5),
    ],
  };
  const model = learnSignalModel(sample, DEFAULT_POLICY, { since: '2026-01-01T00:00:00.000Z', at: '2026-04-01T00:00:00.000Z' });
  if (!model) throw new Error('no model learnt');

  it('is the share of expected true positives whose learnt score is at most the ceiling', () => {
    const labels = new Map<string, { falsePositives: number; truePositives: number }>();
    for (const r of sample.counts) {
      if (r.label === null) continue;
      const l = labels.get(r.module) ?? { falsePositives: 0, truePositives: 0 };
      if (r.label === 'false_positive') l.falsePositives += r.kills;
      else l.truePositives += r.kills;
      labels.set(r.module, l);
    }
    const scored = sample.counts.map((r) => {
      const learned = learnedScore(model, DEFAULT_POLICY, r.module, labels.get(r.module) ?? NO_LABELS, killEvidence(model, r, DEFAULT_POLICY.weights));
      return { score: learned.score, truePositives: r.kills / (1 + Math.exp(-(learned.lnPrior + learned.lnSignals))) };
    });
    const total = scored.reduce((sum, s) => sum + s.truePositives, 0);
    for (const ceiling of [0.1, 0.2, 0.3, 0.6]) {
      // One kill more, scored at the ceiling itself, a true positive with the probability its score says.
      const unseen = oddsOfScore(ceiling) / (1 + oddsOfScore(ceiling));
      const expected = (scored.filter((s) => s.score <= ceiling).reduce((sum, s) => sum + s.truePositives, 0) + unseen) / (total + unseen);
      expect(impliedHarm(model, sample, DEFAULT_POLICY, [ceiling])[0]?.point).toBeCloseTo(expected, 12);
    }
  });

  it('grows with the ceiling, from nothing to everything, and takes the quiet share at the ends of its interval', () => {
    const harm = impliedHarm(model, sample, DEFAULT_POLICY, [-1, 0.1, 0.2, 0.3, 0.5, 2]);
    expect(harm[0]).toEqual({ lower: 0, point: 0, upper: 0, kills: 0 });
    expect(harm[5]?.point).toBeCloseTo(1, 12);
    for (let i = 1; i < harm.length; i++) expect(harm[i]?.point ?? 0).toBeGreaterThanOrEqual(harm[i - 1]?.point ?? 1);
    for (const h of harm.slice(1, 5)) {
      expect(h.lower).toBeLessThanOrEqual(h.point + 1e-12);
      expect(h.point).toBeLessThanOrEqual(h.upper + 1e-12);
    }
  });

  it('never counts a kill of a critical or an always-denied module as auto-approved', () => {
    const everything = [2];
    // Only the one unseen kill at the ceiling is left, the same share at every quiet share.
    const none = impliedHarm(model, sample, { ...DEFAULT_POLICY, criticalModules: ['calm'], alwaysDenyModules: ['busy'] }, everything)[0];
    expect(none?.point).toBeGreaterThan(0);
    expect(none?.point).toBeLessThan(0.1);
    expect(none?.lower).toBeCloseTo(none?.point ?? NaN, 12);
    expect(none?.upper).toBeCloseTo(none?.point ?? NaN, 12);
    expect(none?.kills).toBe(0);
    expect(impliedHarm(model, sample, { ...DEFAULT_POLICY, criticalModules: ['calm'] }, everything)[0]?.point).toBeLessThan(1);
  });
});
