import type Redis from 'ioredis';
import { MedicError } from '@medic/domain';
import type { DependencyStatus } from '@medic/domain';
import { connectRedis, freePort, pendingCount, PrivateRedis, publish, scratchDir, sleep, testStream, waitFor } from '@medic/test-support';
import { createRedisKillSource } from './create-redis-kill-source';
import type { RedisKillSource } from './redis-kill-source';

// A private server: restarting the shared one on 6379 would break the other tests running against it.
let server: PrivateRedis;
const scratch = scratchDir('medic-redis-');
let source: RedisKillSource | null = null;

beforeAll(async () => {
  server = new PrivateRedis(await freePort(), scratch.dir);
  await server.start();
});

afterEach(async () => {
  await source?.close();
  source = null;
});

afterAll(async () => {
  await server?.kill();
  scratch.remove();
});

/** A fresh client per call: the server comes and goes during these tests. */
async function withClient<T>(use: (client: Redis) => Promise<T>): Promise<T> {
  const client = await connectRedis(server.url);
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

const publishSeq = (stream: string, from: number, count: number): Promise<void> =>
  withClient(async (client) => {
    for (let seq = from; seq < from + count; seq++) await publish(client, stream, { seq: String(seq) });
  });

const eventually = (what: string, check: () => boolean | Promise<boolean>): Promise<unknown> => waitFor(what, check, { timeoutMs: 15_000 });

/** During the outage receive() throws redis_unavailable; anything else is a real failure. */
async function restartServer(): Promise<void> {
  await server.kill();
  await server.start();
}

describe('RedisKillSource across a Redis restart', () => {
  it('keeps consuming through a server crash and restart, acknowledging every entry', async () => {
    const stream = testStream();
    const running = createRedisKillSource({ url: server.url, stream, group: 'medic', consumer: 'medic-a', blockMs: 200, unavailableWaitMs: 300 });
    source = running;
    const acked = new Set<string>();
    const failures: string[] = [];
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        try {
          const batch = await running.receive(5);
          // Some handling time, so the crash lands while entries are read but not yet acknowledged.
          await sleep(20);
          await running.ack(batch.map((d) => d.id));
          for (const delivery of batch) acked.add(delivery.fields['seq'] ?? 'missing');
        } catch (error) {
          failures.push(error instanceof MedicError ? error.code : String(error));
        }
      }
    })();

    await publishSeq(stream, 0, 50);
    await eventually('some entries were consumed', () => acked.size > 0);
    await server.kill();
    const healthDuringOutage: DependencyStatus = await running.health();
    await server.start();
    await publishSeq(stream, 50, 50);
    await eventually('all 100 entries were acknowledged', () => acked.size === 100);
    await eventually('health is up again', async () => (await running.health()).status === 'up');
    stop = true;
    await running.close();
    await loop;

    expect([...acked].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 100 }, (_, seq) => String(seq)));
    expect(await withClient((client) => pendingCount(client, stream, 'medic'))).toBe(0);
    expect(healthDuringOutage.status).toBe('down');
    // An outage never surfaces as an error: reads come back empty while Redis is away.
    expect(failures).toEqual([]);
  });

  it('re-reads its own pending entries after reconnecting', async () => {
    const stream = testStream();
    await publishSeq(stream, 0, 3);
    const running = createRedisKillSource({ url: server.url, stream, group: 'medic', consumer: 'medic-a', blockMs: 200, unavailableWaitMs: 300 });
    source = running;
    const first = await running.receive(10);
    expect(first.map((d) => d.fields['seq'])).toEqual(['0', '1', '2']);

    await restartServer();
    let again: string[] = [];
    await eventually('the unacknowledged entries came back', async () => {
      again = (await running.receive(10)).map((d) => d.id);
      return again.length > 0;
    });

    expect(again).toEqual(first.map((d) => d.id));
    await running.ack(again);
    expect(await withClient((client) => pendingCount(client, stream, 'medic'))).toBe(0);
  });
});
