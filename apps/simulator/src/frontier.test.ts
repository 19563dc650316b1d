import { compareWithOracle } from './frontier';
import type { Kill } from './periods';
import { Prng } from '@medic/domain';
import { drawSignals } from './smith';

const signals = drawSignals(false, new Prng(1));

/** A kill with its truth and whether Medic resurrected it on its own. */
const kill = (i: number, truePositive: boolean, autoResurrected: boolean): Kill => ({
  killId: `k-${i}`,
  module: 'svc-01',
  at: i,
  truePositive,
  reKill: false,
  decision: autoResurrected ? 'approve_auto' : 'pending_review',
  autoResurrected,
  signals,
  runningModules: 30,
  recoveredAt: null,
});

describe('compareWithOracle', () => {
  // Ten kills, the oracle's probability of a true positive rising with the index; kills 3 and 8 are true positives.
  const probabilities = [0.001, 0.002, 0.003, 0.004, 0.01, 0.02, 0.05, 0.1, 0.5, 0.9];
  const truth = (i: number) => i === 3 || i === 8;

  it('lets the oracle approve a share of kills that tie, so it is never held below its own frontier', () => {
    // Ten kills with the same probability, one true positive among them; Medic resurrected half of them, the true positive too.
    const tied = Array.from({ length: 10 }, (_, i) => kill(i, i === 0, i < 5));
    const comparison = compareWithOracle(tied, tied.map(() => 0.1), 0.005);
    // Expected: each kill 0.1 of a true positive; Medic's half carries half of both, and so does the oracle's random half.
    expect(comparison.expected.medic).toEqual({ recovered: 0.5, harm: 0.5 });
    expect(comparison.expected.oracle).toMatchObject({ recovered: 0.5, harm: 0.5 });
    expect(comparison.expected.ratio).toBe(1);
  });

  it('sweeps every threshold and finds the oracle\'s best point at Medic\'s harm', () => {
    // Medic resurrected kills 0, 2, 5 and the true positive 3: half the true positives, 3 of 8 false positives.
    const kills = probabilities.map((_, i) => kill(i, truth(i), [0, 2, 3, 5].includes(i)));
    const comparison = compareWithOracle(kills, probabilities, 0.005);
    expect(comparison.realized.medic).toEqual({ recovered: 0.375, harm: 0.5 });
    // With one true positive allowed, the oracle approves kills 0-7 (7 false positives) before it reaches kill 8.
    expect(comparison.realized.oracle).toEqual({ threshold: 0.9, recovered: 0.875, harm: 0.5 });
    expect(comparison.realized.ratio).toBeCloseTo(0.375 / 0.875, 4);
    // Within a 0.5 % budget the oracle may approve no true positive: kills 0-2.
    expect(comparison.oracleAtBudget).toEqual({ threshold: 0.997, recovered: 0.375, harm: 0 });
    expect(comparison.curve[0]).toEqual({ threshold: 1, recovered: 0, harm: 0 });
    expect(comparison.curve[comparison.curve.length - 1]).toMatchObject({ recovered: 1, harm: 1 });
    expect(comparison.sweep.find((p) => p.threshold === 0.99)).toEqual({ threshold: 0.99, recovered: 0.5, harm: 0.5 });
  });

  it('draws a frontier that never loses recovery as harm grows', () => {
    const rng = new Prng(9);
    const p = Array.from({ length: 500 }, () => rng.next() ** 4);
    const kills = p.map((q, i) => kill(i, rng.chance(q), rng.chance(0.5)));
    const { curve } = compareWithOracle(kills, p, 0.005);
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]?.harm ?? 0).toBeGreaterThanOrEqual(curve[i - 1]?.harm ?? 0);
      expect(curve[i]?.recovered ?? 0).toBeGreaterThanOrEqual(curve[i - 1]?.recovered ?? 0);
    }
  });

  it('counts each kill by the oracle\'s probability in the expected comparison, whatever happened', () => {
    const kills = probabilities.map((_, i) => kill(i, truth(i), i < 4));
    const flipped = probabilities.map((_, i) => kill(i, !truth(i), i < 4));
    const expected = compareWithOracle(kills, probabilities, 0.005).expected;
    expect(compareWithOracle(flipped, probabilities, 0.005).expected).toEqual(expected);
    const totalTrue = probabilities.reduce((a, b) => a + b, 0);
    expect(expected.medic.harm).toBeCloseTo((0.001 + 0.002 + 0.003 + 0.004) / totalTrue, 4);
    // Medic approved exactly the oracle's four most certain kills: no better point exists at that harm.
    expect(expected.ratio).toBe(1);
  });

  it('counts the oracle blind at the threshold where its expected harm is Medic\'s, not at its luckiest point', () => {
    // Medic approved the oracle's four most certain kills, the true positive 3 among them.
    const kills = probabilities.map((_, i) => kill(i, truth(i), i < 4));
    const comparison = compareWithOracle(kills, probabilities, 0.005);
    // Counted at Medic's counted harm the oracle may go on to kill 7, since its next true positive is kill 8: luck.
    expect(comparison.realized.oracle.recovered).toBe(0.875);
    // Blind, it takes the same four kills Medic took, chosen on its probabilities alone: the same counted point.
    expect(comparison.blind.oracle).toEqual({ threshold: 0.996, recovered: 0.375, harm: 0.5 });
    expect(comparison.blind.medic).toEqual(comparison.realized.medic);
    expect(comparison.blind.ratio).toBe(1);
    // The threshold does not depend on what happened: another truth on the kills it takes moves only the counts.
    const luckier = probabilities.map((_, i) => kill(i, i === 8, i < 4));
    expect(compareWithOracle(luckier, probabilities, 0.005).blind.oracle).toEqual({ threshold: 0.996, recovered: 0.4444, harm: 0 });
  });

  it('has no ratio when the oracle recovers nothing at Medic\'s harm', () => {
    const kills = [kill(0, true, false), kill(1, false, false)];
    expect(compareWithOracle(kills, [0.2, 0.9], 0.005).realized).toMatchObject({ medic: { recovered: 0, harm: 0 }, ratio: null });
  });
});
