import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import { escapeRegExp } from './locate';

/** The local test image built by scripts/services.sh. */
export const TEST_IMAGE = 'medic-test/busybox';

const MS = 1_000_000; // Docker health-check durations are nanoseconds

/** Health checks for test containers: `passing` and `failing` settle within a fraction of a second, `never` does not probe within any test. */
export const TEST_HEALTH = {
  passing: { Test: ['CMD-SHELL', 'test -e /tmp'], Interval: 250 * MS, Timeout: 2000 * MS, Retries: 1 },
  failing: { Test: ['CMD', 'false'], Interval: 250 * MS, Timeout: 2000 * MS, Retries: 1 },
  never: { Test: ['CMD', 'true'], Interval: 3600_000 * MS, Timeout: 2000 * MS, Retries: 1 },
} satisfies Record<string, Dockerode.HealthConfig>;

export interface TestContainerSpec {
  /** Must start with the fleet's prefix. */
  readonly name: string;
  readonly running?: boolean;
  /** Start it, then kill it, as Smith does (ignored when `running`). */
  readonly killed?: boolean;
  readonly health?: keyof typeof TEST_HEALTH | 'none' | Dockerode.HealthConfig;
  readonly labels?: Record<string, string>;
  /** Replaces the image's command (which sleeps until SIGTERM). */
  readonly cmd?: string[];
}

/** A fresh name prefix `medic-test-<random>-` for one test file or harness. */
export const testPrefix = (): string => `medic-test-${randomBytes(4).toString('hex')}-`;

/** The engine the tests use: DOCKER_HOST or the default socket, like the agent. */
export const testDocker = (): Dockerode => new Dockerode();

/** Fails (never skips) with a message naming the missing service when the engine or the test image is absent. */
export async function requireDockerAndImage(docker: Dockerode): Promise<void> {
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(
      `Docker engine not reachable at ${process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'} (${String(error)}); run scripts/services.sh`,
      { cause: error },
    );
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch (error) {
    throw new Error(`test image ${TEST_IMAGE} missing (${String(error)}); run scripts/services.sh`, { cause: error });
  }
}

/** Test containers under one prefix: created with no network, always removed by `removeAll`. */
export class TestFleet {
  constructor(
    readonly docker: Dockerode,
    readonly prefix: string = testPrefix(),
  ) {
    if (!prefix.startsWith('medic-test-')) throw new Error(`test container prefix must start with medic-test-, got ${prefix}`);
  }

  async create(spec: TestContainerSpec): Promise<Dockerode.Container> {
    if (!spec.name.startsWith(this.prefix)) throw new Error(`test container ${spec.name} must start with ${this.prefix}`);
    const health = spec.health ?? 'none';
    const container = await this.docker.createContainer({
      name: spec.name,
      Image: TEST_IMAGE,
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      Labels: spec.labels ?? {},
      ...(health === 'none' ? {} : { Healthcheck: typeof health === 'string' ? TEST_HEALTH[health] : health }),
      StopTimeout: 2,
      HostConfig: { NetworkMode: 'none' },
    });
    if (spec.running || spec.killed) await container.start();
    if (spec.killed && !spec.running) {
      await container.kill();
      await container.wait();
    }
    return container;
  }

  inspect(name: string): Promise<Dockerode.ContainerInspectInfo> {
    return this.docker.getContainer(name).inspect();
  }

  async isRunning(name: string): Promise<boolean> {
    return (await this.inspect(name)).State.Running;
  }

  /** Waits until the container's health status is `status` (fails after `timeoutMs`). */
  async waitForHealth(name: string, status: string, timeoutMs = 10_000): Promise<Dockerode.ContainerInspectInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const details = await this.inspect(name);
      if (details.State.Health?.Status === status) return details;
      if (Date.now() > deadline) throw new Error(`${name} did not become ${status} within ${timeoutMs} ms: ${JSON.stringify(details.State.Health)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** How many times Docker started the container since it was created, from the engine's event log. */
  async startCount(name: string): Promise<number> {
    const details = await this.inspect(name);
    const since = (Date.parse(details.Created) / 1000 - 1).toFixed(3);
    const until = (Date.now() / 1000 + 0.001).toFixed(3);
    const stream = await this.docker.getEvents({ since: Number(since), until: Number(until), filters: { container: [details.Id], event: ['start'] } });
    let text = '';
    for await (const chunk of stream as AsyncIterable<Buffer | string>) text += chunk.toString();
    return text.split('\n').filter((line) => line.trim() !== '').length;
  }

  /** Force-removes every container whose name starts with the prefix, also those a failed test left behind. */
  async removeAll(): Promise<void> {
    const listed = await this.docker.listContainers({ all: true, filters: { name: [`^/${escapeRegExp(this.prefix)}`] } });
    const ours = listed.filter((c) => c.Names.some((n) => n.startsWith(`/${this.prefix}`)));
    await Promise.all(ours.map((c) => this.docker.getContainer(c.Id).remove({ force: true })));
  }
}
