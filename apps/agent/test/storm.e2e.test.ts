// Kill storms against the real engine: many modules resurrected at once, and many kills of one module fired at once.
import type { OutcomeRecord } from '@medic/domain';
import { waitFor } from '@medic/test-support';
import type { AgentUnderTest } from './harness';
import { killReport, useHarness } from './harness';

const e2e = useHarness({ docker: true });

/** The stored records of these kills once `settled` holds for every one of them. */
function records(agent: AgentUnderTest, reports: ReadonlyArray<{ kill_id: string }>, what: string, settled: (r: OutcomeRecord | null) => boolean) {
  return waitFor(
    what,
    async () => {
      const all = await Promise.all(reports.map((r) => agent.agent.core.repo.get(r.kill_id)));
      return all.every(settled) ? all : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

describe('kill storms', () => {
  it('resurrects many modules at once: all of them start before the first is healthy, and all end healthy', async () => {
    const names = await Promise.all(Array.from({ length: 6 }, () => e2e.container({ label: 'storm' })));
    const agent = await e2e.startAgent({ extra: { resurrection: { concurrency: 8, health_check_interval_seconds: 0.1, health_check_timeout_seconds: 30 } } });
    const reports = names.map((name) => killReport({ target_module: name }));
    await e2e.publishTogether(agent.stream, reports);

    const done = await records(agent, reports, 'every resurrection to be done', (r) => r?.state === 'done');
    expect(done.map((r) => [r?.outcomeType, r?.healthStatus])).toEqual(names.map(() => ['success', 'healthy']));
    for (const name of names) expect(await e2e.fleet.isRunning(name)).toBe(true);
    // Concurrent: every resurrection began before any ended.
    const events = agent.lines.map((l) => l.message).filter((m) => m === 'resurrecting' || m === 'resurrection succeeded');
    expect(events.slice(0, names.length)).toEqual(names.map(() => 'resurrecting'));
    await e2e.acknowledged(agent.stream);
  });

  it('keeps the re-kill guard exact when one module is killed many times at once: one restart, the rest decided after it', async () => {
    const name = await e2e.container({ label: 'storm' });
    const agent = await e2e.startAgent({
      extra: {
        resurrection: { concurrency: 8, health_check_interval_seconds: 0.1, health_check_timeout_seconds: 30, budget: { max_restarts: 3, window_minutes: 60 } },
        learning: { rekill_window_minutes: 30 },
      },
    });
    const reports = Array.from({ length: 5 }, () => killReport({ target_module: name }));
    await e2e.publishTogether(agent.stream, reports);

    const [first, second, ...rest] = await records(agent, reports, 'every kill to be decided and the resurrection done', (r) => r !== null && r.state !== 'executing');
    // The first was resurrected; the second, decided only once that was over, labelled it and went to review.
    expect(first).toMatchObject({ originalDecision: 'approve_auto', state: 'done', outcomeType: 're_killed', reKilledAt: second?.timestamp });
    expect(second).toMatchObject({ guard: 'rekilled_after_resurrection', originalDecision: 'pending_review', state: 'decided' });
    for (const r of rest) expect(r).toMatchObject({ state: 'decided', wasAutoApproved: false });
    // Created (started once, then killed) and resurrected once.
    expect(await e2e.fleet.startCount(name)).toBe(2);
    await e2e.acknowledged(agent.stream);
  });

  it('keeps the restart budget exact when one module is killed many times at once', async () => {
    const name = await e2e.container({ label: 'storm' });
    const agent = await e2e.startAgent({
      extra: { resurrection: { concurrency: 8, health_check_interval_seconds: 0.1, health_check_timeout_seconds: 30, budget: { max_restarts: 1, window_minutes: 60 } } },
    });
    const reports = Array.from({ length: 5 }, () => killReport({ target_module: name }));
    await e2e.publishTogether(agent.stream, reports);

    const decided = await records(agent, reports, 'every kill to be decided', (r) => r !== null && r.state !== 'executing');
    expect(decided.map((r) => [r?.originalDecision, r?.guard])).toEqual([
      ['approve_auto', null],
      ['deny', 'restart_budget_spent'],
      ['deny', 'restart_budget_spent'],
      ['deny', 'restart_budget_spent'],
      ['deny', 'restart_budget_spent'],
    ]);
    expect(await e2e.fleet.startCount(name)).toBe(2);
    await e2e.acknowledged(agent.stream);
  });
});
