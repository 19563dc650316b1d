/** Cleanups still owed (agents to stop, containers to remove), run on Ctrl-C so an interrupted run leaves nothing behind. */
const pending = new Set<() => Promise<void>>();

/** Registers a cleanup; call the returned function once it has run normally. */
export function registerCleanup(cleanup: () => Promise<void>): () => void {
  pending.add(cleanup);
  return () => pending.delete(cleanup);
}

/** Runs every registered cleanup, ignoring failures. */
export async function runCleanups(): Promise<void> {
  const all = [...pending];
  pending.clear();
  await Promise.allSettled(all.map((cleanup) => cleanup()));
}
