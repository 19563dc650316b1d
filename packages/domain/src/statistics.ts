import { MedicError } from './errors';

/** Wilson score interval of a success rate; z = 1.96 is 95 %. No trials says nothing: [0, 1]. */
export function wilsonInterval(successes: number, total: number, z = 1.96): { lower: number; upper: number } {
  if (!Number.isFinite(successes) || !Number.isFinite(total) || successes < 0 || total < 0 || successes > total) {
    throw new MedicError('invalid_sample', `wilsonInterval needs 0 <= successes <= total (got ${successes} of ${total})`);
  }
  if (total === 0) return { lower: 0, upper: 1 };
  const p = successes / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const centre = p + z2 / (2 * total);
  const margin = z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return { lower: Math.max(0, (centre - margin) / denominator), upper: Math.min(1, (centre + margin) / denominator) };
}
