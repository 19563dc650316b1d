import { Client } from '@elastic/elasticsearch';
import Mock from '@elastic/elasticsearch-mock';
import type { MockPattern } from '@elastic/elasticsearch-mock';
import { MedicError } from '@medic/domain';
import { ALERTS_MAPPING, loadSampleAlerts, sampleAlerts } from './sample-alerts';
import { responseError } from './testing/mock-cluster';

const NOW = new Date('2026-03-01T12:00:00.000Z');

function cluster(options: { exists: boolean; bulkErrors?: boolean }) {
  const mock = new Mock();
  const seen: MockPattern[] = [];
  const record = (answer: () => unknown) => (request: MockPattern) => {
    seen.push(request);
    return answer() as Record<string, unknown>;
  };
  mock.add({ method: 'HEAD', path: '/:index' }, record(() => (options.exists ? '' : responseError(404, 'index_not_found_exception'))));
  mock.add({ method: 'DELETE', path: '/:index' }, record(() => ({ acknowledged: true })));
  mock.add({ method: 'PUT', path: '/:index' }, record(() => ({ acknowledged: true, shards_acknowledged: true, index: 'medic-demo-alerts' })));
  mock.add(
    { method: 'POST', path: '/:index/_bulk' },
    record(() => ({
      took: 5,
      errors: options.bulkErrors ?? false,
      items: [{ index: { _index: 'medic-demo-alerts', status: options.bulkErrors ? 400 : 201, ...(options.bulkErrors ? { error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [@timestamp]' } } : {}) } }],
    })),
  );
  const client = new Client({ node: 'http://localhost:9200', Connection: mock.getConnection(), maxRetries: 0 });
  return { client, seen };
}

describe('sampleAlerts', () => {
  it('builds ECS alerts for the module, plus the ones a lookup must leave out', () => {
    const alerts = sampleAlerts('nginx-test', NOW);
    expect(alerts).toHaveLength(8);
    expect(alerts[0]).toMatchObject({
      '@timestamp': '2026-03-01T11:00:00.000Z',
      container: { name: 'nginx-test' },
      kibana: { alert: { risk_score: 99, workflow_status: 'open', rule: { type: 'threat_match' } } },
      threat: { enrichments: [{ matched: { atomic: '203.0.113.66' } }, { matched: { atomic: 'evil.example.net' } }] },
    });
    expect(alerts.filter((a) => a.kibana.alert.building_block_type !== undefined)).toHaveLength(1);
    expect(alerts.filter((a) => a.container?.name === 'nginx-test-other')).toHaveLength(1);
  });
});

describe('loadSampleAlerts', () => {
  it('creates the index with the alerts mapping and bulk-loads the samples with a refresh', async () => {
    const { client, seen } = cluster({ exists: false });
    expect(await loadSampleAlerts(client, 'medic-demo-alerts', 'nginx-test', NOW)).toEqual({ index: 'medic-demo-alerts', replaced: false, loaded: 8 });
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual(['HEAD /medic-demo-alerts', 'PUT /medic-demo-alerts', 'POST /medic-demo-alerts/_bulk']);
    expect(seen[1]?.body).toEqual({ mappings: ALERTS_MAPPING });
    expect(seen[2]?.querystring).toEqual({ refresh: 'true' });
    const samples = sampleAlerts('nginx-test', NOW);
    expect(seen[2]?.body).toEqual(samples.flatMap((doc) => [{ index: {} }, doc]));
  });

  it('replaces an index that already exists', async () => {
    const { client, seen } = cluster({ exists: true });
    expect((await loadSampleAlerts(client, 'medic-demo-alerts', 'nginx-test', NOW)).replaced).toBe(true);
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual(['HEAD /medic-demo-alerts', 'DELETE /medic-demo-alerts', 'PUT /medic-demo-alerts', 'POST /medic-demo-alerts/_bulk']);
  });

  it('fails with the first item error when the bulk load reports errors', async () => {
    const { client } = cluster({ exists: false, bulkErrors: true });
    const failure = loadSampleAlerts(client, 'medic-demo-alerts', 'nginx-test', NOW);
    await expect(failure).rejects.toBeInstanceOf(MedicError);
    await expect(failure).rejects.toThrow('failed to parse field [@timestamp]');
  });
});
