import { DEFAULT_DOCKER_SOCKET } from '@medic/docker';
import { redactUrl } from '@medic/redis';
import { inspectStore } from '@medic/sqlite';
import type { AgentConfig, WebhookConfig } from './config';
import { dockerResurrector, elasticThreatIntel, redisKillSource } from './real-adapters';

/** One line of `--check`: what was checked, and how it went. */
export interface CheckResult {
  readonly status: 'ok' | 'FAILED' | 'skipped';
  readonly subject: string;
  readonly detail: string;
}

/**
 * Checks what the agent needs before it starts, as the agent itself would reach it, and starts nothing: Redis with the
 * configured URL, credentials and TLS (the kill source's own open, which creates the consumer group as the agent's first
 * start would, then its health), the Docker engine (a ping), the store (read-only: it is never created or migrated
 * here), threat intel when enabled (its health search), and each webhook (a HEAD request: it proves the URL resolves,
 * connects, passes TLS and gets an HTTP answer, and posts no message).
 */
export async function runChecks(config: AgentConfig): Promise<CheckResult[]> {
  const results: CheckResult[] = [configResult(config)];
  results.push(await checkRedis(config));
  results.push(await checkDocker(config));
  results.push(checkStore(config));
  results.push(await checkThreatIntel(config));
  for (const webhook of config.notify.webhooks) results.push(await checkWebhook(webhook, config.notify.timeoutMs));
  return results;
}

/** The lines `--check` prints: status, what, detail. */
export function formatResults(results: readonly CheckResult[]): string[] {
  return results.map((r) => `${r.status.padEnd(7)} ${r.subject}: ${r.detail}`);
}

function configResult(config: AgentConfig): CheckResult {
  const webhooks = config.notify.webhooks.length;
  return {
    status: 'ok',
    subject: `configuration ${config.file ?? '(built-in defaults)'}`,
    detail: `valid; ${config.mode} mode, auto-approve ${config.policy.autoApprove.enabled ? 'on' : 'off'}, ${webhooks} webhook${webhooks === 1 ? '' : 's'}`,
  };
}

async function checkRedis(config: AgentConfig): Promise<CheckResult> {
  const subject = `redis ${redactUrl(config.redis.url)}`;
  let source: ReturnType<typeof redisKillSource> | null = null;
  try {
    source = redisKillSource(config, null);
    await source.open();
    const health = await source.health();
    if (health.status !== 'up') return { status: 'FAILED', subject, detail: health.detail ?? 'does not answer' };
    return { status: 'ok', subject, detail: `answers; consumer group ${config.redis.group} on stream ${config.redis.stream} is ready` };
  } catch (error) {
    return { status: 'FAILED', subject, detail: messageOf(error) };
  } finally {
    await source?.close();
  }
}

async function checkDocker(config: AgentConfig): Promise<CheckResult> {
  const subject = `docker ${config.docker.host ?? `unix://${DEFAULT_DOCKER_SOCKET}`}`;
  try {
    const health = await dockerResurrector(config).health();
    return health.status === 'up' ? { status: 'ok', subject, detail: 'the engine answers' } : { status: 'FAILED', subject, detail: health.detail ?? 'does not answer' };
  } catch (error) {
    return { status: 'FAILED', subject, detail: messageOf(error) };
  }
}

function checkStore(config: AgentConfig): CheckResult {
  const subject = `store ${config.databasePath}`;
  const found = inspectStore(config.databasePath);
  switch (found.status) {
    case 'ready': {
      const pending = found.pendingMigrations.length === 0 ? 'schema up to date' : `migrations ${found.pendingMigrations.join(', ')} run at the next start`;
      return { status: 'ok', subject, detail: `${found.records} record(s), ${pending}` };
    }
    case 'absent':
      return { status: 'ok', subject, detail: `not created yet; the agent creates it at its first start (${found.directory} is writable)` };
    case 'unusable':
      return { status: 'FAILED', subject, detail: found.reason };
  }
}

async function checkThreatIntel(config: AgentConfig): Promise<CheckResult> {
  const subject = `threat intel ${config.siem.node}`;
  if (!config.siem.enabled) return { status: 'skipped', subject: 'threat intel', detail: 'disabled (siem.enabled is false)' };
  let intel: ReturnType<typeof elasticThreatIntel> = null;
  try {
    intel = elasticThreatIntel(config);
    const health = await intel!.health();
    return health.status === 'up' ? { status: 'ok', subject, detail: `answers a search of ${config.siem.index}` } : { status: 'FAILED', subject, detail: health.detail ?? 'does not answer' };
  } catch (error) {
    return { status: 'FAILED', subject, detail: messageOf(error) };
  } finally {
    await intel?.close();
  }
}

async function checkWebhook(webhook: WebhookConfig, timeoutMs: number): Promise<CheckResult> {
  const subject = `webhook ${webhook.name} (${webhook.format}, ${webhook.origin})`;
  const headers: Record<string, string> = {};
  for (const [name, value] of webhook.headers) headers[name] = value.revealText();
  try {
    const response = await fetch(webhook.url.revealText(), { method: 'HEAD', headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const answer = `answered HEAD with HTTP ${response.status}`;
    if (response.status === 401 || response.status === 403 || response.status === 407) return { status: 'FAILED', subject, detail: `${answer}: it refuses the configured credentials` };
    if (response.status >= 500) return { status: 'FAILED', subject, detail: `${answer}: a server error` };
    return { status: 'ok', subject, detail: `${answer} (reachable; no message was sent)` };
  } catch (error) {
    const cause = (error as { cause?: { message?: unknown } } | null)?.cause;
    return { status: 'FAILED', subject, detail: `not reachable: ${typeof cause?.message === 'string' ? cause.message : messageOf(error)}` };
  }
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
