// The agent as users run it: a real process started from the built CLI, stopped by signals.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import { connectRedis, pendingCount, publish, REDIS_URL, scratchDir, uniqueId, waitFor } from '@medic/test-support';
import { killReport, payloadEntry, REPO_ROOT } from './harness';

const MAIN = join(REPO_ROOT, 'apps', 'agent', 'dist', 'main.js');

let redis: Redis;
const children: ChildProcess[] = [];
const cleanups: Array<() => void> = [];
const streams: string[] = [];

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing — run pnpm build first (pnpm test does)`);
  redis = await connectRedis();
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const stream of streams.splice(0)) await redis.del(stream, `${stream}.dead`);
});

afterAll(() => redis?.disconnect());

interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Running {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, REDIS_URL, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/** An observer-mode agent (no Docker needed) on a private stream, database and free API port. */
function observerConfig(dir: string, stream: string): string {
  const file = join(dir, 'medic.yaml');
  writeFileSync(
    file,
    [
      'mode: observer',
      'smith:',
      '  event_bus:',
      `    topic: "${stream}"`,
      '    consumer_name: process-e2e',
      '    block_ms: 100',
      '    claim_idle_ms: 1000',
      'api:',
      '  port: 0',
      'learning:',
      '  database:',
      '    path: data/outcomes.db',
    ].join('\n'),
  );
  return file;
}

async function storedKillIds(dir: string): Promise<string[]> {
  const repo = await SqliteOutcomeRepo.open({ path: join(dir, 'data', 'outcomes.db') });
  try {
    return (await repo.recent(100_000)).map((record) => record.killId);
  } finally {
    await repo.close();
  }
}

function setup() {
  const scratch = scratchDir();
  cleanups.push(scratch.remove);
  const stream = `medic-test:process:${uniqueId()}`;
  streams.push(stream);
  return { dir: scratch.dir, stream, config: observerConfig(scratch.dir, stream) };
}

describe('agent process', () => {
  it('an unknown config key exits 2 naming the key', async () => {
    const { dir } = setup();
    writeFileSync(join(dir, 'bad.yaml'), 'decision:\n  auto_aprove:\n    enabled: true\n');
    const agent = run(['--config', 'bad.yaml'], { cwd: dir });
    expect((await agent.exited).code).toBe(2);
    expect(agent.output()).toContain('decision.auto_aprove');
  });

  it('a bad value exits 2 naming the key', async () => {
    const { dir } = setup();
    writeFileSync(join(dir, 'bad.yaml'), 'resurrection:\n  health_check_timeout_seconds: -5\n');
    const agent = run(['--config', 'bad.yaml'], { cwd: dir });
    expect((await agent.exited).code).toBe(2);
    expect(agent.output()).toContain('resurrection.health_check_timeout_seconds');
  });

  it('a bad --mode exits 2 naming it', async () => {
    const { dir, config } = setup();
    const agent = run(['--config', config, '--mode', 'chaos'], { cwd: dir });
    expect((await agent.exited).code).toBe(2);
    expect(agent.output()).toContain('--mode');
  });

  it('SIGTERM: exits 0 and leaves nothing recorded unacknowledged', async () => {
    const { dir, stream, config } = setup();
    const agent = run(['--config', config], { cwd: dir });
    await waitFor('the agent to start', async () => (agent.output().includes('started in observer mode') ? true : undefined));
    const ids = Array.from({ length: 50 }, () => `term-${uniqueId()}`);
    for (const id of ids) await publish(redis, stream, payloadEntry(killReport({ kill_id: id })));
    await waitFor('some kills to be decided', async () => ((await storedKillIds(dir)).length > 0 ? true : undefined));
    agent.child.kill('SIGTERM');
    const exit = await agent.exited;
    expect(exit.code).toBe(0);

    // Whatever was recorded is acknowledged: pending entries can only be kills that were never decided.
    const recorded = new Set(await storedKillIds(dir));
    const pending = (await redis.xpending(stream, 'medic-agent', '-', '+', 1000)) as Array<[string, string, number, number]>;
    const pendingIds = await Promise.all(
      pending.map(async ([entryId]) => {
        const [entry] = (await redis.xrange(stream, entryId, entryId)) as Array<[string, string[]]>;
        return (JSON.parse(entry![1][1]!) as { kill_id: string }).kill_id;
      }),
    );
    for (const id of pendingIds) expect(recorded.has(id)).toBe(false);
  });

  it('SIGKILL while kills flow, then restart: every kill decided exactly once, nothing left pending', async () => {
    const { dir, stream, config } = setup();
    const first = run(['--config', config], { cwd: dir });
    await waitFor('the agent to start', async () => (first.output().includes('started in observer mode') ? true : undefined));
    const ids = Array.from({ length: 300 }, (_, i) => `sigkill-${i}-${uniqueId()}`);
    const publishing = (async () => {
      for (const id of ids) await publish(redis, stream, payloadEntry(killReport({ kill_id: id })));
    })();
    await waitFor('the agent to decide some kills', async () => ((await storedKillIds(dir)).length >= 20 ? true : undefined));
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await publishing;

    const second = run(['--config', config], { cwd: dir });
    // The first agent may have decided every kill before SIGKILL landed: the SIGTERM below must still reach a started agent.
    await waitFor('the second agent to start', async () => (second.output().includes('started in observer mode') ? true : undefined));
    await waitFor('every kill to be decided', async () => ((await storedKillIds(dir)).length >= ids.length ? true : undefined), { timeoutMs: 60_000 });
    await waitFor('nothing pending', async () => ((await pendingCount(redis, stream, 'medic-agent')) === 0 ? true : undefined));
    const stored = await storedKillIds(dir);
    expect(stored).toHaveLength(ids.length);
    expect(new Set(stored)).toEqual(new Set(ids));
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});
