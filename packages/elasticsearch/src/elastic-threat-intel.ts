import { err, ok } from '@medic/domain';
import type { DependencyStatus, Result, ThreatIntel, ThreatLookup } from '@medic/domain';
import { buildAlertSearch, buildHealthSearch, DEFAULT_ALERTS_INDEX, DEFAULT_FALSE_POSITIVE_TAGS, DEFAULT_LOOKBACK_HOURS } from './alert-query';
import type { AlertQuery } from './alert-query';
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
  /** Tags that mark a closed alert as a false positive (default ["False Positive"]). */
  readonly falsePositiveTags?: readonly string[];
  /** Per-request timeout, also applied to an injected client (default 2000 ms). */
  readonly requestTimeoutMs?: number;
}

/**
 * Threat context from Elastic Security alerts: one search per kill, no retries. It fails closed: an outage, a slow answer,
 * a wrong index or a missing privilege makes the lookup "unavailable", never "no alerts".
 */
export class ElasticThreatIntel implements ThreatIntel {
  private readonly client: ElasticSearchClient;
  private readonly query: AlertQuery;
  private readonly requestTimeoutMs: number;

  constructor(options: ElasticThreatIntelOptions) {
    this.client = options.client;
    this.query = {
      index: options.index ?? DEFAULT_ALERTS_INDEX,
      lookbackHours: options.lookbackHours ?? DEFAULT_LOOKBACK_HOURS,
      falsePositiveTags: options.falsePositiveTags ?? DEFAULT_FALSE_POSITIVE_TAGS,
    };
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /**
   * Runs one request with no retries under a deadline over the whole request, whatever client was injected. The client's
   * own timeout covers only the wait for the answer and fires up to a second late; connecting can take undici 10 s, and an
   * abort does not cut that short, so the answer is raced against the deadline and the request aborted behind it.
   */
  private async request<T>(run: (options: ElasticRequestOptions) => Promise<T>): Promise<Result<T, string>> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error('deadline'));
      }, this.requestTimeoutMs);
    });
    try {
      return ok(await Promise.race([run({ requestTimeout: this.requestTimeoutMs, maxRetries: 0, signal: controller.signal }), deadline]));
    } catch (error) {
      return err(controller.signal.aborted ? `Elasticsearch did not answer within ${this.requestTimeoutMs} ms` : describeFailure(error, this.requestTimeoutMs));
    } finally {
      clearTimeout(timer);
    }
  }

  async lookup(module: string): Promise<ThreatLookup> {
    const answer = await this.request((options) => this.client.search(buildAlertSearch(module, this.query), options));
    if (!answer.ok) return { status: 'unavailable', reason: answer.error };
    const summary = readAlertSummary(answer.value);
    if (!summary.ok) return { status: 'unavailable', reason: `Elasticsearch answer unreadable: ${summary.error}` };
    return { status: 'answered', context: toThreatContext(summary.value, this.query.lookbackHours) };
  }

  /** Up when the configured index answers a search: what the lookups need, with the same privilege and no `monitor`. */
  async health(): Promise<DependencyStatus> {
    const answer = await this.request((options) => this.client.search(buildHealthSearch(this.query.index), options));
    return answer.ok ? { status: 'up' } : { status: 'down', detail: answer.error };
  }

  /** Releases the client's connections (not part of the port: the composition root calls it on shutdown). */
  async close(): Promise<void> {
    await this.client.close?.();
  }
}
