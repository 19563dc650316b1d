import { AUTO_APPROVE_POLICY, createTestCore } from '../testing/test-core';
import type { TestCore, TestCoreOptions } from '../testing/test-core';
import { DEFAULT_POLICY } from '../policy';
import { approveKill } from './approve';
import { handleDelivery } from './handle-delivery';
import { rejectKill } from './reject';

/** A core whose policy sends the demo report to review (auto-approve off), with one pending kill for container web-1 (stopped by Smith). */
async function withPendingKill(options: TestCoreOptions = {}): Promise<TestCore> {
  const t = createTestCore({ policy: DEFAULT_POLICY, ...options });
  t.fleet.add({ name: 'web-1', running: false, health: 'passing' });
  const handled = await handleDelivery(t.core, await t.deliver({ killId: 'kill-pending' }));
  expect(handled).toMatchObject({ kind: 'decided', record: { originalDecision: 'pending_review', state: 'decided' } });
  return t;
}

describe('rejectKill', () => {
  it('records that the operator confirms Smith was right, and leaves the container down', async () => {
    const t = await withPendingKill();
    const rejected = await rejectKill(t.core, 'kill-pending', 'alice');
    expect(rejected).toEqual({
      ok: true,
      value: expect.objectContaining({ state: 'done', outcomeType: 'undetermined', rejectedBy: 'alice', rejectedAt: t.clock.now().toISOString(), approvedBy: null }),
    });
    expect(await t.repo.get('kill-pending')).toMatchObject({ state: 'done', rejectedBy: 'alice' });
    expect(t.fleet.attempts).toEqual([]);
    expect(t.fleet.container('web-1').running).toBe(false);
    expect(t.events).toContainEqual({ type: 'rejected_by_operator', killId: 'kill-pending', rejectedBy: 'alice' });
  });

  it('teaches the next decision: the rejection is a true-positive label of the module', async () => {
    const t = await withPendingKill();
    await rejectKill(t.core, 'kill-pending', 'alice');
    const next = await handleDelivery(t.core, await t.deliver({ killId: 'kill-next' }));
    if (next.kind !== 'decided') throw new Error(`not decided: ${next.kind}`);
    expect(next.record.factors.find((f) => f.name === 'false_positive_history')).toMatchObject({ value: expect.any(Number) });
    expect(next.record.reasoning.join(' ')).toContain('from 1 label(s) of its own (0 false positive(s))');
  });

  it('refuses an unknown kill with not_found', async () => {
    const t = createTestCore();
    await expect(rejectKill(t.core, 'kill-nope', 'alice')).resolves.toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('refuses a kill that is not pending review with not_pending: auto-approved, denied, approved or already rejected', async () => {
    const t = createTestCore({ policy: AUTO_APPROVE_POLICY });
    t.fleet.add({ name: 'web-1', health: 'passing' });
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-auto' }));
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-threat', killReason: 'threat_detected', severity: 'critical', confidenceScore: 0.99 }));
    await expect(rejectKill(t.core, 'kill-auto', 'alice')).resolves.toMatchObject({ ok: false, error: { code: 'not_pending' } });
    await expect(rejectKill(t.core, 'kill-threat', 'alice')).resolves.toMatchObject({ ok: false, error: { code: 'not_pending' } });

    const approved = await withPendingKill();
    const approval = await approveKill(approved.core, approved.pipeline, 'kill-pending', 'alice');
    if (approval.ok) await approval.value.execution;
    await expect(rejectKill(approved.core, 'kill-pending', 'bob')).resolves.toMatchObject({ ok: false, error: { code: 'not_pending', message: expect.stringContaining('approved by alice') } });

    const twice = await withPendingKill();
    await rejectKill(twice.core, 'kill-pending', 'alice');
    await expect(rejectKill(twice.core, 'kill-pending', 'bob')).resolves.toMatchObject({ ok: false, error: { code: 'not_pending', message: expect.stringContaining('rejected by alice') } });
    await expect(approveKill(twice.core, twice.pipeline, 'kill-pending', 'bob')).resolves.toMatchObject({ ok: false, error: { code: 'not_pending' } });
    expect(twice.fleet.attempts).toEqual([]);
  });

  it('lets exactly one of a racing approval and rejection win', async () => {
    const t = await withPendingKill();
    const [approval, rejection] = await Promise.all([approveKill(t.core, t.pipeline, 'kill-pending', 'alice'), rejectKill(t.core, 'kill-pending', 'bob')]);
    expect([approval.ok, rejection.ok].filter(Boolean)).toHaveLength(1);
    if (approval.ok) await approval.value.execution;
    const record = await t.repo.get('kill-pending');
    expect(record?.approvedBy !== null).not.toBe(record?.rejectedBy !== null);
  });

  it('refuses in observer mode with observer_mode, as approvals are', async () => {
    const t = await withPendingKill({ mode: 'observer' });
    await expect(rejectKill(t.core, 'kill-pending', 'alice')).resolves.toMatchObject({ ok: false, error: { code: 'observer_mode' } });
    expect(await t.repo.get('kill-pending')).toMatchObject({ state: 'decided', rejectedBy: null });
  });

  it('accepts a rejection up to the time limit and refuses it after with expired', async () => {
    const t = await withPendingKill({ approvalTtlMinutes: 60 });
    t.clock.advance(60 * 60_000 + 1);
    await expect(rejectKill(t.core, 'kill-pending', 'alice')).resolves.toMatchObject({ ok: false, error: { code: 'expired' } });
    expect(await t.repo.get('kill-pending')).toMatchObject({ state: 'decided', rejectedBy: null });

    const fresh = await withPendingKill({ approvalTtlMinutes: 60 });
    fresh.clock.advance(60 * 60_000);
    await expect(rejectKill(fresh.core, 'kill-pending', 'alice')).resolves.toMatchObject({ ok: true });
  });
});
