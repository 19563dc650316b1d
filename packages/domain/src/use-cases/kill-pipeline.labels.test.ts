import { readCriticalityLabel, readEnableLabel, readHealthTimeoutLabel } from '../container-labels';
import { NOTIFICATION_EVENTS } from '../notifications';
import type { NotificationRoutes } from '../notifications';
import type { ResurrectionResult } from '../model';
import type { ResurrectOptions, ResurrectionTarget } from '../ports';
import { AUTO_APPROVE_POLICY, createTestCore } from '../testing/test-core';
import type { TestCore, TestCoreOptions } from '../testing/test-core';
import { approveKill } from './approve';
import { handleDelivery } from './handle-delivery';

const ROUTES: NotificationRoutes = new Map(NOTIFICATION_EVENTS.map((event) => [event, ['hook']]));

/** A live core with auto-approve on (the demo report is approve_auto at risk 0.37) whose label reads (admit calls) are counted. */
function core(options: TestCoreOptions = {}): TestCore & { labelReads: string[] } {
  const t = createTestCore({ notificationRoutes: ROUTES, ...options });
  const labelReads: string[] = [];
  const fleet = t.fleet;
  const resurrect = fleet.resurrect.bind(fleet);
  fleet.resurrect = (target: ResurrectionTarget, given?: ResurrectOptions): Promise<ResurrectionResult> => {
    const admit = given?.admit;
    const counted = admit ? { ...given, admit: (container: string, labels: Readonly<Record<string, string>>) => (labelReads.push(container), admit(container, labels)) } : given;
    return resurrect(target, counted);
  };
  return Object.assign(t, { labelReads });
}

describe('reading medic.* labels', () => {
  it('reads medic.criticality as a number from 0 to 1, ignoring anything else with a warning naming container and label', () => {
    expect(readCriticalityLabel('web-1', { 'medic.criticality': '0.9' })).toEqual({ status: 'set', value: 0.9 });
    expect(readCriticalityLabel('web-1', { 'medic.criticality': '1' })).toEqual({ status: 'set', value: 1 });
    expect(readCriticalityLabel('web-1', {})).toEqual({ status: 'absent' });
    expect(readCriticalityLabel('web-1', null)).toEqual({ status: 'absent' });
    for (const bad of ['1.5', '-0.1', 'high', '', ' 0.5', '0x1', '1e-1', 'NaN', 'Infinity']) {
      expect(readCriticalityLabel('web-1', { 'medic.criticality': bad })).toEqual({
        status: 'invalid',
        warning: `label medic.criticality=${JSON.stringify(bad)} on container web-1 ignored: it must be a number from 0 to 1`,
      });
    }
  });

  it('reads medic.health-timeout as seconds above 0 and at most an hour', () => {
    expect(readHealthTimeoutLabel('web-1', { 'medic.health-timeout': '2.5' })).toEqual({ status: 'set', value: 2.5 });
    expect(readHealthTimeoutLabel('web-1', { 'medic.health-timeout': '3600' })).toEqual({ status: 'set', value: 3600 });
    for (const bad of ['0', '3601', '10s', '-1']) expect(readHealthTimeoutLabel('web-1', { 'medic.health-timeout': bad }).status).toBe('invalid');
  });

  it('reads medic.enable: true opts in, false excludes, anything else excludes with a warning', () => {
    expect(readEnableLabel('web-1', { 'medic.enable': 'true' })).toEqual({ optedIn: true, excluded: null, warning: null });
    expect(readEnableLabel('web-1', {})).toEqual({ optedIn: false, excluded: null, warning: null });
    expect(readEnableLabel('web-1', { 'medic.enable': 'false' })).toMatchObject({ optedIn: false, excluded: 'container web-1 is labelled medic.enable=false, which excludes it from resurrection', warning: null });
    const unclear = readEnableLabel('web-1', { 'medic.enable': 'no' });
    expect(unclear).toMatchObject({ optedIn: false, warning: 'label medic.enable="no" on container web-1 is neither true nor false; the container is left alone, as with false' });
    expect(unclear.excluded).toBe(unclear.warning);
  });

  it('escapes what a label value carries before it reaches a message', () => {
    const reading = readCriticalityLabel('web-1', { 'medic.criticality': '\u001b[31mred\u202e' });
    expect(reading).toEqual({ status: 'invalid', warning: expect.stringContaining('"\\u001b[31mred\\u202e"') });
    expect(readCriticalityLabel('web-1', { constructor: '1' } as Record<string, string>)).toEqual({ status: 'absent' });
  });
});

