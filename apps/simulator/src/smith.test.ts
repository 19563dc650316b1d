import { Prng } from './prng';
import { drawSignals } from './smith';
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
});
