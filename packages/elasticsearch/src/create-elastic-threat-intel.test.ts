import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MedicError } from '@medic/domain';
import { createElasticClient, createElasticThreatIntel } from './create-elastic-threat-intel';
import type { ElasticThreatIntelConfig } from './create-elastic-threat-intel';
import type { ElasticThreatIntel } from './elastic-threat-intel';
import { alertsAnswer } from './testing/alerts-answer';
import { closedPortUrl, silentTlsNode, startLocalNode } from './testing/local-node';
import type { LocalNode } from './testing/local-node';
import { TEST_CERT, TEST_KEY } from './testing/tls-fixture';

const nodes: LocalNode[] = [];
const intels: ElasticThreatIntel[] = [];
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'medic-es-'));
});
afterEach(async () => {
  await Promise.all(intels.splice(0).map((intel) => intel.close()));
  await Promise.all(nodes.splice(0).map((node) => node.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function node(options: Parameters<typeof startLocalNode>[0]): Promise<LocalNode> {
  const started = await startLocalNode(options);
  nodes.push(started);
  return started;
}

function intelFor(config: ElasticThreatIntelConfig): ElasticThreatIntel {
  const intel = createElasticThreatIntel(config);
  intels.push(intel);
  return intel;
}

function thrown(build: () => unknown): MedicError {
  try {
    build();
  } catch (error) {
    if (error instanceof MedicError) return error;
    throw error;
  }
  throw new Error('expected a MedicError');
}

describe('createElasticThreatIntel authentication', () => {
  it('sends an API key', async () => {
    const es = await node({ behaviour: 'answer' });
    const lookup = await intelFor({ node: es.url, apiKey: 'a2V5OnNlY3JldA==' }).lookup('nginx-test');
    expect(lookup.status).toBe('answered');
    expect(es.requests[0]?.headers.authorization).toBe('ApiKey a2V5OnNlY3JldA==');
  });

  it('sends a username and password as basic auth', async () => {
    const es = await node({ behaviour: 'answer' });
    await intelFor({ node: es.url, username: 'medic', password: 's3cret' }).lookup('nginx-test');
    expect(es.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('medic:s3cret').toString('base64')}`);
  });

  it('sends no credentials when none are configured', async () => {
    const es = await node({ behaviour: 'answer' });
    await intelFor({ node: es.url }).lookup('nginx-test');
    expect(es.requests).toHaveLength(1);
    expect(es.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('rejects an API key together with a username, and a username without a password', () => {
    expect(thrown(() => createElasticThreatIntel({ node: 'http://127.0.0.1:9200', apiKey: 'k', username: 'u', password: 'p' })).code).toBe('siem_config_invalid');
    expect(thrown(() => createElasticThreatIntel({ node: 'http://127.0.0.1:9200', username: 'u' })).code).toBe('siem_config_invalid');
  });
});

describe('createElasticThreatIntel CA file', () => {
  it('trusts the cluster certificate signed by the CA file, read at construction', async () => {
    const es = await node({ behaviour: 'answer', tls: { cert: TEST_CERT, key: TEST_KEY } });
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, TEST_CERT);
    const intel = intelFor({ node: es.url, caFile });
    rmSync(caFile);
    expect(await intel.health()).toEqual({ status: 'up' });
    expect((await intel.lookup('nginx-test')).status).toBe('answered');
  });

  it('does not trust the same cluster without the CA file', async () => {
    const es = await node({ behaviour: 'answer', tls: { cert: TEST_CERT, key: TEST_KEY } });
    const lookup = await intelFor({ node: es.url }).lookup('nginx-test');
    expect(lookup.status).toBe('unavailable');
  });

  it('fails at construction when the CA file cannot be read', () => {
    const error = thrown(() => createElasticThreatIntel({ node: 'https://127.0.0.1:9200', caFile: join(dir, 'missing.pem') }));
    expect(error.code).toBe('siem_ca_unreadable');
    expect(error.message).toContain('missing.pem');
  });
});

describe('createElasticThreatIntel over real sockets', () => {
  it('gives up on a cluster that never answers after one request and the timeout', async () => {
    const es = await node({ behaviour: 'hang' });
    const intel = intelFor({ node: es.url, requestTimeoutMs: 200 });
    const lookup = await intel.lookup('nginx-test');
    expect(lookup.status).toBe('unavailable');
    // Medic's own timer gave up (its reason), after one request: no retries on top of the timeout.
    if (lookup.status === 'unavailable') expect(lookup.reason).toMatch(/^Elasticsearch did not answer within 200 ms/);
    expect(es.requests).toHaveLength(1);
  });

  it('gives up on a connection that never completes within the timeout, not the client\'s connect timeout', async () => {
    const silent = await silentTlsNode();
    try {
      const intel = intelFor({ node: silent.url, requestTimeoutMs: 300 });
      const lookup = await intel.lookup('nginx-test');
      // Medic's timer, not undici's 10 s connect timeout, gave up: the reason is Medic's own.
      expect(lookup).toEqual({ status: 'unavailable', reason: 'Elasticsearch did not answer within 300 ms' });
      expect(silent.connections()).toBe(1);
    } finally {
      await silent.close();
    }
  });

  it('reports a refused connection as unavailable and down', async () => {
    const intel = intelFor({ node: await closedPortUrl() });
    const lookup = await intel.lookup('nginx-test');
    expect(lookup.status).toBe('unavailable');
    if (lookup.status === 'unavailable') expect(lookup.reason).toMatch(/^Elasticsearch unreachable: /);
    expect((await intel.health()).status).toBe('down');
  });
});

describe('createElasticThreatIntel against Elasticsearch 8 and 9', () => {
  it.each([8, 9] as const)('looks up and checks health on Elasticsearch %i, asking for compatibility with 8', async (major) => {
    const es = await node({ behaviour: 'answer', major, search: () => alertsAnswer({ total: 2, max: 80, avg: 60, statuses: { open: 2 } }) });
    const intel = intelFor({ node: es.url });
    const lookup = await intel.lookup('nginx-test');
    expect(lookup).toMatchObject({ status: 'answered', context: { alertCount: 2, openCount: 2 } });
    expect(await intel.health()).toEqual({ status: 'up' });
    expect(es.requests).toHaveLength(2);
    for (const request of es.requests) {
      expect(request.headers.accept).toBe('application/vnd.elasticsearch+json; compatible-with=8');
      expect(request.headers['content-type']).toBe('application/vnd.elasticsearch+json; compatible-with=8');
      expect(request.url).toBe('/.alerts-security.alerts-*/_search?allow_no_indices=false&ignore_unavailable=false&allow_partial_search_results=false');
    }
  });
});

describe('createElasticThreatIntel fails closed', () => {
  it('counts a wrong index as unavailable, not as no alerts, and is down', async () => {
    const es = await node({ behaviour: 'answer', indices: ['.alerts-security.alerts-default'] });
    const intel = intelFor({ node: es.url, index: '.alerts-securty.alerts-*' });
    const reason = 'Elasticsearch answered HTTP 404: index_not_found_exception: no such index [[.alerts-securty.alerts-*]]';
    expect(await intel.lookup('nginx-test')).toEqual({ status: 'unavailable', reason });
    expect(await intel.health()).toEqual({ status: 'down', detail: reason });
  });

  it('counts alerts indices the key may not read as unavailable', async () => {
    const es = await node({ behaviour: 'answer', indices: ['.alerts-security.alerts-default'], key: { monitor: true, read: ['logs-*'] } });
    const byPattern = await intelFor({ node: es.url }).lookup('nginx-test');
    expect(byPattern).toEqual({ status: 'unavailable', reason: 'Elasticsearch answered HTTP 404: index_not_found_exception: no such index [[.alerts-security.alerts-*]]' });
    const byName = await intelFor({ node: es.url, index: '.alerts-security.alerts-default' }).lookup('nginx-test');
    expect(byName.status).toBe('unavailable');
    if (byName.status === 'unavailable') expect(byName.reason).toMatch(/^Elasticsearch answered HTTP 403: security_exception: action \[indices:data\/read\/search\] is unauthorized/);
  });

  it('works end to end with a key that may only read the alerts indices, which the client\'s ping cannot', async () => {
    const es = await node({ behaviour: 'answer', key: { monitor: false, read: ['.alerts-security.alerts-*'] } });
    const intel = intelFor({ node: es.url, apiKey: 'cmVhZDpvbmx5' });
    expect(await intel.health()).toEqual({ status: 'up' });
    expect((await intel.lookup('nginx-test')).status).toBe('answered');
    const client = createElasticClient({ node: es.url, apiKey: 'cmVhZDpvbmx5' });
    try {
      await expect(client.ping()).rejects.toMatchObject({ name: 'ResponseError', statusCode: 403 });
    } finally {
      await client.close();
    }
  });
});
