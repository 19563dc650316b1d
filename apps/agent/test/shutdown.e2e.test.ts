// SIGTERM to the agent process while resurrections are in flight, then a restart.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import type Redis from 'ioredis';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import type { OutcomeRecord } from '@medic/domain';
import {
  connectDocker,
  connectRedis,
  createTestContainer,
  isRunning,
  killReport,
  pendingCount,
  REDIS_URL,
  REPO_ROOT,
  removeContainers,
  scratchDir,
  startedAt,
  uniqueId,
  waitFor,
} from './support';

const AGENT = join(REPO_ROOT, 'apps', 'agent', 'bin', 'medic-agent');
const MAIN = join(REPO_ROOT, 'apps', 'agent', 'dist', 'main.js');

let redis: Redis;
let docker: Docker;
const containers: string[] = [];
const children: ChildProcess[] = [];
const cleanups: Array<() => void> = [];
const streams: string[] = [];

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing — run pnpm build first (pnpm test does)`);
  redis = await connectRedis();
  docker = await connectDocker();
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await removeContainers(docker, containers.splice(0));
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const stream of streams.splice(0)) await redis.del(stream, `${stream}.dead`);
});

afterAll(() => redis?.disconnect());

/** The agent as users start it, in `dir`, until it exits. */
function run(dir: string, config: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(AGENT, ['--config', config], {
    cwd: dir,
    env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, REDIS_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function records(dir: string, killIds: readonly string[]): Promise<Array<OutcomeRecord | null>> {
  const repo = await SqliteOutcomeRepo.open({ path: join(dir, 'data', 'outcomes.db') });
  try {
    return await Promise.all(killIds.map((id) => repo.get(id)));
  } finally {
    await repo.close();
  }
}

describe('SIGTERM with resurrections in flight', () => {
  it('lets the one that can finish within stop_timeout_seconds finish, leaves the rest pending, and re-checks them after a restart without restarting them blindly', async () => {
    const scratch = scratchDir();
    cleanups.push(scratch.remove);
    const stream = `medic-test:shutdown:${uniqueId()}`;
    streams.push(stream);
    // slow: healthy only 10 s after its start, far past the stop timeout; quick: healthy 1.5 s after; queued: waits for a slot.
    const slow = `medic-test-shutdown-slow-${uniqueId()}`;
    const quick = `medic-test-shutdown-quick-${uniqueId()}`;
    const queued = `medic-test-shutdown-queued-${uniqueId()}`;
    containers.push(slow, quick, queued);
    await createTestContainer(docker, { name: slow, running: false, health: 'passing', healthIntervalMs: 10_000 });
    await createTestContainer(docker, { name: quick, running: false, health: 'passing', healthIntervalMs: 1_500 });
    await createTestContainer(docker, { name: queued, running: false, health: 'passing' });
    const config = join(scratch.dir, 'medic.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        mode: 'live',
        smith: { event_bus: { topic: stream, consumer_name: 'shutdown-e2e', block_ms: 100, claim_idle_ms: 600_000 } },
        decision: { auto_approve: { enabled: true, min_confidence: 0.6, max_score: 0.4 } },
        resurrection: { concurrency: 2, stop_timeout_seconds: 5, health_check_interval_seconds: 0.1, health_check_timeout_seconds: 60 },
        learning: { database: { path: 'data/outcomes.db' } },
        api: { port: 0 },
      }),
    );
    const reports = [slow, quick, queued].map((name) => killReport({ target_module: name }));
    const killIds = reports.map((r) => r.kill_id as string);

    const first = run(scratch.dir, config);
    await waitFor('the agent to start', async () => (first.output().includes('started in live mode') ? true : undefined));
    const pipeline = redis.pipeline();
    for (const report of reports) pipeline.xadd(stream, '*', 'payload', JSON.stringify(report));
    await pipeline.exec();
    await waitFor('the first two resurrections to have started their containers', async () =>
      (await isRunning(docker, slow)) && (await isRunning(docker, quick)) ? true : undefined,
    );
    const slowStartedAt = await startedAt(docker, slow);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const [slowRecord, quickRecord, queuedRecord] = await records(scratch.dir, killIds);
    expect(quickRecord).toMatchObject({ state: 'done', outcomeType: 'success', healthStatus: 'healthy' });
    expect(slowRecord).toMatchObject({ state: 'executing' });
    expect(queuedRecord).toMatchObject({ state: 'executing' });
    expect(await isRunning(docker, queued)).toBe(false);
    // The stream's pending list is the set of kills in flight.
    expect(await pendingCount(redis, stream, 'medic-agent')).toBe(2);

    const second = run(scratch.dir, config);
    const done = await waitFor(
      'both left-over kills to be re-checked and done',
      async () => {
        const all = await records(scratch.dir, killIds);
        return all.every((r) => r?.state === 'done') ? all : undefined;
      },
      60_000,
    );
    expect(done.map((r) => [r?.outcomeType, r?.healthStatus])).toEqual([
      ['success', 'healthy'],
      ['success', 'healthy'],
      ['success', 'healthy'],
    ]);
    // Running already, so re-checked and waited on, not restarted.
    expect(await startedAt(docker, slow)).toBe(slowStartedAt);
    expect(await isRunning(docker, queued)).toBe(true);
    await waitFor('nothing pending', async () => ((await pendingCount(redis, stream, 'medic-agent')) === 0 ? true : undefined));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).toContain('re-checking 2 resurrection(s) left unfinished');
  }, 120_000);
});
