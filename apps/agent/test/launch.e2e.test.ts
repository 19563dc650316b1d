// The agent started the ways users start it, as real processes: `pnpm agent` (from the repository root, from one of
// its subdirectories, from elsewhere with --dir) and `node apps/agent/dist/main.js` from a script's own directory.
// Relative paths must resolve against the directory the command was started in, and a service manager's stop (a
// signal to the whole process group) must end with exit status 0 and no ELIFECYCLE from pnpm.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type Redis from 'ioredis';
import { connectRedis, REDIS_URL, scratchDir, uniqueId, waitFor } from '@medic/test-support';
import { REPO_ROOT } from './harness';

const MAIN = join(REPO_ROOT, 'apps', 'agent', 'dist', 'main.js');

let redis: Redis;
const cleanups: Array<() => void | Promise<unknown>> = [];

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing — run pnpm build first (pnpm test does)`);
  redis = await connectRedis();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

afterAll(() => redis?.disconnect());

/** A scratch directory with an observer config (private stream, free API port) whose database path is `database`. */
function setup(database: (dir: string) => string) {
  const scratch = scratchDir();
  cleanups.push(scratch.remove);
  const stream = `medic-test:launch:${uniqueId()}`;
  cleanups.push(() => redis.del(stream, `${stream}.dead`));
  const config = join(scratch.dir, 'medic.yaml');
  writeFileSync(
    config,
    [
      'mode: observer',
      'smith:',
      '  event_bus:',
      `    topic: "${stream}"`,
      '    block_ms: 100',
      'api:',
      '  port: 0',
      'learning:',
      '  database:',
      `    path: "${database(scratch.dir)}"`,
    ].join('\n'),
  );
  return { dir: scratch.dir, config };
}

/** Starts a command in its own process group, as a service manager does, and collects its output. */
function launch(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`${command} could not be started: ${error.message}`)));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-pid, 'SIGKILL');
  });
  return {
    output: () => output,
    exited,
    /** Signals the whole process group: pnpm, its shell if any, and the agent. */
    signalGroup: (signal: NodeJS.Signals) => process.kill(-pid, signal),
    started: () =>
      waitFor('the agent to start', async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
        return output.includes('started in observer mode') ? true : undefined;
      }).catch((error: Error) => {
        throw new Error(`${error.message}\n${output}`);
      }),
  };
}

/** An environment as an outer `pnpm test` or `pnpm demo` leaves it: with an INIT_CWD that names another directory. */
const inheritedEnv = (): NodeJS.ProcessEnv => ({ ...process.env, REDIS_URL, INIT_CWD: REPO_ROOT });

describe('pnpm agent', () => {
  it.each([
    { where: 'the repository root', cwd: REPO_ROOT, signal: 'SIGTERM' },
    { where: 'a subdirectory of the repository (config/)', cwd: join(REPO_ROOT, 'config'), signal: 'SIGINT' },
  ] as const)('started in $where: relative --config and database resolve there; $signal to its process group exits 0 quietly', async ({ cwd, signal }) => {
    const { dir, config } = setup((scratch) => relative(cwd, join(scratch, 'data', 'outcomes.db')));
    const agent = launch('pnpm', ['agent', '--config', relative(cwd, config)], { cwd, env: inheritedEnv() });
    await agent.started();
    expect(agent.output()).toContain(`database=${join(dir, 'data', 'outcomes.db')}`);
    expect(existsSync(join(dir, 'data', 'outcomes.db'))).toBe(true);

    agent.signalGroup(signal);
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    expect(agent.output()).toContain('stopped');
    expect(agent.output()).not.toContain('ELIFECYCLE');
  });

  it('started elsewhere with --dir: paths resolve in the directory it was started in, not the repository', async () => {
    const { dir } = setup(() => 'data/outcomes.db');
    const agent = launch('pnpm', ['--dir', REPO_ROOT, 'agent', '--config', 'medic.yaml'], { cwd: dir, env: inheritedEnv() });
    await agent.started();
    expect(agent.output()).toContain(`database=${join(dir, 'data', 'outcomes.db')}`);

    agent.signalGroup('SIGTERM');
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    expect(agent.output()).not.toContain('ELIFECYCLE');
  });
});

describe('node apps/agent/dist/main.js', () => {
  it("started by a script from its own directory, under an outer pnpm's INIT_CWD: paths resolve in its own directory", async () => {
    const { dir } = setup(() => 'data/outcomes.db');
    const agent = launch(process.execPath, [MAIN, '--config', 'medic.yaml'], { cwd: dir, env: inheritedEnv() });
    await agent.started();
    expect(agent.output()).toContain(`database=${join(dir, 'data', 'outcomes.db')}`);
    expect(existsSync(join(dir, 'data', 'outcomes.db'))).toBe(true);

    agent.signalGroup('SIGTERM');
    expect(await agent.exited).toEqual({ code: 0, signal: null });
  });
});
