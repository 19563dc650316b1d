// Threat intel wired through the agent's configuration: the real ElasticThreatIntel adapter talks HTTP to the stand-in
// Elasticsearch node of @medic/elasticsearch (Elasticsearch 8's compatibility checks, index resolution, a read-only key; no
// real cluster can be installed here), with real Redis and SQLite.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type Redis from 'ioredis';
import { alertsAnswer, startLocalNode } from '@medic/elasticsearch/testing';
import type { LocalNode } from '@medic/elasticsearch/testing';
import { connectRedis, publish, REDIS_URL, scratchDir, uniqueId, waitFor } from '@medic/test-support';
import { createAgent } from '../src/agent';
import type { Agent } from '../src/agent';
import { buildConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { killReport, payloadEntry } from './harness';

const INDEX = 'medic-demo-alerts';

let redis: Redis;
let node: LocalNode;
const agents: Agent[] = [];
const cleanups: Array<() => void> = [];
const streams: string[] = [];

beforeAll(async () => {
  redis = await connectRedis();
  // Three open alerts with risk scores up to 95 and one threat-match indicator, readable by a key with only `read` on the index.
  node = await startLocalNode({
    behaviour: 'answer',
    major: 8,
    indices: [INDEX],
    key: { monitor: false, read: [INDEX] },
    search: () => alertsAnswer({ total: 3, max: 95, avg: 88, statuses: { open: 3 }, threatMatches: 1, indicators: { '203.0.113.9': 1 } }),
  });
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.stop()));
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const stream of streams.splice(0)) await redis.del(stream, `${stream}.dead`);
});

afterAll(async () => {
  redis?.disconnect();
  await node?.close();
});

async function agentWithThreatIntel(elasticsearchUrl: string, index = INDEX) {
  const scratch = scratchDir();
  cleanups.push(scratch.remove);
  const stream = `medic-test:siem:${uniqueId()}`;
  streams.push(stream);
  const config = buildConfig(
    {
      mode: 'observer',
      smith: { event_bus: { topic: stream, consumer_name: 'siem-e2e', block_ms: 100 } },
      decision: { auto_approve: { enabled: true, min_confidence: 0.6, max_score: 0.4 } },
      siem: { enabled: true, node: 'http://127.0.0.1:1', index, timeout_ms: 1000, api_key: 'cmVhZDpvbmx5', false_positive_tags: ['Faux positif'] },
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
    await publish(redis, stream, payloadEntry(report));

    const record = await decided(base, report.kill_id as string);
    expect(record).toMatchObject({ decision: 'deny', guard: 'open_threat_alerts' });
    expect(record.threat_intel).toMatchObject({ status: 'answered', open_count: 3, recommendation: 'deny', indicators: ['203.0.113.9'] });
    expect((record.factors as Array<{ name: string }>).map((f) => f.name)).toContain('siem_risk_score');
    expect((record.reasoning as string[])[0]).toContain('open alert');
    // The request went to the configured index, filtered on the module, counting the configured false-positive tag.
    const search = node.requests.find((request) => request.body.includes('nginx-test'));
    expect(search?.url).toMatch(/^\/medic-demo-alerts\/_search\?/);
    expect(search?.body).toContain('{"terms":{"kibana.alert.workflow_tags":["Faux positif"]}}');
    // Up with a key that may only read the index: health is a search, not a ping.
    const health = (await (await fetch(`${base}/health`)).json()) as { checks: { threat_intel: { status: string } } };
    expect(health.checks.threat_intel.status).toBe('up');
  });

  it('decides without threat intel when siem.index names no index, and says so in the reasoning and /health', async () => {
    const { stream, base } = await agentWithThreatIntel(node.url, 'medic-demo-alertz-*');
    const report = killReport({ target_module: 'nginx-test' });
    await publish(redis, stream, payloadEntry(report));

    const record = await decided(base, report.kill_id as string);
    const reason = 'Elasticsearch answered HTTP 404: index_not_found_exception: no such index [[medic-demo-alertz-*]]';
    // Decided as with threat intel down: the factor is left out, not counted as "no alerts".
    expect(record).toMatchObject({ decision: 'approve_auto', guard: null, risk_score: 0.37 });
    expect(record.threat_intel).toEqual({ status: 'unavailable', reason });
    expect((record.factors as Array<{ name: string }>).map((f) => f.name)).not.toContain('siem_risk_score');
    expect(record.reasoning as string[]).toContain(`Threat intel was unavailable (${reason}), so siem_risk_score was left out.`);
    const health = (await (await fetch(`${base}/health`)).json()) as { status: string; checks: { threat_intel: { status: string; detail?: string } } };
    expect(health.checks.threat_intel).toEqual({ status: 'down', detail: reason });
    expect(health.status).toBe('degraded');
  });

  it('decides the same kill on the remaining factors when threat intel is down, and says so', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const { stream, base } = await agentWithThreatIntel(url);
    const report = killReport({ target_module: 'nginx-test' });
    await publish(redis, stream, payloadEntry(report));

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
