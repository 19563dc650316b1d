import { errors } from '@elastic/elasticsearch';
import { ElasticThreatIntel } from './elastic-threat-intel';
import type { ElasticSearchClient } from './elastic-client';
import { NO_ALERTS_RISK, UNSCORED_ALERTS_RISK } from './threat-context';
import { alertsAnswer } from './testing/alerts-answer';
import { MockCluster, responseError } from './testing/mock-cluster';

let cluster: MockCluster;
beforeEach(() => {
  cluster = new MockCluster();
});

async function answered(intel: ElasticThreatIntel, module = 'nginx-test') {
  const lookup = await intel.lookup(module);
  if (lookup.status !== 'answered') throw new Error(`expected an answer, got ${JSON.stringify(lookup)}`);
  return lookup.context;
}

describe('ElasticThreatIntel request', () => {
  it('sends one size-0 search with the module filters and every aggregation to the alerts index pattern', async () => {
    cluster.onSearch(() => alertsAnswer());
    await answered(cluster.intel(), 'nginx-test');
    expect(cluster.searches).toHaveLength(1);
    expect(cluster.searches[0]).toMatchObject({
      method: 'POST',
      path: '/.alerts-security.alerts-*/_search',
      querystring: { allow_no_indices: 'false', ignore_unavailable: 'false', allow_partial_search_results: 'false' },
    });
    expect(cluster.searches[0]?.body).toEqual({
      size: 0,
      track_total_hits: true,
      query: {
        bool: {
          filter: [
            { range: { '@timestamp': { gte: 'now-24h' } } },
            {
              bool: {
                should: [
                  { term: { 'container.name': 'nginx-test' } },
                  { term: { 'service.name': 'nginx-test' } },
                  { term: { 'orchestrator.resource.name': 'nginx-test' } },
                ],
                minimum_should_match: 1,
              },
            },
          ],
          must_not: [{ exists: { field: 'kibana.alert.building_block_type' } }],
        },
      },
      aggs: {
        max_risk: { max: { field: 'kibana.alert.risk_score' } },
        avg_risk: { avg: { field: 'kibana.alert.risk_score' } },
        statuses: { terms: { field: 'kibana.alert.workflow_status', size: 10 } },
        false_positives: {
          filter: {
            bool: {
              filter: [{ term: { 'kibana.alert.workflow_status': 'closed' } }],
              should: [{ term: { 'kibana.alert.workflow_reason': 'false_positive' } }, { terms: { 'kibana.alert.workflow_tags': ['False Positive'] } }],
              minimum_should_match: 1,
            },
          },
        },
        threat_matches: { filter: { term: { 'kibana.alert.rule.type': 'threat_match' } } },
        enrichments: {
          nested: { path: 'threat.enrichments' },
          aggs: { indicators: { terms: { field: 'threat.enrichments.matched.atomic', size: 20 } } },
        },
      },
    });
  });

  it('uses the configured index pattern and look-back', async () => {
    cluster.onSearch(() => alertsAnswer(), 'siem-alerts-*');
    const context = await answered(cluster.intel({ index: 'siem-alerts-*', lookbackHours: 6 }));
    expect(context.lookbackHours).toBe(6);
    const body = cluster.searches[0]?.body as { query: { bool: { filter: unknown[] } } };
    expect(body.query.bool.filter[0]).toEqual({ range: { '@timestamp': { gte: 'now-6h' } } });
  });

  it('counts the configured false-positive tags, or only the closing reason when there are none', async () => {
    cluster.onSearch(() => alertsAnswer());
    await answered(cluster.intel({ falsePositiveTags: ['Faux positif', 'FP'] }));
    await answered(cluster.intel({ falsePositiveTags: [] }));
    const shoulds = cluster.searches.map((search) => (search.body as { aggs: { false_positives: { filter: { bool: { should: unknown[] } } } } }).aggs.false_positives.filter.bool.should);
    expect(shoulds[0]).toEqual([{ term: { 'kibana.alert.workflow_reason': 'false_positive' } }, { terms: { 'kibana.alert.workflow_tags': ['Faux positif', 'FP'] } }]);
    expect(shoulds[1]).toEqual([{ term: { 'kibana.alert.workflow_reason': 'false_positive' } }]);
  });

  it('writes a fractional look-back in whole minutes', async () => {
    cluster.onSearch(() => alertsAnswer());
    await answered(cluster.intel({ lookbackHours: 1.5 }));
    const body = cluster.searches[0]?.body as { query: { bool: { filter: unknown[] } } };
    expect(body.query.bool.filter[0]).toEqual({ range: { '@timestamp': { gte: 'now-90m' } } });
  });
});

