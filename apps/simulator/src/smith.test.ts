import { Prng } from '@medic/domain';
import { drawSignals, signalLikelihoods } from './smith';
import type { KillSignals } from './smith';

const many = (n: number, draw: (rng: Prng) => KillSignals): KillSignals[] => {
  const rng = new Prng(11);
  return Array.from({ length: n }, () => draw(rng));
};
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

describe('drawSignals', () => {
  const real = many(2_000, (rng) => drawSignals(true, rng));
  const alarms = many(2_000, (rng) => drawSignals(false, rng));

  it('draws higher confidence and riskier alerts for real compromises, with overlap', () => {
    const realConfidence = real.map((s) => s.confidenceScore);
    const alarmConfidence = alarms.map((s) => s.confidenceScore);
    expect(mean(realConfidence)).toBeGreaterThan(mean(alarmConfidence) + 0.2);
    expect(Math.min(...realConfidence)).toBeLessThan(Math.max(...alarmConfidence));
    expect(mean(real.map((s) => s.threat.riskScore))).toBeGreaterThan(mean(alarms.map((s) => s.threat.riskScore)) + 0.2);
  });

  it('keeps every value valid for a kill report and a threat context', () => {
    for (const s of [...real, ...alarms]) {
      expect(s.confidenceScore).toBeGreaterThanOrEqual(0);
      expect(s.confidenceScore).toBeLessThanOrEqual(1);
      expect(s.threat.openCount).toBeLessThanOrEqual(s.threat.alertCount);
      expect(s.threat.falsePositiveCount).toBeLessThanOrEqual(s.threat.alertCount);
      expect(s.evidence).toHaveLength(1);
    }
  });

  it('draws a quiet compromise exactly like a false alarm', () => {
    expect(drawSignals(true, new Prng(5), true)).toEqual(drawSignals(false, new Prng(5)));
    expect(drawSignals(true, new Prng(5))).not.toEqual(drawSignals(false, new Prng(5)));
  });

  it('keeps the random stream of a run without confidence noise', () => {
    expect(drawSignals(true, new Prng(5), false, 0)).toEqual(drawSignals(true, new Prng(5)));
  });

  it('draws some confidences uniformly from [0, 1] with confidence noise, whatever the truth', () => {
    const noisy = many(2_000, (rng) => drawSignals(false, rng, false, 1)).map((x) => x.confidenceScore);
    expect(Math.min(...noisy)).toBeLessThan(0.05);
    expect(Math.max(...noisy)).toBeGreaterThan(0.95);
  });
});

describe('signalLikelihoods', () => {
  it('gives signals outside a class\'s support no likelihood under it', () => {
    const alarm = drawSignals(false, new Prng(3));
    expect(signalLikelihoods({ ...alarm, killReason: 'resource_exhaustion' }).real).toBe(0);
    expect(signalLikelihoods({ ...alarm, severity: 'critical' }).falseAlarm).toBe(0);
    const real = drawSignals(true, new Prng(3));
    expect(signalLikelihoods(real).real).toBeGreaterThan(0);
    expect(signalLikelihoods({ ...real, confidenceScore: 0.1 }).real).toBe(0);
    // A noisy Smith can report any confidence for a real compromise.
    expect(signalLikelihoods({ ...real, confidenceScore: 0.1 }, 0.2).real).toBeGreaterThan(0);
  });

  it('is what drawSignals does: on an even mix, P(looks real | signals) matches how often such signals were real', () => {
    for (const noise of [0, 0.3]) {
      const rng = new Prng(17);
      const bins = Array.from({ length: 5 }, () => ({ predicted: 0, real: 0, n: 0 }));
      for (let i = 0; i < 20_000; i++) {
        const real = rng.chance(0.5);
        const L = signalLikelihoods(drawSignals(real, rng, false, noise), noise);
        const p = L.real / (L.real + L.falseAlarm);
        const bin = bins[Math.min(4, Math.floor(p * 5))];
        if (!bin) throw new Error('no bin');
        bin.predicted += p;
        bin.real += real ? 1 : 0;
        bin.n += 1;
      }
      for (const bin of bins.filter((b) => b.n >= 200)) expect(Math.abs(bin.predicted / bin.n - bin.real / bin.n)).toBeLessThan(0.05);
      expect(bins[0]?.n ?? 0).toBeGreaterThan(1_000);
      expect(bins[4]?.n ?? 0).toBeGreaterThan(1_000);
    }
  });
});
