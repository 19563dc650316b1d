// What the KillSource contract (redis-kill-source.contract.test.ts) does not cover: Redis's own behaviour.
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { readKillEntry } from '@medic/domain';
import type { Delivery } from '@medic/domain';
import { killEntryFields } from '@medic/domain/testing';
import { connectRedis, deleteStreams, freePort, pendingCount as groupPending, publish as xadd, publishAll, REDIS_URL, testStream, waitFor } from '@medic/test-support';
import { createRedisKillSource } from './create-redis-kill-source';
import type { RedisKillSourceConfig } from './create-redis-kill-source';
import type { RedisKillSource } from './redis-kill-source';
import { fieldsToRecord } from './stream-reply';

const GROUP = 'medic';

let redis: Redis;
let stream: string;
const opened: RedisKillSource[] = [];

beforeAll(async () => {
  redis = await connectRedis();
});

afterAll(() => redis?.disconnect());

beforeEach(() => {
  stream = testStream();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((source) => source.close()));
  await deleteStreams(redis, stream);
});

function open(overrides: Partial<RedisKillSourceConfig> = {}): RedisKillSource {
  const source = createRedisKillSource({ url: REDIS_URL, stream, group: GROUP, consumer: 'medic-a', blockMs: 200, ...overrides });
  opened.push(source);
  return source;
}

const publish = (fields: Record<string, string>): Promise<string> => xadd(redis, stream, fields);
const publishMany = (count: number): Promise<string[]> => publishAll(redis, stream, Array.from({ length: count }, (_, n) => ({ n: String(n) })));

/** Receives until `want` distinct entries arrived or `rounds` reads are spent; every delivery, duplicates included. */
async function receiveUntil(source: RedisKillSource, want: number, rounds = 50): Promise<Delivery[]> {
  const got: Delivery[] = [];
  for (let i = 0; i < rounds && new Set(got.map((d) => d.id)).size < want; i++) got.push(...(await source.receive(100)));
  return got;
}

const pendingCount = (): Promise<number> => groupPending(redis, stream, GROUP);

/** Pending entries per consumer. */
async function pendingByConsumer(): Promise<Record<string, number>> {
  const summary = (await redis.xpending(stream, GROUP)) as [number, string | null, string | null, Array<[string, string]> | null];
  return Object.fromEntries((summary[3] ?? []).map(([consumer, count]) => [consumer, Number(count)]));
}

