import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildConfig } from '@medic/agent';
import type Redis from 'ioredis';
import { groupInfo, REDIS_URL, waitFor } from '@medic/test-support';
import { registerCleanup } from './cleanup';

export const REPO_ROOT = resolve(__dirname, '..', '..');
/** The agent's launcher, as `pnpm agent` and the Docker image start it (its V8 heap flags included). */
const AGENT_BIN = join(REPO_ROOT, 'apps', 'agent', 'bin', 'medic-agent');
const AGENT_MAIN = join(REPO_ROOT, 'apps', 'agent', 'dist', 'main.js');
export const CONSUMER_GROUP = 'medic-bench';
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;

export interface AgentSpec {
  readonly mode: 'observer' | 'live';
  readonly stream: string;
  /** Other top-level sections (decision, resurrection, learning; same keys as config/medic.yaml). */
  readonly config?: Record<string, unknown>;
  readonly logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** Default text, as config/medic.yaml. */
  readonly logFormat?: 'text' | 'json';
}

/** The real agent (apps/agent/bin/medic-agent) in its own process, with a generated config, a scratch directory as cwd and its output in a file. */
export class AgentProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    private readonly logFile: string,
    private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  ) {}

  /** Starts the agent and resolves once it reads its stream (its consumer group exists); fails with its output otherwise. */
  static async start(spec: AgentSpec, redis: Redis): Promise<AgentProcess> {
    if (!existsSync(AGENT_MAIN)) throw new Error(`${AGENT_MAIN} is missing — build first (pnpm bench does: pnpm -s build)`);
    const dir = mkdtempSync(join(tmpdir(), 'medic-bench-'));
    const configFile = join(dir, 'medic.yaml');
    const raw = benchConfig(spec);
    // Validate here, so a wrong key fails with the agent's own message before anything is spawned.
    buildConfig(raw, { env: { REDIS_URL }, cwd: dir, file: configFile });
    // JSON is YAML, so no YAML writer is needed.
    writeFileSync(configFile, JSON.stringify(raw, null, 2));
    const logFile = join(dir, 'agent.log');
    const log = openSync(logFile, 'w');
    // A minimal environment: only what the agent reads. Its data/ goes to the scratch directory it is started in.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, REDIS_URL, ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) };
    // PATH first with this Node, so the launcher's `node` is the one running the bench.
    env.PATH = `${dirname(process.execPath)}:${env.PATH ?? ''}`;
    const child = spawn(AGENT_BIN, ['--config', configFile], { cwd: dir, env, stdio: ['ignore', log, log] });
    closeSync(log);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
    const agent = new AgentProcess(child, dir, logFile, exited);
    try {
      // The group is created by the first read, whatever the log level: a signal that the loop runs.
      await waitFor('the agent to create its consumer group', async () => (await groupInfo(redis, spec.stream, CONSUMER_GROUP)) !== null, {
        timeoutMs: START_TIMEOUT_MS,
        intervalMs: 20,
        giveUp: () => (child.exitCode !== null || child.signalCode !== null ? 'the agent exited before it started' : undefined),
      });
    } catch (error) {
      const output = tail(agent.output());
      await agent.kill();
      agent.remove();
      throw new Error(`${(error as Error).message}:\n${output}`, { cause: error });
    }
    return agent;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('agent process has no pid');
    return this.child.pid;
  }

  /** The SQLite file the agent writes. */
  get databasePath(): string {
    return join(this.dir, 'data', 'outcomes.db');
  }

  /** Peak resident set size so far (VmHWM), bytes. */
  peakRss(): number {
    return procStatusKb(this.pid, 'VmHWM') * 1024;
  }

  output(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  /** SIGTERM and wait for a clean exit (the agent finishes the kill in flight); SIGKILL if it hangs. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const exit = await this.exited;
    clearTimeout(timer);
    if (exit.code !== 0) throw new Error(`agent exited with ${exit.code ?? exit.signal} on SIGTERM:\n${tail(this.output())}`);
  }

  /** Stops the agent at once (cleanup after a failure). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Removes the scratch directory (database and log). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts an agent, runs `body`, and always stops it and removes its directory; on failure the agent's output is attached. */
export async function withAgent<T>(redis: Redis, spec: AgentSpec, body: (agent: AgentProcess) => Promise<T>): Promise<T> {
  const agent = await AgentProcess.start(spec, redis);
  const unregister = registerCleanup(async () => {
    await agent.kill();
    agent.remove();
  });
  try {
    const result = await body(agent);
    await agent.stop();
    return result;
  } catch (error) {
    await agent.kill();
    if (error instanceof Error) error.message += `\nagent output (tail):\n${tail(agent.output())}`;
    throw error;
  } finally {
    unregister();
    agent.remove();
  }
}

function benchConfig(spec: AgentSpec): Record<string, unknown> {
  const extra = spec.config ?? {};
  return {
    mode: spec.mode,
    ...extra,
    smith: { event_bus: { topic: spec.stream, consumer_group: CONSUMER_GROUP, consumer_name: 'bench', block_ms: 100 } },
    learning: { database: { path: 'data/outcomes.db' }, ...(extra.learning as object | undefined) },
    api: { host: '127.0.0.1', port: 0 },
    logging: { level: spec.logLevel ?? 'info', format: spec.logFormat ?? 'text' },
  };
}

function procStatusKb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match?.[1]) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]);
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
