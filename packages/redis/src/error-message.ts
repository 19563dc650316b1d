/** The message of anything thrown; not `instanceof Error`, since errors from Node's internals may come from another realm (e.g. under jest). */
export function messageOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string' ? error.message : String(error);
}
