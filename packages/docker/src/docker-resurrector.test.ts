import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { ResurrectionTarget } from '@medic/domain';
import type { DockerClient } from './docker-client';
import { createDockerClient } from './docker-client';
import type { DockerResurrectorOptions } from './docker-resurrector';
import { DockerResurrector } from './docker-resurrector';
import { dockerTimeNs } from './health-state';
import { requireDockerAndImage, testDocker, TestFleet, TEST_HEALTH } from './test-support';

const docker = testDocker();
const fleet = new TestFleet(docker);
const p = fleet.prefix;

/** Short waits so the suite stays fast; each test overrides what it exercises. */
const resurrector = (options: Partial<DockerResurrectorOptions> = {}): DockerResurrector =>
  new DockerResurrector({ docker, healthCheckIntervalMs: 100, healthCheckTimeoutMs: 10_000, stabilityWindowMs: 300, stopGraceSeconds: 2, ...options });

const target = (module: string, instanceId: string = module): ResurrectionTarget => ({ killId: `kill-${instanceId}`, module, instanceId, killedAt: new Date().toISOString() });

/** Runs the image's default command after recording, in the container's own filesystem, whether it ran before. */
const MARK_SECOND_RUN = ['sh', '-c', 'if test -e /tmp/ran; then touch /tmp/second; fi; touch /tmp/ran; trap "exit 0" TERM INT; sleep 2147483647 & wait'];

beforeAll(() => requireDockerAndImage(docker));
afterEach(() => fleet.removeAll());
afterAll(() => fleet.removeAll());

describe('DockerResurrector: bringing containers back', () => {
  it('starts an exited container with a passing health check and measures the real time to healthy', async () => {
    await fleet.create({ name: `${p}app`, health: 'passing' });
    const r = await resurrector().resurrect(target(`${p}app`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'start', healthStatus: 'healthy', error: null, message: null }));
    expect(r.timeToHealthy).toBeGreaterThan(0);
    const details = await fleet.inspect(`${p}app`);
    expect(r.containerId).toBe(details.Id);
    expect(details.State.Running).toBe(true);
    expect(details.State.Health?.Status).toBe('healthy');
  });

  it('restarts a running container: its start time changes', async () => {
    await fleet.create({ name: `${p}busy`, running: true });
    const before = (await fleet.inspect(`${p}busy`)).State.StartedAt;
    const r = await resurrector().resurrect(target(`${p}busy`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'restart', healthStatus: 'none' }));
    const after = await fleet.inspect(`${p}busy`);
    expect(after.State.Running).toBe(true);
    expect(after.State.StartedAt).not.toBe(before);
  });

  it('succeeds with health "none" for a container without a health check that stays up', async () => {
    await fleet.create({ name: `${p}plain` });
    const r = await resurrector().resurrect(target(`${p}plain`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'start', healthStatus: 'none', error: null }));
    expect(r.timeToHealthy).toBeGreaterThan(0);
    expect(await fleet.isRunning(`${p}plain`)).toBe(true);
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

  it('only waits on a running container when restartIfRunning is false', async () => {
    await fleet.create({ name: `${p}steady`, running: true, health: 'passing' });
    const before = (await fleet.inspect(`${p}steady`)).State.StartedAt;
    const r = await resurrector().resurrect(target(`${p}steady`), { restartIfRunning: false });
    expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'none', healthStatus: 'healthy' }));
    expect((await fleet.inspect(`${p}steady`)).State.StartedAt).toBe(before);
  });
});

