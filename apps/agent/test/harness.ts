// The end-to-end tests' one harness: the shared services, the agent under test (in-process or as a real process) on a
// private stream and database, publishing kill reports, and waiting for what the agent does with them.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type Redis from 'ioredis';
import type { Clock } from '@medic/domain';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import { DEMO_KILL_WIRE } from '@medic/domain/testing';
import {
  connectDocker,
  connectRedis,
  deleteStreams,
  pendingCount,
  publish,
  publishAll,
  REDIS_URL,
  scratchDir,
  TestFleet,
  testStream,
  uniqueId,
  waitFor,
  waitUntilHandled,
} from '@medic/test-support';
import type { TestContainerSpec } from '@medic/test-support';
import { createAgent } from '../src/agent';
import type { Agent } from '../src/agent';
import { buildConfig } from '../src/config';
import type { AgentConfig } from '../src/config';
import { createLogger } from '../src/logger';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** The built CLI, as `node` starts it. */
export const AGENT_MAIN = join(REPO_ROOT, 'apps', 'agent', 'dist', 'main.js');
/** The launcher `pnpm agent` and the Docker image start (with its V8 heap flags). */
export const AGENT_BIN = join(REPO_ROOT, 'apps', 'agent', 'bin', 'medic-agent');
/** The consumer group of every agent under test. */
export const GROUP = 'medic-agent';

/** The plan's low-risk demo report in wire format with a fresh kill_id and timestamp, plus overrides. */
export function killReport(overrides: Record<string, unknown> = {}): Record<string, unknown> & { kill_id: string } {
  return { ...DEMO_KILL_WIRE, kill_id: `kill-${uniqueId()}`, timestamp: new Date().toISOString(), ...overrides } as Record<string, unknown> & { kill_id: string };
}

/** The SQLite file an agent started in `dir` keeps (learning.database.path data/outcomes.db). */
export const storePath = (dir: string): string => join(dir, 'data', 'outcomes.db');

/** Opens the store an agent keeps in `dir` (creating it if need be), runs `use` on it, and closes it. */
export async function withStore<T>(dir: string, use: (repo: SqliteOutcomeRepo) => Promise<T>): Promise<T> {
  const repo = await SqliteOutcomeRepo.open({ path: storePath(dir) });
  try {
    return await use(repo);
  } finally {
    await repo.close();
  }
}

/** GET `url` and its JSON body. */
export async function getJson<T = Record<string, unknown>>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}

/** The report as Smith writes it: JSON in field `payload`. */
export const payloadEntry = (report: Record<string, unknown>): Record<string, string> => ({ payload: JSON.stringify(report) });

type Raw = Record<string, unknown>;
const isObject = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `extra` merged into `base`, objects key by key, anything else replaced. */
function merged(base: Raw, extra: Raw): Raw {
  const out: Raw = { ...base };
  for (const [key, value] of Object.entries(extra)) out[key] = isObject(value) && isObject(out[key]) ? merged(out[key] as Raw, value) : value;
  return out;
}

export interface ConfigOptions {
  readonly stream: string;
  readonly mode?: 'observer' | 'live';
  readonly autoApprove?: boolean;
  /** Merged into the file's sections, key by key. */
  readonly extra?: Raw;
}

/** A configuration file's content for the agent under test: a private stream, data/outcomes.db, the API on a free port, quick health polling. */
export function rawConfig(options: ConfigOptions): Raw {
  const base = {
    mode: options.mode ?? 'live',
    smith: { event_bus: { topic: options.stream, consumer_group: GROUP, consumer_name: 'e2e', block_ms: 100, claim_idle_ms: 1000 } },
    decision: { auto_approve: { enabled: options.autoApprove ?? true, min_confidence: 0.6, max_score: 0.4 } },
    resurrection: { health_check_interval_seconds: 0.1, health_check_timeout_seconds: 10, stability_window_seconds: 0.5 },
    learning: { database: { path: 'data/outcomes.db' } },
    api: { host: '127.0.0.1', port: 0 },
    logging: { level: 'warn' },
  };
  return merged(base, options.extra ?? {});
}

/** Writes `raw` as the agent's configuration file (JSON is YAML) in `dir`; returns its path. */
export function writeConfig(dir: string, raw: Raw, name = 'medic.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(raw, null, 2));
  return file;
}

/** A JSON logger at info whose lines the test reads back. */
export function capturedLogger(): { logger: ReturnType<typeof createLogger>; raw: string[] } {
  const output = new PassThrough();
  const raw: string[] = [];
  let partial = '';
  output.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    raw.push(...parts.filter((line) => line.trim() !== ''));
  });
  return { logger: createLogger({ level: 'info', format: 'json' }, output), raw };
}

