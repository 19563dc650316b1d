import { Prng } from './prng';

const draws = (rng: Prng, n = 5): number[] => Array.from({ length: n }, () => rng.next());

describe('Prng', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    expect(draws(new Prng(42))).toEqual(draws(new Prng(42)));
    expect(draws(new Prng(42))).not.toEqual(draws(new Prng(43)));
  });

  it('derives independent, reproducible streams per label', () => {
    expect(draws(Prng.derive(7, 'kills'))).toEqual(draws(Prng.derive(7, 'kills')));
    expect(draws(Prng.derive(7, 'kills'))).not.toEqual(draws(Prng.derive(7, 'modules')));
    expect(draws(Prng.derive(7, 'kills'))).not.toEqual(draws(Prng.derive(8, 'kills')));
  });

  it('draws uniforms in [0, 1) with the expected mean', () => {
    const values = draws(new Prng(1), 20_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(0.5, 1);
  });

  it('draws exponential waiting times with the requested mean', () => {
    const rng = new Prng(3);
    const values = Array.from({ length: 20_000 }, () => rng.exponential(30));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeGreaterThan(28.5);
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeLessThan(31.5);
  });

  it('never picks an entry of weight zero, and picks by weight', () => {
    const rng = new Prng(5);
    const picks = Array.from({ length: 10_000 }, () => rng.weighted([['never', 0], ['often', 3], ['rarely', 1]] as const));
    expect(picks).not.toContain('never');
    const often = picks.filter((p) => p === 'often').length;
    expect(often / picks.length).toBeCloseTo(0.75, 1);
  });

  it('stays within the bounds it is given', () => {
    const rng = new Prng(9);
    for (let i = 0; i < 1_000; i++) {
      const t = rng.triangular(0.2, 0.6);
      expect(t).toBeGreaterThanOrEqual(0.2);
      expect(t).toBeLessThan(0.6);
      expect(rng.int(3)).toBeLessThan(3);
    }
    expect(() => rng.pick([])).toThrow();
  });
});
