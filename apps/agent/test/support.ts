import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import Redis from 'ioredis';
import { DEMO_KILL_WIRE } from '@medic/domain/testing';
import { buildConfig } from '../src/config';
import type { AgentConfig } from '../src/config';

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
}

/** Creates a `medic-test-*` container with no network; `running: false` leaves it exited, as Smith would. */
export async function createTestContainer(docker: Docker, spec: TestContainerSpec): Promise<Docker.Container> {
  if (!spec.name.startsWith('medic-test-')) throw new Error(`test containers must be named medic-test-*, got ${spec.name}`);
  const healthcheck =
    spec.health === 'none'
      ? undefined
      : { Test: spec.health === 'passing' ? ['CMD', 'true'] : ['CMD', 'false'], Interval: 250_000_000, Timeout: 1_000_000_000, Retries: 1, StartPeriod: 0 };
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

/** A live/observer config on a private stream and database, API on a free port. */
export function testConfig(options: {
  dir: string;
  stream: string;
  mode?: 'observer' | 'live';
  token?: string;
  autoApprove?: boolean;
  extra?: Record<string, unknown>;
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
  const env: NodeJS.ProcessEnv = { REDIS_URL, ...(options.token ? { MEDIC_API_TOKEN: options.token } : {}) };
  return buildConfig(raw, { env, cwd: options.dir, file: null });
}
