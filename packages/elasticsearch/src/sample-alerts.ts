import type { estypes } from '@elastic/elasticsearch';
import { MedicError } from '@medic/domain';

/** An Elastic Security alert document in ECS shape, with the fields ElasticThreatIntel reads. */
export interface SampleAlert {
  readonly '@timestamp': string;
  readonly container?: { readonly name: string };
  readonly service?: { readonly name: string };
  readonly orchestrator?: { readonly resource: { readonly name: string } };
  readonly kibana: {
    readonly alert: {
      readonly risk_score: number;
      readonly workflow_status: 'open' | 'acknowledged' | 'closed';
      readonly workflow_reason?: string;
      readonly workflow_tags: readonly string[];
      readonly building_block_type?: string;
      readonly rule: { readonly type: string; readonly name: string };
    };
  };
  readonly threat?: { readonly enrichments: ReadonlyArray<{ readonly matched: { readonly atomic: string; readonly field: string; readonly type: string } }> };
}

const keyword = { type: 'keyword' } as const;

/** The slice of the Elastic Security alerts mapping the adapter queries: keywords, a float risk score, nested enrichments. */
export const ALERTS_MAPPING: estypes.MappingTypeMapping = {
  properties: {
    '@timestamp': { type: 'date' },
    container: { properties: { name: keyword } },
    service: { properties: { name: keyword } },
    orchestrator: { properties: { resource: { properties: { name: keyword } } } },
    kibana: {
      properties: {
        alert: {
          properties: {
            risk_score: { type: 'float' },
            workflow_status: keyword,
            workflow_reason: keyword,
            workflow_tags: keyword,
            building_block_type: keyword,
            rule: { properties: { type: keyword, name: keyword } },
          },
        },
      },
    },
    threat: {
      properties: {
        enrichments: { type: 'nested', properties: { matched: { properties: { atomic: keyword, field: keyword, type: keyword } } } },
      },
    },
  },
};

const hoursBefore = (now: Date, hours: number): string => new Date(now.getTime() - hours * 3_600_000).toISOString();

type Alert = SampleAlert['kibana']['alert'];
const alert = (fields: Partial<Alert> & Pick<Alert, 'risk_score' | 'workflow_status'>): Alert => ({
  workflow_tags: [],
  rule: { type: 'query', name: 'Suspicious process in container' },
  ...fields,
});

/**
 * Alerts for `module` around `now`. Counted over the last 24 hours they give: 5 alerts (a building-block alert, a 48-hour-old
 * alert and another module's alert are excluded), risk max 99 / avg 57.4, 2 open (open + acknowledged), 2 closed as false
 * positive (one by workflow_reason, one by tag), 1 threat match with indicators 203.0.113.66 and evil.example.net.
 */
export function sampleAlerts(module: string, now: Date = new Date()): SampleAlert[] {
  return [
    {
      '@timestamp': hoursBefore(now, 1),
      container: { name: module },
      kibana: { alert: alert({ risk_score: 99, workflow_status: 'open', rule: { type: 'threat_match', name: 'Threat Intel Indicator Match' } }) },
      threat: {
        enrichments: [
          { matched: { atomic: '203.0.113.66', field: 'destination.ip', type: 'indicator_match_rule' } },
          { matched: { atomic: 'evil.example.net', field: 'dns.question.name', type: 'indicator_match_rule' } },
        ],
      },
    },
    { '@timestamp': hoursBefore(now, 2), service: { name: module }, kibana: { alert: alert({ risk_score: 73, workflow_status: 'acknowledged' }) } },
    {
      '@timestamp': hoursBefore(now, 3),
      container: { name: module },
      kibana: { alert: alert({ risk_score: 47, workflow_status: 'closed', workflow_reason: 'false_positive', rule: { type: 'threshold', name: 'Unusual outbound connections' } }) },
    },
    {
      '@timestamp': hoursBefore(now, 5),
      orchestrator: { resource: { name: module } },
      kibana: { alert: alert({ risk_score: 21, workflow_status: 'closed', workflow_tags: ['False Positive'], rule: { type: 'machine_learning', name: 'Unusual process' } }) },
    },
    { '@timestamp': hoursBefore(now, 6), container: { name: module }, kibana: { alert: alert({ risk_score: 47, workflow_status: 'closed' }) } },
    {
      '@timestamp': hoursBefore(now, 1),
      container: { name: module },
      kibana: { alert: alert({ risk_score: 99, workflow_status: 'open', building_block_type: 'default' }) },
    },
    { '@timestamp': hoursBefore(now, 48), container: { name: module }, kibana: { alert: alert({ risk_score: 99, workflow_status: 'open' }) } },
    { '@timestamp': hoursBefore(now, 1), container: { name: `${module}-other` }, kibana: { alert: alert({ risk_score: 99, workflow_status: 'open' }) } },
  ];
}

/** The slice of the client loadSampleAlerts uses. */
export interface SampleAlertsClient {
  readonly indices: {
    exists(params: estypes.IndicesExistsRequest): Promise<boolean>;
    delete(params: estypes.IndicesDeleteRequest): Promise<unknown>;
    create(params: estypes.IndicesCreateRequest): Promise<unknown>;
  };
  bulk(params: estypes.BulkRequest<SampleAlert>): Promise<estypes.BulkResponse>;
}

export interface LoadedSampleAlerts {
  readonly index: string;
  /** Whether an index of that name existed and was replaced. */
  readonly replaced: boolean;
  readonly loaded: number;
}

/** (Re)creates `index` with ALERTS_MAPPING and indexes sampleAlerts(module), searchable on return (refresh). */
export async function loadSampleAlerts(client: SampleAlertsClient, index: string, module: string, now: Date = new Date()): Promise<LoadedSampleAlerts> {
  const replaced = await client.indices.exists({ index });
  if (replaced) await client.indices.delete({ index });
  await client.indices.create({ index, mappings: ALERTS_MAPPING });
  const alerts = sampleAlerts(module, now);
  const answer = await client.bulk({ index, refresh: true, operations: alerts.flatMap((doc) => [{ index: {} }, doc]) });
  if (answer.errors) {
    const failed = answer.items.find((item) => item.index?.error !== undefined)?.index?.error;
    throw new MedicError('sample_alerts_failed', `indexing the sample alerts into ${index} failed: ${failed?.reason ?? failed?.type ?? 'unknown error'}`);
  }
  return { index, replaced, loaded: alerts.length };
}
