import { threatIntelContract } from '@medic/testkit';
import type { MockPattern } from '@elastic/elasticsearch-mock';
import { createElasticThreatIntel } from './create-elastic-threat-intel';
import { alertsAnswer } from './testing/alerts-answer';
import { closedPortUrl, startLocalNode } from './testing/local-node';
import { MockCluster } from './testing/mock-cluster';

const HOT = 'nginx-hot';
const QUIET = 'nginx-quiet';

const HOT_ANSWER = { total: 3, max: 91, avg: 84, statuses: { open: 2, acknowledged: 1 }, threatMatches: 1, indicators: { '203.0.113.66': 1 } };

/** The module a search body asks about: the value of its container.name term. */
function moduleOf(body: unknown): unknown {
  const search = body as { query?: { bool?: { filter?: Array<{ bool?: { should?: Array<{ term?: Record<string, unknown> }> } }> } } };
  return search.query?.bool?.filter?.[1]?.bool?.should?.[0]?.term?.['container.name'];
}

// The answering cluster is @elastic/elasticsearch-mock; the unreachable one is a closed port on 127.0.0.1.
threatIntelContract('ElasticThreatIntel', async () => {
  const cluster = new MockCluster().onSearch((request: MockPattern) => (moduleOf(request.body) === HOT ? alertsAnswer(HOT_ANSWER) : alertsAnswer()));
  const unreachable = createElasticThreatIntel({ node: await closedPortUrl(), requestTimeoutMs: 1000 });
  return { intel: cluster.intel(), hotModule: HOT, quietModule: QUIET, unreachable, cleanup: () => unreachable.close() };
});

// Over HTTP: the stand-in node with Elasticsearch 8's compatibility checks and a key that may only read the alerts indices.
threatIntelContract('ElasticThreatIntel over HTTP, Elasticsearch 8, read-only key', async () => {
  const es = await startLocalNode({
    behaviour: 'answer',
    major: 8,
    key: { monitor: false, read: ['.alerts-security.alerts-*'] },
    search: (body) => (moduleOf(body) === HOT ? alertsAnswer(HOT_ANSWER) : alertsAnswer()),
  });
  const intel = createElasticThreatIntel({ node: es.url, apiKey: 'cmVhZDpvbmx5' });
  const unreachable = createElasticThreatIntel({ node: await closedPortUrl(), requestTimeoutMs: 1000 });
  return {
    intel,
    hotModule: HOT,
    quietModule: QUIET,
    unreachable,
    cleanup: async () => {
      await Promise.all([intel.close(), unreachable.close()]);
      await es.close();
    },
  };
});
