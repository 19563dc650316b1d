import { calibrationFacts, decisionFacts, notificationOf, resurrectionFacts } from '@medic/domain';
import type { Calibration, NotificationFacts, NotificationOutbox, OutboxEntry, OutcomeRecord, OutcomeRepo, OutcomeUpdate, QueuedNotification } from '@medic/domain';
import { FIXTURE_TIME, minutesFrom, sampleRecord, sampleReport } from '@medic/domain/testing';
import { harnessPool } from './harness-pool';

/** What a store provides to run the outbox contract: an empty store and the outbox it writes. */
export interface NotificationOutboxHarness {
  readonly repo: OutcomeRepo;
  readonly outbox: NotificationOutbox;
  cleanup(): Promise<void>;
}

const at = (minutes: number): string => minutesFrom(minutes, FIXTURE_TIME);

/** A pending_review record decided `minutes` after the fixture time, with evidence that needs escaping downstream. */
function pending(killId: string, minutes = 0): OutcomeRecord {
  return sampleRecord({
    killId,
    timestamp: at(minutes),
    report: sampleReport({ killId, targetModule: 'web', targetInstanceId: 'web-1', evidence: ['<!channel> & friends', 'ünïcödé ✓\u202e'] }),
  });
}

function decisionOf(record: OutcomeRecord): NotificationFacts {
  const facts = decisionFacts(record, 60);
  if (!facts) throw new Error(`record ${record.killId} reports no decision`);
  return facts;
}

const queued = (id: string, webhook: string, facts: NotificationFacts): QueuedNotification => ({ id, webhook, ...facts });

/** What the outbox hands out for `q`: the notification whole, its kill and decision from `record`. */
function whole(q: QueuedNotification, record: OutcomeRecord | null): OutboxEntry {
  const notification = notificationOf(q, record);
  if (!notification) throw new Error(`notification ${q.id} does not fit its record`);
  return { id: q.id, webhook: q.webhook, notification };
}

const calibration: Calibration = {
  calibratedAt: at(30),
  previousMaxScore: 0.3,
  nextMaxScore: 0.35,
  direction: 'up',
  samples: 25,
  successes: 25,
  successRate: 1,
  wilsonLower: 0.96,
  wilsonUpper: 1,
  evidenceSince: at(-1000),
  reKilled: 0,
  truePositives: 900,
  labelled: 120,
  harmLower: 0.001,
  harmPoint: 0.002,
  harmUpper: 0.004,
  maxHarmRate: 0.005,
  reason: 'raised',
};

