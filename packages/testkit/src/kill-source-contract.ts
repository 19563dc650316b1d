import type { Delivery, KillSource } from '@medic/domain';
import { harnessPool } from './harness-pool';

/** What a KillSource implementation provides to run the shared contract. */
export interface KillSourceHarness {
  readonly source: KillSource;
  /** Appends an entry to the kill stream; returns its id. */
  publish(fields: Record<string, string>): Promise<string>;
  /** Everything on the dead-letter stream, oldest first. */
  deadLetters(): Promise<Array<{ id: string; fields: Record<string, string> }>>;
  /** A new source with the same consumer identity, as after a crash. */
  reopen(): Promise<KillSource>;
  /** Closes every source it made and removes what it created. */
  cleanup(): Promise<void>;
}

/** Loose upper bound (ms) for calls the port promises to be prompt. */
const PROMPT_MS = 5_000;

/** What the contract compares of a delivery: its id and fields (enqueuedAt has its own test). */
const idAndFields = ({ id, fields }: Delivery) => ({ id, fields });

/** Receives until a read comes back empty (at most `rounds` reads); the distinct deliveries, in order. */
async function drain(source: KillSource, rounds = 5): Promise<Delivery[]> {
  const seen = new Map<string, Delivery>();
  for (let i = 0; i < rounds; i++) {
    const batch = await source.receive(10);
    if (batch.length === 0) break;
    for (const d of batch) if (!seen.has(d.id)) seen.set(d.id, d);
  }
  return [...seen.values()];
}

/** The shared KillSource contract (ARCHITECTURE.md, Ports and Pipeline), run by every implementation's own test file. */
export function killSourceContract(name: string, makeHarness: () => Promise<KillSourceHarness>): void {
  describe(`${name} (KillSource contract)`, () => {
    const open = harnessPool(makeHarness);

    it('opens on a reachable broker and receives afterwards', async () => {
      const h = await open();
      await expect(h.source.open()).resolves.toBeUndefined();
      const a = await h.publish({ n: 'a' });
      expect((await drain(h.source)).map((d) => d.id)).toEqual([a]);
    });

    it('receives published entries with their ids and fields, in order', async () => {
      const h = await open();
      const a = await h.publish({ payload: '{"kill_id":"a"}' });
      const b = await h.publish({ kill_id: 'b', severity: 'low' });
      const got = (await drain(h.source)).map(idAndFields);
      expect(got).toEqual([
        { id: a, fields: { payload: '{"kill_id":"a"}' } },
        { id: b, fields: { kill_id: 'b', severity: 'low' } },
      ]);
    });

    it('stamps each delivery with when the broker accepted the entry, as ISO 8601 UTC, in stream order', async () => {
      const h = await open();
      await h.publish({ n: 'a' });
      await h.publish({ n: 'b' });
      const stamps = (await drain(h.source)).map((d) => d.enqueuedAt);
      expect(stamps).toHaveLength(2);
      for (const stamp of stamps) expect(stamp === undefined ? 'missing' : new Date(stamp).toISOString()).toBe(stamp);
      expect(Date.parse(stamps[1] ?? '')).toBeGreaterThanOrEqual(Date.parse(stamps[0] ?? ''));
    });

    it('respects the batch size', async () => {
      const h = await open();
      for (let i = 0; i < 3; i++) await h.publish({ n: String(i) });
      const first = await h.source.receive(2);
      expect(first.length).toBeLessThanOrEqual(2);
      expect(first.length).toBeGreaterThan(0);
    });

    it(
      'returns [] promptly when there is nothing to read',
      async () => {
        const h = await open();
        await expect(h.source.receive(10)).resolves.toEqual([]);
      },
      PROMPT_MS,
    );

    it('does not redeliver acknowledged entries after a reopen', async () => {
      const h = await open();
      const a = await h.publish({ n: 'a' });
      const b = await h.publish({ n: 'b' });
      expect((await drain(h.source)).map((d) => d.id)).toEqual([a, b]);
      await h.source.ack([a, b]);
      const again = await h.reopen();
      expect(await drain(again)).toEqual([]);
    });

    it('redelivers unacknowledged entries to the same consumer after a reopen', async () => {
      const h = await open();
      const a = await h.publish({ n: 'a' });
      const b = await h.publish({ n: 'b' });
      expect((await drain(h.source)).map((d) => d.id)).toEqual([a, b]);
      await h.source.ack([a]);
      const again = await h.reopen();
      expect((await drain(again)).map(idAndFields)).toEqual([{ id: b, fields: { n: 'b' } }]);
    });

    it('dead-letters entries with their original fields, reason and id, acknowledging them with the other ids in one call', async () => {
      const h = await open();
      const good = await h.publish({ n: 'good' });
      const bad = await h.publish({ payload: 'not json', extra: 'x' });
      const worse = await h.publish({ payload: '[]' });
      const left = await h.publish({ n: 'left' });
      const got = await drain(h.source);
      const byId = new Map(got.map((d) => [d.id, d]));
      await h.source.ack([good], [
        { delivery: byId.get(bad) as Delivery, reason: 'payload: not valid JSON' },
        { delivery: byId.get(worse) as Delivery, reason: 'payload: not an object' },
      ]);
      const dead = (await h.deadLetters()).filter((d) => d.fields['original_id'] === bad || d.fields['original_id'] === worse);
      expect(dead.map((d) => d.fields)).toEqual([
        expect.objectContaining({ payload: 'not json', extra: 'x', reason: 'payload: not valid JSON', original_id: bad }),
        expect.objectContaining({ payload: '[]', reason: 'payload: not an object', original_id: worse }),
      ]);
      const again = await h.reopen();
      expect((await drain(again)).map((d) => d.id)).toEqual([left]);
    });

    it('acknowledges nothing and dead-letters nothing for an empty call', async () => {
      const h = await open();
      const id = await h.publish({ n: 'kept' });
      expect((await drain(h.source)).map((d) => d.id)).toEqual([id]);
      await h.source.ack([], []);
      const again = await h.reopen();
      expect((await drain(again)).map((d) => d.id)).toEqual([id]);
      expect(await h.deadLetters()).toEqual([]);
    });

    it(
      'closes promptly while a receive is waiting, which then returns [], as does every receive after',
      async () => {
        const h = await open();
        const waiting = h.source.receive(10);
        await h.source.close();
        await expect(waiting).resolves.toEqual([]);
        await expect(h.source.receive(10)).resolves.toEqual([]);
      },
      PROMPT_MS,
    );

    it('reports health up while connected', async () => {
      const h = await open();
      await expect(h.source.health()).resolves.toEqual(expect.objectContaining({ status: 'up' }));
    });
  });
}