describe('RedisKillSource', () => {
  it('delivers the three framings (payload, data, flat) as raw fields, which the domain decodes to the same report', async () => {
    const report = JSON.parse(killEntryFields({ killId: 'framing-1' })['payload'] as string) as Record<string, unknown>;
    const framings: Array<Record<string, string>> = [
      { payload: JSON.stringify(report) },
      { data: JSON.stringify(report) },
      Object.fromEntries(Object.entries(report).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])),
    ];
    const ids: string[] = [];
    for (const fields of framings) ids.push(await publish(fields));

    const got = await receiveUntil(open(), 3);

    expect(got).toEqual(framings.map((fields, i) => ({ id: ids[i], fields, enqueuedAt: new Date(Number(ids[i]?.split('-')[0])).toISOString() })));
    const decoded = got.map((delivery) => readKillEntry(delivery.fields));
    expect(decoded.every((result) => result.ok)).toBe(true);
    expect(new Set(decoded.map((result) => JSON.stringify(result.ok ? result.value : null))).size).toBe(1);
  });

  it('acknowledges and skips pending entries that were deleted from the stream', async () => {
    const [gone, kept] = await publishMany(2);
    const crashed = open();
    await receiveUntil(crashed, 2);
    await crashed.close();
    await redis.xdel(stream, gone as string);

    const restarted = open();
    const again = await restarted.receive(10);

    expect(again.map((d) => d.id)).toEqual([kept]);
    expect(await pendingByConsumer()).toEqual({ 'medic-a': 1 });
  });

  it('lets another consumer claim entries left pending longer than claimIdleMs', async () => {
    const ids = await publishMany(3);
    const dead = open({ consumer: 'medic-dead' });
    expect((await receiveUntil(dead, 3)).map((d) => d.id)).toEqual(ids);
    await dead.close();

    const alive = open({ consumer: 'medic-alive', claimIdleMs: 200, blockMs: 100 });
    const claimed = await receiveUntil(alive, 3);

    expect(claimed.map((d) => d.id).sort()).toEqual([...ids].sort());
    expect(claimed.find((d) => d.id === ids[0])?.fields).toEqual({ n: '0' });
    expect(await pendingByConsumer()).toEqual({ 'medic-alive': 3 });
    await alive.ack(ids);
    expect(await pendingCount()).toBe(0);
  });

  it('renews the entries it holds, so no other consumer takes over a kill in flight for longer than claimIdleMs', async () => {
    const ids = await publishMany(3);
    const holder = open({ consumer: 'medic-holder', claimIdleMs: 1_500 });
    expect((await receiveUntil(holder, 3)).map((d) => d.id)).toEqual(ids);
    const other = open({ consumer: 'medic-other', claimIdleMs: 1_500, blockMs: 100 });

    // Over three times claimIdleMs with the entries unacknowledged: the other consumer reads all along and gets none.
    const seenByOther: string[] = [];
    for (const until = Date.now() + 4_500; Date.now() < until; ) seenByOther.push(...(await other.receive(10)).map((d) => d.id));

    expect(seenByOther).toEqual([]);
    expect(await pendingByConsumer()).toEqual({ 'medic-holder': 3 });
    // The renewal redelivered nothing and counted no delivery.
    const detail = (await redis.xpending(stream, GROUP, '-', '+', 10)) as Array<[string, string, number, number]>;
    expect(detail.map(([id, consumer, , deliveries]) => [id, consumer, deliveries])).toEqual(ids.map((id) => [id, 'medic-holder', 1]));

    // Once the holder is gone its entries go idle and are taken over.
    await holder.close();
    const claimed = await receiveUntil(other, 3, 200);
    expect(claimed.map((d) => d.id).sort()).toEqual([...ids].sort());
    expect(await pendingByConsumer()).toEqual({ 'medic-other': 3 });
  });

  it('hands each of 1,000 entries to exactly one of two concurrent consumers', async () => {
    const ids = await publishMany(1000);
    const consumers = [open({ consumer: 'medic-1' }), open({ consumer: 'medic-2' })];
    const delivered: string[] = [];
    const consume = async (source: RedisKillSource) => {
      for (let idle = 0; idle < 2; ) {
        const batch = await source.receive(50);
        idle = batch.length === 0 ? idle + 1 : 0;
        delivered.push(...batch.map((d) => d.id));
        await source.ack(batch.map((d) => d.id));
      }
    };

    await Promise.all(consumers.map(consume));

    expect(delivered).toHaveLength(1000);
    expect(new Set(delivered).size).toBe(1000);
    expect([...delivered].sort()).toEqual([...ids].sort());
    expect(await pendingCount()).toBe(0);
  });

  it('names the stream it came from in each dead letter, beside what the contract checks, and adds nothing else', async () => {
    const id = await publish({ payload: '{"kill_id":', note: 'truncated' });
    const source = open();
    const [delivery] = await source.receive(10);
    await source.ack([], [{ delivery: delivery as Delivery, reason: 'payload: not valid JSON' }]);

    const dead = await redis.xrange(`${stream}.dead`, '-', '+');
    expect(dead.map(([, flat]) => fieldsToRecord(flat))).toEqual([{ payload: '{"kill_id":', note: 'truncated', reason: 'payload: not valid JSON', original_id: id, original_stream: stream }]);
  });

  it('acknowledges while a read is blocked on its own connection', async () => {
    const [id] = await publishMany(1);
    const source = open({ blockMs: 3_000 });
    await source.receive(10);
    const order: string[] = [];

    const reading = source.receive(10).then(() => order.push('receive'));
    await source.ack([id as string]);
    order.push('ack');
    await reading;

    expect(order).toEqual(['ack', 'receive']);
    expect(await pendingCount()).toBe(0);
  });

  it('interrupts a read blocked at the server on close: the read resolves [] long before its block time', async () => {
    // A block longer than the test's time limit: only close can end this read in time.
    const consumer = `medic-${randomUUID()}`;
    const source = open({ consumer, blockMs: 120_000 });
    const reading = source.receive(10);
    await waitForBlockedClient(`medic:${consumer}`);
    await source.close();
    await expect(reading).resolves.toEqual([]);
  });

  it('reports health down and answers receive with [] after unavailableWaitMs while Redis is unreachable, without hanging close', async () => {
    const port = await freePort();
    const source = open({ url: `redis://127.0.0.1:${port}`, unavailableWaitMs: 300, healthTimeoutMs: 300 });

    await expect(source.receive(10)).resolves.toEqual([]);
    const health = await source.health();
    const pendingAck = source.ack(['1-0']);
    await source.close();

    expect(health.status).toBe('down');
    expect(health.detail).toEqual(expect.any(String));
    await expect(pendingAck).rejects.toMatchObject({ code: 'redis_closed' });
    await expect(source.receive(10)).resolves.toEqual([]);
  });
});

/** Waits until a client with this name is blocked in a command (CLIENT LIST flag "b"). */
async function waitForBlockedClient(name: string): Promise<void> {
  await waitFor(`the Redis client ${name} to block`, async () => {
    const clients = (await redis.client('LIST')) as string;
    return clients.split('\n').some((line) => line.includes(` name=${name} `) && /flags=\w*b/.test(line));
  }, { timeoutMs: 4_000, intervalMs: 20 });
}
