import { threatIntelContract } from '@medic/domain/testing';
import type { MockPattern } from '@elastic/elasticsearch-mock';
import { createElasticThreatIntel } from './create-elastic-threat-intel';
import { alertsAnswer } from './testing/alerts-answer';
import { closedPortUrl } from './testing/local-node';
import { MockCluster } from './testing/mock-cluster';

const HOT = 'nginx-hot';
const QUIET = 'nginx-quiet';

/** The module a search asks about: the value of its container.name term. */
function moduleOf(request: MockPattern): unknown {
  const body = request.body as { query?: { bool?: { filter?: Array<{ bool?: { should?: Array<{ term?: Record<string, unknown> }> } }> } } };
  return body.query?.bool?.filter?.[1]?.bool?.should?.[0]?.term?.['container.name'];
}

// The answering cluster is @elastic/elasticsearch-mock; the unreachable one is a closed port on 127.0.0.1.
threatIntelContract('ElasticThreatIntel', async () => {
  const cluster = new MockCluster()
    .onSearch((request) =>
      moduleOf(request) === HOT ? alertsAnswer({ total: 3, max: 91, avg: 84, statuses: { open: 2, acknowledged: 1 }, threatMatches: 1, indicators: { '203.0.113.66': 1 } }) : alertsAnswer(),
    )
    .onPing();
  const unreachable = createElasticThreatIntel({ node: await closedPortUrl(), requestTimeoutMs: 1000 });
  return { intel: cluster.intel(), hotModule: HOT, quietModule: QUIET, unreachable, cleanup: () => unreachable.close() };
});