export interface StartOptions extends Partial<ConfigOptions> {
  /** The agent's working directory (default: a fresh scratch directory), where its data/ goes. */
  readonly dir?: string;
  /** MEDIC_API_TOKEN. */
  readonly token?: string;
  /** DOCKER_HOST (default: the local socket). */
  readonly dockerHost?: string;
  /** More environment (e.g. what a webhook header or a signing key names); REDIS_URL may be replaced here. */
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  /** false: created, not started (the test starts it). */
  readonly start?: boolean;
}

/** The agent under test in this process. */
export interface AgentUnderTest {
  readonly agent: Agent;
  readonly config: AgentConfig;
  readonly stream: string;
  readonly dir: string;
  /** Its API, http://127.0.0.1:<port>, once started. */
  readonly base: string;
  /** Its log lines as written (JSON at info). */
  readonly rawLines: readonly string[];
  /** Its log lines, parsed. */
  readonly lines: Array<Record<string, unknown>>;
}

/** The agent as a process: its output so far, and how it ended. */
export interface AgentProcess {
  readonly child: ChildProcess;
  output(): string;
  stdout(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until its output contains `text`, or matches it (resolving with the first group, else the match); fails at once should it exit first. */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<string>;
}

export interface SpawnOptions {
  readonly cwd: string;
  /** The whole environment (default: PATH with this Node first, and REDIS_URL). */
  readonly env?: NodeJS.ProcessEnv;
  /** In its own process group, as a service manager starts it; cleanup then kills the group. */
  readonly detached?: boolean;
}

/** The environment a spawned agent gets by default: this Node first on PATH, the test Redis, and `extra`. */
export const agentEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, REDIS_URL, ...extra });

/** Set-up and clean-up of an end-to-end test file: call once at its top level. */
export function useHarness(options: { docker?: boolean; built?: boolean } = {}): Harness {
  const harness = new Harness();
  beforeAll(async () => {
    if (options.built && !existsSync(AGENT_MAIN)) throw new Error(`${AGENT_MAIN} is missing — run pnpm build first (pnpm test does)`);
    await harness.connect(options.docker ?? false);
  });
  afterEach(() => harness.cleanUp());
  afterAll(() => harness.disconnect());
  return harness;
}

export class Harness {
  #redis: Redis | null = null;
  #fleet: TestFleet | null = null;
  readonly #agents = new Set<Agent>();
  readonly #processes = new Set<{ child: ChildProcess; group: boolean }>();
  readonly #cleanups: Array<() => unknown> = [];

