import type { DockerContainerDetails } from './docker-client';
import { dockerTimeNs, hasHealthCheck, readHealth } from './health-state';

const STARTED = '2026-01-02T03:04:05.000000500Z';
const BEFORE = '2026-01-02T03:04:05.0000004Z'; // 100 ns before the start
const AFTER = '2026-01-02T03:04:05.6Z';

const details = (health: DockerContainerDetails['State']['Health'], healthcheck?: string[]): DockerContainerDetails => ({
  Id: 'c1',
  Name: '/app',
  State: { Status: 'running', Running: true, Restarting: false, ExitCode: 0, StartedAt: STARTED, Health: health },
  Config: { Labels: null, Healthcheck: healthcheck ? { Test: healthcheck } : null },
});

describe('dockerTimeNs', () => {
  it('keeps nanoseconds and accepts Docker trimming trailing zeros', () => {
    expect(dockerTimeNs('2026-01-02T03:04:05.000000500Z')).toBe(BigInt(Date.parse('2026-01-02T03:04:05Z')) * 1_000_000n + 500n);
    expect(dockerTimeNs('2026-01-02T03:04:05.6Z')).toBe(BigInt(Date.parse('2026-01-02T03:04:05Z')) * 1_000_000n + 600_000_000n);
    expect(dockerTimeNs('2026-01-02T03:04:05Z')).toBe(BigInt(Date.parse('2026-01-02T03:04:05Z')) * 1_000_000n);
    expect(dockerTimeNs('2026-01-02T05:04:05.1+02:00')).toBe(dockerTimeNs('2026-01-02T03:04:05.1Z'));
  });

  it('rejects what is not a timestamp', () => {
    expect(dockerTimeNs('yesterday')).toBeNull();
    expect(dockerTimeNs('')).toBeNull();
  });
});

describe('readHealth', () => {
  it('does not trust a healthy status whose only passing probes ran before the current start', () => {
    const stale = details({ Status: 'healthy', Log: [{ Start: BEFORE, ExitCode: 0 }] });
    expect(readHealth(stale)).toBe('starting');
  });

  it('is healthy once a probe of the current run passed', () => {
    expect(readHealth(details({ Status: 'healthy', Log: [{ Start: BEFORE, ExitCode: 0 }, { Start: AFTER, ExitCode: 0 }] }))).toBe('healthy');
  });

  it('counts a probe started exactly at the start time as the current run', () => {
    expect(readHealth(details({ Status: 'healthy', Log: [{ Start: STARTED, ExitCode: 0 }] }))).toBe('healthy');
  });

  it('does not trust an unhealthy status left over from the previous run', () => {
    expect(readHealth(details({ Status: 'unhealthy', Log: [{ Start: BEFORE, ExitCode: 1 }] }))).toBe('starting');
  });

  it('is unhealthy when the newest probe of the current run failed and Docker says unhealthy', () => {
    expect(readHealth(details({ Status: 'unhealthy', Log: [{ Start: BEFORE, ExitCode: 0 }, { Start: AFTER, ExitCode: 1 }] }))).toBe('unhealthy');
  });

  it('is still starting while Docker says starting, whatever the log holds', () => {
    expect(readHealth(details({ Status: 'starting', Log: [{ Start: AFTER, ExitCode: 1 }] }))).toBe('starting');
    expect(readHealth(details({ Status: 'starting', Log: null }))).toBe('starting');
    expect(readHealth(details(undefined))).toBe('starting');
  });
});

describe('hasHealthCheck', () => {
  it('sees a health check in the state or in the configuration, but not a disabled one', () => {
    expect(hasHealthCheck(details({ Status: 'starting', Log: [] }))).toBe(true);
    expect(hasHealthCheck(details(undefined, ['CMD', 'true']))).toBe(true);
    expect(hasHealthCheck(details(undefined, ['NONE']))).toBe(false);
    expect(hasHealthCheck(details(undefined))).toBe(false);
  });
});
