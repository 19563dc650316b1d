import type { HealthCheck, ThreatIntel, ThreatLookup } from '@medic/domain';
import { buildAlertSearch, DEFAULT_ALERTS_INDEX, DEFAULT_LOOKBACK_HOURS } from './alert-query';
import { readAlertSummary } from './alert-summary';
import { describeFailure } from './describe-failure';
import type { ElasticRequestOptions, ElasticSearchClient } from './elastic-client';
import { toThreatContext } from './threat-context';

export const DEFAULT_REQUEST_TIMEOUT_MS = 2000;

export interface ElasticThreatIntelOptions {
  readonly client: ElasticSearchClient;
  /** Index pattern of the alerts (default `.alerts-security.alerts-*`). */
  readonly index?: string;
  /** Look-back window in hours (default 24). */
  readonly lookbackHours?: number;
  /** Per-request timeout, also applied to an injected client (default 2000 ms). */
  readonly requestTimeoutMs?: number;
}

/** Threat context from Elastic Security alerts: one search per kill, no retries, failures become "unavailable" (DESIGN §8). */
export class ElasticThreatIntel implements ThreatIntel {
  private readonly client: ElasticSearchClient;
  private readonly index: string;
  private readonly lookbackHours: number;
  private readonly requestTimeoutMs: number;
  /** Set on every request so a slow or absent cluster costs one timeout, whatever client was injected. */
  private readonly requestOptions: ElasticRequestOptions;

  constructor(options: ElasticThreatIntelOptions) {
    this.client = options.client;
    this.index = options.index ?? DEFAULT_ALERTS_INDEX;
    this.lookbackHours = options.lookbackHours ?? DEFAULT_LOOKBACK_HOURS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.requestOptions = { requestTimeout: this.requestTimeoutMs, maxRetries: 0 };
  }

  async lookup(module: string): Promise<ThreatLookup> {
    let body: unknown;
    try {
      body = await this.client.search(buildAlertSearch(module, this.index, this.lookbackHours), this.requestOptions);
    } catch (error) {
      return { status: 'unavailable', reason: describeFailure(error, this.requestTimeoutMs) };
    }
    const summary = readAlertSummary(body);
    if (!summary.ok) return { status: 'unavailable', reason: `Elasticsearch answer unreadable: ${summary.error}` };
    return { status: 'answered', context: toThreatContext(summary.value, this.lookbackHours) };
  }

  async health(): Promise<HealthCheck> {
    try {
      const up = await this.client.ping(undefined, this.requestOptions);
      return up ? { status: 'up' } : { status: 'down', detail: 'Elasticsearch did not answer the ping' };
    } catch (error) {
      return { status: 'down', detail: describeFailure(error, this.requestTimeoutMs) };
    }
  }

  /** Releases the client's connections (not part of the port: the composition root calls it on shutdown). */
  async close(): Promise<void> {
    await this.client.close?.();
  }
}
