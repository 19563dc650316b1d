import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import type Dockerode from 'dockerode';
import type { ResurrectionTarget } from '@medic/domain';
import { connectDocker, freePort, TEST_HEALTH, TestFleet } from '@medic/test-support';
import type { DockerClient } from './docker-client';
import { createDockerClient } from './docker-client';
import type { DockerResurrectorOptions } from './docker-resurrector';
import { DockerResurrector } from './docker-resurrector';
import { dockerTimeNs } from './health-state';

// What the Resurrector contract (docker-resurrector.contract.test.ts) does not cover: the engine's own behaviour.
let docker: Dockerode;
let fleet: TestFleet;
let p: string;

/** Short waits so the suite stays fast; each test overrides what it exercises. */
const resurrector = (options: Partial<DockerResurrectorOptions> = {}): DockerResurrector =>
  new DockerResurrector({ docker, healthCheckIntervalMs: 100, healthCheckTimeoutMs: 10_000, stabilityWindowMs: 300, stopGraceSeconds: 2, ...options });

const target = (module: string, instanceId: string = module): ResurrectionTarget => ({ killId: `kill-${instanceId}`, module, instanceId, killedAt: new Date().toISOString() });

/** Runs the image's default command after recording, in the container's own filesystem, whether it ran before. */
const MARK_SECOND_RUN = ['sh', '-c', 'if test -e /tmp/ran; then touch /tmp/second; fi; touch /tmp/ran; trap "exit 0" TERM INT; sleep 2147483647 & wait'];

beforeAll(async () => {
  docker = await connectDocker();
  fleet = new TestFleet(docker);
  p = fleet.prefix;
});
afterEach(() => fleet?.removeAll());