/** The shared NotificationOutbox contract (the port docs in ports.ts), run against every store that writes one. */
export function notificationOutboxContract(name: string, makeHarness: () => Promise<NotificationOutboxHarness>): void {
  describe(`${name} (NotificationOutbox contract)`, () => {
    const open = harnessPool(makeHarness);
    const ids = (entries: readonly OutboxEntry[]): string[] => entries.map((e) => e.id);

    it('writes a batch notification only with the record it reports, and hands entries back per webhook, oldest first', async () => {
      const { repo, outbox } = await open();
      await repo.insert(pending('stored-before'));
      const a = pending('kill-a', 1);
      const b = pending('kill-b', 2);
      const again = pending('stored-before', 3);
      const batch = [
        queued('n1', 'slack', decisionOf(a)),
        queued('n2', 'events', decisionOf(a)),
        queued('n3', 'slack', decisionOf(again)),
        queued('n4', 'slack', decisionOf(b)),
      ];
      expect(await repo.commitBatch({ records: [a, again, b], reKills: [], rejections: [], notifications: batch })).toEqual(['inserted', 'duplicate', 'inserted']);
      expect(await outbox.pending('slack', 10)).toEqual([whole(batch[0]!, a), whole(batch[3]!, b)]);
      expect(await outbox.pending('events', 10)).toEqual([whole(batch[1]!, a)]);
      expect(ids(await outbox.pending('slack', 1))).toEqual(['n1']);
      expect(await outbox.pending('nobody', 10)).toEqual([]);
    });

    it('hands a notification out whole: what was queued, with the kill and the decision of its record, input characters included', async () => {
      const { repo, outbox } = await open();
      const record = pending('kill-round');
      const q = queued('round', 'hook', decisionOf(record));
      await repo.commitBatch({ records: [record], reKills: [], rejections: [], notifications: [q] });
      const [back] = await outbox.pending('hook', 1);
      expect(back).toEqual(whole(q, record));
      expect(back?.notification).toMatchObject({
        event: 'pending_review',
        at: record.timestamp,
        expiresAt: minutesFrom(60, record.timestamp),
        kill: { killId: 'kill-round', module: 'web', evidence: ['<!channel> & friends', 'ünïcödé ✓\u202e'] },
        decision: { outcome: 'pending_review', riskScore: record.originalRiskScore, reason: record.reasoning[0] },
      });
    });

    it('writes the notifications of an update only when it completes an executing record', async () => {
      const { repo, outbox } = await open();
      const executing = sampleRecord({ killId: 'kill-exec', state: 'executing', originalDecision: 'approve_auto', wasAutoApproved: true });
      await repo.insert(executing);
      await repo.insert(pending('kill-decided'));
      const base = { timeToHealthy: null, healthStatus: 'unhealthy', containerId: 'c1', error: 'unhealthy', errorMessage: 'sick', completedAt: at(5) } as const;
      const facts = resurrectionFacts(executing, { ...base, outcome: 'rollback', message: base.errorMessage });
      if (!facts) throw new Error('a rollback reports a notification');
      const update: OutcomeUpdate = { ...base, outcomeType: 'rollback', notifications: [queued('done-1', 'hook', facts)] };
      await repo.complete('kill-exec', update);
      await repo.complete('kill-decided', { ...update, notifications: [queued('never', 'hook', facts)] });
      await repo.complete('kill-exec', { ...update, notifications: [queued('twice', 'hook', facts)] });
      const [rollback, ...rest] = await outbox.pending('hook', 10);
      expect(rest).toEqual([]);
      expect(rollback).toEqual(whole(queued('done-1', 'hook', facts), await repo.get('kill-exec')));
      expect(rollback?.notification).toMatchObject({ event: 'rollback', resurrection: { outcome: 'rollback', error: 'unhealthy', message: 'sick', approvedBy: null } });
      expect(await repo.get('kill-exec')).toMatchObject({ state: 'done', outcomeType: 'rollback' });
    });

    it('writes the notifications of a redecision with it, and of a calibration with it', async () => {
      const { repo, outbox } = await open();
      const executing = sampleRecord({ killId: 'kill-auto', state: 'executing', originalDecision: 'approve_auto', wasAutoApproved: true });
      await repo.insert(executing);
      const decision = { verdict: 'pending_review', riskScore: 0.5, riskLevel: 'medium', confidence: 0.6, guard: null, factors: [], reasoning: ['Label said so.'] } as const;
      const facts = decisionOf({ ...executing, originalDecision: 'pending_review', state: 'decided' });
      expect(await repo.redecide('kill-auto', { decision, notifications: [queued('re-1', 'hook', facts)] })).toBe(true);
      expect(await repo.redecide('kill-auto', { decision, notifications: [queued('re-2', 'hook', facts)] })).toBe(false);
      const c = calibrationFacts(calibration);
      if (!c) throw new Error('a calibration that moved reports a notification');
      await repo.saveCalibration(calibration, [queued('cal-1', 'hook', c)]);
      expect(await repo.latestCalibration()).toEqual(calibration);
      const [redecided, moved] = await outbox.pending('hook', 10);
      expect(redecided).toEqual(whole(queued('re-1', 'hook', facts), await repo.get('kill-auto')));
      expect(redecided?.notification).toMatchObject({ event: 'pending_review', decision: { outcome: 'pending_review', riskScore: 0.5, reason: 'Label said so.' } });
      expect(moved).toEqual(whole(queued('cal-1', 'hook', c), null));
      expect(moved?.notification).toEqual({ event: 'calibration', at: calibration.calibratedAt, calibration: { previousMaxScore: 0.3, nextMaxScore: 0.35, direction: 'up', samples: 25, successes: 25, reason: 'raised' } });
    });

    it('marks only the named webhook’s pending entries sent, and counts them', async () => {
      const { repo, outbox } = await open();
      const records = [pending('k1', 1), pending('k2', 2), pending('k3', 3)];
      const written = [queued('s1', 'slack', decisionOf(records[0]!)), queued('s2', 'slack', decisionOf(records[1]!)), queued('e1', 'events', decisionOf(records[2]!))];
      await repo.commitBatch({ records, reKills: [], rejections: [], notifications: written });
      await outbox.markSent('slack', ['s1', 'e1', 'missing'], at(10));
      await outbox.markSent('slack', ['s1'], at(11));
      expect(ids(await outbox.pending('slack', 10))).toEqual(['s2']);
      expect(ids(await outbox.pending('events', 10))).toEqual(['e1']);
      const states = await outbox.webhookStates();
      expect(states.map((s) => [s.webhook, s.pending, s.sent, s.dropped])).toEqual([
        ['events', 1, 0, 0],
        ['slack', 1, 1, 0],
      ]);
    });

    it('drops named entries once, and entries queued before an instant (or all), per webhook', async () => {
      const { repo, outbox } = await open();
      const records = [pending('k1', 1), pending('k2', 2), pending('k3', 3), pending('k4', 4)];
      const written = [
        queued('a1', 'hook', decisionOf(records[0]!)),
        queued('a2', 'hook', decisionOf(records[1]!)),
        queued('a3', 'hook', decisionOf(records[2]!)),
        queued('b1', 'other', decisionOf(records[3]!)),
      ];
      await repo.commitBatch({ records, reKills: [], rejections: [], notifications: written });
      expect(await outbox.drop('hook', ['a1', 'b1'], 'refused: HTTP 400', at(5))).toBe(1);
      expect(await outbox.drop('hook', ['a1'], 'again', at(6))).toBe(0);
      // a2 happened at minute 2: "before minute 3" takes it, not a3.
      expect(await outbox.dropQueuedBefore('hook', at(3), 'unreachable for 10 attempts', at(7))).toBe(1);
      expect(ids(await outbox.pending('hook', 10))).toEqual(['a3']);
      expect(await outbox.dropQueuedBefore('hook', null, 'webhook removed', at(8))).toBe(1);
      expect(await outbox.pending('hook', 10)).toEqual([]);
      expect(ids(await outbox.pending('other', 10))).toEqual(['b1']);
      const hook = (await outbox.webhookStates()).find((s) => s.webhook === 'hook');
      expect(hook).toMatchObject({ pending: 0, sent: 0, dropped: 3 });
    });

    it('keeps each webhook’s run of unreachable attempts: extended, trimmed to the newest, ended by an answer', async () => {
      const { outbox } = await open();
      const unreachable = (minute: number) => ({ at: at(minute), result: 'unreachable' as const, error: `ECONNREFUSED ${minute}` });
      expect(await outbox.recordAttempt('hook', unreachable(1), 2)).toEqual({ count: 1, recent: [at(1)] });
      expect(await outbox.recordAttempt('hook', unreachable(2), 2)).toEqual({ count: 2, recent: [at(1), at(2)] });
      expect(await outbox.recordAttempt('hook', unreachable(3), 2)).toEqual({ count: 3, recent: [at(2), at(3)] });
      expect(await outbox.webhookStates()).toEqual([
        { webhook: 'hook', pending: 0, sent: 0, dropped: 0, failedAttempts: 3, failureRun: { count: 3, recent: [at(2), at(3)] }, lastError: 'ECONNREFUSED 3' },
      ]);
      expect(await outbox.recordAttempt('hook', { at: at(4), result: 'refused', error: 'HTTP 400' }, 2)).toEqual({ count: 0, recent: [] });
      expect(await outbox.recordAttempt('hook', unreachable(5), 2)).toEqual({ count: 1, recent: [at(5)] });
      expect(await outbox.recordAttempt('hook', { at: at(6), result: 'delivered', error: null }, 2)).toEqual({ count: 0, recent: [] });
      expect(await outbox.webhookStates()).toEqual([
        { webhook: 'hook', pending: 0, sent: 0, dropped: 0, failedAttempts: 5, failureRun: { count: 0, recent: [] }, lastError: 'ECONNREFUSED 5' },
      ]);
    });
  });
}