describe('ElasticThreatIntel mapping', () => {
  it('maps no alerts to low risk and allow', async () => {
    cluster.onSearch(() => alertsAnswer());
    expect(await answered(cluster.intel())).toEqual({
      riskScore: NO_ALERTS_RISK,
      alertCount: 0,
      openCount: 0,
      falsePositiveCount: 0,
      indicators: [],
      recommendation: 'allow',
      lookbackHours: 24,
    });
  });

  it('maps open high-risk alerts to high risk and deny, counting acknowledged as open', async () => {
    cluster.onSearch(() => alertsAnswer({ total: 4, max: 95, avg: 85, statuses: { open: 2, acknowledged: 1, closed: 1 } }));
    const context = await answered(cluster.intel());
    expect(context.riskScore).toBeCloseTo(0.92, 4); // (0.7 × 95 + 0.3 × 85) / 100
    expect(context).toMatchObject({ alertCount: 4, openCount: 3, falsePositiveCount: 0, recommendation: 'deny' });
  });

  it('discounts alerts closed as false positives', async () => {
    cluster.onSearch(() => alertsAnswer({ total: 4, max: 80, avg: 80, statuses: { closed: 3, open: 1 }, falsePositives: 3 }));
    const context = await answered(cluster.intel());
    expect(context.riskScore).toBeCloseTo(0.2, 4); // 0.8 × (1 − 3/4)
    expect(context).toMatchObject({ alertCount: 4, openCount: 1, falsePositiveCount: 3, recommendation: 'allow' });
  });

  it('maps alerts all closed as false positives to zero risk', async () => {
    cluster.onSearch(() => alertsAnswer({ total: 2, max: 99, avg: 99, statuses: { closed: 2 }, falsePositives: 2 }));
    expect(await answered(cluster.intel())).toMatchObject({ riskScore: 0, openCount: 0, falsePositiveCount: 2, recommendation: 'allow' });
  });

  it('reports threat-match indicators and asks for review even at low risk', async () => {
    cluster.onSearch(() =>
      alertsAnswer({ total: 1, max: 21, avg: 21, statuses: { open: 1 }, threatMatches: 1, indicators: { '203.0.113.66': 1, 'evil.example.net': 1 } }),
    );
    const context = await answered(cluster.intel());
    expect(context.indicators).toEqual(['203.0.113.66', 'evil.example.net']);
    expect(context.riskScore).toBeCloseTo(0.21, 4);
    expect(context.recommendation).toBe('review');
  });

  it('treats null risk metrics on existing alerts as unscored, not as no risk', async () => {
    cluster.onSearch(() => alertsAnswer({ total: 2, max: null, avg: null, statuses: { open: 2 } }));
    expect(await answered(cluster.intel())).toMatchObject({ riskScore: UNSCORED_ALERTS_RISK, alertCount: 2, openCount: 2, recommendation: 'review' });
  });

  it('reads hits.total given as a number and as an object alike', async () => {
    const figures = { total: 3, max: 50, avg: 40, statuses: { open: 3 } };
    cluster.onSearch(() => alertsAnswer({ ...figures, totalAsNumber: true }), 'as-number');
    cluster.onSearch(() => alertsAnswer(figures), 'as-object');
    const asNumber = await answered(cluster.intel({ index: 'as-number' }));
    const asObject = await answered(cluster.intel({ index: 'as-object' }));
    expect(asNumber.alertCount).toBe(3);
    expect(asNumber).toEqual(asObject);
  });

  it('reads keyed buckets like bucket arrays', async () => {
    const figures = { total: 3, max: 60, avg: 50, statuses: { open: 1, acknowledged: 1, closed: 1 }, threatMatches: 1, indicators: { 'bad.example.org': 2 } };
    cluster.onSearch(() => alertsAnswer({ ...figures, keyed: true }), 'keyed');
    cluster.onSearch(() => alertsAnswer(figures), 'arrays');
    const keyed = await answered(cluster.intel({ index: 'keyed' }));
    expect(keyed).toMatchObject({ openCount: 2, indicators: ['bad.example.org'] });
    expect(keyed).toEqual(await answered(cluster.intel({ index: 'arrays' })));
  });

  it('reports an answer with failed shards as unavailable, since its counts would be short', async () => {
    cluster.onSearch(() => ({ ...alertsAnswer({ total: 1, max: 90, avg: 90, statuses: { open: 1 } }), _shards: { total: 3, successful: 2, skipped: 0, failed: 1 } }));
    expect(await cluster.intel().lookup('nginx-test')).toEqual({ status: 'unavailable', reason: 'Elasticsearch answer unreadable: 1 of 3 shards failed' });
  });

  it('reports an answer without hits.total as unavailable', async () => {
    cluster.onSearch(() => ({ took: 1, aggregations: {} }));
    const lookup = await cluster.intel().lookup('nginx-test');
    expect(lookup).toEqual({ status: 'unavailable', reason: 'Elasticsearch answer unreadable: the answer has no hits.total' });
  });
});

