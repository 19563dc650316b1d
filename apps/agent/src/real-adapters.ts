import { readFileSync } from 'node:fs';
import { MedicError } from '@medic/domain';
import { createRedisKillSource } from '@medic/redis';
import type { RedisKillSource } from '@medic/redis';
import { createDockerClient, DEFAULT_REQUEST_TIMEOUT_MS, DockerResurrector } from '@medic/docker';
import type * as Elastic from '@medic/elasticsearch';
import type { AgentConfig } from './config';
import type { Logger } from './logger';

/** The Redis kill source the configuration describes (REDIS_URL, stream, group, consumer, TLS files). */
export function redisKillSource(config: AgentConfig, logger: Logger | null): RedisKillSource {
  return createRedisKillSource({
    url: config.redis.url,
    stream: config.redis.stream,
    group: config.redis.group,
    consumer: config.redis.consumer,
    claimIdleMs: config.redis.claimIdleMs,
    blockMs: config.redis.blockMs,
    ...(config.redis.tls ? { tls: readTlsFiles(config.redis.tls) } : {}),
    ...(logger ? { logger: (level, message, meta) => logger.log(level, message, meta) } : {}),
  });
}

/** The Docker resurrector the configuration describes (DOCKER_HOST and the resurrection.* settings). */
export function dockerResurrector(config: AgentConfig): DockerResurrector {
  return new DockerResurrector({
    // Every engine request must outlast the longest wait the engine makes itself: a restart's stop grace period.
    docker: createDockerClient(config.docker.host, { requestTimeoutMs: Math.max(DEFAULT_REQUEST_TIMEOUT_MS, (config.docker.stopGraceSeconds + 20) * 1000) }),
    requireLabel: config.docker.requireLabel,
    verifyKill: config.docker.verifyKill,
    killWindowMs: config.docker.killWindowMs,
    stopGraceSeconds: config.docker.stopGraceSeconds,
    healthCheckIntervalMs: config.docker.healthCheckIntervalMs,
    healthCheckTimeoutMs: config.docker.healthCheckTimeoutMs,
    stabilityWindowMs: config.docker.stabilityWindowMs,
    maxRetryAttempts: config.docker.maxRetryAttempts,
  });
}

/** Threat intel from Elasticsearch when siem.enabled, else null; the caller closes it. */
export function elasticThreatIntel(config: AgentConfig): Elastic.ElasticThreatIntel | null {
  // Optional siem keys are absent from the config when unset.
  const { enabled, timeoutMs, ...connection } = config.siem;
  return enabled ? loadElastic().createElasticThreatIntel({ ...connection, requestTimeoutMs: timeoutMs }) : null;
}

/** The Elasticsearch adapter, loaded only when threat intel is on: its client alone adds about 12 MB to the agent's memory. */
function loadElastic(): typeof Elastic {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load; import() would not run under jest's CommonJS.
  return require('@medic/elasticsearch') as typeof Elastic;
}

/** The TLS files for Redis, read once at start; a missing file stops start-up naming its key. */
function readTlsFiles(files: NonNullable<AgentConfig['redis']['tls']>): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const read = (key: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new MedicError('config_invalid', `invalid configuration: smith.event_bus.tls.${key}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  const ca = read('ca_file', files.caFile);
  const cert = read('cert_file', files.certFile);
  const key = read('key_file', files.keyFile);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}
