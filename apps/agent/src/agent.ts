import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { approveKill, CalibratedCeiling, err, LearnedSignalModel, KillPipeline, MedicError, NOTIFICATION_EVENTS, ok, rejectKill } from '@medic/domain';
import type {
  Clock,
  DomainEvent,
  IdGenerator,
  KillSource,
  MedicCore,
  NotificationEvent,
  NotificationOutbox,
  NotificationRoutes,
  OutcomeRepo,
  Resurrector,
  SigningPolicy,
  ThreatIntel,
} from '@medic/domain';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import { AgentRuntime } from './agent-runtime';
import type { Agent } from './agent-runtime';
import { createApi } from './api';
import { ApiServer } from './api-server';
import { CalibrationTimer } from './calibration-timer';
import type { AgentConfig } from './config';
import { DependencyHealth } from './dependency-health';
import { KillLoop } from './kill-loop';
import { logEvents } from './log-events';
import { apiUrlOf } from './notification-formats';
import { createLogger } from './logger';
import type { Logger } from './logger';
import { dockerResurrector, elasticThreatIntel, redisKillSource } from './real-adapters';
import { NODE_MAC } from './signing';
import { SystemClock } from './system-clock';
import { timeOrderedId } from './time-ordered-id';
import { WebhookNotifier } from './webhook-notifier';

export type { Agent } from './agent-runtime';

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
  /** The outbox the repo writes; needed with an injected repo when webhooks are configured (the SQLite store brings its own). */
  readonly outbox?: NotificationOutbox;
}

/** The composition root: real adapters unless overridden, wired to the pipeline, the kill loop, the API and the calibration timer. */
export async function createAgent(deps: AgentDeps): Promise<Agent> {
  const { config } = deps;
  const logger = deps.logger ?? createLogger(config.logging);
  const source = deps.source ?? redisKillSource(config, logger);
  const resurrector = deps.resurrector ?? dockerResurrector(config);
  // Built here (not injected), so closed here on stop.
  const ownIntel = deps.threatIntel === undefined ? elasticThreatIntel(config) : null;
  const threatIntel: ThreatIntel | null = deps.threatIntel !== undefined ? deps.threatIntel : ownIntel;
  const ownRepo = deps.repo ? null : await SqliteOutcomeRepo.open({ path: config.databasePath });
  const repo = deps.repo ?? ownRepo!;
  // The API's address is known once it listens (api.port 0 picks one); messages ask for it when they are written.
  const apiUrl = (): string => config.notify.apiUrl ?? apiUrlOf(server?.address() ?? config.api);
  const notifier = createNotifier(config, deps.outbox ?? ownRepo?.outbox, apiUrl, logger);

  const health = new DependencyHealth({
    redis: () => source.health(),
    docker: () => resurrector.health(),
    store: () => repo.health(),
    threat_intel: threatIntel ? () => threatIntel.health() : null,
    notifier: notifier ? () => notifier.health() : null,
  });
  const log = logEvents(logger);
  const core: MedicCore = {
    source,
    repo,
    resurrector,
    threatIntel,
    clock: deps.clock ?? new SystemClock(),
    newId: deps.newId ?? (() => timeOrderedId()),
    policy: config.policy,
    mode: config.mode,
    resurrection: { concurrency: config.resurrection.concurrency, retryDeadlineSeconds: config.resurrection.retryDeadlineSeconds },
    approvalTtlMinutes: config.approvalTtlMinutes,
    ceiling: new CalibratedCeiling(config.policy.autoApprove.maxScore),
    learned: new LearnedSignalModel(),
    onEvent: (event: DomainEvent) => {
      log(event);
      // Kills that waited for their module, and resurrection outcomes, are written outside the loop's batches.
      if (event.type === 'background_error' && event.stage !== 'ack') health.failed('store', event.message);
      if (notifier && (event.type === 'decided' || event.type === 'redecided' || event.type === 'calibrated')) notifier.wake();
    },
    ...(config.signing.required || config.signing.keys.size > 0 ? { signing: signingPolicy(config.signing) } : {}),
    ...(notifier ? { notificationRoutes: notificationRoutes(config) } : {}),
  };
  const pipeline = new KillPipeline(core);
  const api = createApi({
    repo,
    mode: config.mode,
    version: VERSION,
    token: config.api.token,
    startedAt: Date.now(),
    now: () => Date.now(),
    health: () => health.report(),
    ceiling: core.ceiling,
    notifications: async () => (notifier ? notifier.stats() : null),
    approve: async (killId, approvedBy) => {
      const result = await approveKill(core, pipeline, killId, approvedBy);
      return result.ok ? ok(result.value.record) : err(result.error);
    },
    reject: (killId, rejectedBy) => rejectKill(core, killId, rejectedBy),
  });
  const server = config.api.enabled ? new ApiServer(api, config.api, logger) : null;
  return new AgentRuntime({
    config,
    core,
    pipeline,
    api,
    loop: new KillLoop({ source, pipeline, batchSize: config.redis.batchSize, health, logger }),
    server,
    calibration: new CalibrationTimer(core, config.calibration, logger),
    notifier,
    health,
    logger,
    version: VERSION,
    open: () => source.open(),
    closers: [() => source.close(), async () => ownIntel?.close(), () => repo.close()],
  });
}

/** The webhook notifier when webhooks are configured (null otherwise); it needs the outbox the store writes. */
function createNotifier(config: AgentConfig, outbox: NotificationOutbox | undefined, apiUrl: () => string, logger: Logger): WebhookNotifier | null {
  if (config.notify.webhooks.length === 0) return null;
  if (!outbox) throw new MedicError('config_invalid', 'notify.webhooks needs the notification outbox of the store; pass it with the injected repo');
  return new WebhookNotifier({
    outbox,
    webhooks: config.notify.webhooks,
    retry: config.notify.retry,
    timeoutMs: config.notify.timeoutMs,
    context: () => ({ apiUrl: apiUrl(), approvalsOff: approvalsOff(config), source: `/medic/${encodeURIComponent(config.redis.consumer)}` }),
    logger,
    userAgent: `medic/${VERSION}`,
  });
}

/** Why the agent takes no approvals, for pending_review messages; null when it does. */
function approvalsOff(config: AgentConfig): string | null {
  if (!config.api.enabled) return 'the API is disabled on the agent (api.enabled: false)';
  return config.api.token === undefined ? 'MEDIC_API_TOKEN is not set on the agent, so approvals are disabled' : null;
}

/** Each event's webhooks, by key. */
function notificationRoutes(config: AgentConfig): NotificationRoutes {
  const routes = new Map<NotificationEvent, string[]>();
  for (const event of NOTIFICATION_EVENTS) {
    const keys = config.notify.webhooks.filter((webhook) => webhook.events.has(event)).map((webhook) => webhook.key);
    if (keys.length > 0) routes.set(event, keys);
  }
  return routes;
}

function signingPolicy(signing: AgentConfig['signing']): SigningPolicy {
  const keys = new Map([...signing.keys].map(([id, secret]) => [id, secret.reveal()]));
  return { required: signing.required, keys, maxReportAgeSeconds: signing.maxReportAgeSeconds, mac: NODE_MAC };
}

const VERSION: string = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
