import { ENABLE_LABEL, HEALTH_TIMEOUT_LABEL, MODULE_LABEL, readEnableLabel, readHealthTimeoutLabel } from '../container-labels';
import { DEFAULT_KILL_WINDOW_SECONDS, verifyKill } from '../kill-verification';
import type { ContainerState } from '../kill-verification';
import type { DependencyStatus, ResurrectionResult } from '../model';
import type { Clock, ResurrectOptions, ResurrectionTarget, Resurrector } from '../ports';

/** How a container's health check behaves once it runs: passes, fails, never decides within any timeout, or there is none. */
export type HealthCheckBehaviour = 'passing' | 'failing' | 'never' | 'none';

export interface FleetContainerSpec {
  readonly name: string;
  readonly running?: boolean;
  readonly health?: HealthCheckBehaviour;
  readonly labels?: Readonly<Record<string, string>>;
  /** Time (ms of the fleet's clock) from start to the health verdict; 0 (default) decides at once. */
  readonly bootMs?: number;
  /** When it last started (ISO 8601); default: now if added running, never otherwise. */
  readonly startedAt?: string;
  /** When it last stopped (ISO 8601); default: never. */
  readonly finishedAt?: string;
}

/** One container of the fleet, as tests inspect it. */
export interface FleetContainer {
  readonly id: string;
  readonly name: string;
  running: boolean;
  health: HealthCheckBehaviour;
  readonly labels: Readonly<Record<string, string>>;
  bootMs: number;
  /** How many times it has been started or restarted (a container added running counts once). */
  startCount: number;
  /** Fleet-clock ms of the last start and stop; null: never. */
  startedAt: number | null;
  finishedAt: number | null;
}

export interface InMemoryFleetOptions {
  /** Times resurrections (time_to_healthy, bootMs); without one, time_to_healthy is 0. */
  readonly clock?: Clock;
  /** resurrection.require_label: only containers labelled medic.enable=true may be touched. */
  readonly requireLabel?: boolean;
  /** resurrection.verify_kill: check the container's state against the report's time before touching it. */
  readonly verifyKill?: boolean;
  /** Tolerance around the reported kill time for verifyKill (default DEFAULT_KILL_WINDOW_SECONDS). */
  readonly killWindowMs?: number;
  /** How long a container may take to become healthy (default 60 s); a medic.health-timeout label replaces it. */
  readonly healthCheckTimeoutMs?: number;
}

/** What fleets viewing the same containers share. */
interface FleetState {
  readonly containers: Map<string, FleetContainer>;
  readonly attempts: ResurrectionTarget[];
  nextId: number;
}

/** Resurrector over a set of named in-memory containers, locating and judging them as DockerResurrector does (ARCHITECTURE.md, Pipeline). */
export class InMemoryFleet implements Resurrector {
  /** While true, the engine is unreachable: resurrect fails with docker_unavailable and health is down. */
  down = false;
  readonly #state: FleetState;

  constructor(
    private readonly options: InMemoryFleetOptions = {},
    state: FleetState = { containers: new Map(), attempts: [], nextId: 1 },
  ) {
    this.#state = state;
  }

  /** Every resurrect call's target, in order (shared with the fleets of withOptions). */
  get attempts(): ResurrectionTarget[] {
    return this.#state.attempts;
  }

