import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MedicError } from '@medic/domain';
import type { HealthCheck } from '@medic/domain';
import { createRedisKillSource } from './create-redis-kill-source';
import type { RedisKillSource } from './redis-kill-source';
import { PrivateRedis, connectTestRedis, freePort, testStream } from './test-support';

// A private server: restarting the shared one on 6379 would break the other tests running against it.
let server: PrivateRedis;
let dir: string;
let source: RedisKillSource | null = null;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medic-redis-'));
  server = new PrivateRedis(await freePort(), dir);
  await server.start();
});

afterEach(async () => {
  await source?.close();
  source = null;
});

afterAll(async () => {
  await server?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function publish(stream: string, from: number, count: number): Promise<void> {
  const publisher = await connectTestRedis(server.url);
  try {
    for (let seq = from; seq < from + count; seq++) await publisher.xadd(stream, '*', 'seq', String(seq));
  } finally {
    publisher.disconnect();
  }
}

async function pendingCount(stream: string): Promise<number> {
  const client = await connectTestRedis(server.url);
  try {
    const [count] = (await client.xpending(stream, 'medic')) as [number, ...unknown[]];
    return count;
  } finally {
    client.disconnect();
  }
}

/** Polls until `check` holds, failing with `what` after 15 s. */
async function eventually(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

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
          await new Promise((resolve) => setTimeout(resolve, 20));
          await running.ack(batch.map((d) => d.id));
          for (const delivery of batch) acked.add(delivery.fields['seq'] ?? 'missing');
        } catch (error) {
          failures.push(error instanceof MedicError ? error.code : String(error));
        }
      }
    })();

    await publish(stream, 0, 50);
    await eventually('some entries were consumed', () => acked.size > 0);
    await server.kill();
    const healthDuringOutage: HealthCheck = await running.health();
    await server.start();
    await publish(stream, 50, 50);
    await eventually('all 100 entries were acknowledged', () => acked.size === 100);
    await eventually('health is up again', async () => (await running.health()).status === 'up');
    stop = true;
    await running.close();
    await loop;

    expect([...acked].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 100 }, (_, seq) => String(seq)));
    expect(await pendingCount(stream)).toBe(0);
    expect(healthDuringOutage.status).toBe('down');
    // An outage never surfaces as an error: reads come back empty while Redis is away.
    expect(failures).toEqual([]);
  });

  it('re-reads its own pending entries after reconnecting', async () => {
    const stream = testStream();
    await publish(stream, 0, 3);
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
    expect(await pendingCount(stream)).toBe(0);
  });
});
