import type { Dependency, DependencyStatus } from '@medic/domain';

/** The dependencies `/health` reports, by the names it shows. */
export type CheckName = 'redis' | 'docker' | 'store' | 'threat_intel' | 'notifier';

/** The domain's name for each dependency, as `/health` shows it. */
export const CHECK_OF: Readonly<Record<Dependency, CheckName>> = { source: 'redis', engine: 'docker', store: 'store', threat_intel: 'threat_intel' };

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly checks: Readonly<Record<CheckName, DependencyStatus>>;
}

/** Asks a dependency whether it answers; null: the dependency is disabled. */
export type Probe = (() => Promise<DependencyStatus>) | null;

/**
 * Each dependency's health on its own: what its adapter answers when asked, or down while the last call the agent made to
 * it failed (a store whose `select 1` answers can still refuse every write). A failure is reported against the dependency
 * that failed and cleared by the next call to it that succeeds, so a store error never shows as Redis down.
 */
export class DependencyHealth {
  readonly #failures = new Map<CheckName, string>();

  constructor(private readonly probes: Readonly<Record<CheckName, Probe>>) {}

  failed(name: CheckName, error: unknown): void {
    this.#failures.set(name, error instanceof Error ? error.message : String(error));
  }

  recovered(name: CheckName): void {
    this.#failures.delete(name);
  }

  async report(): Promise<HealthReport> {
    const names = Object.keys(this.probes) as CheckName[];
    const results = await Promise.all(names.map((name) => this.#check(name)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i]])) as Record<CheckName, DependencyStatus>;
    return { status: results.some((check) => check.status === 'down') ? 'degraded' : 'ok', checks };
  }

  async #check(name: CheckName): Promise<DependencyStatus> {
    const probe = this.probes[name];
    if (probe === null) return { status: 'disabled' };
    let answer: DependencyStatus;
    try {
      answer = await probe();
    } catch (error) {
      answer = { status: 'down', detail: error instanceof Error ? error.message : String(error) };
    }
    const failure = this.#failures.get(name);
    return answer.status === 'up' && failure !== undefined ? { status: 'down', detail: `last call failed: ${failure}` } : answer;
  }
}
