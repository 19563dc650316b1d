export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

/** Rounds to `decimals` places, so reports stay readable and compare exactly. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
