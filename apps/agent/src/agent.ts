import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Hono } from 'hono';
import { approveKill, err, handleBatch, MedicError, ok, rejectKill, restoreThresholds, runCalibration } from '@medic/domain';
import type {
  Clock,
  HealthCheck,
  IdGenerator,
  KillSource,
  MedicCore,
  OutcomeRecord,
  OutcomeRepo,
  Resurrector,
  SigningPolicy,
  ThreatIntel,
} from '@medic/domain';
import { createRedisKillSource } from '@medic/redis';
import { createDockerClient, DockerResurrector } from '@medic/docker';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import type * as Elastic from '@medic/elasticsearch';
import { createApi } from './api';
import type { HealthReport } from './api';
import type { AgentConfig } from './config';
import { createHttpServer } from './http-server';
import { logEvents } from './log-events';
import { createLogger } from './logger';
import type { Logger } from './logger';
import { NODE_MAC } from './signing';
import { SystemClock } from './system-clock';

/** What createAgent builds by default; pass any of them to replace the real adapter (tests do). */
export interface AgentDeps {
  readonly config: AgentConfig;
  readonly logger?: Logger;
  readonly source?: KillSource;
  readonly repo?: OutcomeRepo;
  readonly resurrector?: Resurrector;
  /** null: threat intel off regardless of config. */
  readonly threatIntel?: ThreatIntel | null;
  readonly clock?: Clock;
  readonly newId?: IdGenerator;
}

export interface Agent {
  readonly config: AgentConfig;
  readonly core: MedicCore;
  readonly api: Hono;
  /** Calibrates, starts the loop and, when enabled, the HTTP server. */
  start(): Promise<void>;
  /** Stops reading, finishes the kill and approvals in flight, closes the API and connections. */
  stop(): Promise<void>;
  /** The bound API address once started (port 0 in config picks a free one). */
  address(): { host: string; port: number } | null;
  health(): Promise<HealthReport>;
}

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;

