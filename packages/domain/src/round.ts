/** `value` rounded to `decimals` places, so figures stay readable and compare exactly. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
