/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  /** How long to keep looking (default 20 s). */
  readonly timeoutMs?: number;
  /** Pause between two looks (default 50 ms). */
  readonly intervalMs?: number;
  /** Asked before each look; a reason ends the wait at once with it (e.g. the process being waited on has exited). */
  readonly giveUp?: () => string | undefined;
}

/** The message of anything thrown (errors from Node's internals may come from another realm, e.g. under jest). */
export function messageOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string' ? error.message : String(error);
}

/**
 * The one polling helper of the tests and the bench: looks with `probe` until it returns something other than undefined
 * or false and resolves with that. A probe that throws is looked at again; its last error is quoted if time runs out.
 */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, options: WaitOptions = {}): Promise<Exclude<T, undefined | false>> {
  const { timeoutMs = 20_000, intervalMs = 50, giveUp } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const reason = giveUp?.();
    if (reason !== undefined) throw new Error(`gave up waiting for ${what}: ${reason}`);
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : ` (last error: ${messageOf(last)})`}`);
    await sleep(intervalMs);
  }
}
