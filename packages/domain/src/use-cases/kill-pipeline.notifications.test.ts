import { NOTIFICATION_EVENTS } from '../notifications';
import type { NotificationRoutes, OutboxEntry } from '../notifications';
import type { KillReport } from '../model';
import { DEFAULT_POLICY } from '../policy';
import { minutesFrom, sampleRecord } from '../testing/fixtures';
import { createTestCore } from '../testing/test-core';
import type { TestCore, TestCoreOptions } from '../testing/test-core';
import { approveKill } from './approve';
import { runCalibration } from './calibrate';
import { handleDelivery } from './handle-delivery';

/** Every event to webhook "hook"; deny and budget_exhausted also to "audit". */
const ROUTES: NotificationRoutes = new Map(NOTIFICATION_EVENTS.map((event) => [event, event === 'deny' || event === 'budget_exhausted' ? ['hook', 'audit'] : ['hook']]));
const DENIED: Partial<KillReport> = { killReason: 'threat_detected', severity: 'critical', confidenceScore: 0.99 };
/** Medium risk under the default policy: waits for an operator. */
const REVIEWED: Partial<KillReport> = { killReason: 'anomaly_behavior', severity: 'medium', confidenceScore: 0.6 };

function core(options: TestCoreOptions = {}): TestCore {
  return createTestCore({ notificationRoutes: ROUTES, ...options });
}

async function queued(t: TestCore, webhook = 'hook'): Promise<OutboxEntry[]> {
  return t.repo.outbox.pending(webhook, 100);
}

