// A store that refuses writes, for real: another process holds the SQLite file's write lock past the busy timeout.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type Redis from 'ioredis';
import { createAgent } from '../src/agent';
import type { Agent } from '../src/agent';
import { capturedLogger, connectRedis, killReport, pendingCount, publish, scratchDir, testConfig, uniqueId, waitFor } from './support';

let redis: Redis;
const agents: Agent[] = [];
const cleanups: Array<() => void> = [];
const streams: string[] = [];

beforeAll(async () => {
  redis = await connectRedis();
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.stop()));
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const stream of streams.splice(0)) await redis.del(stream, `${stream}.dead`);
});

afterAll(() => redis?.disconnect());

interface HealthBody {
  status: string;
  checks: Record<string, { status: string; detail?: string }>;
}

describe('a store error', () => {
  it('shows as the store down, never as Redis down, keeps the kill pending, and stores it once the store takes writes again', async () => {
    const scratch = scratchDir();
    cleanups.push(scratch.remove);
    const stream = `medic-test:store-error:${uniqueId()}`;
    streams.push(stream);
    const config = testConfig({ dir: scratch.dir, stream, mode: 'observer' });
    const { logger, lines } = capturedLogger();
    const agent = await createAgent({ config, logger });
    agents.push(agent);
    await agent.start();
    const base = `http://127.0.0.1:${agent.address()!.port}`;

    const holder = new BetterSqlite3(join(scratch.dir, 'data', 'outcomes.db'));
    cleanups.push(() => holder.close());
    holder.exec('BEGIN IMMEDIATE');
    const report = killReport();
    await publish(redis, stream, report);

    const during = await waitFor('the store to be reported down', async () => {
      const body = (await (await fetch(`${base}/health`)).json()) as HealthBody;
      return body.checks.store?.status === 'down' ? body : undefined;
    });
    expect(during).toMatchObject({ status: 'degraded', checks: { redis: { status: 'up' }, store: { status: 'down', detail: expect.stringMatching(/locked/) } } });
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', dependency: 'store', message: expect.stringMatching(/nothing of it is acknowledged/) }));
    expect(await pendingCount(redis, stream, 'medic-agent')).toBe(1);

    holder.exec('COMMIT');
    const stored = await waitFor('the kill to be stored', async () => {
      const response = await fetch(`${base}/decisions/${report.kill_id as string}`);
      return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
    });
    expect(stored).toMatchObject({ kill_id: report.kill_id, state: 'decided' });
    await waitFor('the entry to be acknowledged', async () => ((await pendingCount(redis, stream, 'medic-agent')) === 0 ? true : undefined));
    expect(((await (await fetch(`${base}/health`)).json()) as HealthBody).status).toBe('ok');
  }, 60_000);
});
