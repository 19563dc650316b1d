import type { HealthCheck, ResurrectionResult } from '../model';
import type { Clock, ResurrectOptions, ResurrectionTarget, Resurrector } from '../ports';

/** How a container's health check behaves once it runs: passes, fails, or there is none. */
export type FleetHealth = 'passing' | 'failing' | 'none';

export interface FleetContainerSpec {
  readonly name: string;
  readonly running?: boolean;
  readonly health?: FleetHealth;
  readonly labels?: Readonly<Record<string, string>>;
  /** Time (ms of the fleet's clock) from start to the health verdict; 0 (default) decides at once. */
  readonly bootMs?: number;
}

/** One container of the fleet, as tests inspect it. */
export interface FleetContainer {
  readonly id: string;
  readonly name: string;
  running: boolean;
  health: FleetHealth;
  readonly labels: Readonly<Record<string, string>>;
  bootMs: number;
  /** How many times it has been started or restarted (a container added running counts once). */
  startCount: number;
}

export interface InMemoryFleetOptions {
  /** Times resurrections (time_to_healthy, bootMs); without one, time_to_healthy is 0. */
  readonly clock?: Clock;
  /** Only containers labelled medic.enable=true may be touched (DESIGN §5). */
  readonly requireLabel?: boolean;
}

const MODULE_LABEL = 'medic.module';
const ENABLE_LABEL = 'medic.enable';

/** Resurrector over a set of named in-memory containers, locating and judging them as DESIGN §5 says. */
export class InMemoryFleet implements Resurrector {
  /** Every resurrect call's target, in order. */
  readonly attempts: ResurrectionTarget[] = [];
  /** While true, the engine is unreachable: resurrect fails with docker_unavailable and health is down. */
  down = false;
  readonly #containers = new Map<string, FleetContainer>();
  #nextId = 1;

  constructor(private readonly options: InMemoryFleetOptions = {}) {}

  /** Adds a container (exited, without a health check, unless told otherwise); returns it for inspection. */
  add(spec: FleetContainerSpec): FleetContainer {
    const running = spec.running ?? false;
    const container: FleetContainer = {
      id: `mem${String(this.#nextId++).padStart(9, '0')}`,
      name: spec.name,
      running,
      health: spec.health ?? 'none',
      labels: { ...spec.labels },
      bootMs: spec.bootMs ?? 0,
      startCount: running ? 1 : 0,
    };
    this.#containers.set(spec.name, container);
    return container;
  }

  /** The container with exactly this name; throws for an unknown name (a test bug). */
  container(name: string): FleetContainer {
    const c = this.#containers.get(name);
    if (!c) throw new Error(`no container named ${name} in the fleet`);
    return c;
  }

  async resurrect(target: ResurrectionTarget, options: ResurrectOptions = { restartIfRunning: true }): Promise<ResurrectionResult> {
    this.attempts.push(target);
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
    if (typeof located === 'string') {
      return located === 'ambiguous_target'
        ? fail('ambiguous_target', `several containers are labelled ${MODULE_LABEL}=${target.module}`)
        : fail('container_not_found', `no container named ${target.instanceId} or ${target.module}, or labelled ${MODULE_LABEL}=${target.module}`);
    }
    const c = located;
    if (this.options.requireLabel && c.labels[ENABLE_LABEL] !== 'true') {
      return fail('not_enabled', `container ${c.name} is not labelled ${ENABLE_LABEL}=true`, c.id);
    }
    const startedAt = this.#time();
    let action: ResurrectionResult['action'] = 'none';
    if (!c.running) action = 'start';
    else if (options.restartIfRunning) action = 'restart';
    if (action !== 'none') {
      c.running = true;
      c.startCount += 1;
    }
    if (c.bootMs > 0 && this.options.clock) await this.options.clock.sleep(c.bootMs);
    const base = { action, containerId: c.id };
    if (c.health === 'failing') {
      c.running = false;
      return { ...base, outcome: 'rollback', healthStatus: 'unhealthy', timeToHealthy: null, error: 'unhealthy', message: `container ${c.name} reported unhealthy and was stopped` };
    }
    const timeToHealthy = (this.#time() - startedAt) / 1000;
    return { ...base, outcome: 'success', healthStatus: c.health === 'passing' ? 'healthy' : 'none', timeToHealthy, error: null, message: null };
  }

  async health(): Promise<HealthCheck> {
    return this.down ? { status: 'down', detail: 'in-memory engine is down' } : { status: 'up' };
  }

  /** Exact instance name, else exact module name, else the single container labelled medic.module=<module>. */
  #locate(target: ResurrectionTarget): FleetContainer | 'container_not_found' | 'ambiguous_target' {
    const byName = this.#containers.get(target.instanceId) ?? this.#containers.get(target.module);
    if (byName) return byName;
    const labelled = [...this.#containers.values()].filter((c) => c.labels[MODULE_LABEL] === target.module);
    if (labelled.length > 1) return 'ambiguous_target';
    return labelled[0] ?? 'container_not_found';
  }

  #time(): number {
    return this.options.clock?.now().getTime() ?? 0;
  }
}
