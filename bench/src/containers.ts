import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import { sleep, TEST_IMAGE } from '@medic/test-support';
import { registerCleanup } from './cleanup';

/** Docker health-check interval of a bench container (each probe is an exec, which costs the engine real CPU). */
export const HEALTH_INTERVAL_MS = 250;
/** The agent's resurrection.health_check_interval_seconds, and the bare floor's polling interval: the same polling for both. */
export const POLL_INTERVAL_MS = 100;
const HEALTHY_TIMEOUT_MS = 60_000;

/** Bench containers: `medic-test-bench-*`, no network, a passing health check; removed by removeAll even after a failure. */
export class BenchContainers {
  private readonly names = new Set<string>();
  private readonly unregister: () => void;

  constructor(private readonly docker: Docker) {
    this.unregister = registerCleanup(() => this.removeAll());
  }

  /** Creates and starts the containers one by one (all at once only slows each start down), then waits until all are healthy. */
  async create(names: readonly string[], healthIntervalMs = HEALTH_INTERVAL_MS): Promise<Docker.Container[]> {
    const containers: Docker.Container[] = [];
    for (const name of names) {
      if (!name.startsWith('medic-test-bench-')) throw new Error(`bench containers must be named medic-test-bench-*, got ${name}`);
      this.names.add(name);
      const container = await this.docker.createContainer({
        name,
        Image: TEST_IMAGE,
        Labels: { 'medic.bench': 'true' },
        // A slow exec on a busy engine must not count as unhealthy: healthy is the first passing probe either way.
        Healthcheck: { Test: ['CMD', 'true'], Interval: healthIntervalMs * 1e6, Timeout: 5e9, Retries: 3, StartPeriod: 0 },
        HostConfig: { NetworkMode: 'none' },
      });
      await container.start();
      containers.push(container);
    }
    for (const container of containers) await waitHealthy(container);
    return containers;
  }

  async removeAll(): Promise<void> {
    this.unregister();
    const names = [...this.names];
    this.names.clear();
    await Promise.all(names.map((name) => this.docker.getContainer(name).remove({ force: true }).catch(() => undefined)));
  }
}

/** Kills the container as Smith would (SIGKILL) and waits until it has exited. */
export async function killContainer(container: Docker.Container): Promise<void> {
  await container.kill();
  await container.wait();
}

/**
 * Polls as the agent's resurrector does: inspect, and while not healthy sleep `pollMs` and look again. Healthy
 * counts only when a passing probe of the current run backs it (a restart keeps the previous run's probe log).
 * Resolves with performance.now() at the look that saw it healthy.
 */
export async function waitHealthy(container: Docker.Container, pollMs = POLL_INTERVAL_MS): Promise<number> {
  const deadline = performance.now() + HEALTHY_TIMEOUT_MS;
  for (;;) {
    const details = await container.inspect();
    if (isHealthyNow(details)) return performance.now();
    if (performance.now() > deadline) throw new Error(`${details.Name} was not healthy within ${HEALTHY_TIMEOUT_MS} ms`);
    await sleep(pollMs);
  }
}

function isHealthyNow(details: Docker.ContainerInspectInfo): boolean {
  const health = details.State.Health;
  if (!details.State.Running || health?.Status !== 'healthy') return false;
  const startedAt = Date.parse(details.State.StartedAt);
  return health.Log.some((probe) => probe.ExitCode === 0 && Date.parse(probe.Start) >= startedAt);
}
