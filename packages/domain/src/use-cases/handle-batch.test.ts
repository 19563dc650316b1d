import fc from 'fast-check';
import { KILL_REASONS, SEVERITIES } from '../model';
import type { KillReport, OutcomeRecord } from '../model';
import type { Delivery, KillSource, OutcomeRepo, Resurrector } from '../ports';
import { killEntryFields, sampleRecord } from '../testing/fixtures';
import { InMemoryOutcomeRepo } from '../testing/in-memory-outcome-repo';
import { createTestCore } from '../testing/test-core';
import type { TestCore, TestCoreOptions } from '../testing/test-core';
import type { MedicCore } from './core';
import { handleBatch } from './handle-batch';
import { handleDelivery } from './handle-delivery';
import type { HandleOutcome } from './handle-delivery';

/** A high-risk report: denied under every policy, so never executed. */
const DENIED: Partial<KillReport> = { killReason: 'threat_detected', severity: 'critical', confidenceScore: 0.99 };

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

/** The core with its repo, source and resurrector reporting each call (name and kill ids or delivery ids) to `calls`, in order. */
function traced(core: MedicCore, calls: string[]): MedicCore {
  const { repo, source, resurrector } = core;
  return {
    ...core,
    repo: overriding<OutcomeRepo>(repo, {
      insert: (record) => (calls.push(`insert ${record.killId}`), repo.insert(record)),
      insertMany: (records) => (calls.push(`insertMany ${records.map((r) => r.killId).join(',')}`), repo.insertMany(records)),
    }),
    source: overriding<KillSource>(source, { ack: (ids) => (calls.push(`ack ${ids.join(',')}`), source.ack(ids)) }),
    resurrector: overriding<Resurrector>(resurrector, {
      resurrect: (target, options) => (calls.push(`resurrect ${target.killId}`), resurrector.resurrect(target, options)),
    }),
  };
}

