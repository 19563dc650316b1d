import fc from 'fast-check';
import type { DomainEvent } from '../events';
import { KILL_REASONS, SEVERITIES } from '../model';
import type { KillReport, OutcomeRecord } from '../model';
import { AUTO_APPROVE_POLICY } from '../testing/test-core';
import type { BatchWrite, DeadLetter, Delivery, KillSource, OutcomeRepo, Resurrector } from '../ports';
import { FIXTURE_TIME, HOT_CONTEXT, killEntryFields, minutesFrom, sampleRecord } from '../testing/fixtures';
import { InMemoryKillSource } from '../testing/in-memory-kill-source';
import { InMemoryOutcomeRepo } from '../testing/in-memory-outcome-repo';
import { StaticThreatIntel } from '../testing/static-threat-intel';
import { createTestCore } from '../testing/test-core';
import type { TestCore, TestCoreOptions } from '../testing/test-core';
import { approveKill } from './approve';
import type { MedicCore } from './core';
import { handleDelivery } from './handle-delivery';
import { KillPipeline } from './kill-pipeline';

/** A high-risk report: denied under every policy, so never executed. */
const DENIED: Partial<KillReport> = { killReason: 'threat_detected', severity: 'critical', confidenceScore: 0.99 };

/** The fleet's label counts in the equivalence test: every module's estimate shrinks towards 2 of 5 false positives. */
const FIXED_FLEET_LABELS = { falsePositives: 2, truePositives: 3 };

/** Publishes every entry, then receives them as one batch. */
async function publishBatch(t: TestCore, entries: ReadonlyArray<Record<string, string>>): Promise<Delivery[]> {
  for (const fields of entries) t.stream.publish(fields);
  const batch = await t.source.receive(entries.length);
  expect(batch).toHaveLength(entries.length);
  return batch;
}

