import { PassThrough } from 'node:stream';
import { waitFor } from '@medic/test-support';
import { KillPipeline } from '@medic/domain';
import type { Delivery, KillSource } from '@medic/domain';
import { createTestCore, killEntryFields } from '@medic/domain/testing';
import type { TestCore } from '@medic/domain/testing';
import { DependencyHealth } from './dependency-health';
import { KillLoop } from './kill-loop';
import { createLogger } from './logger';

/** A loop over an in-memory core on the real clock, with health probing the in-memory adapters. */
function setup(t: TestCore, source: KillSource = t.source) {
  const core = { ...t.core, source, clock: { now: () => new Date(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()) } };
  const pipeline = new KillPipeline(core);
  const health = new DependencyHealth({
    redis: () => source.health(),
    docker: () => t.fleet.health(),
    store: () => t.repo.health(),
    threat_intel: null,
    notifier: null,
  });
  const logger = createLogger({ level: 'error', format: 'text' }, new PassThrough());
  const loop = new KillLoop({ source, pipeline, batchSize: 10, health, logger });
  return { loop, health, pipeline };
}

describe('KillLoop', () => {
  it('hands a batch the store refused in again until it goes through, reporting the store down meanwhile, never Redis', async () => {
    const t = createTestCore({ mode: 'observer' });
    const { loop, health } = setup(t);
    const refusals = { left: 3 };
    const commit = t.repo.commitBatch.bind(t.repo);
    t.repo.commitBatch = async (batch) => {
      if (refusals.left-- > 0) throw new Error('database is locked');
      return commit(batch);
    };
    t.stream.publish(killEntryFields({ killId: 'patient' }));
    loop.start();
    await waitFor('the store to be reported down', async () => (await health.report()).checks.store.status === 'down');
    const during = await health.report();
    expect(during).toMatchObject({ status: 'degraded', checks: { redis: { status: 'up' }, store: { status: 'down', detail: expect.stringContaining('database is locked') } } });
    expect(t.stream.pendingIds()).toHaveLength(1);
    await waitFor('the kill to be stored', async () => (await t.repo.get('patient')) !== null);
    await waitFor('the entry to be acknowledged', () => t.stream.pendingIds().length === 0);
    expect((await health.report()).status).toBe('ok');
    await loop.stop();
  });

  it('reports a read Redis refused against Redis, and reads again', async () => {
    const t = createTestCore({ mode: 'observer' });
    let refusals = 2;
    const source: KillSource = {
      receive: async (max: number): Promise<Delivery[]> => {
        if (refusals-- > 0) throw new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
        return t.source.receive(max);
      },
      open: () => t.source.open(),
      ack: (ids, deadLetters) => t.source.ack(ids, deadLetters),
      health: () => t.source.health(),
      close: () => t.source.close(),
    };
    const { loop, health } = setup(t, source);
    t.stream.publish(killEntryFields({ killId: 'after-refusals' }));
    loop.start();
    await waitFor('Redis to be reported down', async () => (await health.report()).checks.redis.status === 'down');
    expect((await health.report()).checks).toMatchObject({ redis: { detail: expect.stringContaining('WRONGTYPE') }, store: { status: 'up' } });
    await waitFor('the kill to be stored', async () => (await t.repo.get('after-refusals')) !== null);
    expect((await health.report()).status).toBe('ok');
    await loop.stop();
  });

  it('stops while it waits for the pipeline to have room', async () => {
    const t = createTestCore();
    t.fleet.add({ name: 'web-1', health: 'passing', bootMs: 60_000 });
    const { loop, pipeline } = setup(t);
    for (let i = 0; i < 1_010; i++) t.stream.publish(killEntryFields({ killId: `wait-${i}` }));
    loop.start();
    await waitFor('the backlog to fill', () => pipeline.status().waiting >= 1_000);
    await loop.stop();
    await pipeline.stop();
    expect(pipeline.status().running).toBe(1);
  });
});
