// The container engine really unreachable: the agent talks to Docker through a proxy the test stops and starts.
import type Docker from 'dockerode';
import type Redis from 'ioredis';
import { createAgent } from '../src/agent';
import type { Agent } from '../src/agent';
import {
  capturedLogger,
  connectDocker,
  connectRedis,
  createTestContainer,
  DockerProxy,
  isRunning,
  killReport,
  pendingCount,
  publish,
  removeContainers,
  scratchDir,
  startEvents,
  testConfig,
  uniqueId,
  waitFor,
} from './support';

let redis: Redis;
let docker: Docker;
const containers: string[] = [];
const agents: Agent[] = [];
const proxies: DockerProxy[] = [];
const cleanups: Array<() => void> = [];
const streams: string[] = [];

beforeAll(async () => {
  redis = await connectRedis();
  docker = await connectDocker();
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.stop()));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
  await removeContainers(docker, containers.splice(0));
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const stream of streams.splice(0)) await redis.del(stream, `${stream}.dead`);
});

afterAll(() => redis?.disconnect());

const TOKEN = `token-${uniqueId()}`;

interface Setup {
  readonly dir: string;
  readonly stream: string;
  readonly proxy: DockerProxy;
}

async function setup(): Promise<Setup> {
  const scratch = scratchDir();
  cleanups.push(scratch.remove);
  const stream = `medic-test:outage:${uniqueId()}`;
  streams.push(stream);
  const proxy = new DockerProxy();
  proxies.push(proxy);
  await proxy.start();
  return { dir: scratch.dir, stream, proxy };
}

/** A live agent reaching Docker only through the proxy. */
async function startAgent(s: Setup, retryDeadlineSeconds: number) {
  const config = testConfig({
    dir: s.dir,
    stream: s.stream,
    token: TOKEN,
    dockerHost: s.proxy.dockerHost,
    extra: { resurrection: { health_check_interval_seconds: 0.1, health_check_timeout_seconds: 30, retry_deadline_seconds: retryDeadlineSeconds } },
  });
  const { logger, lines } = capturedLogger();
  const agent = await createAgent({ config, logger });
  agents.push(agent);
  await agent.start();
  const base = `http://127.0.0.1:${agent.address()!.port}`;
  return { agent, lines, base };
}

async function stopAgent(agent: Agent): Promise<void> {
  agents.splice(agents.indexOf(agent), 1);
  await agent.stop();
}

async function container(): Promise<string> {
  const name = `medic-test-outage-${uniqueId()}`;
  containers.push(name);
  await createTestContainer(docker, { name, running: false, health: 'passing' });
  return name;
}

async function decision(base: string, killId: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}/decisions/${killId}`);
  return (await response.json()) as Record<string, unknown>;
}

async function health(base: string): Promise<{ status: string; checks: Record<string, { status: string; detail?: string }> }> {
  return (await (await fetch(`${base}/health`)).json()) as { status: string; checks: Record<string, { status: string; detail?: string }> };
}

describe('an engine outage during an approved resurrection', () => {
  it('keeps the kill executing and unacknowledged, says degraded, survives an agent restart, and resurrects once the engine answers', async () => {
    const since = Math.floor(Date.now() / 1000);
    const name = await container();
    const s = await setup();
    const first = await startAgent(s, 300);
    await s.proxy.stop();
    const report = killReport({ target_module: name });
    const killId = report.kill_id as string;
    await publish(redis, s.stream, report);

    await waitFor('an engine retry', async () => (first.lines.some((l) => l.kill_id === killId && String(l.message).includes('retrying')) ? true : undefined));
    expect(await decision(first.base, killId)).toMatchObject({ decision: 'approve_auto', state: 'executing', outcome_type: 'undetermined' });
    const during = await health(first.base);
    expect(during).toMatchObject({ status: 'degraded', checks: { docker: { status: 'down' }, redis: { status: 'up' }, store: { status: 'up' } } });
    expect(await pendingCount(redis, s.stream, 'medic-agent')).toBe(1);

    // The agent stops during the outage: nothing is final, nothing is acknowledged.
    await stopAgent(first.agent);
    expect(first.lines).toContainEqual(expect.objectContaining({ kill_id: killId, message: expect.stringContaining('left unfinished at shutdown') }));
    expect(await pendingCount(redis, s.stream, 'medic-agent')).toBe(1);
    expect(await isRunning(docker, name)).toBe(false);

    await s.proxy.start();
    const second = await startAgent(s, 300);
    const done = await waitFor(`${killId} to be done`, async () => {
      const record = await decision(second.base, killId);
      return record.state === 'done' ? record : undefined;
    });
    expect(done).toMatchObject({ outcome_type: 'success', health_status: 'healthy', error: null });
    expect(await isRunning(docker, name)).toBe(true);
    // Created (started once, then killed), then resurrected once.
    expect(await startEvents(docker, name, since)).toBe(2);
    await waitFor('the entry to be acknowledged', async () => ((await pendingCount(redis, s.stream, 'medic-agent')) === 0 ? true : undefined));
    expect((await health(second.base)).status).toBe('ok');
  });

  it('ends at retry_deadline_seconds with failure / docker_unavailable, which POST /approve resurrects once the engine answers', async () => {
    const name = await container();
    const s = await setup();
    const { base } = await startAgent(s, 2);
    await s.proxy.stop();
    const report = killReport({ target_module: name });
    const killId = report.kill_id as string;
    await publish(redis, s.stream, report);

    const failed = await waitFor(`${killId} to fail`, async () => {
      const record = await decision(base, killId);
      return record.state === 'done' ? record : undefined;
    });
    expect(failed).toMatchObject({ outcome_type: 'failure', error: 'docker_unavailable' });
    await waitFor('the entry to be acknowledged', async () => ((await pendingCount(redis, s.stream, 'medic-agent')) === 0 ? true : undefined));

    await s.proxy.start();
    const approved = await fetch(`${base}/approve/${killId}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(approved.status).toBe(202);
    const done = await waitFor(`${killId} to be resurrected`, async () => {
      const record = await decision(base, killId);
      return record.state === 'done' ? record : undefined;
    });
    expect(done).toMatchObject({ outcome_type: 'success', approved_by: 'api', error: null });
    expect(await isRunning(docker, name)).toBe(true);
  });
});