describe('handleBatch', () => {
  it('gives the outcomes, records, acknowledgements and effects of handling the deliveries one by one', async () => {
    const modules = ['web', 'api', 'db'] as const;
    const entry = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          killId: fc.constantFrom('k-1', 'k-2', 'k-3', 'k-4', 'k-5', 'k-6'),
          targetModule: fc.constantFrom(...modules),
          killReason: fc.constantFrom(...KILL_REASONS),
          severity: fc.constantFrom(...SEVERITIES),
          confidenceScore: fc.double({ min: 0, max: 1, noNaN: true }),
        }).map((r) => killEntryFields({ ...r, targetInstanceId: r.targetModule })),
      },
      { weight: 1, arbitrary: fc.constant({ payload: '{"kill_id":"k-bad","severity":"apocalyptic"}' }) },
    );
    const setup = (mode: 'live' | 'observer', stored: readonly OutcomeRecord[]): TestCore => {
      const t = createTestCore({ mode, repo: new InMemoryOutcomeRepo() });
      t.fleet.add({ name: 'web', health: 'passing' });
      t.fleet.add({ name: 'api', health: 'failing' });
      for (const r of stored) void t.repo.insert(r);
      return t;
    };
    const sorted = <T>(values: readonly T[]): string[] => values.map((v) => JSON.stringify(v)).sort();
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { minLength: 1, maxLength: 25 }),
        fc.constantFrom<'live' | 'observer'>('live', 'observer'),
        fc.subarray([sampleRecord({ killId: 'k-1', targetModule: 'db' }), sampleRecord({ killId: 'k-2', state: 'executing', originalDecision: 'approve_auto', wasAutoApproved: true })]),
        async (entries, mode, stored) => {
          const one = setup(mode, stored);
          const all = setup(mode, stored);
          const expected: HandleOutcome[] = [];
          for (const delivery of await publishBatch(one, entries)) expected.push(await handleDelivery(one.core, delivery));
          const outcomes = await handleBatch(all.core, await publishBatch(all, entries));

          expect(outcomes).toEqual(expected);
          expect(await all.repo.recent(100)).toEqual(await one.repo.recent(100));
          expect(all.repo.rejections()).toEqual(one.repo.rejections());
          expect(all.stream.deadLetters).toEqual(one.stream.deadLetters);
          expect(all.fleet.attempts).toEqual(one.fleet.attempts);
          expect([...all.stream.acked].sort()).toEqual([...one.stream.acked].sort());
          expect(all.stream.pendingIds()).toEqual([]);
          // The same events, though a group's "decided" events come once it is stored.
          expect(sorted(all.events)).toEqual(sorted(one.events));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('stores the decided kills in one transaction and acknowledges them in one call, after it', async () => {
    const t = createTestCore({ mode: 'observer' });
    const calls: string[] = [];
    const batch = await publishBatch(t, ['a', 'b', 'c'].map((killId) => killEntryFields({ killId })));
    const outcomes = await handleBatch(traced(t.core, calls), batch);
    expect(outcomes.map((o) => o.kind)).toEqual(['decided', 'decided', 'decided']);
    expect(calls).toEqual(['insertMany a,b,c', `ack ${batch.map((d) => d.id).join(',')}`]);
    expect(t.stream.pendingIds()).toEqual([]);
  });

  it('decides a kill delivered twice in one batch once, and acknowledges both deliveries with the group', async () => {
    const t = createTestCore({ mode: 'observer' });
    const calls: string[] = [];
    const batch = await publishBatch(t, [killEntryFields({ killId: 'twice' }), killEntryFields({ killId: 'other' }), killEntryFields({ killId: 'twice', severity: 'critical' })]);
    const [first, other, repeat] = batch.map((d) => d.id);
    const outcomes = await handleBatch(traced(t.core, calls), batch);
    const stored = await t.repo.get('twice');
    expect(stored).toMatchObject({ killId: 'twice', report: { severity: 'low' } });
    expect(outcomes).toEqual([
      { kind: 'decided', record: stored },
      { kind: 'decided', record: await t.repo.get('other') },
      { kind: 'duplicate', record: stored },
    ]);
    expect(calls).toEqual(['insertMany twice,other', `ack ${first},${repeat},${other}`]);
    expect(t.events.filter((e) => e.type === 'duplicate')).toEqual([{ type: 'duplicate', killId: 'twice', state: 'decided' }]);
  });

  it('commits the kills decided so far before it executes one, then goes on with the rest', async () => {
    const t = createTestCore();
    t.fleet.add({ name: 'web-1', health: 'passing' });
    const calls: string[] = [];
    const batch = await publishBatch(t, [
      killEntryFields({ ...DENIED, killId: 'before-1' }),
      killEntryFields({ ...DENIED, killId: 'before-2' }),
      killEntryFields({ killId: 'run-me' }),
      killEntryFields({ ...DENIED, killId: 'after' }),
    ]);
    const [b1, b2, run, after] = batch.map((d) => d.id);
    const outcomes = await handleBatch(traced(t.core, calls), batch);
    expect(calls).toEqual(['insertMany before-1,before-2', `ack ${b1},${b2}`, 'insert run-me', 'resurrect run-me', `ack ${run}`, 'insertMany after', `ack ${after}`]);
    expect(outcomes[2]).toMatchObject({ kind: 'decided', record: { killId: 'run-me', state: 'done', outcomeType: 'success' } });
    expect(outcomes.map((o) => o.kind)).toEqual(['decided', 'decided', 'decided', 'decided']);
  });

  it('re-checks a stored kill left executing on its own, after committing the kills before it', async () => {
    const t = createTestCore();
    t.fleet.add({ name: 'web-1', running: true, health: 'passing' });
    await t.repo.insert(sampleRecord({ killId: 'crashed', state: 'executing', originalDecision: 'approve_auto', wasAutoApproved: true }));
    await t.repo.insert(sampleRecord({ killId: 'seen' }));
    const calls: string[] = [];
    const batch = await publishBatch(t, [killEntryFields({ ...DENIED, killId: 'new' }), killEntryFields({ killId: 'seen' }), killEntryFields({ killId: 'crashed' })]);
    const [fresh, seen, crashed] = batch.map((d) => d.id);
    const outcomes = await handleBatch(traced(t.core, calls), batch);
    expect(calls).toEqual(['insertMany new', `ack ${seen},${fresh}`, 'resurrect crashed', `ack ${crashed}`]);
    expect(outcomes.map((o) => o.kind)).toEqual(['decided', 'duplicate', 'duplicate']);
    expect(outcomes[2]).toMatchObject({ record: { state: 'done', outcomeType: 'success' } });
    expect(t.fleet.container('web-1').startCount).toBe(1);
  });

  it('reports a kill another delivery stored meanwhile as a duplicate of the stored record', async () => {
    const t = createTestCore({ mode: 'observer' });
    const theirs = sampleRecord({ killId: 'raced', outcomeId: 'theirs' });
    const racing = new (class extends InMemoryOutcomeRepo {
      override async insertMany(records: readonly OutcomeRecord[]): Promise<Array<'inserted' | 'duplicate'>> {
        await this.insert(theirs);
        return super.insertMany(records);
      }
    })();
    const core = { ...t.core, repo: racing };
    const [delivery] = await publishBatch(t, [killEntryFields({ killId: 'raced' })]);
    expect(await handleBatch(core, [delivery!])).toEqual([{ kind: 'duplicate', record: theirs }]);
    expect(t.stream.acked).toEqual([delivery!.id]);
    expect(t.events.map((e) => e.type)).toEqual(['duplicate']);
  });

  it('leaves the whole group unacknowledged when the store fails, and acknowledges nothing stored twice on retry', async () => {
    const failing = new (class extends InMemoryOutcomeRepo {
      failures = 1;
      override async insertMany(records: readonly OutcomeRecord[]): Promise<Array<'inserted' | 'duplicate'>> {
        if (this.failures-- > 0) throw new Error('disk full');
        return super.insertMany(records);
      }
    })();
    const t = createTestCore({ mode: 'observer', repo: failing } satisfies TestCoreOptions);
    const batch = await publishBatch(t, [killEntryFields({ killId: 'x' }), killEntryFields({ killId: 'y' })]);
    await expect(handleBatch(t.core, batch)).rejects.toThrow('disk full');
    expect(t.stream.acked).toEqual([]);
    expect(await t.repo.recent(10)).toEqual([]);
    expect((await handleBatch(t.core, batch)).map((o) => o.kind)).toEqual(['decided', 'decided']);
    expect(t.stream.pendingIds()).toEqual([]);
  });

  it('stops before the next delivery when asked, storing and acknowledging what it decided and leaving the rest pending', async () => {
    const t = createTestCore({ mode: 'observer' });
    const batch = await publishBatch(t, ['s-1', 's-2', 's-3', 's-4'].map((killId) => killEntryFields({ killId })));
    let handled = 0;
    const outcomes = await handleBatch(t.core, batch, { stopRequested: () => handled++ >= 2 });
    expect(outcomes.map((o) => (o.kind === 'rejected' ? null : o.record.killId))).toEqual(['s-1', 's-2']);
    expect((await t.repo.recent(10)).map((r) => r.killId).sort()).toEqual(['s-1', 's-2']);
    expect(t.stream.pendingIds()).toEqual(batch.slice(2).map((d) => d.id));
  });

  it('dead-letters a rejected entry at once and acknowledges the rest of the batch with its group', async () => {
    const t = createTestCore({ mode: 'observer' });
    const calls: string[] = [];
    const batch = await publishBatch(t, [killEntryFields({ killId: 'good' }), { payload: 'not json' }]);
    const outcomes = await handleBatch(traced(t.core, calls), batch);
    expect(outcomes.map((o) => o.kind)).toEqual(['decided', 'rejected']);
    expect(t.stream.deadLetters.map((e) => e.fields.original_id)).toEqual([batch[1]!.id]);
    expect(calls).toEqual(['insertMany good', `ack ${batch[0]!.id}`]);
  });
});