describe('KillPipeline notifications', () => {
  it('queues a pending_review with the facts an operator needs and when the approval expires', async () => {
    const t = core({ approvalTtlMinutes: 45 });
    const delivery = await t.deliver({ killId: 'kill-wait', ...REVIEWED, evidence: ['<!here> look', 'x'.repeat(300)] });
    await handleDelivery(t.core, delivery);
    const [entry, ...rest] = await queued(t);
    expect(rest).toEqual([]);
    const decidedAt = t.clock.now().toISOString();
    expect(entry).toMatchObject({
      webhook: 'hook',
      notification: {
        event: 'pending_review',
        at: decidedAt,
        expiresAt: minutesFrom(45, decidedAt),
        kill: { killId: 'kill-wait', module: 'web', instanceId: 'web-1', killReason: 'anomaly_behavior', severity: 'medium', smithConfidence: 0.6, sourceAgent: 'smith' },
        decision: { outcome: 'pending_review', mode: 'live', riskLevel: 'medium', guard: null, reason: expect.stringMatching(/^Sent to review: risk .* is medium\.$/) },
      },
    });
    if (entry?.notification.event !== 'pending_review') throw new Error('expected a pending_review');
    expect(entry.notification.kill.evidence).toEqual(['<!here> look', `${'x'.repeat(200)}…`]);
    expect(entry.notification.decision.mainFactors).toHaveLength(3);
    expect(entry.notification.decision.mainFactors[0]?.name).toBe('smith_confidence');
    // Operator's actions report nothing new; a second delivery of the kill reports nothing either.
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-wait', ...REVIEWED }));
    expect(await queued(t)).toHaveLength(1);
  });

  it('queues deny and budget_exhausted to every webhook that wants them, in observer mode too', async () => {
    const t = core({ mode: 'observer', policy: { ...DEFAULT_POLICY, budget: { maxRestarts: 1, windowMinutes: 60 } } });
    await t.repo.insert(sampleRecord({ killId: 'earlier', targetModule: 'api', state: 'done', outcomeType: 'success', originalDecision: 'approve_auto', wasAutoApproved: true, timestamp: minutesFrom(-5, t.clock.now().toISOString()), completedAt: minutesFrom(-4, t.clock.now().toISOString()) }));
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-threat', ...DENIED }));
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-flap', targetModule: 'api', targetInstanceId: 'api-1' }));
    for (const webhook of ['hook', 'audit']) {
      expect((await queued(t, webhook)).map((e) => [e.notification.event, 'kill' in e.notification ? e.notification.kill.killId : null])).toEqual([
        ['deny', 'kill-threat'],
        ['budget_exhausted', 'kill-flap'],
      ]);
    }
    const [threat] = await queued(t, 'audit');
    expect(threat?.notification).toMatchObject({ decision: { guard: 'high_confidence_threat', mode: 'observer' }, expiresAt: null });
  });

  it('queues resurrected, rollback and failure with the outcome, in the transaction that stores it', async () => {
    const t = core();
    t.fleet.add({ name: 'ok-1', health: 'passing' });
    t.fleet.add({ name: 'sick-1', health: 'failing' });
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-ok', targetModule: 'ok', targetInstanceId: 'ok-1' }));
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-sick', targetModule: 'sick', targetInstanceId: 'sick-1' }));
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-gone', targetModule: 'gone', targetInstanceId: 'gone-1' }));
    const entries = await queued(t);
    expect(entries.map((e) => e.notification.event)).toEqual(['resurrected', 'rollback', 'failure']);
    expect(entries.map((e) => ('resurrection' in e.notification ? [e.notification.resurrection.outcome, e.notification.resurrection.error] : null))).toEqual([
      ['success', null],
      ['rollback', 'unhealthy'],
      ['failure', 'container_not_found'],
    ]);
    expect(entries[2]?.notification).toMatchObject({ decision: { outcome: 'approve_auto' }, resurrection: { approvedBy: null, message: expect.stringContaining('no container named gone-1') } });
  });

  it("names the operator who approved a resurrection in its notification", async () => {
    const t = core();
    t.fleet.add({ name: 'web-1', health: 'passing' });
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-ask', ...REVIEWED }));
    const approval = await approveKill(t.core, t.pipeline, 'kill-ask', 'alice');
    if (!approval.ok) throw new Error(approval.error.message);
    await approval.value.execution;
    expect((await queued(t)).map((e) => e.notification)).toEqual([
      expect.objectContaining({ event: 'pending_review' }),
      expect.objectContaining({ event: 'resurrected', resurrection: expect.objectContaining({ approvedBy: 'alice' }) }),
    ]);
  });

  it('queues nothing without routes, and nothing for an event no webhook wants', async () => {
    const silent = createTestCore();
    await handleDelivery(silent.core, await silent.deliver({ killId: 'kill-1', ...DENIED }));
    expect(await silent.repo.outbox.webhookStates()).toEqual([]);
    const picky = createTestCore({ notificationRoutes: new Map([['rollback', ['hook']]]) });
    await handleDelivery(picky.core, await picky.deliver({ killId: 'kill-2', ...DENIED }));
    await handleDelivery(picky.core, await picky.deliver({ killId: 'kill-3', ...REVIEWED }));
    expect(await picky.repo.outbox.webhookStates()).toEqual([]);
  });

  it('queues a calibration only when it moved the ceiling', async () => {
    const t = core({ policy: DEFAULT_POLICY });
    await runCalibration(t.core, { minSamples: 20, windowDays: 30, maxHarmRate: 1 });
    expect(await queued(t)).toEqual([]);
    const now = t.clock.now().toISOString();
    // Half of the auto-approvals re-killed: the held share's tripwire takes the ceiling down a step, with or without a learnt model.
    for (let i = 0; i < 80; i++) {
      const outcomeType = i % 2 === 0 ? 'success' : 're_killed';
      await t.repo.insert(
        sampleRecord({ killId: `auto-${i}`, timestamp: minutesFrom(-70 - i, now), state: 'done', outcomeType, originalDecision: 'approve_auto', wasAutoApproved: true, completedAt: minutesFrom(-60 - i, now) }),
      );
    }
    t.clock.advance(60_000);
    const moved = await runCalibration(t.core, { minSamples: 20, windowDays: 30, maxHarmRate: 1 });
    expect(moved).toMatchObject({ direction: 'down', previousMaxScore: DEFAULT_POLICY.autoApprove.maxScore });
    expect((await queued(t)).map((e) => e.notification)).toEqual([
      {
        event: 'calibration',
        at: moved.calibratedAt,
        calibration: { previousMaxScore: DEFAULT_POLICY.autoApprove.maxScore, nextMaxScore: moved.nextMaxScore, direction: 'down', samples: 80, successes: 40, reason: moved.reason },
      },
    ]);
  });
});
