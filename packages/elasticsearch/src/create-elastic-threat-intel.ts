import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import type { ClientOptions } from '@elastic/elasticsearch';
import { MedicError } from '@medic/domain';
import { DEFAULT_REQUEST_TIMEOUT_MS, ElasticThreatIntel } from './elastic-threat-intel';

/** Where the cluster is and how to authenticate. */
export interface ElasticConnectionOptions {
  readonly node: string;
  readonly requestTimeoutMs?: number;
  readonly apiKey?: string;
  readonly username?: string;
  readonly password?: string;
  /** PEM file of the CA that signed the cluster's certificate; read once, here. */
  readonly caFile?: string;
  /** Transport connection class override, for tests (e.g. `mock.getConnection()` of @elastic/elasticsearch-mock). */
  readonly Connection?: ClientOptions['Connection'];
}

export interface ElasticThreatIntelConfig extends ElasticConnectionOptions {
  readonly index?: string;
  readonly lookbackHours?: number;
  readonly falsePositiveTags?: readonly string[];
}

function authOf(options: ElasticConnectionOptions): ClientOptions['auth'] {
  const { apiKey, username, password } = options;
  if (apiKey !== undefined && (username !== undefined || password !== undefined)) {
    throw new MedicError('siem_config_invalid', 'Elasticsearch: give either an API key or a username and password, not both');
  }
  if (apiKey !== undefined) return { apiKey };
  if ((username === undefined) !== (password === undefined)) {
    throw new MedicError('siem_config_invalid', 'Elasticsearch: a username needs a password and a password needs a username');
  }
  return username !== undefined && password !== undefined ? { username, password } : undefined;
}

function readCa(caFile: string): string {
  try {
    return readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new MedicError('siem_ca_unreadable', `Elasticsearch: cannot read the CA file ${caFile}: ${(error as Error).message}`, { cause: error });
  }
}

/** A real client with a tight timeout and no retries; throws MedicError on inconsistent auth or an unreadable CA file. */
export function createElasticClient(options: ElasticConnectionOptions): Client {
  const auth = authOf(options);
  return new Client({
    node: options.node,
    requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxRetries: 0,
    ...(auth !== undefined ? { auth } : {}),
    ...(options.caFile !== undefined ? { tls: { ca: readCa(options.caFile) } } : {}),
    ...(options.Connection !== undefined ? { Connection: options.Connection } : {}),
  });
}

/** ElasticThreatIntel over a real client built from configuration. */
export function createElasticThreatIntel(config: ElasticThreatIntelConfig): ElasticThreatIntel {
  return new ElasticThreatIntel({
    client: createElasticClient(config),
    ...(config.index !== undefined ? { index: config.index } : {}),
    ...(config.lookbackHours !== undefined ? { lookbackHours: config.lookbackHours } : {}),
    ...(config.falsePositiveTags !== undefined ? { falsePositiveTags: config.falsePositiveTags } : {}),
    ...(config.requestTimeoutMs !== undefined ? { requestTimeoutMs: config.requestTimeoutMs } : {}),
  });
}
