import { DEFAULT_POLICY } from '../policy';
import { createTestCore } from '../testing/test-core';
import type { TestCore, TestCoreOptions } from '../testing/test-core';
import { approveKill } from './approve';
import { handleDelivery } from './handle-delivery';

/** A core whose policy sends the demo report to review (auto-approve off), with one pending kill for container web-1. */
async function withPendingKill(options: TestCoreOptions = {}): Promise<TestCore> {
  const t = createTestCore({ policy: DEFAULT_POLICY, ...options });
  t.fleet.add({ name: 'web-1', health: 'passing', bootMs: 1_500 });
  const handled = await handleDelivery(t.core, await t.deliver({ killId: 'kill-pending' }));
  expect(handled).toMatchObject({ kind: 'decided', record: { originalDecision: 'pending_review', state: 'decided' } });
  return t;
}

describe('approveKill', () => {
  it('approves a pending kill, answers before the resurrection ends, and records its success', async () => {
    const t = await withPendingKill();
    const approved = await approveKill(t.core, t.pipeline, 'kill-pending', 'alice');
    if (!approved.ok) throw new Error(`refused: ${approved.error.message}`);
    expect(approved.value.record).toMatchObject({ state: 'executing', approvedBy: 'alice', approvedAt: t.clock.now().toISOString(), wasAutoApproved: false });
    let finished = false;
    const execution = approved.value.execution.then((r) => {
      finished = true;
      return r;
    });
    await t.clock.whenSleeping();
    expect(finished).toBe(false);
    t.clock.advance(1_500);
    const record = await execution;
    expect(record).toMatchObject({ state: 'done', outcomeType: 'success', healthStatus: 'healthy', timeToHealthy: 1.5 });
    expect(await t.repo.get('kill-pending')).toEqual(record);
    expect(t.fleet.container('web-1').startCount).toBe(1);
    expect(t.events).toContainEqual({ type: 'approved', killId: 'kill-pending', approvedBy: 'alice' });
  });

  it('refuses an unknown kill with not_found', async () => {
    const t = createTestCore();
    await expect(approveKill(t.core, t.pipeline, 'kill-nope', 'alice')).resolves.toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('refuses a kill that is not pending review with not_pending', async () => {
    const t = createTestCore({ mode: 'observer' });
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-auto' }));
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-threat', killReason: 'threat_detected', severity: 'critical', confidenceScore: 0.99 }));
    await expect(approveKill(t.core, t.pipeline, 'kill-auto', 'alice')).resolves.toMatchObject({ ok: false, error: { code: 'not_pending' } });
    await expect(approveKill(t.core, t.pipeline, 'kill-threat', 'alice')).resolves.toMatchObject({ ok: false, error: { code: 'not_pending' } });
    expect(t.fleet.attempts).toEqual([]);
  });

  it('refuses a second approval of the same kill with not_pending, even when both race', async () => {
    const t = await withPendingKill();
    const [a, b] = await Promise.all([approveKill(t.core, t.pipeline, 'kill-pending', 'alice'), approveKill(t.core, t.pipeline, 'kill-pending', 'bob')]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    const refused = a.ok ? b : a;
    expect(refused).toMatchObject({ ok: false, error: { code: 'not_pending' } });
    await t.clock.whenSleeping();
    t.clock.advance(1_500);
    const won = a.ok ? a : b;
    if (won.ok) await won.value.execution;
    await expect(approveKill(t.core, t.pipeline, 'kill-pending', 'carol')).resolves.toMatchObject({ ok: false, error: { code: 'not_pending' } });
    expect(t.fleet.attempts).toHaveLength(1);
  });

  it('refuses in observer mode with observer_mode', async () => {
    const t = await withPendingKill({ mode: 'observer' });
    await expect(approveKill(t.core, t.pipeline, 'kill-pending', 'alice')).resolves.toMatchObject({ ok: false, error: { code: 'observer_mode' } });
    expect((await t.repo.get('kill-pending'))?.state).toBe('decided');
    expect(t.fleet.attempts).toEqual([]);
  });

  it('accepts an approval up to the time limit and refuses it after with expired', async () => {
    const t = await withPendingKill({ approvalTtlMinutes: 60 });
    t.clock.advance(60 * 60_000 + 1);
    await expect(approveKill(t.core, t.pipeline, 'kill-pending', 'alice')).resolves.toMatchObject({ ok: false, error: { code: 'expired' } });
    expect((await t.repo.get('kill-pending'))?.state).toBe('decided');

    const fresh = await withPendingKill({ approvalTtlMinutes: 60 });
    fresh.clock.advance(60 * 60_000);
    await expect(approveKill(fresh.core, fresh.pipeline, 'kill-pending', 'alice')).resolves.toMatchObject({ ok: true });
  });
});
