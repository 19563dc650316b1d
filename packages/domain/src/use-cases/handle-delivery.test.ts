import { createHmac, timingSafeEqual } from 'node:crypto';
import fc from 'fast-check';
import { KILL_REASONS, SEVERITIES } from '../model';
import type { OutcomeRecord } from '../model';
import { signKillEntry } from '../report-signature';
import type { MacFunctions, SigningPolicy } from '../report-signature';
import { HOT_CONTEXT, killEntryFields } from '../testing/fixtures';
import { InMemoryKillSource } from '../testing/in-memory-kill-source';
import { StaticThreatIntel } from '../testing/static-threat-intel';
import { createTestCore } from '../testing/test-core';
import { handleDelivery } from './handle-delivery';
import type { DeliveryResult } from './handle-delivery';

function recordOf(handled: DeliveryResult): OutcomeRecord {
  if (handled.kind === 'rejected') throw new Error(`expected a record, got a rejection: ${handled.rejection.reason}`);
  return handled.record;
}

describe('handleDelivery', () => {
  it('decides, resurrects and records a low-risk kill in live mode, then acknowledges it', async () => {
    const t = createTestCore();
    t.fleet.add({ name: 'web-1', health: 'passing' });
    const delivery = await t.deliver({ killId: 'kill-1' });
    const handled = await handleDelivery(t.core, delivery);
    expect(handled.kind).toBe('decided');
    expect(recordOf(handled)).toMatchObject({
      killId: 'kill-1',
      originalDecision: 'approve_auto',
      wasAutoApproved: true,
      state: 'done',
      outcomeType: 'success',
      healthStatus: 'healthy',
      outcomeId: 'id-1',
      decisionId: 'id-2',
      timestamp: t.clock.now().toISOString(),
    });
    expect(await t.repo.get('kill-1')).toEqual(recordOf(handled));
    expect(t.fleet.container('web-1').startCount).toBe(1);
    expect(t.stream.acked).toEqual([delivery.id]);
    expect(t.events.map((e) => e.type)).toEqual(['decided', 'resurrecting', 'resurrected']);
  });

  it('decides and executes a kill delivered twice only once', async () => {
    const t = createTestCore();
    t.fleet.add({ name: 'web-1', health: 'passing' });
    const first = await handleDelivery(t.core, await t.deliver({ killId: 'kill-dup' }));
    const second = await handleDelivery(t.core, await t.deliver({ killId: 'kill-dup' }));
    expect(first.kind).toBe('decided');
    expect(second.kind).toBe('duplicate');
    expect(recordOf(second)).toEqual(recordOf(first));
    expect(t.fleet.container('web-1').startCount).toBe(1);
    expect(t.fleet.attempts).toHaveLength(1);
    expect(await t.repo.recent(10)).toHaveLength(1);
    expect(t.stream.pendingIds()).toEqual([]);
    expect(t.events.filter((e) => e.type === 'duplicate')).toEqual([{ type: 'duplicate', killId: 'kill-dup', state: 'done' }]);
  });

  it('dead-letters, stores and acknowledges a rejected entry, then decides the next valid one', async () => {
    const t = createTestCore({ mode: 'observer' });
    const bad = await t.deliver({ payload: '{"kill_id":"kill-bad","severity":"apocalyptic"' }, { raw: true });
    const rejected = await handleDelivery(t.core, bad);
    if (rejected.kind !== 'rejected') throw new Error(`expected a rejection, got ${rejected.kind}`);
    expect(rejected.rejection).toMatchObject({ deliveryId: bad.id, raw: bad.fields, rejectedAt: t.clock.now().toISOString() });
    expect(rejected.rejection.reason).toMatch(/payload/);
    expect(t.repo.rejections()).toEqual([rejected.rejection]);
    expect(t.stream.deadLetters).toHaveLength(1);
    expect(t.stream.deadLetters[0]?.fields).toEqual({ ...bad.fields, reason: rejected.rejection.reason, original_id: bad.id });
    expect(t.stream.acked).toEqual([bad.id]);
    expect(await t.repo.recent(10)).toEqual([]);
    expect(t.events[0]).toMatchObject({ type: 'rejected', deliveryId: bad.id });

    const good = await handleDelivery(t.core, await t.deliver({ killId: 'kill-good' }));
    expect(good.kind).toBe('decided');
    expect(t.stream.acked).toEqual([bad.id, expect.any(String)]);
  });

  describe('with signed reports required', () => {
    const mac: MacFunctions = { hmacSha256: (key, message) => createHmac('sha256', key).update(message).digest(), equal: (a, b) => a.length === b.length && timingSafeEqual(a, b) };
    const key = new TextEncoder().encode('s'.repeat(32));
    const signing: SigningPolicy = { required: true, keys: new Map([['smith-1', key]]), maxReportAgeSeconds: 300, mac };

    it('decides a report signed with a known key', async () => {
      const t = createTestCore({ signing });
      t.fleet.add({ name: 'web-1', health: 'passing' });
      const handled = await handleDelivery(t.core, await t.deliver(signKillEntry(killEntryFields({ killId: 'signed-1' }), 'smith-1', key, mac), { raw: true }));
      expect(recordOf(handled)).toMatchObject({ killId: 'signed-1', outcomeType: 'success' });
    });

    it.each([
      ['unsigned', killEntryFields({ killId: 'forged-1' }), 'sig', 'bad_signature'],
      ['signed with an unknown key', signKillEntry(killEntryFields({ killId: 'forged-2' }), 'smith-9', key, mac), 'kid', 'bad_signature'],
      ['forged', { ...killEntryFields({ killId: 'forged-3' }), kid: 'smith-1', sig: 'ab'.repeat(32) }, 'sig', 'bad_signature'],
      ['stale', signKillEntry(killEntryFields({ killId: 'forged-4', timestamp: '2025-03-01T11:00:00.000Z' }), 'smith-1', key, mac), 'timestamp', 'stale_report'],
    ])('dead-letters an %s report, stores the rejection, acknowledges it and never decides or touches the container', async (_, fields, field, rule) => {
      const t = createTestCore({ signing });
      t.fleet.add({ name: 'web-1', health: 'passing' });
      const delivery = await t.deliver(fields, { raw: true });
      const handled = await handleDelivery(t.core, delivery);
      if (handled.kind !== 'rejected') throw new Error(`expected a rejection, got ${handled.kind}`);
      expect(handled.rejection).toMatchObject({ field, rule, reason: expect.stringMatching(new RegExp(`^${field}: ${rule}: `)) });
      expect(t.repo.rejections()).toHaveLength(1);
      expect(t.stream.deadLetters.map((d) => d.fields.reason)).toEqual([handled.rejection.reason]);
      expect(t.stream.acked).toEqual([delivery.id]);
      expect(await t.repo.recent(10)).toEqual([]);
      expect(t.fleet.attempts).toEqual([]);
    });
  });

  it('stores a rejection with the kill id it could still read', async () => {
    const t = createTestCore();
    const bad = await t.deliver({ killId: 'kill-hint', confidenceScore: 7 });
    const rejected = await handleDelivery(t.core, bad);
    if (rejected.kind !== 'rejected') throw new Error(`expected a rejection, got ${rejected.kind}`);
    expect(rejected.rejection).toMatchObject({ killId: 'kill-hint', field: expect.stringContaining('confidence_score') });
    expect(t.fleet.attempts).toEqual([]);
  });

  it('re-checks a kill left executing (its outcome was never stored) instead of restarting it again', async () => {
    const t = createTestCore();
    t.fleet.add({ name: 'web-1', health: 'passing' });
    const delivery = await t.deliver({ killId: 'kill-crash' });
    // As a crash after the restart and before the outcome would leave it: executing, its delivery pending.
    await t.repo.insert({ ...(await decidedRecordFor('kill-crash')), state: 'executing', originalDecision: 'approve_auto', wasAutoApproved: true });
    t.fleet.container('web-1').running = true;
    t.fleet.container('web-1').startCount = 1;

    const restarted = new InMemoryKillSource(t.stream, { consumer: t.source.consumer });
    const [redelivered] = await restarted.receive(10);
    expect(redelivered?.id).toBe(delivery.id);
    const handled = await handleDelivery({ ...t.core, source: restarted }, redelivered ?? delivery);
    expect(handled.kind).toBe('duplicate');
    expect(recordOf(handled)).toMatchObject({ state: 'done', outcomeType: 'success', healthStatus: 'healthy' });
    expect(t.fleet.container('web-1').startCount).toBe(1);
    expect(t.events).toContainEqual({ type: 'resurrecting', killId: 'kill-crash', module: 'web', resumed: true });
    expect(t.stream.pendingIds()).toEqual([]);
  });

  it('acknowledges a redelivered executing kill in observer mode without touching the container', async () => {
    const t = createTestCore({ mode: 'observer' });
    t.fleet.add({ name: 'web-1', running: true });
    const delivery = await t.deliver({ killId: 'kill-exec' });
    await t.repo.insert({ ...(await decidedRecordFor('kill-exec')), state: 'executing' });
    const handled = await handleDelivery(t.core, delivery);
    expect(handled).toMatchObject({ kind: 'duplicate', record: { state: 'executing' } });
    expect(t.fleet.attempts).toEqual([]);
    expect(t.stream.acked).toEqual([delivery.id]);
  });

  it('never calls the resurrector in observer mode, whatever the report', async () => {
    const module = fc.constantFrom('web', 'api', 'payments', 'db');
    const report = fc.record({
      killId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/),
      targetModule: module,
      killReason: fc.constantFrom(...KILL_REASONS),
      severity: fc.constantFrom(...SEVERITIES),
      confidenceScore: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(report, { minLength: 1, maxLength: 5 }), async (reports) => {
        const t = createTestCore({ mode: 'observer' });
        for (const name of ['web', 'api', 'payments', 'db']) t.fleet.add({ name, health: 'passing' });
        for (const r of reports) {
          const handled = await handleDelivery(t.core, await t.deliver({ ...r, targetInstanceId: r.targetModule }));
          expect(handled.kind).not.toBe('rejected');
          expect(recordOf(handled)).toMatchObject({ state: 'decided', wasAutoApproved: false, mode: 'observer' });
        }
        expect(t.fleet.attempts).toEqual([]);
        expect(t.stream.pendingIds()).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('decides as live does in observer mode, but records nothing executed', async () => {
    const t = createTestCore({ mode: 'observer' });
    const handled = await handleDelivery(t.core, await t.deliver({ killId: 'kill-obs' }));
    expect(recordOf(handled)).toMatchObject({ originalDecision: 'approve_auto', state: 'decided', outcomeType: 'undetermined', wasAutoApproved: false });
    expect(t.events).toContainEqual(expect.objectContaining({ type: 'decided', executing: false }));
  });

  it('labels the earlier resurrection re_killed when the module is killed again inside the window, and does not auto-approve', async () => {
    const t = createTestCore();
    t.fleet.add({ name: 'web-1', health: 'passing' });
    const first = recordOf(await handleDelivery(t.core, await t.deliver({ killId: 'kill-first' })));
    expect(first).toMatchObject({ outcomeType: 'success', originalDecision: 'approve_auto' });
    t.clock.advance(10 * 60_000);
    const second = recordOf(await handleDelivery(t.core, await t.deliver({ killId: 'kill-second' })));
    expect(await t.repo.get('kill-first')).toMatchObject({ outcomeType: 're_killed', reKilledAt: t.clock.now().toISOString() });
    expect(second.originalDecision).not.toBe('approve_auto');
    expect(second).toMatchObject({ guard: 'rekilled_after_resurrection', state: 'decided' });
    // The re-kill is the fleet's one label, a true positive: Beta(1/3, 2/3) + 1 true positive estimates 1/6 false positives.
    expect(second.factors.find((f) => f.name === 'false_positive_history')?.value).toBeCloseTo(5 / 6, 12);
    expect(t.fleet.container('web-1').startCount).toBe(1);
    expect(t.events).toContainEqual({ type: 're_killed', killId: 'kill-second', previousKillId: 'kill-first' });
  });

  it('does not label a resurrection re-killed once the window has passed', async () => {
    const t = createTestCore();
    t.fleet.add({ name: 'web-1', health: 'passing' });
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-first' }));
    t.clock.advance(31 * 60_000);
    const second = recordOf(await handleDelivery(t.core, await t.deliver({ killId: 'kill-second' })));
    expect(await t.repo.get('kill-first')).toMatchObject({ outcomeType: 'success', reKilledAt: null });
    expect(second).toMatchObject({ originalDecision: 'approve_auto', outcomeType: 'success' });
    expect(t.fleet.container('web-1').startCount).toBe(2);
  });

  it('decides without threat intel when it is unavailable (its adapter owns the time limit), and says so', async () => {
    const t = createTestCore();
    const slow = new StaticThreatIntel({ unavailable: 'Elasticsearch did not answer within 2000 ms' });
    t.fleet.add({ name: 'web-1', health: 'passing' });
    const record = recordOf(await handleDelivery({ ...t.core, threatIntel: slow }, await t.deliver({ killId: 'kill-slow' })));
    expect(record.threatContext).toEqual({ status: 'unavailable', reason: 'Elasticsearch did not answer within 2000 ms' });
    expect(record.factors.map((f) => f.name)).not.toContain('siem_risk_score');
    expect(record.reasoning.join(' ')).toMatch(/unavailable/i);
    expect(slow.lookups).toEqual(['web']);
    expect(t.events).toContainEqual({ type: 'threat_intel', killId: 'kill-slow', lookup: record.threatContext });
  });

  it('treats a failing threat-intel lookup as unavailable with its message', async () => {
    const t = createTestCore();
    const broken = { lookup: () => Promise.reject(new Error('socket hang up')), health: async () => ({ status: 'down' as const }) };
    const record = recordOf(await handleDelivery({ ...t.core, threatIntel: broken }, await t.deliver({ killId: 'kill-broken' })));
    expect(record.threatContext).toEqual({ status: 'unavailable', reason: 'socket hang up' });
  });

  it('weighs a threat-intel answer that arrives in time', async () => {
    const t = createTestCore();
    const intel = new StaticThreatIntel({ answers: { web: HOT_CONTEXT } });
    const record = recordOf(await handleDelivery({ ...t.core, threatIntel: intel }, await t.deliver({ killId: 'kill-hot' })));
    expect(record.threatContext).toEqual({ status: 'answered', context: HOT_CONTEXT });
    expect(record.factors.map((f) => f.name)).toContain('siem_risk_score');
  });

  it('leaves the delivery unacknowledged when the store fails', async () => {
    const t = createTestCore();
    const delivery = await t.deliver({ killId: 'kill-down' });
    t.repo.down = true;
    await expect(handleDelivery(t.core, delivery)).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(t.stream.pendingIds()).toEqual([delivery.id]);
    expect(t.stream.acked).toEqual([]);
  });
});

/** A decided record for `killId` as the core would have stored it, built by deciding it in a scratch observer core. */
async function decidedRecordFor(killId: string): Promise<OutcomeRecord> {
  const scratch = createTestCore({ mode: 'observer' });
  return recordOf(await handleDelivery(scratch.core, await scratch.deliver({ killId })));
}
