// End to end with the real adapters: Redis stream in, Docker engine, SQLite file, the API over a real socket.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type Redis from 'ioredis';
import { createAgent } from '../src/agent';
import type { Agent } from '../src/agent';
import { createLogger } from '../src/logger';
import {
  connectDocker,
  connectRedis,
  createTestContainer,
  isRunning,
  killReport,
  pendingCount,
  publish,
  removeContainers,
  scratchDir,
  startEvents,
  startedAt,
  testConfig,
  uniqueId,
  waitFor,
} from './support';

let redis: Redis;
let docker: Docker;
const containers: string[] = [];
const agents: Agent[] = [];
const cleanups: Array<() => void> = [];
const streams: string[] = [];

beforeAll(async () => {
  redis = await connectRedis();
  docker = await connectDocker();
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.stop()));
  await removeContainers(docker, containers.splice(0));
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const stream of streams.splice(0)) await redis.del(stream, `${stream}.dead`);
});

afterAll(async () => {
  redis?.disconnect();
});

async function startAgent(options: { mode?: 'observer' | 'live'; token?: string; autoApprove?: boolean; dir?: string; stream?: string } = {}) {
  let dir = options.dir;
  if (!dir) {
    const scratch = scratchDir();
    cleanups.push(scratch.remove);
    dir = scratch.dir;
  }
  const stream = options.stream ?? `medic-test:e2e:${uniqueId()}`;
  streams.push(stream);
  const config = testConfig({ dir, stream, ...options });
  const agent = await createAgent({ config, logger: createLogger(config.logging, new PassThrough()) });
  agents.push(agent);
  await agent.start();
  const address = agent.address();
  if (!address) throw new Error('the agent API did not bind');
  return { agent, stream, dir, base: `http://127.0.0.1:${address.port}` };
}

async function container(health: 'passing' | 'failing' | 'none' = 'passing', running = false): Promise<string> {
  const name = `medic-test-e2e-${uniqueId()}`;
  containers.push(name);
  await createTestContainer(docker, { name, running, health });
  return name;
}

async function decision(base: string, killId: string, state = 'done'): Promise<Record<string, unknown>> {
  return waitFor(`decision ${killId} in state ${state}`, async () => {
    const response = await fetch(`${base}/decisions/${killId}`);
    if (response.status !== 200) return undefined;
    const body = (await response.json()) as Record<string, unknown>;
    return body.state === state ? body : undefined;
  });
}