describe('DockerResurrector: health and rollback', () => {
  it('rolls back a container whose health check fails: stopped, error unhealthy', async () => {
    await fleet.create({ name: `${p}sick`, health: 'failing' });
    const r = await resurrector().resurrect(target(`${p}sick`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'rollback', action: 'start', healthStatus: 'unhealthy', error: 'unhealthy', timeToHealthy: null }));
    expect(await fleet.isRunning(`${p}sick`)).toBe(false);
  });

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
  it('prefers the container named exactly like the instance', async () => {
    await fleet.create({ name: `${p}api` });
    await fleet.create({ name: `${p}api-3` });
    const r = await resurrector().resurrect(target(`${p}api`, `${p}api-3`));
    expect(r.outcome).toBe('success');
    expect(r.containerId).toBe((await fleet.inspect(`${p}api-3`)).Id);
    expect(await fleet.isRunning(`${p}api`)).toBe(false);
  });

  it('falls back to the container named exactly like the module', async () => {
    await fleet.create({ name: `${p}db` });
    const r = await resurrector().resurrect(target(`${p}db`, `${p}db-gone`));
    expect(r.outcome).toBe('success');
    expect(await fleet.isRunning(`${p}db`)).toBe(true);
  });

  it('falls back to the single container labelled medic.module=<module>', async () => {
    await fleet.create({ name: `${p}replica`, labels: { 'medic.module': `${p}queue` } });
    const r = await resurrector().resurrect(target(`${p}queue`, `${p}queue-1`));
    expect(r.outcome).toBe('success');
    expect(await fleet.isRunning(`${p}replica`)).toBe(true);
  });

  it('refuses with ambiguous_target when two containers carry the module label, touching neither', async () => {
    const labels = { 'medic.module': `${p}dup` };
    await fleet.create({ name: `${p}dup-a`, labels });
    await fleet.create({ name: `${p}dup-b`, labels });
    const r = await resurrector().resurrect(target(`${p}dup`, `${p}dup-1`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', action: 'none', error: 'ambiguous_target', containerId: null }));
    expect(r.message).toContain(`${p}dup-a`);
    expect(await fleet.isRunning(`${p}dup-a`)).toBe(false);
    expect(await fleet.isRunning(`${p}dup-b`)).toBe(false);
  });

  it('never touches a container whose name only contains the module name', async () => {
    await fleet.create({ name: `${p}web-2` });
    await fleet.create({ name: `${p}x${p}web` });
    const r = await resurrector().resurrect(target(`${p}web`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', error: 'container_not_found' }));
    expect(await fleet.isRunning(`${p}web-2`)).toBe(false);
    expect(await fleet.isRunning(`${p}x${p}web`)).toBe(false);
  });

  it('treats a dot in the name literally, not as a regular-expression wildcard', async () => {
    await fleet.create({ name: `${p}aXb` });
    const r = await resurrector().resurrect(target(`${p}a.b`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', error: 'container_not_found' }));
    expect(await fleet.isRunning(`${p}aXb`)).toBe(false);
  });

  it('with requireLabel, refuses a container not labelled medic.enable=true', async () => {
    await fleet.create({ name: `${p}optout`, labels: { 'medic.enable': 'false' } });
    const r = await resurrector({ requireLabel: true }).resurrect(target(`${p}optout`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', action: 'none', error: 'not_enabled' }));
    expect(await fleet.isRunning(`${p}optout`)).toBe(false);
  });

  it('with requireLabel, resurrects a container labelled medic.enable=true', async () => {
    await fleet.create({ name: `${p}optin`, labels: { 'medic.enable': 'true' } });
    const r = await resurrector({ requireLabel: true }).resurrect(target(`${p}optin`));
    expect(r.outcome).toBe('success');
    expect(await fleet.isRunning(`${p}optin`)).toBe(true);
  });

  it('fails with container_not_found when nothing matches', async () => {
    const r = await resurrector().resurrect(target(`${p}ghost`, `${p}ghost-1`));
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', action: 'none', error: 'container_not_found', containerId: null }));
    expect(r.message).toContain(`${p}ghost-1`);
  });
});

describe('DockerResurrector: engine availability', () => {
  it('fails with docker_unavailable within a second or two when the socket does not exist', async () => {
    const absent = `unix:///tmp/${randomBytes(6).toString('hex')}-absent.sock`;
    const unreachable = new DockerResurrector({ docker: createDockerClient(absent) });
    const began = Date.now();
    const r = await unreachable.resurrect(target(`${p}any`));
    expect(Date.now() - began).toBeLessThan(2000);
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', action: 'none', error: 'docker_unavailable', containerId: null }));
    expect(r.message).toContain('ENOENT');
    await expect(unreachable.health()).resolves.toEqual({ status: 'down', detail: expect.stringContaining('ENOENT') });
  });

  it('fails with docker_unavailable when nothing listens on the TCP port', async () => {
    const port = await closedPort();
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

/** A local TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
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
