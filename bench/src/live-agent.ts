import { POLL_INTERVAL_MS } from './containers';
import type { AgentSpec } from './agent-process';

/**
 * A live agent that auto-approves the low-risk report, polling health as often as the bare floor does. The same module
 * is killed over and over on purpose, so the re-kill window is a few milliseconds and the restart budget large: otherwise
 * Medic would rightly refuse to resurrect a container it just brought back.
 */
export function liveAgent(stream: string, logLevel: AgentSpec['logLevel'], resurrection: Record<string, unknown> = {}): AgentSpec {
  return {
    mode: 'live',
    stream,
    logLevel,
    config: {
      decision: { auto_approve: { enabled: true, min_confidence: 0.6, max_score: 0.4 } },
      resurrection: {
        health_check_interval_seconds: POLL_INTERVAL_MS / 1000,
        ...resurrection,
        health_check_timeout_seconds: 30,
        budget: { max_restarts: 100_000, window_minutes: 60 },
      },
      learning: { rekill_window_minutes: 0.0001 },
    },
  };
}
