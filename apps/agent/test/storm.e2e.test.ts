// Kill storms against the real engine: many modules resurrected at once, and many kills of one module fired at once.
import type Docker from 'dockerode';
import type Redis from 'ioredis';
import { createAgent } from '../src/agent';
import type { Agent } from '../src/agent';
import {
  capturedLogger,
  connectDocker,
  connectRedis,
  createTestContainer,
  isRunning,
  killReport,
  pendingCount,
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

afterAll(() => redis?.disconnect());

/** A live agent on a private stream and database whose log lines (JSON) the test reads. */
async function startAgent(extra: Record<string, unknown>): Promise<{ agent: Agent; stream: string; lines: Array<Record<string, unknown>> }> {
  const scratch = scratchDir();
  cleanups.push(scratch.remove);
  const stream = `medic-test:storm:${uniqueId()}`;
  streams.push(stream);
  const config = testConfig({ dir: scratch.dir, stream, extra });
  const { logger, lines } = capturedLogger();
  const agent = await createAgent({ config, logger });
  agents.push(agent);
  await agent.start();
  return { agent, stream, lines };
}

async function container(): Promise<string> {
  const name = `medic-test-storm-${uniqueId()}`;
  containers.push(name);
  await createTestContainer(docker, { name, running: false, health: 'passing' });
  return name;
}

/** Publishes every report in one pipeline, as a storm arrives. */
async function publishTogether(stream: string, reports: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const pipeline = redis.pipeline();
  for (const report of reports) pipeline.xadd(stream, '*', 'payload', JSON.stringify(report));
  await pipeline.exec();
}

describe('kill storms', () => {
  it('resurrects many modules at once: all of them start before the first is healthy, and all end healthy', async () => {
    const names = await Promise.all(Array.from({ length: 6 }, () => container()));
    const { agent, stream, lines } = await startAgent({ resurrection: { concurrency: 8, health_check_interval_seconds: 0.1, health_check_timeout_seconds: 30 } });
    const reports = names.map((name) => killReport({ target_module: name }));
    await publishTogether(stream, reports);

    const records = await waitFor(
      'every resurrection to be done',
      async () => {
        const all = await Promise.all(reports.map((r) => agent.core.repo.get(r.kill_id as string)));
        return all.every((r) => r?.state === 'done') ? all : undefined;
      },
      60_000,
    );
    expect(records.map((r) => [r?.outcomeType, r?.healthStatus])).toEqual(names.map(() => ['success', 'healthy']));
    for (const name of names) expect(await isRunning(docker, name)).toBe(true);
    // Concurrent: every resurrection began before any ended.
    const events = lines.map((l) => l.message).filter((m) => m === 'resurrecting' || m === 'resurrection succeeded');
    expect(events.slice(0, names.length)).toEqual(names.map(() => 'resurrecting'));
    await waitFor('every entry to be acknowledged', async () => ((await pendingCount(redis, stream, 'medic-agent')) === 0 ? true : undefined));
  });

  it('keeps the re-kill guard exact when one module is killed many times at once: one restart, the rest decided after it', async () => {
    const since = Math.floor(Date.now() / 1000);
    const name = await container();
    const { agent, stream } = await startAgent({
      resurrection: { concurrency: 8, health_check_interval_seconds: 0.1, health_check_timeout_seconds: 30, budget: { max_restarts: 3, window_minutes: 60 } },
      learning: { database: { path: 'data/outcomes.db' }, rekill_window_minutes: 30 },
    });
    const reports = Array.from({ length: 5 }, () => killReport({ target_module: name }));
    await publishTogether(stream, reports);

    const records = await waitFor(
      'every kill to be decided and the resurrection done',
      async () => {
        const all = await Promise.all(reports.map((r) => agent.core.repo.get(r.kill_id as string)));
        return all.every((r) => r !== null && r.state !== 'executing') ? all : undefined;
      },
      60_000,
    );
    const [first, second, ...rest] = records;
    // The first was resurrected; the second, decided only once that was over, labelled it and went to review.
    expect(first).toMatchObject({ originalDecision: 'approve_auto', state: 'done', outcomeType: 're_killed', reKilledAt: second?.timestamp });
    expect(second).toMatchObject({ guard: 'rekilled_after_resurrection', originalDecision: 'pending_review', state: 'decided' });
    for (const r of rest) expect(r).toMatchObject({ state: 'decided', wasAutoApproved: false });
    // Created (started once, then killed) and resurrected once.
    expect(await startEvents(docker, name, since)).toBe(2);
    await waitFor('every entry to be acknowledged', async () => ((await pendingCount(redis, stream, 'medic-agent')) === 0 ? true : undefined));
  });

  it('keeps the restart budget exact when one module is killed many times at once', async () => {
    const since = Math.floor(Date.now() / 1000);
    const name = await container();
    const { agent, stream } = await startAgent({
      resurrection: { concurrency: 8, health_check_interval_seconds: 0.1, health_check_timeout_seconds: 30, budget: { max_restarts: 1, window_minutes: 60 } },
    });
    const reports = Array.from({ length: 5 }, () => killReport({ target_module: name }));
    await publishTogether(stream, reports);

    const records = await waitFor(
      'every kill to be decided',
      async () => {
        const all = await Promise.all(reports.map((r) => agent.core.repo.get(r.kill_id as string)));
        return all.every((r) => r !== null && r.state !== 'executing') ? all : undefined;
      },
      60_000,
    );
    expect(records.map((r) => [r?.originalDecision, r?.guard])).toEqual([
      ['approve_auto', null],
      ['deny', 'restart_budget_spent'],
      ['deny', 'restart_budget_spent'],
      ['deny', 'restart_budget_spent'],
      ['deny', 'restart_budget_spent'],
    ]);
    expect(await startEvents(docker, name, since)).toBe(2);
    await waitFor('every entry to be acknowledged', async () => ((await pendingCount(redis, stream, 'medic-agent')) === 0 ? true : undefined));
  });
});
