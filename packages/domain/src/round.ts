/** `value` rounded to `decimals` places, so figures stay readable and compare exactly. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Numbers in reasoning text: at most 3 decimals. */
export function fmt(value: number): string {
  return String(round(value, 3));
}