describe('DockerResurrector: bringing containers back', () => {
  it('measures a real time to healthy, on which the engine agrees', async () => {
    await fleet.create({ name: `${p}app`, health: 'passing' });
    const r = await resurrector().resurrect(target(`${p}app`));
    expect(r.timeToHealthy).toBeGreaterThan(0);
    expect((await fleet.inspect(`${p}app`)).State.Health?.Status).toBe('healthy');
  });

  it('fails with start_failed when a container without a health check exits within the stability window', async () => {
    await fleet.create({ name: `${p}crash`, cmd: ['sh', '-c', 'sleep 0.1; exit 3'] });
    const r = await resurrector({ stabilityWindowMs: 1000 }).resurrect(target(`${p}crash`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', action: 'start', error: 'start_failed' }));
    expect(r.message).toContain('exited with code 3');
    expect(await fleet.isRunning(`${p}crash`)).toBe(false);
  });

  it('retries a start the engine refuses, then fails with start_failed', async () => {
    await fleet.create({ name: `${p}noexec`, cmd: ['/bin/does-not-exist'] });
    const counted = countingStarts(createDockerClient());
    const r = await new DockerResurrector({ docker: counted.client, maxRetryAttempts: 2, healthCheckIntervalMs: 50 }).resurrect(target(`${p}noexec`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', action: 'start', error: 'start_failed' }));
    expect(r.message).toContain('3 attempt(s)');
    expect(counted.starts).toBe(3);
  });

});

describe('DockerResurrector: health and rollback', () => {
  it('rolls back with health_timeout when no health result arrives in time', async () => {
    await fleet.create({ name: `${p}slow`, health: 'never' });
    const r = await resurrector({ healthCheckTimeoutMs: 800 }).resurrect(target(`${p}slow`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'rollback', action: 'start', healthStatus: 'starting', error: 'health_timeout', timeToHealthy: null }));
    expect(await fleet.isRunning(`${p}slow`)).toBe(false);
  });

  it('after restarting a healthy container, reports success only on a health result of the new run', async () => {
    await fleet.create({ name: `${p}warm`, running: true, health: 'passing' });
    await fleet.waitForHealth(`${p}warm`, 'healthy');
    const r = await resurrector().resurrect(target(`${p}warm`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'restart', healthStatus: 'healthy' }));
    const after = await fleet.inspect(`${p}warm`);
    const startedAt = dockerTimeNs(after.State.StartedAt) ?? Number.NaN;
    const passedInThisRun = (after.State.Health?.Log ?? []).filter((e) => e.ExitCode === 0 && (dockerTimeNs(e.Start) ?? -1n) >= startedAt);
    expect(passedInThisRun.length).toBeGreaterThan(0);
  });

  it('does not take the healthy status of the previous run for the new one', async () => {
    // Healthy in its first run only: the health check fails once the container has been started twice.
    const healthcheck = { ...TEST_HEALTH.passing, Test: ['CMD-SHELL', 'test ! -e /tmp/second'] };
    await fleet.create({ name: `${p}once`, running: true, cmd: MARK_SECOND_RUN, health: healthcheck });
    await fleet.waitForHealth(`${p}once`, 'healthy');
    const r = await resurrector().resurrect(target(`${p}once`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'rollback', action: 'restart', error: 'unhealthy' }));
    expect(await fleet.isRunning(`${p}once`)).toBe(false);
  });
});

describe('DockerResurrector: locating the target', () => {
  it('treats a dot in the name literally, not as a regular-expression wildcard', async () => {
    await fleet.create({ name: `${p}aXb` });
    const r = await resurrector().resurrect(target(`${p}a.b`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', error: 'container_not_found' }));
    expect(await fleet.isRunning(`${p}aXb`)).toBe(false);
  });

});

describe('DockerResurrector: engine availability', () => {
  it('fails with docker_unavailable when the socket does not exist', async () => {
    const absent = `unix:///tmp/${randomBytes(6).toString('hex')}-absent.sock`;
    const unreachable = new DockerResurrector({ docker: createDockerClient(absent) });
    const r = await unreachable.resurrect(target(`${p}any`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', action: 'none', error: 'docker_unavailable', containerId: null }));
    expect(r.message).toContain('ENOENT');
    await expect(unreachable.health()).resolves.toEqual({ status: 'down', detail: expect.stringContaining('ENOENT') });
  });

  it('fails with docker_unavailable when nothing listens on the TCP port', async () => {
    const port = await freePort();
    const r = await new DockerResurrector({ docker: createDockerClient(`tcp://127.0.0.1:${port}`) }).resurrect(target(`${p}any`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', error: 'docker_unavailable' }));
    expect(r.message).toContain('ECONNREFUSED');
  });

  it('fails with docker_unavailable when the engine accepts connections but never answers', async () => {
    const silent = await silentServer();
    try {
      const hanging = new DockerResurrector({ docker: createDockerClient(`tcp://127.0.0.1:${silent.port}`), pingTimeoutMs: 300 });
      const r = await hanging.resurrect(target(`${p}any`));
      expect(r).toEqual(expect.objectContaining({ outcome: 'failure', error: 'docker_unavailable' }));
      expect(r.message).toContain('no answer to ping within 300 ms');
      await expect(hanging.health()).resolves.toEqual(expect.objectContaining({ status: 'down' }));
    } finally {
      await silent.close();
    }
  });

  it('fails with docker_unavailable when the engine answers pings but then hangs: every request has a time limit', async () => {
    const server = createHttpServer((request, response) => {
      // Answers only the ping; every other request hangs, as on an engine stuck mid-operation.
      if (request.url?.endsWith('/_ping')) response.end('OK');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    try {
      const stuck = new DockerResurrector({ docker: createDockerClient(`tcp://127.0.0.1:${address.port}`, { requestTimeoutMs: 300 }) });
      await expect(stuck.health()).resolves.toEqual(expect.objectContaining({ status: 'up' }));
      const r = await stuck.resurrect(target(`${p}any`));
      expect(r).toEqual(expect.objectContaining({ outcome: 'failure', error: 'docker_unavailable' }));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('reports health up through a client built from DOCKER_HOST', async () => {
    await expect(new DockerResurrector({ docker: createDockerClient() }).health()).resolves.toEqual(expect.objectContaining({ status: 'up' }));
  });
});

/** Wraps a client to count start calls. */
function countingStarts(inner: DockerClient): { client: DockerClient; readonly starts: number } {
  let starts = 0;
  const client: DockerClient = {
    ping: (options) => inner.ping(options),
    listContainers: (options) => inner.listContainers(options),
    getContainer: (id) => {
      const c = inner.getContainer(id);
      return {
        inspect: () => c.inspect(),
        start: () => {
          starts += 1;
          return c.start();
        },
        restart: (options) => c.restart(options),
        stop: (options) => c.stop(options),
      };
    },
  };
  return {
    client,
    get starts() {
      return starts;
    },
  };
}

/** A local TCP server that accepts connections and never answers, like a hung engine. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
