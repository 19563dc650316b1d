import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import Redis from 'ioredis';
import { DEMO_KILL_WIRE } from '@medic/domain/testing';
import { buildConfig } from '../src/config';
import type { AgentConfig } from '../src/config';
import { createLogger } from '../src/logger';
import type { Logger } from '../src/logger';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_IMAGE = 'medic-test/busybox';

/** A connected Redis client, or a failure naming the missing service. */
export async function connectRedis(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis is not reachable at ${REDIS_URL} (${(error as Error).message}) — run scripts/services.sh`, { cause: error });
  }
  return redis;
}

/** A Docker client whose engine answers and has the test image, or a failure naming what is missing. */
export async function connectDocker(): Promise<Docker> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(`Docker engine not reachable (${(error as Error).message}) — run scripts/services.sh`, { cause: error });
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch (error) {
    throw new Error(`test image ${TEST_IMAGE} missing — run scripts/services.sh`, { cause: error });
  }
  return docker;
}

export const uniqueId = (): string => randomUUID().slice(0, 8);

export interface TestContainerSpec {
  readonly name: string;
  readonly running: boolean;
  readonly health: 'passing' | 'failing' | 'none';
  readonly labels?: Record<string, string>;
  /** Docker's health-check interval (default 250 ms); the first probe runs one interval after a start. */
  readonly healthIntervalMs?: number;
}

/** Creates a `medic-test-*` container with no network; `running: false` leaves it exited, as Smith would. */
export async function createTestContainer(docker: Docker, spec: TestContainerSpec): Promise<Docker.Container> {
  if (!spec.name.startsWith('medic-test-')) throw new Error(`test containers must be named medic-test-*, got ${spec.name}`);
  const healthcheck =
    spec.health === 'none'
      ? undefined
      : {
          Test: spec.health === 'passing' ? ['CMD', 'true'] : ['CMD', 'false'],
          Interval: (spec.healthIntervalMs ?? 250) * 1_000_000,
          Timeout: 1_000_000_000,
          Retries: 1,
          StartPeriod: 0,
        };
  const container = await docker.createContainer({
    name: spec.name,
    Image: TEST_IMAGE,
    Labels: spec.labels ?? {},
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    HostConfig: { NetworkMode: 'none' },
  });
  if (spec.running) {
    await container.start();
  } else {
    await container.start();
    await container.kill();
    await container.wait();
  }
  return container;
}

export async function removeContainers(docker: Docker, names: readonly string[]): Promise<void> {
  await Promise.all(names.map((name) => docker.getContainer(name).remove({ force: true }).catch(() => undefined)));
}

export async function startedAt(docker: Docker, name: string): Promise<string> {
  return (await docker.getContainer(name).inspect()).State.StartedAt;
}

export async function isRunning(docker: Docker, name: string): Promise<boolean> {
  return (await docker.getContainer(name).inspect()).State.Running;
}

/** The plan's low-risk demo report in wire format with a fresh kill_id and timestamp, plus overrides. */
export function killReport(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...DEMO_KILL_WIRE, kill_id: `kill-${uniqueId()}`, timestamp: new Date().toISOString(), ...overrides };
}

export async function publish(redis: Redis, stream: string, report: Record<string, unknown>): Promise<string> {
  return (await redis.xadd(stream, '*', 'payload', JSON.stringify(report))) as string;
}

/** How many times the container was started since `since` (Unix seconds), from the engine's events. */
export async function startEvents(docker: Docker, name: string, since: number): Promise<number> {
  const until = Math.ceil(Date.now() / 1000) + 1;
  const stream = (await docker.getEvents({ since, until, filters: { container: [name], event: ['start'] } })) as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text.split('\n').filter((line) => line.trim().length > 0).length;
}

/** Pending (read, unacknowledged) entries of the group. */
export async function pendingCount(redis: Redis, stream: string, group: string): Promise<number> {
  const summary = (await redis.xpending(stream, group)) as [number, ...unknown[]];
  return Number(summary[0]);
}

/** Polls until `probe` returns a value other than undefined, or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A scratch directory removed by the returned function. */
export function scratchDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'medic-agent-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A TCP proxy on 127.0.0.1 in front of the Docker socket, so a test can make the engine unreachable (stop) and reachable
 * again (start, on the same port) without touching the shared engine. DOCKER_HOST for it: `tcp://127.0.0.1:<port>`.
 */
export class DockerProxy {
  port = 0;
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();

  constructor(private readonly socketPath = '/var/run/docker.sock') {}

  get dockerHost(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  /** Listens (on a free port the first time, on the same port after a stop). */
  async start(): Promise<void> {
    const server = createServer((client) => {
      const engine = createConnection(this.socketPath);
      for (const socket of [client, engine]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(engine).pipe(client);
      client.on('close', () => engine.destroy());
      engine.on('close', () => client.destroy());
    });
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(this.port, '127.0.0.1', () => done());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the Docker proxy has no TCP address');
    this.port = address.port;
    this.#server = server;
  }

  /** Refuses new connections and cuts the open ones, as an engine that went away. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((done) => server.close(() => done()));
  }
}

/** A live/observer config on a private stream and database, API on a free port. */
export function testConfig(options: {
  dir: string;
  stream: string;
  mode?: 'observer' | 'live';
  token?: string;
  autoApprove?: boolean;
  extra?: Record<string, unknown>;
  /** DOCKER_HOST for the agent (default: the local socket). */
  dockerHost?: string;
  /** More environment variables (e.g. those a webhook header names). */
  env?: NodeJS.ProcessEnv;
}): AgentConfig {
  const raw = {
    mode: options.mode ?? 'live',
    smith: { event_bus: { topic: options.stream, consumer_group: 'medic-agent', consumer_name: 'e2e', block_ms: 100, claim_idle_ms: 1000 } },
    decision: { auto_approve: { enabled: options.autoApprove ?? true, min_confidence: 0.6, max_score: 0.4 } },
    resurrection: { health_check_interval_seconds: 0.1, health_check_timeout_seconds: 10, stability_window_seconds: 0.5 },
    learning: { database: { path: 'data/outcomes.db' } },
    api: { host: '127.0.0.1', port: 0 },
    logging: { level: 'warn' },
    ...(options.extra ?? {}),
  };
  const env: NodeJS.ProcessEnv = {
    REDIS_URL,
    ...(options.token ? { MEDIC_API_TOKEN: options.token } : {}),
    ...(options.dockerHost ? { DOCKER_HOST: options.dockerHost } : {}),
    ...options.env,
  };
  return buildConfig(raw, { env, cwd: options.dir, file: null });
}

/** A JSON logger at info whose lines the test reads back, parsed. */
export function capturedLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const output = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  let partial = '';
  output.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger: createLogger({ level: 'info', format: 'json' }, output), lines };
}
