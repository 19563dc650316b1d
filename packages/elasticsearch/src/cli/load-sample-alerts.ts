/**
 * Loads the sample Elastic Security alerts into the demo index `medic-demo-alerts` for module `nginx-test`, replacing the
 * index if it exists. Cluster: ELASTICSEARCH_URL (default http://127.0.0.1:9200); optional ELASTICSEARCH_API_KEY,
 * ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD, ELASTICSEARCH_CA_FILE.
 */
import { createElasticClient, createElasticThreatIntel } from '../create-elastic-threat-intel';
import type { ElasticConnectionOptions } from '../create-elastic-threat-intel';
import { loadSampleAlerts, sampleAlerts } from '../sample-alerts';

const INDEX = 'medic-demo-alerts';
const MODULE = 'nginx-test';

async function main(): Promise<void> {
  const env = process.env;
  const node = env.ELASTICSEARCH_URL || 'http://127.0.0.1:9200';
  const connection: ElasticConnectionOptions = {
    node,
    requestTimeoutMs: 10_000,
    ...(env.ELASTICSEARCH_API_KEY ? { apiKey: env.ELASTICSEARCH_API_KEY } : {}),
    ...(env.ELASTICSEARCH_USERNAME ? { username: env.ELASTICSEARCH_USERNAME } : {}),
    ...(env.ELASTICSEARCH_PASSWORD ? { password: env.ELASTICSEARCH_PASSWORD } : {}),
    ...(env.ELASTICSEARCH_CA_FILE ? { caFile: env.ELASTICSEARCH_CA_FILE } : {}),
  };
  // Only the host is printed: the URL may carry credentials.
  const where = new URL(node).host;
  const client = createElasticClient(connection);
  try {
    const now = new Date();
    const loaded = await loadSampleAlerts(client, INDEX, MODULE, now);
    console.log(`${loaded.replaced ? 'Replaced' : 'Created'} index ${INDEX} on ${where} with the Elastic Security alerts mapping.`);
    console.log(`Loaded ${loaded.loaded} sample alerts for module ${MODULE} (refreshed, searchable now):`);
    for (const alert of sampleAlerts(MODULE, now)) {
      const a = alert.kibana.alert;
      const target = alert.container?.name ?? alert.service?.name ?? alert.orchestrator?.resource.name ?? '?';
      const extra = [a.workflow_reason, ...a.workflow_tags, a.building_block_type ? 'building block' : undefined].filter(Boolean).join(', ');
      console.log(`  ${alert['@timestamp']}  ${target}  risk ${a.risk_score}  ${a.workflow_status}${extra ? ` (${extra})` : ''}  ${a.rule.type}: ${a.rule.name}`);
    }
    // The adapter's own lookup, so the demo shows what Medic will see.
    const intel = createElasticThreatIntel({ ...connection, index: INDEX });
    try {
      console.log(`Medic's lookup for ${MODULE}: ${JSON.stringify(await intel.lookup(MODULE))}`);
    } finally {
      await intel.close();
    }
    console.log(`Use it with siem.enabled: true, siem.node: ${node.replace(/\/\/[^@/]*@/, '//')}, siem.index: ${INDEX}`);
  } finally {
    await client.close();
  }
}

main().catch((error: unknown) => {
  console.error(`load-sample-alerts: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
