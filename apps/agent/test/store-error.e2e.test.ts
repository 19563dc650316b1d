// A store that refuses writes, for real: another process holds the SQLite file's write lock past the busy timeout.
import BetterSqlite3 from 'better-sqlite3';
import { pendingCount, waitFor } from '@medic/test-support';
import { GROUP, getJson, killReport, storePath, useHarness } from './harness';

const harness = useHarness();

interface HealthBody {
  status: string;
  checks: Record<string, { status: string; detail?: string }>;
}

describe('a store error', () => {
  it('shows as the store down, never as Redis down, keeps the kill pending, and stores it once the store takes writes again', async () => {
    const under = await harness.startAgent({ mode: 'observer' });
    const { dir, stream, base } = under;

    const holder = new BetterSqlite3(storePath(dir));
    harness.onCleanup(() => holder.close());
    holder.exec('BEGIN IMMEDIATE');
    const report = killReport();
    await harness.publish(stream, report);

    const during = await waitFor('the store to be reported down', async () => {
      const body = await getJson<HealthBody>(`${base}/health`);
      return body.checks.store?.status === 'down' ? body : undefined;
    });
    expect(during).toMatchObject({ status: 'degraded', checks: { redis: { status: 'up' }, store: { status: 'down', detail: expect.stringMatching(/locked/) } } });
    expect(under.lines).toContainEqual(expect.objectContaining({ level: 'warn', dependency: 'store', message: expect.stringMatching(/nothing of it is acknowledged/) }));
    expect(await pendingCount(harness.redis, stream, GROUP)).toBe(1);

    holder.exec('COMMIT');
    expect(await harness.record(base, report.kill_id)).toMatchObject({ kill_id: report.kill_id, state: 'decided' });
    await harness.acknowledged(stream);
    expect((await getJson<HealthBody>(`${base}/health`)).status).toBe('ok');
  }, 60_000);
});