describe('KillPipeline and container labels', () => {
  it('withdraws an automatic resurrection when medic.criticality makes the kill a case for review, and says so', async () => {
    const t = core();
    const app = t.fleet.add({ name: 'web-1', health: 'passing', labels: { 'medic.criticality': '1' } });
    const delivery = await t.deliver({ killId: 'kill-critical' });
    const handled = await handleDelivery(t.core, delivery);
    expect(handled.kind).toBe('decided');
    const record = await t.repo.get('kill-critical');
    expect(record).toMatchObject({ state: 'decided', originalDecision: 'pending_review', wasAutoApproved: false, outcomeType: 'undetermined' });
    expect(record?.reasoning[0]).toBe(
      'Label medic.criticality=1 on container web-1 replaced risk.module_criticality (not set) for web, and the kill was decided again with it before resurrecting: ' +
        `pending_review instead of approve_auto (risk 0.37 → ${Math.round((record?.originalRiskScore ?? 0) * 1000) / 1000}); nothing was restarted.`,
    );
    expect(record?.factors.find((f) => f.name === 'module_criticality')).toMatchObject({ value: 1, detail: 'web has criticality 1 from label medic.criticality on container web-1' });
    expect(app.startCount).toBe(0);
    // One look-up of the container, whose label withdrew the resurrection before anything was touched.
    expect(t.fleet.attempts).toHaveLength(1);
    expect(t.labelReads).toEqual(['web-1']);
    expect(t.stream.pendingIds()).toEqual([]);
    expect(t.events.map((e) => e.type)).toEqual(['decided', 'resurrecting', 'redecided']);
    // Operators hear of it as any kill waiting for them.
    expect((await t.repo.outbox.pending('hook', 10)).map((e) => e.notification)).toEqual([
      expect.objectContaining({ event: 'pending_review', decision: expect.objectContaining({ outcome: 'pending_review', reason: record?.reasoning[0] }) }),
    ]);
  });

  it('goes on when the label leaves the kill auto-approvable, and notes what it changed', async () => {
    const t = core({ policy: { ...AUTO_APPROVE_POLICY, moduleCriticality: { web: 0.5 } } });
    t.fleet.add({ name: 'web-1', health: 'passing', labels: { 'medic.criticality': '0.1' } });
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-calm' }));
    const record = await t.repo.get('kill-calm');
    expect(record).toMatchObject({ state: 'done', outcomeType: 'success', originalDecision: 'approve_auto' });
    expect(record?.reasoning.at(-1)).toMatch(/^Label medic\.criticality=0\.1 on container web-1 replaced risk\.module_criticality \(0\.5\) for web, .*: still approve_auto \(risk /);
  });

  it('ignores a bad medic.criticality with a warning naming the container and the label, and never loosens anything', async () => {
    const t = core();
    t.fleet.add({ name: 'web-1', health: 'passing', labels: { 'medic.criticality': 'very' } });
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-bad-label' }));
    const warning = 'label medic.criticality="very" on container web-1 ignored: it must be a number from 0 to 1';
    expect(t.events).toContainEqual({ type: 'label_ignored', killId: 'kill-bad-label', module: 'web', warning });
    const record = await t.repo.get('kill-bad-label');
    expect(record).toMatchObject({ outcomeType: 'success', originalDecision: 'approve_auto' });
    expect(record?.reasoning.at(-1)).toBe(`L${warning.slice(1)}.`);
  });

  it('refuses a container labelled medic.enable=false even without require_label: failure not_enabled, reported', async () => {
    const t = core();
    const app = t.fleet.add({ name: 'web-1', health: 'passing', labels: { 'medic.enable': 'false', 'medic.criticality': '1' } });
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-optout' }));
    const record = await t.repo.get('kill-optout');
    expect(record).toMatchObject({ state: 'done', outcomeType: 'failure', error: 'not_enabled', errorMessage: 'container web-1 is labelled medic.enable=false, which excludes it from resurrection' });
    expect(record?.reasoning.at(-1)).toBe('Container web-1 is labelled medic.enable=false, which excludes it from resurrection: nothing was restarted.');
    expect(app.startCount).toBe(0);
    expect((await t.repo.outbox.pending('hook', 10)).map((e) => e.notification.event)).toEqual(['failure']);
  });

  it('applies medic.health-timeout to the resurrection and notes it', async () => {
    const t = core();
    t.fleet.add({ name: 'web-1', health: 'never', labels: { 'medic.health-timeout': '5' } });
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-slow' }));
    const record = await t.repo.get('kill-slow');
    expect(record).toMatchObject({ outcomeType: 'rollback', error: 'health_timeout', errorMessage: 'container web-1 was not healthy within 5000 ms; stopped it again' });
    expect(record?.reasoning.at(-1)).toBe('Label medic.health-timeout=5 on container web-1 set the health timeout to 5 s (configured: 60 s).');
  });

  it('never reads labels to decide: observer mode decides as live does, without the engine', async () => {
    const t = core({ mode: 'observer' });
    t.fleet.add({ name: 'web-1', health: 'passing', labels: { 'medic.criticality': '1', 'medic.enable': 'false' } });
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-observed' }));
    expect(await t.repo.get('kill-observed')).toMatchObject({ originalDecision: 'approve_auto', state: 'decided' });
    expect(t.labelReads).toEqual([]);
    expect(t.fleet.attempts).toEqual([]);
  });

  it("does not let medic.criticality overrule an operator's approval; medic.enable=false still holds", async () => {
    const t = core({ policy: { ...AUTO_APPROVE_POLICY, autoApprove: { ...AUTO_APPROVE_POLICY.autoApprove, enabled: false } } });
    t.fleet.add({ name: 'web-1', health: 'passing', labels: { 'medic.criticality': '1' } });
    t.fleet.add({ name: 'api-1', health: 'passing', labels: { 'medic.enable': 'false' } });
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-web' }));
    await handleDelivery(t.core, await t.deliver({ killId: 'kill-api', targetModule: 'api', targetInstanceId: 'api-1' }));
    for (const killId of ['kill-web', 'kill-api']) {
      const approval = await approveKill(t.core, t.pipeline, killId, 'alice');
      if (!approval.ok) throw new Error(approval.error.message);
      await approval.value.execution;
    }
    expect(t.labelReads).toEqual([]);
    expect(await t.repo.get('kill-web')).toMatchObject({ outcomeType: 'success', approvedBy: 'alice' });
    expect(await t.repo.get('kill-api')).toMatchObject({ outcomeType: 'failure', error: 'not_enabled' });
  });

  it('retries the label read while the engine is unreachable, like the resurrection itself', async () => {
    const t = core();
    t.fleet.add({ name: 'web-1', health: 'passing', labels: { 'medic.criticality': '1' } });
    t.fleet.down = true;
    const [status] = await t.pipeline.handle([await t.deliver({ killId: 'kill-outage' })]);
    expect(status?.kind).toBe('executing');
    await t.clock.whenSleeping();
    expect(t.events.filter((e) => e.type === 'resurrection_retry')).toHaveLength(1);
    t.fleet.down = false;
    t.clock.advance(1_000);
    await t.pipeline.settled();
    expect(await t.repo.get('kill-outage')).toMatchObject({ state: 'decided', originalDecision: 'pending_review' });
    // The label is read on the look-up that reached the engine, the second attempt.
    expect(t.fleet.attempts).toHaveLength(2);
    expect(t.labelReads).toEqual(['web-1']);
  });
});