  get redis(): Redis {
    if (!this.#redis) throw new Error('the harness is not connected');
    return this.#redis;
  }

  get docker(): Docker {
    return this.fleet.docker;
  }

  /** Test containers of this file, removed after each test. */
  get fleet(): TestFleet {
    if (!this.#fleet) throw new Error('this test file did not ask for Docker: useHarness({ docker: true }) or connectDocker()');
    return this.#fleet;
  }

  async connect(docker: boolean): Promise<void> {
    this.#redis = await connectRedis();
    if (docker) await this.connectDocker();
  }

  /** Connects Docker for the tests that need it (the others then run without it). */
  async connectDocker(): Promise<void> {
    this.#fleet ??= new TestFleet(await connectDocker());
  }

  /** Runs `cleanup` after the current test, before the ones registered earlier. */
  onCleanup(cleanup: () => unknown): void {
    this.#cleanups.push(cleanup);
  }

  async cleanUp(): Promise<void> {
    await Promise.all([...this.#agents].map((agent) => agent.stop()));
    this.#agents.clear();
    for (const { child, group } of this.#processes) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
      if (group) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    }
    this.#processes.clear();
    await this.#fleet?.removeAll();
    for (const cleanup of this.#cleanups.splice(0).reverse()) await cleanup();
  }

  disconnect(): void {
    this.#redis?.disconnect();
  }

  /** A scratch directory and a private stream, both removed after the test. */
  workspace(label = 'e2e'): { dir: string; stream: string } {
    const scratch = scratchDir(`medic-${label}-`);
    const stream = testStream(label);
    this.onCleanup(scratch.remove);
    this.onCleanup(() => deleteStreams(this.redis, stream));
    return { dir: scratch.dir, stream };
  }

  /** The agent under test on a private stream and database (a fresh workspace unless `dir` and `stream` are given), started. */
  async startAgent(options: StartOptions = {}): Promise<AgentUnderTest> {
    const fresh = options.dir === undefined || options.stream === undefined ? this.workspace() : null;
    const dir = options.dir ?? fresh?.dir ?? '';
    const stream = options.stream ?? fresh?.stream ?? '';
    const env: NodeJS.ProcessEnv = {
      REDIS_URL,
      ...(options.token ? { MEDIC_API_TOKEN: options.token } : {}),
      ...(options.dockerHost ? { DOCKER_HOST: options.dockerHost } : {}),
      ...options.env,
    };
    const config = buildConfig(rawConfig({ ...options, stream }), { env, cwd: dir, file: null });
    const { logger, raw } = capturedLogger();
    const agent = await createAgent({ config, logger, ...(options.clock ? { clock: options.clock } : {}) });
    this.#agents.add(agent);
    if (options.start ?? true) await agent.start();
    return {
      agent,
      config,
      stream,
      dir,
      get base() {
        const address = agent.address();
        if (!address) throw new Error('the agent API is not listening');
        return `http://127.0.0.1:${address.port}`;
      },
      rawLines: raw,
      get lines() {
        return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
      },
    };
  }

  /** Stops an agent under test now (as SIGTERM would), before the test ends. */
  async stopAgent(under: AgentUnderTest): Promise<void> {
    this.#agents.delete(under.agent);
    await under.agent.stop();
  }

  /** A container of this test, killed as Smith does unless `running`; returns its name. */
  async container(spec: Omit<TestContainerSpec, 'name'> & { label?: string } = {}): Promise<string> {
    const { label, ...rest } = spec;
    const name = this.fleet.name(label);
    await this.fleet.create({ health: 'passing', killed: !rest.running, ...rest, name });
    return name;
  }

  /** Publishes a report as Smith does; resolves with the entry id. */
  publish(stream: string, report: Record<string, unknown>): Promise<string> {
    return publish(this.redis, stream, payloadEntry(report));
  }

  /** Publishes the reports in one pipeline, as a storm arrives. */
  async publishTogether(stream: string, reports: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    await publishAll(this.redis, stream, reports.map(payloadEntry));
  }

  /** Waits until GET /decisions/:killId answers with a record `until` accepts (default: any). */
  record<T = Record<string, unknown>>(base: string, killId: string, until: (record: T) => boolean = () => true): Promise<T> {
    return waitFor(`the record of ${killId}`, async () => {
      const response = await fetch(`${base}/decisions/${killId}`);
      if (response.status !== 200) return undefined;
      const body = (await response.json()) as T;
      return until(body) ? body : undefined;
    });
  }

  /** Waits until the kill's record is in `state` (default done). */
  decision(base: string, killId: string, state: 'decided' | 'executing' | 'done' = 'done'): Promise<Record<string, unknown>> {
    return this.record(base, killId, (record) => record.state === state);
  }

  /** Waits until the group has nothing pending on `stream`. */
  async acknowledged(stream: string, what = 'every entry to be acknowledged'): Promise<void> {
    await waitFor(what, async () => (await pendingCount(this.redis, stream, GROUP)) === 0);
  }

  /** Waits until the agent has read every entry up to `lastId` and acknowledged all it read. */
  handled(stream: string, lastId: string, timeoutMs?: number): Promise<void> {
    return waitUntilHandled(this.redis, stream, GROUP, lastId, timeoutMs === undefined ? {} : { timeoutMs });
  }

  /** Starts `command` (default: the built CLI under this Node), collecting its output; killed after the test if still running. */
  spawn(args: readonly string[], options: SpawnOptions, command: string = process.execPath): AgentProcess {
    const argv = command === process.execPath ? [AGENT_MAIN, ...args] : [...args];
    const child = spawn(command, argv, { cwd: options.cwd, env: options.env ?? agentEnv(), detached: options.detached ?? false, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#processes.add({ child, group: options.detached ?? false });
    let output = '';
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
      child.once('error', (error) => fail(new Error(`${command} could not be started: ${error.message}`)));
      child.once('exit', (code, signal) => done({ code, signal }));
    });
    exited.catch(() => undefined);
    const ended = (): string | undefined => (child.exitCode !== null || child.signalCode !== null ? `it exited with ${child.exitCode ?? child.signalCode}:\n${output}` : undefined);
    return {
      child,
      output: () => output,
      stdout: () => stdout,
      exited,
      waitForOutput: (text, timeoutMs) =>
        waitFor(
          `${command === process.execPath ? 'the agent' : command} to print ${String(text)}`,
          () => {
            if (typeof text === 'string') return output.includes(text) ? text : undefined;
            const match = text.exec(output);
            return match ? (match[1] ?? match[0]) : undefined;
          },
          { ...(timeoutMs === undefined ? {} : { timeoutMs }), giveUp: ended },
        ).catch((error: Error) => {
          throw new Error(error.message.includes(output) ? error.message : `${error.message}\n${output}`);
        }),
    };
  }
}
