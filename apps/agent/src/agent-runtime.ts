import type { Hono } from 'hono';
import type { KillPipeline, MedicCore } from '@medic/domain';
import type { ApiServer } from './api-server';
import type { CalibrationTimer } from './calibration-timer';
import type { AgentConfig } from './config';
import type { DependencyHealth, HealthReport } from './dependency-health';
import type { KillLoop } from './kill-loop';
import type { Logger } from './logger';
import type { WebhookNotifier } from './webhook-notifier';

export interface Agent {
  readonly config: AgentConfig;
  readonly core: MedicCore;
  readonly pipeline: KillPipeline;
  readonly api: Hono;
  /**
   * Opens the kill source, calibrates, starts delivering notifications, starts the API when enabled, re-checks
   * resurrections left unfinished, then starts reading kills.
   */
  start(): Promise<void>;
  /**
   * Stops reading, lets resurrections in flight finish for up to `resurrection.stop_timeout_seconds`, leaves everything
   * else pending (re-checked, not restarted blindly, after a restart), then closes the API and the connections.
   */
  stop(): Promise<void>;
  /** The bound API address once started (port 0 in config picks a free one). */
  address(): { host: string; port: number } | null;
  health(): Promise<HealthReport>;
}

/** The parts createAgent wires together, and what stop() closes. */
export interface AgentParts {
  readonly config: AgentConfig;
  readonly core: MedicCore;
  readonly pipeline: KillPipeline;
  readonly api: Hono;
  readonly loop: KillLoop;
  readonly server: ApiServer | null;
  readonly calibration: CalibrationTimer;
  /** null without webhooks. */
  readonly notifier: WebhookNotifier | null;
  readonly health: DependencyHealth;
  readonly logger: Logger;
  readonly version: string;
  /** Connects the kill source: wrong Redis credentials, an untrusted certificate or a missing permission stop start-up here. */
  readonly open: () => Promise<void>;
  /** Released last, in order (the kill source, threat intel, the store). */
  readonly closers: ReadonlyArray<() => Promise<void>>;
}

/** Starts and stops the agent's parts in order. */
export class AgentRuntime implements Agent {
  readonly config: AgentConfig;
  readonly core: MedicCore;
  readonly pipeline: KillPipeline;
  readonly api: Hono;
  #stopping: Promise<void> | null = null;

  constructor(private readonly parts: AgentParts) {
    this.config = parts.config;
    this.core = parts.core;
    this.pipeline = parts.pipeline;
    this.api = parts.api;
  }

  health(): Promise<HealthReport> {
    return this.parts.health.report();
  }

  address(): { host: string; port: number } | null {
    return this.parts.server?.address() ?? null;
  }

  async start(): Promise<void> {
    const { config, calibration, server, pipeline, loop, logger, version, notifier } = this.parts;
    await this.parts.open();
    await calibration.start();
    await notifier?.start();
    await server?.start();
    const resumed = await pipeline.resume();
    if (resumed > 0) logger.info(`re-checking ${resumed} resurrection(s) left unfinished`);
    loop.start();
    logger.info(`Medic ${version} started in ${config.mode} mode`, {
      stream: config.redis.stream,
      consumer: config.redis.consumer,
      database: config.databasePath,
      concurrency: config.resurrection.concurrency,
      threat_intel: this.core.threatIntel ? 'enabled' : 'disabled',
      signed_reports: config.signing.required ? 'required' : config.signing.keys.size > 0 ? 'checked when signed' : 'not checked',
      signing_keys: config.signing.keys.size > 0 ? [...config.signing.keys.keys()].join(',') : undefined,
      verify_kill: config.docker.verifyKill,
      webhooks: config.notify.webhooks.length > 0 ? config.notify.webhooks.map((w) => `${w.name} (${w.format})`).join(', ') : undefined,
    });
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const { config, pipeline, loop, server, calibration, logger, closers, notifier } = this.parts;
    const { running } = pipeline.status();
    logger.info(`stopping: no more reading; waiting up to ${config.resurrection.stopTimeoutSeconds} s for ${running} resurrection(s) in flight`);
    calibration.stop();
    await loop.stop();
    await pipeline.stop();
    const finished = await Promise.race([
      pipeline.inFlight().then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), config.resurrection.stopTimeoutSeconds * 1000).unref()),
    ]);
    const left = pipeline.status();
    if (!finished || left.queued + left.waiting > 0) {
      logger.warn('left for the next start, unacknowledged and re-checked then', { running: finished ? 0 : left.running, queued: left.queued, waiting: left.waiting });
    }
    // After the resurrections in flight, whose outcomes queue notifications; what is not delivered waits for the next start.
    await notifier?.stop();
    await server?.close();
    for (const close of closers) await close();
    logger.info('stopped');
  }
}
