import Docker from 'dockerode';
import Redis from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL && process.env.REDIS_URL.length > 0 ? process.env.REDIS_URL : 'redis://127.0.0.1:6379';
export const TEST_IMAGE = 'medic-test/busybox';
const HINT = 'start the local services with `bash scripts/services.sh` (README: Set up on a fresh machine)';

/** A missing service: the benchmark stops with this message. */
export class ServiceMissing extends Error {
  override readonly name = 'ServiceMissing';
}

/** A connected Redis client, or ServiceMissing naming Redis. */
export async function connectRedis(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  // The connection's own error says more than the rejected command ("connect ECONNREFUSED" rather than "Connection is closed").
  let connectionError: Error | undefined;
  redis.on('error', (error: Error) => (connectionError = error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new ServiceMissing(`Redis is not reachable at ${REDIS_URL} (${(connectionError ?? (error as Error)).message}) — ${HINT}`);
  }
  // From here on a dropped connection should reconnect, not end the run.
  redis.options.retryStrategy = (times: number) => Math.min(times * 100, 2000);
  return redis;
}

/** A Docker client whose engine answers and has the test image, or ServiceMissing naming what is missing. */
export async function connectDocker(): Promise<Docker> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    throw new ServiceMissing(`the Docker engine is not reachable (${(error as Error).message}) — ${HINT}`);
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    throw new ServiceMissing(`the Docker test image ${TEST_IMAGE} is missing — ${HINT}`);
  }
  return docker;
}
