import { hostname } from 'node:os';
import { freePort, PrivateRedis, scratchDir, testStream } from '@medic/test-support';
import { createRedisKillSource, reconnectDelay } from './create-redis-kill-source';
import type { RedisKillSource } from './redis-kill-source';

let server: PrivateRedis;
const scratch = scratchDir('medic-redis-auth-');
const opened: RedisKillSource[] = [];

beforeAll(async () => {
  server = new PrivateRedis(await freePort(), scratch.dir, ['--requirepass', 's3cret'], 's3cret');
  await server.start();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((source) => source.close()));
});

afterAll(async () => {
  await server?.kill();
  scratch.remove();
});

function open(url: string, consumer?: string): RedisKillSource {
  const source = createRedisKillSource({ url, stream: testStream(), group: 'medic', consumer, blockMs: 100, unavailableWaitMs: 300 });
  opened.push(source);
  return source;
}

describe('createRedisKillSource', () => {
  it('backs off 100 ms doubling up to 2 s between reconnect attempts, forever', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map(reconnectDelay)).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
  });

  it('names the consumer after the host unless told otherwise', () => {
    expect(open(`redis://:s3cret@127.0.0.1:${server.port}`).consumer).toBe(hostname());
    expect(open(`redis://:s3cret@127.0.0.1:${server.port}`, 'medic-7').consumer).toBe('medic-7');
  });

  it('authenticates with the password in the URL', async () => {
    const source = open(`redis://:s3cret@127.0.0.1:${server.port}`);
    await expect(source.health()).resolves.toEqual({ status: 'up' });
    await expect(source.receive(10)).resolves.toEqual([]);
  });

  it('refuses to open with a wrong password, and reports down', async () => {
    const source = open(`redis://:wrong@127.0.0.1:${server.port}`);
    await expect(source.open()).rejects.toMatchObject({ code: 'redis_auth_failed', message: expect.stringContaining('redis://:***@127.0.0.1') });
    // A read fails too: refused (naming the credentials) or, between reconnects, unavailable.
    await expect(source.receive(10)).rejects.toMatchObject({ code: expect.stringMatching(/^redis_(auth_failed|unavailable)$/) });
    await expect(source.health()).resolves.toMatchObject({ status: 'down', detail: expect.stringMatching(/WRONGPASS|invalid|password/i) });
  });
});
