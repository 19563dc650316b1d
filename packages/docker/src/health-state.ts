import type { ContainerHealth } from '@medic/domain';
import type { DockerContainerDetails } from './docker-client';

const DOCKER_TIME = /^(\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/;

/** Parses a Docker timestamp (RFC 3339 with up to nanoseconds) to nanoseconds since the epoch; null when malformed. */
export function dockerTimeNs(value: string): bigint | null {
  const match = DOCKER_TIME.exec(value);
  if (!match) return null;
  const [, seconds, fraction = '', zone] = match;
  const ms = Date.parse(`${seconds}${zone}`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9));
}

/** Whether Docker runs a health check for the container (configured in the image or at create, and not disabled with NONE). */
export function hasHealthCheck(details: DockerContainerDetails): boolean {
  if (details.State.Health) return true;
  const test = details.Config.Healthcheck?.Test;
  return test !== undefined && test.length > 0 && test[0] !== 'NONE';
}

/**
 * Reads the health of the container's current run. Docker keeps the probe log (and, until the
 * start resets it, the status) of the previous run, so a status counts only when backed by a
 * probe that started at or after State.StartedAt: a container restarted while healthy is not
 * healthy again until a probe of the new run passed.
 */
export function readHealth(details: DockerContainerDetails): Exclude<ContainerHealth, 'none'> {
  const health = details.State.Health;
  const startedAt = dockerTimeNs(details.State.StartedAt);
  if (!health || startedAt === null) return 'starting';
  const fresh = (health.Log ?? []).filter((entry) => {
    const start = dockerTimeNs(entry.Start);
    return start !== null && start >= startedAt;
  });
  const newest = fresh[fresh.length - 1];
  if (health.Status === 'healthy' && fresh.some((entry) => entry.ExitCode === 0)) return 'healthy';
  if (health.Status === 'unhealthy' && newest !== undefined && newest.ExitCode !== 0) return 'unhealthy';
  return 'starting';
}
