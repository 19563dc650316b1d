import fc from 'fast-check';
import { estimateFalsePositiveRate, FLEET_PRIOR_LABELS } from './false-positive-estimate';
import { NO_LABELS } from './model';

const labels = (falsePositives: number, truePositives: number) => ({ falsePositives, truePositives });

describe('estimateFalsePositiveRate', () => {
  it('has nothing to say without a single label in the module or the fleet', () => {
    expect(estimateFalsePositiveRate(NO_LABELS, NO_LABELS)).toBeNull();
  });

  it('gives a module without labels the fleet rate (Laplace-smoothed), resting nothing on the module', () => {
    const estimate = estimateFalsePositiveRate(NO_LABELS, labels(89, 9));
    expect(estimate).toMatchObject({ labels: 0, falsePositives: 0, fleetLabels: 98, weight: 0 });
    expect(estimate?.fleetRate).toBeCloseTo(90 / 100, 12);
    expect(estimate?.rate).toBeCloseTo(0.9, 12);
  });

  it('is the Beta–binomial posterior mean: (k·fleet + FP) / (k + labels)', () => {
    const estimate = estimateFalsePositiveRate(labels(3, 2), labels(89, 9));
    const k = FLEET_PRIOR_LABELS;
    expect(estimate?.rate).toBeCloseTo((k * 0.9 + 3) / (k + 5), 12);
    expect(estimate?.weight).toBeCloseTo(5 / (5 + k), 12);
    // Beta(α, β) standard deviation with α = k·0.9 + 3, β = k·0.1 + 2.
    const alpha = k * 0.9 + 3;
    const beta = k * 0.1 + 2;
    expect(estimate?.sd).toBeCloseTo(Math.sqrt((alpha * beta) / ((alpha + beta) ** 2 * (alpha + beta + 1))), 12);
  });

  it('shrinks a few labels towards the fleet and lets many speak for themselves', () => {
    const fleet = labels(900, 100);
    // Two true positives out of two: on their own a rate of 0, shrunk most of the way back to the fleet's 0.9.
    const few = estimateFalsePositiveRate(labels(0, 2), fleet);
    expect(few?.rate).toBeGreaterThan(0.7);
    // 40 of 200 false positives: a rate of 0.2, barely pulled towards the fleet.
    const many = estimateFalsePositiveRate(labels(40, 160), fleet);
    expect(many?.rate).toBeGreaterThan(0.2);
    expect(many?.rate).toBeLessThan(0.25);
    expect(many?.weight).toBeGreaterThan(0.95);
  });

  it('grows more certain with every label', () => {
    const fleet = labels(900, 100);
    const sds = [0, 5, 20, 80, 320].map((n) => estimateFalsePositiveRate(labels(n, 0), fleet)?.sd ?? 1);
    for (let i = 1; i < sds.length; i++) expect(sds[i]).toBeLessThan(sds[i - 1] ?? 0);
    const weights = [0, 5, 20, 80].map((n) => estimateFalsePositiveRate(labels(n, 0), fleet)?.weight ?? -1);
    expect(weights).toEqual([0, 5 / 15, 20 / 30, 80 / 90]);
  });

  it('counts the fleet as at least the module, and ignores counts that are not counts', () => {
    expect(estimateFalsePositiveRate(labels(4, 1), NO_LABELS)).toMatchObject({ fleetLabels: 5, labels: 5 });
    expect(estimateFalsePositiveRate(labels(-3, Number.NaN), labels(Infinity, 2))).toMatchObject({ labels: 0, fleetLabels: 2, falsePositives: 0 });
  });

  it('takes expected counts: unlabelled kills counted by their probability of being true positives', () => {
    const estimate = estimateFalsePositiveRate(labels(3.4, 1.6), labels(89, 9));
    expect(estimate?.labels).toBeCloseTo(5, 12);
    expect(estimate?.rate).toBeCloseTo((FLEET_PRIOR_LABELS * 0.9 + 3.4) / (FLEET_PRIOR_LABELS + 5), 12);
  });

  it('shrinks towards the fleet by as many labels as it is told (the spread of the modules, when learnt)', () => {
    const fleet = labels(900, 100);
    const loose = estimateFalsePositiveRate(labels(0, 4), fleet, 2);
    const tight = estimateFalsePositiveRate(labels(0, 4), fleet, 50);
    expect(loose?.rate).toBeCloseTo((2 * (901 / 1002)) / 6, 12);
    expect(tight?.rate).toBeGreaterThan(loose?.rate ?? 1);
    expect(tight?.weight).toBeCloseTo(4 / 54, 12);
  });

  it('stays a probability between the module\'s own rate and the fleet\'s, whatever the counts', () => {
    fc.assert(
      fc.property(fc.nat({ max: 500 }), fc.nat({ max: 500 }), fc.nat({ max: 5000 }), fc.nat({ max: 5000 }), (fp, tp, ffp, ftp) => {
        const estimate = estimateFalsePositiveRate(labels(fp, tp), labels(fp + ffp, tp + ftp));
        if (estimate === null) {
          expect(fp + tp + ffp + ftp).toBe(0);
          return;
        }
        expect(estimate.rate).toBeGreaterThan(0);
        expect(estimate.rate).toBeLessThan(1);
        expect(estimate.sd).toBeGreaterThan(0);
        expect(estimate.weight).toBeGreaterThanOrEqual(0);
        expect(estimate.weight).toBeLessThan(1);
        if (fp + tp > 0) {
          const own = fp / (fp + tp);
          expect(estimate.rate).toBeGreaterThanOrEqual(Math.min(own, estimate.fleetRate) - 1e-12);
          expect(estimate.rate).toBeLessThanOrEqual(Math.max(own, estimate.fleetRate) + 1e-12);
        }
      }),
    );
  });
});