describe('agent end to end', () => {
  it("plan Test 1: a low-risk kill is resurrected, recorded as success with a real time_to_healthy, and acknowledged", async () => {
    const name = await container('passing');
    const before = await startedAt(docker, name);
    const { stream, base } = await startAgent();
    const report = killReport({ target_module: name, target_instance_id: `${name}-gone` });
    await publish(redis, stream, report);

    const record = await decision(base, report.kill_id as string);
    expect(record).toMatchObject({ decision: 'approve_auto', outcome_type: 'success', health_status: 'healthy', was_auto_approved: true });
    expect(record.time_to_healthy).toEqual(expect.any(Number));
    expect(record.time_to_healthy as number).toBeGreaterThan(0);
    expect(await isRunning(docker, name)).toBe(true);
    expect(await startedAt(docker, name)).not.toBe(before);
    await waitFor('the entry to be acknowledged', async () => ((await pendingCount(redis, stream, 'medic-agent')) === 0 ? true : undefined));
  });

  it('plan Test 2: a high-risk kill is denied, the container stays down, the decision is recorded', async () => {
    const name = await container('passing');
    const before = await startedAt(docker, name);
    const { stream, base } = await startAgent();
    const report = killReport({ target_module: name, kill_reason: 'threat_detected', severity: 'critical', confidence_score: 0.99 });
    await publish(redis, stream, report);

    const record = await decision(base, report.kill_id as string, 'decided');
    expect(record).toMatchObject({ decision: 'deny', guard: 'high_confidence_threat', outcome_type: 'undetermined', risk_level: 'critical' });
    await waitFor('the entry to be acknowledged', async () => ((await pendingCount(redis, stream, 'medic-agent')) === 0 ? true : undefined));
    expect(await isRunning(docker, name)).toBe(false);
    expect(await startedAt(docker, name)).toBe(before);
  });

  it('manual approval: 403 without a token configured, 401 with a wrong one, 202 with the right one, then 409', async () => {
    const name = await container('passing');
    const scratch = scratchDir();
    cleanups.push(scratch.remove);
    const stream = `medic-test:e2e:${uniqueId()}`;
    const report = killReport({ target_module: name });
    const killId = report.kill_id as string;

    const first = await startAgent({ autoApprove: false, dir: scratch.dir, stream });
    await publish(redis, stream, report);
    expect(await decision(first.base, killId, 'decided')).toMatchObject({ decision: 'pending_review', outcome_type: 'undetermined' });
    const forbidden = await fetch(`${first.base}/approve/${killId}`, { method: 'POST', headers: { authorization: 'Bearer anything' } });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({ error: { code: 'approvals_disabled', message: expect.any(String) } });
    await first.agent.stop();

    const token = `token-${uniqueId()}`;
    const second = await startAgent({ autoApprove: false, dir: scratch.dir, stream, token });
    expect((await fetch(`${second.base}/approve/${killId}`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${second.base}/approve/${killId}`, { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(await isRunning(docker, name)).toBe(false);

    const accepted = await fetch(`${second.base}/approve/${killId}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ kill_id: killId, status: 'executing', approved_by: 'api' });
    const record = await decision(second.base, killId);
    expect(record).toMatchObject({ outcome_type: 'success', approved_by: 'api', was_auto_approved: false });
    expect(await isRunning(docker, name)).toBe(true);

    const again = await fetch(`${second.base}/approve/${killId}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('not_pending');
  });

  it('bad input: malformed entries are dead-lettered without touching Docker, and the valid kill after them is decided', async () => {
    const name = await container('passing');
    const before = await startedAt(docker, name);
    const { stream, base } = await startAgent();
    const valid = killReport({ target_module: name, kill_reason: 'threat_detected', severity: 'critical', confidence_score: 0.99 });
    const malformed: Array<[string, string]> = [
      ['payload', '{"kill_id": "broken-json"'],
      ['payload', JSON.stringify({ kill_id: 'missing-fields', target_module: name })],
      ['payload', JSON.stringify(killReport({ target_module: '../etc' }))],
      ['payload', JSON.stringify(killReport({ target_module: name, target_instance_id: 'a/b' }))],
      ['payload', JSON.stringify(killReport({ target_module: name, evidence: ['x'.repeat(1025)] }))],
      ['payload', JSON.stringify(killReport({ target_module: name, evidence: Array.from({ length: 101 }, () => 'e') }))],
      ['payload', JSON.stringify(killReport({ target_module: name, confidence_score: '0.1' }))],
      ['payload', JSON.stringify(killReport({ target_module: name, severity: 'catastrophic' }))],
      ['payload', '[1, 2, 3]'],
      ['unrelated', 'field'],
    ];
    for (const [field, value] of malformed) await redis.xadd(stream, '*', field, value);
    await publish(redis, stream, valid);

    const record = await decision(base, valid.kill_id as string, 'decided');
    expect(record.decision).toBe('deny');
    const dead = (await redis.xrange(`${stream}.dead`, '-', '+')) as Array<[string, string[]]>;
    expect(dead).toHaveLength(malformed.length);
    for (const [, fields] of dead) {
      expect(fields).toContain('reason');
      expect(fields).toContain('original_id');
    }
    await waitFor('every entry to be acknowledged', async () => ((await pendingCount(redis, stream, 'medic-agent')) === 0 ? true : undefined));
    expect(await startedAt(docker, name)).toBe(before);
    const stats = (await (await fetch(`${base}/stats`)).json()) as { rejections: number; total: number };
    expect(stats.rejections).toBe(malformed.length);
    expect(stats.total).toBe(1);
  });

  it('a duplicated kill_id is decided once and restarts the container once', async () => {
    // Counted from before the container exists: creating it (started, then killed as Smith would) is one start.
    const since = Math.floor(Date.now() / 1000);
    const name = await container('passing');
    const { stream, base } = await startAgent();
    const report = killReport({ target_module: name });
    await publish(redis, stream, report);
    await publish(redis, stream, report);

    await decision(base, report.kill_id as string);
    await waitFor('both entries to be acknowledged', async () => ((await pendingCount(redis, stream, 'medic-agent')) === 0 ? true : undefined));
    const recent = (await (await fetch(`${base}/decisions/recent?limit=200`)).json()) as { count: number };
    expect(recent.count).toBe(1);
    expect(await startEvents(docker, name, since)).toBe(2);
  });

  it('observer mode decides and records an approve_auto kill but never executes it', async () => {
    const name = await container('passing');
    const before = await startedAt(docker, name);
    const { stream, base } = await startAgent({ mode: 'observer' });
    const report = killReport({ target_module: name });
    await publish(redis, stream, report);
    const record = await decision(base, report.kill_id as string, 'decided');
    expect(record).toMatchObject({ decision: 'approve_auto', outcome_type: 'undetermined', mode: 'observer' });
    expect(await startedAt(docker, name)).toBe(before);
  });
});
