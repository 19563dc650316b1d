// SIGTERM to the agent process while resurrections are in flight, then a restart.
import { pendingCount, waitFor } from '@medic/test-support';
import { AGENT_BIN, GROUP, killReport, rawConfig, useHarness, withStore, writeConfig } from './harness';

const e2e = useHarness({ docker: true, built: true });

const records = (dir: string, killIds: readonly string[]) => withStore(dir, (repo) => Promise.all(killIds.map((id) => repo.get(id))));

describe('SIGTERM with resurrections in flight', () => {
  it('lets the one that can finish within stop_timeout_seconds finish, leaves the rest pending, and re-checks them after a restart without restarting them blindly', async () => {
    const { dir, stream } = e2e.workspace('shutdown');
    // slow: healthy only 10 s after its start, far past the stop timeout; quick: healthy 1.5 s after; queued: waits for a slot.
    const slow = await e2e.container({ label: 'slow', healthIntervalMs: 10_000 });
    const quick = await e2e.container({ label: 'quick', healthIntervalMs: 1_500 });
    const queued = await e2e.container({ label: 'queued' });
    const config = writeConfig(
      dir,
      rawConfig({
        stream,
        extra: {
          smith: { event_bus: { consumer_name: 'shutdown-e2e', claim_idle_ms: 600_000 } },
          resurrection: { concurrency: 2, stop_timeout_seconds: 5, health_check_timeout_seconds: 60 },
          logging: { level: 'info' },
        },
      }),
    );
    const reports = [slow, quick, queued].map((name) => killReport({ target_module: name }));
    const killIds = reports.map((r) => r.kill_id);

    const first = e2e.spawn(['--config', config], { cwd: dir }, AGENT_BIN);
    await first.waitForOutput('started in live mode');
    await e2e.publishTogether(stream, reports);
    await waitFor('the first two resurrections to have started their containers', async () => (await e2e.fleet.isRunning(slow)) && (await e2e.fleet.isRunning(quick)));
    const slowStartedAt = await e2e.fleet.startedAt(slow);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);

    const [slowRecord, quickRecord, queuedRecord] = await records(dir, killIds);
    expect(quickRecord).toMatchObject({ state: 'done', outcomeType: 'success', healthStatus: 'healthy' });
    expect(slowRecord).toMatchObject({ state: 'executing' });
    expect(queuedRecord).toMatchObject({ state: 'executing' });
    expect(await e2e.fleet.isRunning(queued)).toBe(false);
    // The stream's pending list is the set of kills in flight.
    expect(await pendingCount(e2e.redis, stream, GROUP)).toBe(2);

    const second = e2e.spawn(['--config', config], { cwd: dir }, AGENT_BIN);
    const done = await waitFor(
      'both left-over kills to be re-checked and done',
      async () => {
        const all = await records(dir, killIds);
        return all.every((r) => r?.state === 'done') ? all : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(done.map((r) => [r?.outcomeType, r?.healthStatus])).toEqual([
      ['success', 'healthy'],
      ['success', 'healthy'],
      ['success', 'healthy'],
    ]);
    // Running already, so re-checked and waited on, not restarted.
    expect(await e2e.fleet.startedAt(slow)).toBe(slowStartedAt);
    expect(await e2e.fleet.isRunning(queued)).toBe(true);
    await e2e.acknowledged(stream);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(second.output()).toContain('re-checking 2 resurrection(s) left unfinished');
  }, 120_000);
});
