import Docker from 'dockerode';
import Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { messageOf } from './wait';

/** The Redis the tests and the bench use: REDIS_URL, else the server scripts/services.sh runs. */
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
/** The image every test and bench container runs: busybox-static, built locally by scripts/services.sh. */
export const TEST_IMAGE = 'medic-test/busybox';
const HINT = 'bring the local services up with `bash scripts/services.sh` (README: Set up on a fresh machine)';

/** A service the tests or the bench need is not there; the message names it and how to bring it up. */
export class ServiceMissing extends Error {
  override readonly name = 'ServiceMissing';
}

/** Where a Redis URL points, without its credentials. */
const hostOf = (url: string): string => url.replace(/\/\/[^@/]*@/, '//');

/**
 * A connected Redis client, or ServiceMissing naming Redis (never a skip). Once connected, a dropped connection
 * reconnects (every 100 ms more, up to 2 s) instead of failing what follows.
 */
export async function connectRedis(url: string = REDIS_URL, options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000, ...options, retryStrategy: () => null });
  // The connection's own error says more than the rejected command ("connect ECONNREFUSED" rather than "Connection is closed").
  let connectionError: unknown;
  redis.on('error', (error: unknown) => (connectionError = error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    if (redis.status !== 'end') redis.disconnect();
    throw new ServiceMissing(`Redis is not reachable at ${hostOf(url)} (${messageOf(connectionError ?? error)}) — ${HINT}`, { cause: error });
  }
  redis.options.retryStrategy = (times: number) => Math.min(times * 100, 2_000);
  return redis;
}

/** A Docker client whose engine answers and has the test image, or ServiceMissing naming what is missing. */
export async function connectDocker(): Promise<Docker> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    throw new ServiceMissing(`the Docker engine is not reachable at ${process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'} (${messageOf(error)}) — ${HINT}`, { cause: error });
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch (error) {
    throw new ServiceMissing(`the Docker test image ${TEST_IMAGE} is missing — ${HINT}`, { cause: error });
  }
  return docker;
}