describe('ElasticThreatIntel failures', () => {
  const failures: Array<[string, () => errors.ElasticsearchClientError, RegExp]> = [
    ['connection error', () => new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'), /^Elasticsearch unreachable: connect ECONNREFUSED/],
    ['timeout', () => new errors.TimeoutError('Request timed out'), /^Elasticsearch did not answer within 2000 ms/],
    ['5xx answer', () => responseError(503, 'unavailable_shards_exception'), /^Elasticsearch answered HTTP 503: unavailable_shards_exception/],
    [
      'missing index',
      () => responseError(404, 'index_not_found_exception', 'no such index [[.alerts-security.alerts-*]]'),
      /^Elasticsearch answered HTTP 404: index_not_found_exception: no such index \[\[\.alerts-security\.alerts-\*\]\]$/,
    ],
    [
      'missing privilege',
      () => responseError(403, 'security_exception', 'action [indices:data/read/search] is unauthorized for API key id [k] of user [medic] on indices [.alerts-security.alerts-default]'),
      /^Elasticsearch answered HTTP 403: security_exception: action \[indices:data\/read\/search\] is unauthorized/,
    ],
  ];

  it.each(failures)('turns a %s into unavailable after exactly one request', async (_name, failure, reason) => {
    cluster.onSearch(() => failure());
    const lookup = await cluster.intel().lookup('nginx-test');
    expect(lookup.status).toBe('unavailable');
    if (lookup.status === 'unavailable') expect(lookup.reason).toMatch(reason);
    expect(cluster.searches).toHaveLength(1);
  });

  it.each(failures)('sends a single request on a %s even through a client configured to retry', async (_name, failure) => {
    cluster.onSearch(() => failure());
    const intel = new ElasticThreatIntel({ client: cluster.retryingClient() });
    expect((await intel.lookup('nginx-test')).status).toBe('unavailable');
    expect(cluster.searches).toHaveLength(1);
  });

  it('turns anything an injected client throws into unavailable', async () => {
    const rejections: unknown[] = ['socket hang up', new Error('boom')];
    const client: ElasticSearchClient = { search: () => Promise.reject(rejections.shift()) };
    const intel = new ElasticThreatIntel({ client });
    expect(await intel.lookup('nginx-test')).toEqual({ status: 'unavailable', reason: 'Elasticsearch request failed: socket hang up' });
    expect(await intel.health()).toEqual({ status: 'down', detail: 'Elasticsearch request failed: Error: boom' });
  });
});

describe('ElasticThreatIntel health', () => {
  it('is up when a zero-size, fail-closed search of the configured index answers', async () => {
    cluster.onSearch(() => ({ took: 1, timed_out: false, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 }, hits: { max_score: null, hits: [] } }), 'siem-alerts-*');
    expect(await cluster.intel({ index: 'siem-alerts-*' }).health()).toEqual({ status: 'up' });
    expect(cluster.searches).toHaveLength(1);
    expect(cluster.searches[0]).toMatchObject({
      method: 'POST',
      path: '/siem-alerts-*/_search',
      querystring: { allow_no_indices: 'false', ignore_unavailable: 'false', allow_partial_search_results: 'false' },
      body: { size: 0, track_total_hits: false },
    });
  });

  it('is down with the reason when the index does not answer', async () => {
    cluster.onSearch(() => responseError(404, 'index_not_found_exception', 'no such index [[siem-alertz-*]]'), 'siem-alertz-*');
    expect(await cluster.intel({ index: 'siem-alertz-*' }).health()).toEqual({
      status: 'down',
      detail: 'Elasticsearch answered HTTP 404: index_not_found_exception: no such index [[siem-alertz-*]]',
    });
  });

  it('is down with the reason when the cluster is unreachable', async () => {
    cluster.onSearch(() => new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'));
    const health = await cluster.intel().health();
    expect(health.status).toBe('down');
    expect(health.detail).toMatch(/^Elasticsearch unreachable: connect ECONNREFUSED/);
  });
});
