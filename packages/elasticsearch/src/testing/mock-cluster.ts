import { Client, errors } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import Mock from '@elastic/elasticsearch-mock';
import type { MockPattern } from '@elastic/elasticsearch-mock';
import { DEFAULT_ALERTS_INDEX } from '../alert-query';
import { createElasticThreatIntel } from '../create-elastic-threat-intel';
import type { ElasticThreatIntelConfig } from '../create-elastic-threat-intel';
import type { ElasticThreatIntel } from '../elastic-threat-intel';

/** What a mock search handler answers: a body, or a client error the mock raises (ResponseError, ConnectionError, TimeoutError). */
export type SearchAnswer = Record<string, unknown> | errors.ElasticsearchClientError;

/** A ResponseError as Elasticsearch sends it for `status`; the mock answers it with that status code. */
export function responseError(status: number, type: string, reason = `${type} (mock)`): errors.ResponseError {
  const body: estypes.ErrorResponseBase = { error: { root_cause: [{ type, reason }], type, reason }, status };
  return new errors.ResponseError({ body, statusCode: status, warnings: null, meta: {} as errors.ResponseError['meta']['meta'] });
}

/** An @elastic/elasticsearch-mock cluster that records every search it receives. */
export class MockCluster {
  readonly mock = new Mock();
  /** Every search request the cluster received, in order. */
  readonly searches: MockPattern[] = [];
  private readonly answers = new Map<string, (request: MockPattern) => SearchAnswer>();

  constructor() {
    // find-my-way reads "*" in a route as a wildcard, so the alerts pattern cannot be a literal route: one parametric
    // route takes every search and the handler dispatches on the exact path the client sent.
    this.mock.add({ method: 'POST', path: '/:index/_search' }, (request) => {
      this.searches.push(request);
      const answer = this.answers.get(String(request.path));
      // The mock's typing lists bodies only, but it rejects with any client error returned.
      return (answer ? answer(request) : responseError(404, 'index_not_found_exception')) as Record<string, unknown>;
    });
  }

  /** Answers searches sent to exactly `/<index>/_search` (default: the Elastic Security alerts pattern). */
  onSearch(answer: (request: MockPattern) => SearchAnswer, index = DEFAULT_ALERTS_INDEX): this {
    this.answers.set(`/${index}/_search`, answer);
    return this;
  }

  /** ElasticThreatIntel through createElasticThreatIntel, talking to this mock. */
  intel(config: Partial<ElasticThreatIntelConfig> = {}): ElasticThreatIntel {
    return createElasticThreatIntel({ node: 'http://localhost:9200', ...config, Connection: this.mock.getConnection() });
  }

  /** A raw client on this mock with the client's usual retries, for proving the adapter disables them itself. */
  retryingClient(): Client {
    return new Client({ node: 'http://localhost:9200', Connection: this.mock.getConnection(), maxRetries: 3 });
  }
}