/** `target` with some methods replaced; the others are called on `target` itself (its private fields need that). */
function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, key) {
      if (Object.hasOwn(overrides, key)) return overrides[key as keyof T];
      const value: unknown = Reflect.get(object, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

/** The core with its repo, source and resurrector reporting each call (name and kill ids, modules or delivery ids) to `calls`, in order. */
function traced(core: MedicCore, calls: string[]): MedicCore {
  const { repo, source, resurrector } = core;
  const batchText = (b: BatchWrite): string =>
    [b.records.map((r) => r.killId).join(','), b.reKills.map((l) => `${l.killId}<-${l.causedBy}`).join(','), b.rejections.map((r) => r.deliveryId).join(',')].join(' | ');
  return {
    ...core,
    repo: overriding<OutcomeRepo>(repo, {
      getMany: (killIds) => (calls.push(`getMany ${killIds.join(',')}`), repo.getMany(killIds)),
      moduleHistories: (modules, windows) => (calls.push(`moduleHistories ${modules.join(',')}`), repo.moduleHistories(modules, windows)),
      commitBatch: (batch) => (calls.push(`commitBatch ${batchText(batch)}`), repo.commitBatch(batch)),
      complete: (killId, update) => (calls.push(`complete ${killId}`), repo.complete(killId, update)),
    }),
    source: overriding<KillSource>(source, {
      ack: (ids: readonly string[], deadLetters: readonly DeadLetter[] = []) => (
        calls.push(`ack ${ids.join(',')}${deadLetters.length > 0 ? ` dead ${deadLetters.map((d) => d.delivery.id).join(',')}` : ''}`), source.ack(ids, deadLetters)
      ),
    }),
    resurrector: overriding<Resurrector>(resurrector, {
      resurrect: (target, options) => (calls.push(`resurrect ${target.killId}`), resurrector.resurrect(target, options)),
    }),
  };
}

/** Records compared by content: their ids depend on the order the core happened to make them in. */
const contentOf = (records: readonly OutcomeRecord[]) =>
  records.map(({ outcomeId: _o, decisionId: _d, ...rest }) => rest).sort((a, b) => a.killId.localeCompare(b.killId));
const sortedJson = <T>(values: readonly T[]): string[] => values.map((v) => JSON.stringify(v)).sort();
/** Events about the work itself; "waiting" only says when the pipeline scheduled it. */
const workEvents = (events: readonly DomainEvent[]): string[] => sortedJson(events.filter((e) => e.type !== 'waiting'));

describe('KillPipeline', () => {
  // One by one, each kill's resurrection is over before the next kill is read; in a batch, other modules' resurrections
  // run meanwhile, and a kill waiting for its module is decided after later kills of other modules. So the fleet-wide
  // label counts (a prior shrinking every module's estimate) are held fixed here; the module's own labels, re-kill
  // labelling and the restart budget must come out exactly as one by one.
  it('gives the records, acknowledgements, dead letters, resurrections and events of handling the deliveries one by one', async () => {
    const modules = ['web', 'api', 'db'] as const;
    const entry = fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .record({
            killId: fc.constantFrom('k-1', 'k-2', 'k-3', 'k-4', 'k-5', 'k-6', 'k-7', 'k-8'),
            targetModule: fc.constantFrom(...modules),
            killReason: fc.constantFrom(...KILL_REASONS),
            severity: fc.constantFrom(...SEVERITIES),
            confidenceScore: fc.double({ min: 0, max: 1, noNaN: true }),
          })
          .map((r) => killEntryFields({ ...r, targetInstanceId: r.targetModule })),
      },
      { weight: 1, arbitrary: fc.constant({ payload: '{"kill_id":"k-bad","severity":"apocalyptic"}' }) },
    );
    // Earlier runs of Medic: a decided kill, one left executing, and recent unlabelled successes the new kills may label.
    const history = [
      sampleRecord({ killId: 'k-1', targetModule: 'db' }),
      sampleRecord({ killId: 'k-2', state: 'executing', originalDecision: 'approve_auto', wasAutoApproved: true }),
      sampleRecord({ killId: 'h-web', targetModule: 'web', state: 'done', outcomeType: 'success', originalDecision: 'approve_auto', wasAutoApproved: true, completedAt: minutesFrom(-5) }),
      sampleRecord({ killId: 'h-api-1', targetModule: 'api', state: 'done', outcomeType: 'success', approvedBy: 'alice', completedAt: minutesFrom(-9) }),
      sampleRecord({ killId: 'h-api-2', targetModule: 'api', state: 'done', outcomeType: 'success', approvedBy: 'alice', completedAt: minutesFrom(-3) }),
    ];
    const setup = (mode: 'live' | 'observer', stored: readonly OutcomeRecord[], maxRestarts: number, concurrency: number): TestCore => {
      const repo = new InMemoryOutcomeRepo();
      const t = createTestCore({
        mode,
        repo: overriding(repo, {
          moduleHistories: async (modules, windows) => {
            const histories = await repo.moduleHistories(modules, windows);
            return new Map([...histories].map(([module, h]) => [module, { ...h, fleetLabels: FIXED_FLEET_LABELS }]));
          },
        }),
        policy: { ...AUTO_APPROVE_POLICY, budget: { maxRestarts, windowMinutes: 60 } },
        resurrection: { concurrency, retryDeadlineSeconds: 300 },
      });
      t.fleet.add({ name: 'web', health: 'passing' });
      t.fleet.add({ name: 'api', health: 'failing' });
      for (const r of stored) void t.repo.insert(r);
      return t;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { minLength: 1, maxLength: 25 }),
        fc.constantFrom<'live' | 'observer'>('live', 'observer'),
        fc.subarray(history),
        fc.constantFrom(1, 3),
        fc.integer({ min: 1, max: 25 }),
        fc.constantFrom(1, 8),
        async (entries, mode, stored, maxRestarts, batchSize, concurrency) => {
          const one = setup(mode, stored, maxRestarts, concurrency);
          const all = setup(mode, stored, maxRestarts, concurrency);
          for (const delivery of await publishBatch(one, entries)) await handleDelivery(one.core, delivery);
          const deliveries = await publishBatch(all, entries);
          for (let start = 0; start < deliveries.length; start += batchSize) await all.pipeline.handle(deliveries.slice(start, start + batchSize));
          await all.pipeline.settled();

          expect(contentOf(await all.repo.recent(100))).toEqual(contentOf(await one.repo.recent(100)));
          expect(all.repo.rejections()).toEqual(one.repo.rejections());
          expect(sortedJson(all.stream.deadLetters.map((e) => e.fields))).toEqual(sortedJson(one.stream.deadLetters.map((e) => e.fields)));
          expect(sortedJson(all.fleet.attempts)).toEqual(sortedJson(one.fleet.attempts));
          expect([...all.stream.acked].sort()).toEqual([...one.stream.acked].sort());
          expect(all.stream.pendingIds()).toEqual([]);
          expect(workEvents(all.events)).toEqual(workEvents(one.events));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('looks up, commits and acknowledges a batch once: records, labels and rejections in one transaction, dead letters in the one acknowledgement', async () => {
    const t = createTestCore({ mode: 'observer' });
    await t.repo.insert(sampleRecord({ killId: 'old', state: 'done', outcomeType: 'success', completedAt: minutesFrom(-1) }));
    const calls: string[] = [];
    const batch = await publishBatch(t, [killEntryFields({ killId: 'a' }), { payload: 'not json' }, killEntryFields({ killId: 'b', targetModule: 'api' }), killEntryFields({ killId: 'c' })]);
    const [a, bad, b, c] = batch.map((d) => d.id);
    const statuses = await new KillPipeline(traced(t.core, calls)).handle(batch);
    expect(statuses.map((s) => s.kind)).toEqual(['decided', 'rejected', 'decided', 'decided']);
    expect(calls).toEqual(['getMany a,b,c', 'moduleHistories web,api', `commitBatch a,b,c | old<-a | ${bad}`, `ack ${a},${b},${c} dead ${bad}`]);
    expect(t.stream.deadLetters.map((e) => e.fields['original_id'])).toEqual([bad]);
    expect(t.repo.rejections().map((r) => r.deliveryId)).toEqual([bad]);
    expect(await t.repo.get('old')).toMatchObject({ outcomeType: 're_killed', reKilledAt: t.clock.now().toISOString() });
    expect(t.stream.pendingIds()).toEqual([]);
  });

  it('decides a kill delivered twice in one batch once, and acknowledges both deliveries with the batch', async () => {
    const t = createTestCore({ mode: 'observer' });
    const calls: string[] = [];
    const batch = await publishBatch(t, [killEntryFields({ killId: 'twice' }), killEntryFields({ killId: 'other' }), killEntryFields({ killId: 'twice', severity: 'critical' })]);
    const [first, other, repeat] = batch.map((d) => d.id);
    const statuses = await new KillPipeline(traced(t.core, calls)).handle(batch);
    expect(statuses.map((s) => s.kind)).toEqual(['decided', 'decided', 'duplicate']);
    expect(await t.repo.get('twice')).toMatchObject({ report: { severity: 'low' } });
    expect(calls).toEqual(['getMany twice,other', 'moduleHistories web', 'commitBatch twice,other |  | ', `ack ${first},${other},${repeat}`]);
    expect(t.events.filter((e) => e.type === 'duplicate')).toEqual([{ type: 'duplicate', killId: 'twice', state: 'decided' }]);
  });

  it('never waits for a resurrection: the batch is committed and acknowledged while it runs, and the kill is acknowledged once its outcome is durable', async () => {
    const t = createTestCore();
    t.fleet.add({ name: 'web-1', health: 'passing', bootMs: 2_000 });
    const calls: string[] = [];
    const pipeline = new KillPipeline(traced(t.core, calls));
    const batch = await publishBatch(t, [killEntryFields({ ...DENIED, killId: 'before' }), killEntryFields({ killId: 'run-me' }), killEntryFields({ ...DENIED, killId: 'after', targetModule: 'api' })]);
    const [before, run, after] = batch.map((d) => d.id);
    expect((await pipeline.handle(batch)).map((s) => s.kind)).toEqual(['decided', 'executing', 'decided']);
    await t.clock.whenSleeping();
    // The resurrection is queued (and starts) before the batch is acknowledged; its own delivery stays pending.
    expect(calls).toEqual(['getMany before,run-me,after', 'moduleHistories web,api', 'commitBatch before,run-me,after |  | ', 'resurrect run-me', `ack ${before},${after}`]);
    expect(await t.repo.get('run-me')).toMatchObject({ state: 'executing' });
    expect(t.stream.pendingIds()).toEqual([run]);
    expect(pipeline.status()).toEqual({ running: 1, queued: 0, retrying: 0, waiting: 0 });

    t.clock.advance(2_000);
    await pipeline.settled();
    expect(calls.slice(5)).toEqual(['complete run-me', `ack ${run}`]);
    expect(await t.repo.get('run-me')).toMatchObject({ state: 'done', outcomeType: 'success', timeToHealthy: 2 });
    expect(t.stream.pendingIds()).toEqual([]);
  });

  it('runs up to `concurrency` resurrections at once; the rest wait for a slot, unacknowledged', async () => {
    const t = createTestCore({ resurrection: { concurrency: 2, retryDeadlineSeconds: 300 } });
    const names = ['m-1', 'm-2', 'm-3', 'm-4', 'm-5'];
    for (const name of names) t.fleet.add({ name, health: 'passing', bootMs: 1_000 });
    const batch = await publishBatch(t, names.map((name) => killEntryFields({ killId: `kill-${name}`, targetModule: name, targetInstanceId: name })));
    expect((await t.pipeline.handle(batch)).every((s) => s.kind === 'executing')).toBe(true);
    await t.clock.whenSleeping(2);
    expect(t.pipeline.status()).toEqual({ running: 2, queued: 3, retrying: 0, waiting: 0 });
    expect(t.fleet.attempts.map((a) => a.module)).toEqual(['m-1', 'm-2']);
    expect(t.stream.pendingIds()).toEqual(batch.map((d) => d.id));
    const events = t.events.filter((e) => e.type === 'resurrecting').length;
    expect(events).toBe(2);

    t.clock.advance(1_000);
    await t.clock.whenSleeping(2);
    expect(t.fleet.attempts.map((a) => a.module)).toEqual(['m-1', 'm-2', 'm-3', 'm-4']);
    expect(t.stream.pendingIds()).toEqual(batch.slice(2).map((d) => d.id));
    t.clock.advance(1_000);
    await t.clock.whenSleeping(1);
    t.clock.advance(1_000);
    await t.pipeline.settled();
    expect(t.stream.pendingIds()).toEqual([]);
    expect(names.map((name) => t.fleet.container(name).startCount)).toEqual([1, 1, 1, 1, 1]);
  });

  it('holds a kill of a module whose resurrection is in flight, undecided, and decides it once that is over', async () => {
    const t = createTestCore();
    t.fleet.add({ name: 'web-1', health: 'passing', bootMs: 1_000 });
    const [first] = await publishBatch(t, [killEntryFields({ killId: 'first' })]);
    expect(await t.pipeline.handle([first!])).toEqual([{ kind: 'executing', killId: 'first' }]);
    await t.clock.whenSleeping();

    const [second] = await publishBatch(t, [killEntryFields({ killId: 'second' })]);
    expect(await t.pipeline.handle([second!])).toEqual([{ kind: 'waiting', killId: 'second' }]);
    expect(await t.repo.get('second')).toBeNull();
    expect(t.pipeline.status()).toMatchObject({ running: 1, waiting: 1 });
    expect(t.stream.pendingIds()).toEqual([first!.id, second!.id]);

    t.clock.advance(1_000);
    await t.pipeline.settled();
    // Decided after the first resurrection succeeded, so it saw it, labelled it and was not auto-approved.
    expect(await t.repo.get('first')).toMatchObject({ outcomeType: 're_killed', reKilledAt: t.clock.now().toISOString() });
    expect(await t.repo.get('second')).toMatchObject({ guard: 'rekilled_after_resurrection', originalDecision: 'pending_review', state: 'decided' });
    expect(t.fleet.container('web-1').startCount).toBe(1);
    expect(t.stream.pendingIds()).toEqual([]);
    expect(t.events).toContainEqual({ type: 'waiting', killId: 'second', module: 'web' });
  });

  it('keeps the restart budget exact when many kills of one module arrive at once', async () => {
    const t = createTestCore({ policy: { ...AUTO_APPROVE_POLICY, budget: { maxRestarts: 1, windowMinutes: 60 } } });
    t.fleet.add({ name: 'web-1', health: 'passing', bootMs: 500 });
    const batch = await publishBatch(t, [1, 2, 3, 4, 5].map((n) => killEntryFields({ killId: `storm-${n}` })));
    expect((await t.pipeline.handle(batch)).map((s) => s.kind)).toEqual(['executing', 'waiting', 'waiting', 'waiting', 'waiting']);
    await t.clock.whenSleeping();
    t.clock.advance(500);
    await t.pipeline.settled();
    const records = await Promise.all([1, 2, 3, 4, 5].map((n) => t.repo.get(`storm-${n}`)));
    expect(records.map((r) => [r?.originalDecision, r?.guard, r?.outcomeType])).toEqual([
      ['approve_auto', null, 're_killed'],
      ['deny', 'restart_budget_spent', 'undetermined'],
      ['deny', 'restart_budget_spent', 'undetermined'],
      ['deny', 'restart_budget_spent', 'undetermined'],
      ['deny', 'restart_budget_spent', 'undetermined'],
    ]);
    expect(t.fleet.container('web-1').startCount).toBe(1);
    expect(t.stream.pendingIds()).toEqual([]);
  });

  it('acknowledges later deliveries of a kill in flight together with it, and ignores a redelivery of one it holds', async () => {
    const t = createTestCore();
    t.fleet.add({ name: 'web-1', health: 'passing', bootMs: 1_000 });
    const [delivery] = await publishBatch(t, [killEntryFields({ killId: 'held' })]);
    await t.pipeline.handle([delivery!]);
    const [again] = await publishBatch(t, [killEntryFields({ killId: 'held' })]);
    expect(await t.pipeline.handle([delivery!, again!])).toEqual([{ kind: 'in_hand' }, { kind: 'waiting', killId: 'held' }]);
    await t.clock.whenSleeping();
    expect(t.stream.pendingIds()).toEqual([delivery!.id, again!.id]);
    t.clock.advance(1_000);
    await t.pipeline.settled();
    expect(t.stream.pendingIds()).toEqual([]);
    expect(t.fleet.attempts).toHaveLength(1);
    expect(t.events.filter((e) => e.type === 'duplicate')).toEqual([{ type: 'duplicate', killId: 'held', state: 'done' }]);
  });

  it('looks threat intel up once per module and batch', async () => {
    const t = createTestCore({ mode: 'observer' });
    const intel = new StaticThreatIntel({ answers: { api: HOT_CONTEXT } });
    const pipeline = new KillPipeline({ ...t.core, threatIntel: intel });
    const batch = await publishBatch(t, ['a', 'b', 'c', 'd'].map((killId, i) => killEntryFields({ killId, targetModule: i % 2 === 0 ? 'web' : 'api' })));
    await pipeline.handle(batch);
    expect(intel.lookups.sort()).toEqual(['api', 'web']);
    expect((await t.repo.get('b'))?.threatContext).toEqual({ status: 'answered', context: HOT_CONTEXT });
    expect(t.events.filter((e) => e.type === 'threat_intel')).toHaveLength(4);
  });

  describe('when the engine is unreachable', () => {
    it('keeps the kill executing and unacknowledged, retries with backoff, and finishes it once the engine answers', async () => {
      const t = createTestCore();
      t.fleet.add({ name: 'web-1', health: 'passing' });
      t.fleet.down = true;
      const [delivery] = await publishBatch(t, [killEntryFields({ killId: 'outage' })]);
      await t.pipeline.handle([delivery!]);
      await t.clock.whenSleeping();
      expect(t.pipeline.status()).toMatchObject({ running: 1, retrying: 1 });
      expect(await t.repo.get('outage')).toMatchObject({ state: 'executing', outcomeType: 'undetermined' });
      expect(t.stream.pendingIds()).toEqual([delivery!.id]);
      t.clock.advance(500);
      await t.clock.whenSleeping();
      expect(t.events.filter((e) => e.type === 'resurrection_retry').map((e) => (e.type === 'resurrection_retry' ? e.delayMs : 0))).toEqual([500, 1_000]);

      t.fleet.down = false;
      t.clock.advance(1_000);
      await t.pipeline.settled();
      expect(await t.repo.get('outage')).toMatchObject({ state: 'done', outcomeType: 'success' });
      expect(t.fleet.container('web-1').startCount).toBe(1);
      expect(t.stream.pendingIds()).toEqual([]);
      expect(t.pipeline.status()).toEqual({ running: 0, queued: 0, retrying: 0, waiting: 0 });
    });

    it('gives up at retry_deadline_seconds after the resurrection began with failure / docker_unavailable, which an operator can approve again', async () => {
      const t = createTestCore({ resurrection: { concurrency: 8, retryDeadlineSeconds: 5 } });
      t.fleet.add({ name: 'web-1', health: 'passing' });
      t.fleet.down = true;
      const [delivery] = await publishBatch(t, [killEntryFields({ killId: 'gone' })]);
      await t.pipeline.handle([delivery!]);
      for (let slept = 0; t.pipeline.status().running > 0 && slept < 10; slept++) {
        await Promise.race([t.clock.whenSleeping(), t.pipeline.settled()]);
        t.clock.advance(1_000);
      }
      await t.pipeline.settled();
      expect(await t.repo.get('gone')).toMatchObject({ state: 'done', outcomeType: 'failure', error: 'docker_unavailable' });
      // The deadline counts from when the resurrection began: the decision, at the fixture time.
      expect((await t.repo.get('gone'))?.completedAt).toBe(new Date(Date.parse(FIXTURE_TIME) + 5_000).toISOString());
      expect(t.stream.pendingIds()).toEqual([]);

      t.fleet.down = false;
      const approval = await approveKill(t.core, t.pipeline, 'gone', 'alice');
      if (!approval.ok) throw new Error(approval.error.message);
      expect(approval.value.record).toMatchObject({ state: 'executing', outcomeType: 'undetermined', error: null, approvedBy: 'alice' });
      expect(await approval.value.execution).toMatchObject({ state: 'done', outcomeType: 'success' });
      expect(t.fleet.container('web-1').startCount).toBe(1);
    });

    it('leaves the kill executing and pending when stopped, and a restarted pipeline re-checks it', async () => {
      const t = createTestCore();
      t.fleet.add({ name: 'web-1', health: 'passing', bootMs: 1_000 });
      t.fleet.down = true;
      const [delivery] = await publishBatch(t, [killEntryFields({ killId: 'across' })]);
      await t.pipeline.handle([delivery!]);
      await t.clock.whenSleeping();
      await t.pipeline.stop();
      await t.pipeline.inFlight();
      expect(t.events).toContainEqual({ type: 'abandoned', killId: 'across', module: 'web' });
      expect(await t.repo.get('across')).toMatchObject({ state: 'executing' });
      expect(t.stream.pendingIds()).toEqual([delivery!.id]);

      t.fleet.down = false;
      const source = new InMemoryKillSource(t.stream, { consumer: t.source.consumer });
      const restarted = new KillPipeline({ ...t.core, source });
      expect(await restarted.resume()).toBe(1);
      expect(await restarted.handle(await source.receive(10))).toEqual([{ kind: 'waiting', killId: 'across' }]);
      await t.clock.whenSleeping();
      t.clock.advance(1_000);
      await restarted.settled();
      expect(await t.repo.get('across')).toMatchObject({ state: 'done', outcomeType: 'success' });
      expect(t.events).toContainEqual({ type: 'resurrecting', killId: 'across', module: 'web', resumed: true });
      expect(t.fleet.container('web-1').startCount).toBe(1);
      expect(t.stream.pendingIds()).toEqual([]);
    });
  });

  it('on stop, lets the running resurrection finish, starts none of the queued ones and decides none of the waiting kills', async () => {
    const t = createTestCore({ resurrection: { concurrency: 1, retryDeadlineSeconds: 300 } });
    t.fleet.add({ name: 'web-1', health: 'passing', bootMs: 1_000 });
    t.fleet.add({ name: 'api', health: 'passing', bootMs: 1_000 });
    const batch = await publishBatch(t, [killEntryFields({ killId: 'running' }), killEntryFields({ killId: 'queued', targetModule: 'api' }), killEntryFields({ killId: 'waiting' })]);
    expect((await t.pipeline.handle(batch)).map((s) => s.kind)).toEqual(['executing', 'executing', 'waiting']);
    await t.clock.whenSleeping();
    await t.pipeline.stop();
    t.clock.advance(1_000);
    await t.pipeline.inFlight();
    expect(await t.repo.get('running')).toMatchObject({ state: 'done', outcomeType: 'success' });
    expect(await t.repo.get('queued')).toMatchObject({ state: 'executing' });
    expect(await t.repo.get('waiting')).toBeNull();
    expect(t.fleet.attempts.map((a) => a.killId)).toEqual(['running']);
    expect(t.stream.pendingIds()).toEqual(batch.slice(1).map((d) => d.id));
  });

  it('stores a resurrection outcome once the store answers again, and keeps the kill pending meanwhile', async () => {
    const failing = new (class extends InMemoryOutcomeRepo {
      failures = 2;
      override async complete(...args: Parameters<InMemoryOutcomeRepo['complete']>): Promise<void> {
        if (this.failures-- > 0) throw new Error('disk I/O error');
        return super.complete(...args);
      }
    })();
    const t = createTestCore({ repo: failing });
    t.fleet.add({ name: 'web-1', health: 'passing' });
    const [delivery] = await publishBatch(t, [killEntryFields({ killId: 'stubborn' })]);
    await t.pipeline.handle([delivery!]);
    await t.clock.whenSleeping();
    expect(t.stream.pendingIds()).toEqual([delivery!.id]);
    t.clock.advance(100);
    await t.clock.whenSleeping();
    t.clock.advance(200);
    await t.pipeline.settled();
    expect(await t.repo.get('stubborn')).toMatchObject({ state: 'done', outcomeType: 'success' });
    expect(t.events.filter((e) => e.type === 'background_error')).toHaveLength(2);
    expect(t.fleet.container('web-1').startCount).toBe(1);
    expect(t.stream.pendingIds()).toEqual([]);
  });

  it('leaves the whole batch unacknowledged when the store fails, and handles it once on a retry', async () => {
    const failing = new (class extends InMemoryOutcomeRepo {
      failures = 1;
      override async commitBatch(batch: BatchWrite): Promise<Array<'inserted' | 'duplicate'>> {
        if (this.failures-- > 0) throw new Error('disk full');
        return super.commitBatch(batch);
      }
    })();
    const t = createTestCore({ mode: 'observer', repo: failing } satisfies TestCoreOptions);
    const batch = await publishBatch(t, [killEntryFields({ killId: 'x' }), killEntryFields({ killId: 'y' }), { payload: '{}' }]);
    await expect(t.pipeline.handle(batch)).rejects.toMatchObject({ dependency: 'store', message: 'disk full' });
    expect(t.stream.acked).toEqual([]);
    expect(t.stream.deadLetters).toEqual([]);
    expect(await t.repo.recent(10)).toEqual([]);
    expect((await t.pipeline.handle(batch)).map((s) => s.kind)).toEqual(['decided', 'decided', 'rejected']);
    expect(t.stream.pendingIds()).toEqual([]);
    expect(t.stream.deadLetters).toHaveLength(1);
  });

  it('names the source when the acknowledgement fails, after the batch is durable', async () => {
    const t = createTestCore({ mode: 'observer' });
    const batch = await publishBatch(t, [killEntryFields({ killId: 'x' })]);
    t.stream.down = true;
    await expect(t.pipeline.handle(batch)).rejects.toMatchObject({ dependency: 'source', code: 'source_unavailable' });
    expect(await t.repo.get('x')).toMatchObject({ state: 'decided' });
    t.stream.down = false;
    expect(await t.pipeline.handle(batch)).toEqual([{ kind: 'duplicate', killId: 'x' }]);
    expect(t.stream.pendingIds()).toEqual([]);
  });

  it('reports a kill another consumer stored meanwhile as a duplicate, and applies none of its labels', async () => {
    const t = createTestCore({ mode: 'observer' });
    const theirs = sampleRecord({ killId: 'raced', outcomeId: 'theirs' });
    const racing = new (class extends InMemoryOutcomeRepo {
      override async commitBatch(batch: BatchWrite): Promise<Array<'inserted' | 'duplicate'>> {
        await this.insert(theirs);
        return super.commitBatch(batch);
      }
    })();
    await racing.insert(sampleRecord({ killId: 'old', state: 'done', outcomeType: 'success', completedAt: minutesFrom(-1) }));
    const pipeline = new KillPipeline({ ...t.core, repo: racing });
    const [delivery] = await publishBatch(t, [killEntryFields({ killId: 'raced' })]);
    expect(await pipeline.handle([delivery!])).toEqual([{ kind: 'duplicate', killId: 'raced' }]);
    expect(await racing.get('raced')).toEqual(theirs);
    expect(await racing.get('old')).toMatchObject({ outcomeType: 'success', reKilledAt: null });
    expect(t.stream.acked).toEqual([delivery!.id]);
    expect(t.events.map((e) => e.type)).toEqual(['duplicate']);
  });

  it('resurrects an approval only once the resurrection in flight for its module is over', async () => {
    const t = createTestCore();
    t.fleet.add({ name: 'web-1', health: 'passing', bootMs: 1_000 });
    await t.repo.insert(sampleRecord({ killId: 'pending', timestamp: t.clock.now().toISOString() }));
    await t.pipeline.handle(await publishBatch(t, [killEntryFields({ killId: 'auto' })]));
    await t.clock.whenSleeping();
    const approval = await approveKill(t.core, t.pipeline, 'pending', 'alice');
    if (!approval.ok) throw new Error(approval.error.message);
    expect(t.pipeline.status()).toMatchObject({ running: 1, waiting: 1 });
    expect(t.fleet.attempts.map((a) => a.killId)).toEqual(['auto']);
    t.clock.advance(1_000);
    await t.clock.whenSleeping();
    expect(t.fleet.attempts.map((a) => a.killId)).toEqual(['auto', 'pending']);
    t.clock.advance(1_000);
    expect(await approval.value.execution).toMatchObject({ killId: 'pending', state: 'done', outcomeType: 'success' });
  });

  it('makes its feeder wait while it holds MAX_BACKLOG kills', async () => {
    const t = createTestCore({ resurrection: { concurrency: 1, retryDeadlineSeconds: 300 } });
    t.fleet.add({ name: 'web-1', health: 'passing', bootMs: 1_000 });
    await t.pipeline.handle(await publishBatch(t, [killEntryFields({ killId: 'first' })]));
    await t.pipeline.waitForRoom();
    const many = await publishBatch(t, Array.from({ length: 1_000 }, (_, i) => killEntryFields({ killId: `wait-${i}` })));
    await t.pipeline.handle(many);
    expect(t.pipeline.status().waiting).toBe(1_000);
    let room = false;
    const waiting = t.pipeline.waitForRoom().then(() => (room = true));
    await t.clock.whenSleeping();
    expect(room).toBe(false);
    t.clock.advance(1_000);
    await waiting;
    expect(room).toBe(true);
    await t.pipeline.stop();
  });
});