  /** A fleet over the same containers with other options, e.g. verifyKill on. */
  withOptions(options: InMemoryFleetOptions): InMemoryFleet {
    return new InMemoryFleet({ ...this.options, ...options }, this.#state);
  }

  /** Adds a container (exited, without a health check, unless told otherwise); returns it for inspection. */
  add(spec: FleetContainerSpec): FleetContainer {
    const running = spec.running ?? false;
    const at = (iso: string | undefined, fallback: number | null): number | null => (iso === undefined ? fallback : Date.parse(iso));
    const container: FleetContainer = {
      id: `mem${String(this.#state.nextId++).padStart(9, '0')}`,
      name: spec.name,
      running,
      health: spec.health ?? 'none',
      labels: { ...spec.labels },
      bootMs: spec.bootMs ?? 0,
      startCount: running ? 1 : 0,
      startedAt: at(spec.startedAt, running ? this.#time() : null),
      finishedAt: at(spec.finishedAt, null),
    };
    this.#state.containers.set(spec.name, container);
    return container;
  }

  /** The container with exactly this name; throws for an unknown name (a test bug). */
  container(name: string): FleetContainer {
    const c = this.#state.containers.get(name);
    if (!c) throw new Error(`no container named ${name} in the fleet`);
    return c;
  }

  /** Stops a running container now, as Smith's kill does. */
  kill(name: string): void {
    const c = this.container(name);
    c.running = false;
    c.finishedAt = this.#time();
  }

  async resurrect(target: ResurrectionTarget, options: ResurrectOptions = { restartIfRunning: true }): Promise<ResurrectionResult> {
    this.#state.attempts.push(target);
    const fail = (error: ResurrectionResult['error'], message: string, containerId: string | null = null): ResurrectionResult => ({
      outcome: 'failure',
      action: 'none',
      containerId,
      healthStatus: null,
      timeToHealthy: null,
      error,
      message,
    });
    if (this.down) return fail('docker_unavailable', 'in-memory engine is down');
    const located = this.#locate(target);
    if (located === null) return fail('container_not_found', `no container named ${target.instanceId} or ${target.module}, or labelled ${MODULE_LABEL}=${target.module}`);
    if (Array.isArray(located)) return fail('ambiguous_target', `${located.length} containers are labelled ${MODULE_LABEL}=${target.module}: ${located.join(', ')}`);
    const c = located;
    const enable = readEnableLabel(c.name, c.labels);
    if (enable.excluded !== null) {
      const ignored = enable.warning === null ? [] : [enable.warning];
      return { ...fail('not_enabled', enable.excluded, c.id), labels: { applied: ignored.length > 0 ? [] : [`${enable.excluded}: nothing was restarted`], ignored } };
    }
    if (this.options.requireLabel && !enable.optedIn) {
      return fail('not_enabled', `container ${c.name} is not labelled ${ENABLE_LABEL}=true`, c.id);
    }
    if (options.admit && !options.admit(c.name, { ...c.labels })) {
      return { outcome: 'withdrawn', action: 'none', containerId: c.id, healthStatus: null, timeToHealthy: null, error: null, message: null };
    }
    const timeout = this.#healthTimeout(c);
    let verification: { verification: string } | Record<string, never> = {};
    // A re-check (restartIfRunning false) only waits on a running container, so only a stopped one is judged then.
    if (this.options.verifyKill && (!c.running || options.restartIfRunning)) {
      const verdict = verifyKill(this.#stateOf(c), target.killedAt, this.options.killWindowMs ?? DEFAULT_KILL_WINDOW_SECONDS * 1000);
      if (!verdict.proceed) {
        const healthStatus = !c.running ? null : c.health === 'passing' ? 'healthy' : 'none';
        return { outcome: verdict.outcome, action: 'none', containerId: c.id, healthStatus, timeToHealthy: null, error: null, message: null, verification: verdict.verification };
      }
      verification = { verification: verdict.verification };
    }
    const startedAt = this.#time();
    let action: ResurrectionResult['action'] = 'none';
    if (!c.running) action = 'start';
    else if (options.restartIfRunning) action = 'restart';
    if (action !== 'none') {
      c.running = true;
      c.startCount += 1;
      c.startedAt = startedAt;
    }
    const base = { action, containerId: c.id, ...verification, ...(timeout.notes ? { labels: timeout.notes } : {}) };
    if (c.health === 'never' || (c.health === 'passing' && c.bootMs > timeout.ms)) {
      // The verdict would come after the timeout: wait for it (on the fleet's clock), then stop the container again.
      if (this.options.clock && c.health === 'passing') await this.options.clock.sleep(timeout.ms);
      c.running = false;
      c.finishedAt = this.#time();
      return { ...base, outcome: 'rollback', healthStatus: 'starting', timeToHealthy: null, error: 'health_timeout', message: `container ${c.name} was not healthy within ${timeout.ms} ms; stopped it again` };
    }
    if (c.bootMs > 0 && this.options.clock) await this.options.clock.sleep(c.bootMs);
    if (c.health === 'failing') {
      c.running = false;
      c.finishedAt = this.#time();
      return { ...base, outcome: 'rollback', healthStatus: 'unhealthy', timeToHealthy: null, error: 'unhealthy', message: `container ${c.name} reported unhealthy and was stopped` };
    }
    const timeToHealthy = (this.#time() - startedAt) / 1000;
    return { ...base, outcome: 'success', healthStatus: c.health === 'passing' ? 'healthy' : 'none', timeToHealthy, error: null, message: null };
  }

  /** The health timeout for the container: its medic.health-timeout label when usable, else the configured one. */
  #healthTimeout(c: FleetContainer): { ms: number; notes: ResurrectionResult['labels'] | null } {
    const configured = this.options.healthCheckTimeoutMs ?? 60_000;
    const reading = readHealthTimeoutLabel(c.name, c.labels);
    if (reading.status === 'absent') return { ms: configured, notes: null };
    if (reading.status === 'invalid') return { ms: configured, notes: { applied: [], ignored: [reading.warning] } };
    const applied = `label ${HEALTH_TIMEOUT_LABEL}=${reading.value} on container ${c.name} set the health timeout to ${reading.value} s (configured: ${configured / 1000} s)`;
    return { ms: reading.value * 1000, notes: { applied: [applied], ignored: [] } };
  }

  /** The container as verify_kill sees it. */
  #stateOf(c: FleetContainer): ContainerState {
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    const health = c.health === 'passing' ? 'healthy' : c.health === 'failing' ? 'unhealthy' : c.health === 'never' ? 'starting' : 'none';
    return { name: c.name, running: c.running, health, startedAt: iso(c.startedAt), finishedAt: iso(c.finishedAt) };
  }

  async health(): Promise<DependencyStatus> {
    return this.down ? { status: 'down', detail: 'in-memory engine is down' } : { status: 'up' };
  }

  /** Exact instance name, else exact module name, else the single container labelled medic.module=<module>; the names when several are, null when none is. */
  #locate(target: ResurrectionTarget): FleetContainer | string[] | null {
    const byName = this.#state.containers.get(target.instanceId) ?? this.#state.containers.get(target.module);
    if (byName) return byName;
    const labelled = [...this.#state.containers.values()].filter((c) => c.labels[MODULE_LABEL] === target.module);
    if (labelled.length > 1) return labelled.map((c) => c.name);
    return labelled[0] ?? null;
  }

  #time(): number {
    return this.options.clock?.now().getTime() ?? 0;
  }
}
