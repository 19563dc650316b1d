import { randomBytes } from 'node:crypto';
import { threatIntelContract } from '@medic/testkit';
import { createElasticClient, createElasticThreatIntel } from './create-elastic-threat-intel';
import type { ElasticConnectionOptions } from './create-elastic-threat-intel';
import { loadSampleAlerts, sampleAlerts } from './sample-alerts';
import { closedPortUrl } from './testing/local-node';

const url = process.env.ELASTICSEARCH_URL ?? '';
// Needs a real cluster. `pnpm test` leaves this file out unless ELASTICSEARCH_URL is set and names it as not run
// (jest.config.js); run on its own without a cluster, it fails saying so.
if (url === '') {
  throw new Error('ElasticThreatIntel real-cluster tests need Elasticsearch: set ELASTICSEARCH_URL (and optionally ELASTICSEARCH_API_KEY, ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD, ELASTICSEARCH_CA_FILE)');
}

const env = process.env;
const connection: ElasticConnectionOptions = {
  node: url,
  requestTimeoutMs: 10_000,
  ...(env.ELASTICSEARCH_API_KEY ? { apiKey: env.ELASTICSEARCH_API_KEY } : {}),
  ...(env.ELASTICSEARCH_USERNAME ? { username: env.ELASTICSEARCH_USERNAME } : {}),
  ...(env.ELASTICSEARCH_PASSWORD ? { password: env.ELASTICSEARCH_PASSWORD } : {}),
  ...(env.ELASTICSEARCH_CA_FILE ? { caFile: env.ELASTICSEARCH_CA_FILE } : {}),
};
const index = `medic-test-alerts-${randomBytes(4).toString('hex')}`;
const MODULE = 'nginx-test';
const HOT = 'nginx-hot';
const client = createElasticClient(connection);
// Queried through a wildcard pattern, as the real alerts indices are.
const intel = createElasticThreatIntel({ ...connection, index: `${index}*`, lookbackHours: 24 });

beforeAll(async () => {
  // No ping: it needs the monitor privilege, which these tests do not otherwise need. Only the host is shown: the URL may carry credentials.
  await loadSampleAlerts(client, index, MODULE).catch((error: Error) => {
    throw new Error(`Elasticsearch at ${new URL(url).host}: loading the test alerts failed: ${error.message}`, { cause: error });
  });
  // The open threat-match alert and the acknowledged one, for a module with only live high-risk alerts.
  const hot = await client.bulk({ index, refresh: true, operations: sampleAlerts(HOT).slice(0, 2).flatMap((doc) => [{ index: {} }, doc]) });
  if (hot.errors) throw new Error(`indexing the ${HOT} alerts failed: ${JSON.stringify(hot.items)}`);
});

afterAll(async () => {
  try {
    await client.indices.delete({ index, ignore_unavailable: true });
  } finally {
    await Promise.all([client.close(), intel.close()]);
  }
});

describe('ElasticThreatIntel on a real cluster', () => {
  it('counts the sample alerts of the module as sample-alerts.ts documents', async () => {
    const lookup = await intel.lookup(MODULE);
    if (lookup.status !== 'answered') throw new Error(`expected an answer, got ${JSON.stringify(lookup)}`);
    const { indicators, riskScore, ...counts } = lookup.context;
    expect(counts).toEqual({ alertCount: 5, openCount: 2, falsePositiveCount: 2, recommendation: 'review', lookbackHours: 24 });
    expect([...indicators].sort()).toEqual(['203.0.113.66', 'evil.example.net']);
    expect(riskScore).toBeCloseTo(((0.7 * 99 + 0.3 * 57.4) / 100) * (1 - 2 / 5), 3);
  });

  it('finds nothing for a module without alerts', async () => {
    const lookup = await intel.lookup('nginx-quiet');
    expect(lookup).toEqual(expect.objectContaining({ status: 'answered', context: expect.objectContaining({ alertCount: 0, indicators: [] }) }));
  });

  it('counts a pattern that matches no index as unavailable and down, not as no alerts', async () => {
    const wrong = createElasticThreatIntel({ ...connection, index: `${index}-missing*` });
    try {
      const lookup = await wrong.lookup(MODULE);
      expect(lookup.status).toBe('unavailable');
      if (lookup.status === 'unavailable') expect(lookup.reason).toMatch(/^Elasticsearch answered HTTP 404: index_not_found_exception: no such index/);
      expect(await wrong.health()).toEqual(expect.objectContaining({ status: 'down' }));
    } finally {
      await wrong.close();
    }
  });

  it('is up by a search of the alerts index', async () => {
    expect(await intel.health()).toEqual({ status: 'up' });
  });
});

threatIntelContract('ElasticThreatIntel on a real cluster', async () => {
  const unreachable = createElasticThreatIntel({ node: await closedPortUrl(), requestTimeoutMs: 1000 });
  return { intel, hotModule: HOT, quietModule: 'nginx-quiet', unreachable, cleanup: () => unreachable.close() };
});
