/** Delays between attempts: `firstMs`, doubling up to `maxMs`. */
export interface Backoff {
  readonly firstMs: number;
  readonly maxMs: number;
}

/** The delay before attempt `attempt + 1`, after `attempt` (≥ 1) failed. */
export function backoffDelay(policy: Backoff, attempt: number): number {
  return Math.min(policy.maxMs, policy.firstMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
}

/** The container engine unreachable during a resurrection: retried until the resurrection's deadline. */
export const ENGINE_RETRY: Backoff = { firstMs: 500, maxMs: 10_000 };

/** The store failing a read or a write: retried until it answers or the agent stops. */
export const STORE_RETRY: Backoff = { firstMs: 100, maxMs: 5_000 };

/** The kill source refusing a command (not a lost connection, which the source waits out itself): retried until it answers or the agent stops. */
export const SOURCE_RETRY: Backoff = { firstMs: 100, maxMs: 5_000 };