/** The composition root: real adapters unless overridden. */
export async function createAgent(deps: AgentDeps): Promise<Agent> {
  const { config } = deps;
  const logger = deps.logger ?? createLogger(config.logging);
  const clock = deps.clock ?? new SystemClock();
  const source =
    deps.source ??
    createRedisKillSource({
      url: config.redis.url,
      stream: config.redis.stream,
      group: config.redis.group,
      consumer: config.redis.consumer,
      claimIdleMs: config.redis.claimIdleMs,
      blockMs: config.redis.blockMs,
      ...(config.redis.tls ? { tls: readTlsFiles(config.redis.tls) } : {}),
      logger: (level, message, meta) => logger.log(level, message, meta),
    });
  const resurrector =
    deps.resurrector ??
    new DockerResurrector({
      docker: createDockerClient(config.docker.host),
      requireLabel: config.docker.requireLabel,
      verifyKill: config.docker.verifyKill,
      killWindowMs: config.docker.killWindowMs,
      stopTimeoutSeconds: config.docker.stopTimeoutSeconds,
      healthCheckIntervalMs: config.docker.healthCheckIntervalMs,
      healthCheckTimeoutMs: config.docker.healthCheckTimeoutMs,
      stabilityWindowMs: config.docker.stabilityWindowMs,
      maxRetryAttempts: config.docker.maxRetryAttempts,
    });
  // Built here (not injected), so closed here on stop. Optional siem keys are absent from the config when unset.
  const { enabled: siemEnabled, timeoutMs: siemTimeoutMs, ...siemConnection } = config.siem;
  const ownIntel =
    deps.threatIntel === undefined && siemEnabled
      ? loadElastic().createElasticThreatIntel({ ...siemConnection, requestTimeoutMs: siemTimeoutMs })
      : null;
  const threatIntel: ThreatIntel | null = deps.threatIntel !== undefined ? deps.threatIntel : ownIntel;
  const repo = deps.repo ?? (await SqliteOutcomeRepo.open({ path: config.databasePath }));

  const core: MedicCore = {
    source,
    repo,
    resurrector,
    threatIntel,
    clock,
    newId: deps.newId ?? randomUUID,
    policy: config.policy,
    mode: config.mode,
    threatTimeoutMs: config.siem.timeoutMs,
    approvalTtlMinutes: config.approvalTtlMinutes,
    thresholds: { autoApproveMaxScore: config.policy.autoApprove.maxScore },
    onEvent: logEvents(logger),
    ...(config.signing.required || config.signing.keys.size > 0 ? { signing: signingPolicy(config.signing) } : {}),
  };

  let stopping = false;
  let loop: Promise<void> | null = null;
  let server: Server | null = null;
  let bound: { host: string; port: number } | null = null;
  let calibrationTimer: NodeJS.Timeout | null = null;
  let sourceError: string | null = null;
  let wakeLoop: (() => void) | null = null;
  const executions = new Set<Promise<unknown>>();
  const startedAt = Date.now();

  const track = (execution: Promise<OutcomeRecord>, killId: string) => {
    const tracked = execution.catch((error: unknown) => {
      logger.error(`approved resurrection failed: ${message(error)}`, { kill_id: killId });
    });
    executions.add(tracked);
    void tracked.finally(() => executions.delete(tracked));
  };

  const health = async (): Promise<HealthReport> => {
    const [redis, docker, store, intel] = await Promise.all([
      safeHealth(() => source.health()),
      safeHealth(() => resurrector.health()),
      safeHealth(() => repo.health()),
      threatIntel ? safeHealth(() => threatIntel.health()) : Promise.resolve<HealthCheck>({ status: 'disabled' }),
    ]);
    const checks = { redis: sourceError && redis.status === 'up' ? { status: 'down' as const, detail: sourceError } : redis, docker, store, threat_intel: intel };
    const degraded = Object.values(checks).some((check) => check.status === 'down');
    return { status: degraded ? 'degraded' : 'ok', checks };
  };

  const api = createApi({
    repo,
    mode: config.mode,
    version: VERSION,
    token: config.api.token,
    startedAt,
    now: () => Date.now(),
    health,
    thresholds: () => core.thresholds,
    approve: async (killId, approvedBy) => {
      const result = await approveKill(core, killId, approvedBy);
      if (!result.ok) return err(result.error);
      track(result.value.execution, killId);
      return ok(result.value.record);
    },
    reject: (killId, rejectedBy) => rejectKill(core, killId, rejectedBy),
  });

  /** Waits for `ms` unless the agent is stopping. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeLoop = null;
        resolve();
      }
      wakeLoop = done;
    });

  const runLoop = async () => {
    let backoff = RECONNECT_MIN_MS;
    while (!stopping) {
      try {
        const deliveries = await source.receive(config.redis.batchSize);
        if (sourceError) logger.info('kill source reachable again');
        sourceError = null;
        backoff = RECONNECT_MIN_MS;
        // An empty read from a source that does not block must still let timers and sockets run.
        if (deliveries.length === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        // Group commit (DESIGN §13); on stop, entries of the batch not yet handled stay pending and are read again after a restart.
        await handleBatch(core, deliveries, { stopRequested: () => stopping });
      } catch (error) {
        if (stopping) break;
        // The failed delivery stays unacknowledged; the source hands it out again later.
        sourceError = message(error);
        logger.warn(`processing paused, retrying in ${backoff} ms: ${sourceError}`);
        await pause(backoff);
        backoff = Math.min(backoff * 2, RECONNECT_MAX_MS);
      }
    }
  };

  const calibrate = async () => {
    try {
      await runCalibration(core, config.calibration);
    } catch (error) {
      logger.error(`calibration failed: ${message(error)}`);
    }
  };

  return {
    config,
    core,
    api,
    health,
    address: () => bound,
    async start() {
      // Wrong Redis credentials, an untrusted certificate or a missing permission stop start-up here, naming Redis.
      await source.open();
      const restored = await restoreThresholds(core);
      if (restored) logger.info(`restored auto_approve_max_score ${restored.nextMaxScore} from calibration at ${restored.calibratedAt}`);
      await calibrate();
      calibrationTimer = setInterval(() => void calibrate(), config.calibration.intervalHours * 3_600_000);
      calibrationTimer.unref();
      if (config.api.enabled) {
        await new Promise<void>((resolve, reject) => {
          const s = createHttpServer(api);
          s.once('error', reject);
          s.listen(config.api.port, config.api.host, () => {
            const info = s.address() as AddressInfo;
            bound = { host: info.address, port: info.port };
            resolve();
          });
          server = s;
        });
        logger.info(`API listening on http://${bound!.host}:${bound!.port}`);
      }
      logger.info(`Medic ${VERSION} started in ${config.mode} mode`, {
        stream: config.redis.stream,
        consumer: config.redis.consumer,
        database: config.databasePath,
        threat_intel: threatIntel ? 'enabled' : 'disabled',
        signed_reports: config.signing.required ? 'required' : config.signing.keys.size > 0 ? 'checked when signed' : 'not checked',
        signing_keys: config.signing.keys.size > 0 ? [...config.signing.keys.keys()].join(',') : undefined,
        verify_kill: config.docker.verifyKill,
      });
      loop = runLoop();
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      logger.info('stopping: finishing the kill in flight');
      if (calibrationTimer) clearInterval(calibrationTimer);
      wakeLoop?.();
      // A blocked read returns within block_ms; the kill in flight finishes before the loop ends.
      await loop;
      await Promise.all(executions);
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      await source.close();
      await ownIntel?.close();
      await repo.close();
      logger.info('stopped');
    },
  };
}

/** The Elasticsearch adapter, loaded only when threat intel is on: its client alone adds about 12 MB to the agent's memory. */
function loadElastic(): typeof Elastic {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load; import() would not run under jest's CommonJS.
  return require('@medic/elasticsearch') as typeof Elastic;
}

/** The TLS files for Redis, read once at start; a missing file stops start-up naming its key. */
function readTlsFiles(files: NonNullable<AgentConfig['redis']['tls']>): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const read = (key: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new MedicError('config_invalid', `invalid configuration: smith.event_bus.tls.${key}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  const ca = read('ca_file', files.caFile);
  const cert = read('cert_file', files.certFile);
  const key = read('key_file', files.keyFile);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

function signingPolicy(signing: AgentConfig['signing']): SigningPolicy {
  const keys = new Map([...signing.keys].map(([id, secret]) => [id, secret.reveal()]));
  return { required: signing.required, keys, maxReportAgeSeconds: signing.maxReportAgeSeconds, mac: NODE_MAC };
}

async function safeHealth(check: () => Promise<HealthCheck>): Promise<HealthCheck> {
  try {
    return await check();
  } catch (error) {
    return { status: 'down', detail: message(error) };
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const VERSION: string = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
