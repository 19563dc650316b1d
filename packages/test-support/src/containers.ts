import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { TEST_IMAGE } from './services';
import { waitFor } from './wait';

const MS = 1_000_000; // Docker's health-check durations are nanoseconds

/** Health checks of test containers: `passing` and `failing` settle at the first probe, `never` does not probe within any test. */
export const TEST_HEALTH = {
  passing: { Test: ['CMD', 'true'], Interval: 250 * MS, Timeout: 2000 * MS, Retries: 1, StartPeriod: 0 },
  failing: { Test: ['CMD', 'false'], Interval: 250 * MS, Timeout: 2000 * MS, Retries: 1, StartPeriod: 0 },
  never: { Test: ['CMD', 'true'], Interval: 3600_000 * MS, Timeout: 2000 * MS, Retries: 1, StartPeriod: 0 },
} satisfies Record<string, Docker.HealthConfig>;

export interface TestContainerSpec {
  /** Must start with the fleet's prefix. */
  readonly name: string;
  /** Left running (default: created and never started). */
  readonly running?: boolean;
  /** Started, then killed and waited for, as Smith does (ignored when `running`). */
  readonly killed?: boolean;
  readonly health?: keyof typeof TEST_HEALTH | 'none' | Docker.HealthConfig;
  /** Replaces the health check's interval; Docker runs the first probe one interval after a start. */
  readonly healthIntervalMs?: number;
  readonly labels?: Record<string, string>;
  /** Replaces the image's command (which sleeps until SIGTERM). */
  readonly cmd?: string[];
}

/** A fresh name prefix `medic-test-<random>-`. */
export const testPrefix = (): string => `medic-test-${randomBytes(4).toString('hex')}-`;

/** Test containers under one name prefix: created with no network from the test image, and always removed by `removeAll`. */
export class TestFleet {
  constructor(
    readonly docker: Docker,
    readonly prefix: string = testPrefix(),
  ) {
    if (!prefix.startsWith('medic-test-')) throw new Error(`test container names must start with medic-test-, got ${prefix}`);
  }

  /** A name under the prefix: `<prefix><label>-<random>`. */
  name(label = 'app'): string {
    return `${this.prefix}${label}-${randomBytes(3).toString('hex')}`;
  }

  async create(spec: TestContainerSpec): Promise<Docker.Container> {
    if (!spec.name.startsWith(this.prefix)) throw new Error(`test container ${spec.name} must start with ${this.prefix}`);
    const health = spec.health ?? 'none';
    const check = health === 'none' ? null : typeof health === 'string' ? TEST_HEALTH[health] : health;
    const container = await this.docker.createContainer({
      name: spec.name,
      Image: TEST_IMAGE,
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      Labels: spec.labels ?? {},
      ...(check ? { Healthcheck: spec.healthIntervalMs === undefined ? check : { ...check, Interval: spec.healthIntervalMs * MS } } : {}),
      StopTimeout: 2,
      HostConfig: { NetworkMode: 'none' },
    });
    if (spec.running || spec.killed) await container.start();
    if (spec.killed && !spec.running) await this.kill(spec.name);
    return container;
  }

  /** SIGKILL, as Smith does, and wait until it has exited. */
  async kill(name: string): Promise<void> {
    const container = this.docker.getContainer(name);
    await container.kill();
    await container.wait();
  }

  inspect(name: string): Promise<Docker.ContainerInspectInfo> {
    return this.docker.getContainer(name).inspect();
  }

  async isRunning(name: string): Promise<boolean> {
    return (await this.inspect(name)).State.Running;
  }

  async startedAt(name: string): Promise<string> {
    return (await this.inspect(name)).State.StartedAt;
  }

  /** Waits until Docker reports the container's health as `status`. */
  waitForHealth(name: string, status: string, timeoutMs = 10_000): Promise<Docker.ContainerInspectInfo> {
    return waitFor(`${name} to be ${status}`, async () => {
      const details = await this.inspect(name);
      return details.State.Health?.Status === status ? details : undefined;
    }, { timeoutMs });
  }

  /** How many times Docker started the container since it was created, from the engine's event log. */
  async startCount(name: string): Promise<number> {
    const details = await this.inspect(name);
    const since = Number((Date.parse(details.Created) / 1000 - 1).toFixed(3));
    const until = Number((Date.now() / 1000 + 0.001).toFixed(3));
    const stream = await this.docker.getEvents({ since, until, filters: { container: [details.Id], event: ['start'] } });
    let text = '';
    for await (const chunk of stream as AsyncIterable<Buffer | string>) text += chunk.toString();
    return text.split('\n').filter((line) => line.trim() !== '').length;
  }

  /** Force-removes every container whose name starts with the prefix, also those a failed test left behind. */
  async removeAll(): Promise<void> {
    const listed = await this.docker.listContainers({ all: true, filters: { name: [this.prefix] } });
    const ours = listed.filter((c) => c.Names.some((n) => n.startsWith(`/${this.prefix}`)));
    await Promise.all(
      ours.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch((error: { statusCode?: number }) => {
            if (error.statusCode !== 404) throw error;
          }),
      ),
    );
  }
}
