/** How far apart a container's stop (or restart) and the report's timestamp may be and still be the reported kill. */
export const DEFAULT_KILL_WINDOW_SECONDS = 60;

/** What the engine says about the target container, read before anything is done to it. */
export interface ContainerState {
  readonly name: string;
  readonly running: boolean;
  /** Health of the current run; "starting" when its health check has not decided yet; "none" without a health check. */
  readonly health: 'healthy' | 'unhealthy' | 'starting' | 'none';
  /** When the current (or last) run started, ISO 8601; null if it never ran. */
  readonly startedAt: string | null;
  /** When the last run ended, ISO 8601; null if it never stopped. */
  readonly finishedAt: string | null;
}

/** Whether the engine agrees a kill happened (resurrection.verify_kill), and the sentence that says which check held. */
export type KillVerdict =
  | { readonly proceed: true; readonly verification: string }
  | { readonly proceed: false; readonly outcome: 'not_killed' | 'already_running'; readonly verification: string };

/**
 * Checks a kill report against the container's state, with `windowMs` of tolerance around the reported kill time T:
 * - stopped: resurrect only if it stopped at or after T − window (a container stopped earlier, or never run, was not
 *   killed by this report: not_killed);
 * - running and unhealthy (or still not healthy after waiting): restart it;
 * - running and healthy, or without a health check: restart nothing; not_killed when it has been running since
 *   before T − window (it never stopped), already_running when it started since (it stopped and came back by itself).
 */
export function verifyKill(state: ContainerState, killedAt: string, windowMs: number): KillVerdict {
  const killed = Date.parse(killedAt);
  const earliest = killed - windowMs;
  const window = `${Math.round(windowMs / 1000)} s`;
  const name = state.name;
  if (!state.running) {
    if (state.finishedAt === null) return refuse('not_killed', `${name} has never run, so the reported kill at ${killedAt} did not stop it`);
    if (Date.parse(state.finishedAt) < earliest) {
      return refuse('not_killed', `${name} stopped at ${state.finishedAt}, more than ${window} before the reported kill at ${killedAt}: not this kill`);
    }
    return { proceed: true, verification: `verify_kill: ${name} stopped at ${state.finishedAt}, within ${window} of the reported kill at ${killedAt}` };
  }
  if (state.health === 'unhealthy' || state.health === 'starting') {
    const how = state.health === 'unhealthy' ? 'unhealthy' : 'not healthy within the health-check timeout';
    return { proceed: true, verification: `verify_kill: ${name} is running but ${how}, so it is restarted` };
  }
  const up = state.health === 'healthy' ? 'healthy' : 'running (no health check)';
  if (state.startedAt !== null && Date.parse(state.startedAt) < earliest) {
    return refuse('not_killed', `${name} has been running since ${state.startedAt}, before the reported kill at ${killedAt}, and is ${up}: it was not killed; nothing restarted`);
  }
  return refuse('already_running', `${name} started again at ${state.startedAt ?? 'an unknown time'}, after the reported kill at ${killedAt}, and is ${up}: it came back by itself; nothing restarted`);
}

function refuse(outcome: 'not_killed' | 'already_running', sentence: string): KillVerdict {
  return { proceed: false, outcome, verification: `verify_kill: ${sentence}` };
}
