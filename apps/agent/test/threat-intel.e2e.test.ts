// Threat intel wired through the agent's configuration: the real ElasticThreatIntel adapter talks HTTP to a
// stand-in Elasticsearch node on 127.0.0.1 (no real cluster can be installed here, DESIGN §12), with real Redis and SQLite.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type Redis from 'ioredis';
import { createAgent } from '../src/agent';
import type { Agent } from '../src/agent';
import { buildConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { connectRedis, killReport, publish, REDIS_URL, scratchDir, uniqueId, waitFor } from './support';

/** An alerts search answer: three open alerts with risk scores up to 95 and one threat-match indicator. */
const OPEN_CRITICAL_ALERTS = {
  took: 2,
  timed_out: false,
  _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
  hits: { total: { value: 3, relation: 'eq' }, max_score: null, hits: [] },
  aggregations: {
    max_risk: { value: 95 },
    avg_risk: { value: 88 },
    statuses: { buckets: [{ key: 'open', doc_count: 3 }] },
    false_positives: { doc_count: 0 },
    threat_matches: { doc_count: 1 },
    enrichments: { doc_count: 1, indicators: { buckets: [{ key: '203.0.113.9', doc_count: 1 }] } },
  },
};

let redis: Redis;
let node: { url: string; searches: string[]; server: Server };
const agents: Agent[] = [];
const cleanups: Array<() => void> = [];
const streams: string[] = [];

beforeAll(async () => {
  redis = await connectRedis();
  const searches: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url?.includes('_search')) searches.push(`${request.method} ${request.url} ${body}`);
      const answer = request.method === 'HEAD' ? '' : JSON.stringify(OPEN_CRITICAL_ALERTS);
      response.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      response.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  node = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, searches, server };
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.stop()));
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const stream of streams.splice(0)) await redis.del(stream, `${stream}.dead`);
});

afterAll(async () => {
  redis?.disconnect();
  await new Promise<void>((resolve) => node.server.close(() => resolve()));
});

async function agentWithThreatIntel(elasticsearchUrl: string) {
  const scratch = scratchDir();
  cleanups.push(scratch.remove);
  const stream = `medic-test:siem:${uniqueId()}`;
  streams.push(stream);
  const config = buildConfig(
    {
      mode: 'observer',
      smith: { event_bus: { topic: stream, consumer_name: 'siem-e2e', block_ms: 100 } },
      decision: { auto_approve: { enabled: true, min_confidence: 0.6, max_score: 0.4 } },
      siem: { enabled: true, node: 'http://127.0.0.1:1', index: 'medic-demo-alerts', timeout_ms: 1000 },
      api: { port: 0 },
    },
    { env: { REDIS_URL, ELASTICSEARCH_URL: elasticsearchUrl }, cwd: scratch.dir, file: null },
  );
  const agent = await createAgent({ config, logger: createLogger(config.logging, new PassThrough()) });
  agents.push(agent);
  await agent.start();
  return { agent, stream, base: `http://127.0.0.1:${agent.address()!.port}` };
}

async function decided(base: string, killId: string): Promise<Record<string, unknown>> {
  return waitFor(`decision ${killId}`, async () => {
    const response = await fetch(`${base}/decisions/${killId}`);
    return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
  });
}

describe('threat intel in the agent', () => {
  it('denies a low-risk kill when threat intel reports open critical alerts for the module', async () => {
    const { stream, base } = await agentWithThreatIntel(node.url);
    const report = killReport({ target_module: 'nginx-test' });
    await publish(redis, stream, report);

    const record = await decided(base, report.kill_id as string);
    expect(record).toMatchObject({ decision: 'deny', guard: 'open_threat_alerts' });
    expect(record.threat_intel).toMatchObject({ status: 'answered', open_count: 3, recommendation: 'deny', indicators: ['203.0.113.9'] });
    expect((record.factors as Array<{ name: string }>).map((f) => f.name)).toContain('siem_risk_score');
    expect((record.reasoning as string[])[0]).toContain('open alert');
    // The request went to the configured index, filtered on the module.
    const search = node.searches.find((s) => s.includes('nginx-test'));
    expect(search).toContain('/medic-demo-alerts/_search');
    const health = (await (await fetch(`${base}/health`)).json()) as { checks: { threat_intel: { status: string } } };
    expect(health.checks.threat_intel.status).toBe('up');
  });

  it('decides the same kill on the remaining factors when threat intel is down, and says so', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const { stream, base } = await agentWithThreatIntel(url);
    const report = killReport({ target_module: 'nginx-test' });
    await publish(redis, stream, report);

    const record = await decided(base, report.kill_id as string);
    expect(record).toMatchObject({ decision: 'approve_auto', guard: null, risk_score: 0.37 });
    expect(record.threat_intel).toMatchObject({ status: 'unavailable', reason: expect.any(String) });
    expect((record.factors as Array<{ name: string }>).map((f) => f.name)).not.toContain('siem_risk_score');
    expect((record.reasoning as string[]).join(' ')).toMatch(/threat intel.*unavailable/i);
    const health = (await (await fetch(`${base}/health`)).json()) as { status: string; checks: { threat_intel: { status: string } } };
    expect(health.checks.threat_intel.status).toBe('down');
    expect(health.status).toBe('degraded');
  });
});
