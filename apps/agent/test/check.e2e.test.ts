// `medic-agent --check`, run as users run it (the built CLI), against the real Redis, Docker engine, SQLite file, a
// stand-in Elasticsearch node and a real webhook receiver; then with each of them broken, one at a time.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type Redis from 'ioredis';
import { startLocalNode } from '@medic/elasticsearch/testing';
import type { LocalNode } from '@medic/elasticsearch/testing';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import { sampleRecord } from '@medic/domain/testing';
import { connectDocker, connectRedis, REDIS_URL, scratchDir, uniqueId } from '@medic/test-support';
import { REPO_ROOT } from './harness';
import { WebhookReceiver } from './webhook-receiver';

const MAIN = join(REPO_ROOT, 'apps', 'agent', 'dist', 'main.js');
const INDEX = 'medic-check-alerts';

let redis: Redis;
let node: LocalNode;
let receiver: WebhookReceiver;
let closedPort: number;
const cleanups: Array<() => void> = [];
const streams: string[] = [];

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing — run pnpm build first (pnpm test does)`);
  redis = await connectRedis();
  await connectDocker();
  node = await startLocalNode({ behaviour: 'answer', major: 8, indices: [INDEX], key: { monitor: false, read: [INDEX] } });
  receiver = await WebhookReceiver.start();
  const closed = await WebhookReceiver.start();
  closedPort = closed.port;
  await closed.stop();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const stream of streams.splice(0)) await redis.del(stream, `${stream}.dead`);
});

afterAll(async () => {
  redis?.disconnect();
  await node?.close();
  await receiver?.stop();
});

interface Checked {
  readonly code: number | null;
  readonly stdout: string;
  readonly output: string;
}

function check(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Checked> {
  const child = spawn(process.execPath, [MAIN, '--check', ...args], { cwd: options.cwd, env: { PATH: process.env.PATH, REDIS_URL, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, output })));
}

/** A config file in a scratch directory: a private stream, the stand-in node, a webhook to the receiver; `extra` merges in. */
function setup(extra: { siem?: Record<string, unknown>; webhooks?: unknown[]; database?: string } = {}): { dir: string; file: string; stream: string } {
  const scratch = scratchDir();
  cleanups.push(scratch.remove);
  const stream = `medic-test:check:${uniqueId()}`;
  streams.push(stream);
  const config = {
    mode: 'live',
    smith: { event_bus: { topic: stream, consumer_group: 'medic-check' } },
    learning: { database: { path: extra.database ?? 'data/outcomes.db' } },
    siem: { enabled: true, node: node.url, index: INDEX, api_key: 'cmVhZDpvbmx5', timeout_ms: 1000, ...extra.siem },
    notify: {
      webhooks: extra.webhooks ?? [{ name: 'ops', url: receiver.url('/check'), format: 'slack', events: ['pending_review'], headers: { Authorization: 'Bearer ${HOOK_TOKEN}' } }],
      timeout_seconds: 2,
    },
    api: { port: 0 },
  };
  const file = join(scratch.dir, 'medic.yaml');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { dir: scratch.dir, file, stream };
}

const ENV = { HOOK_TOKEN: 'check-token' };

describe('medic-agent --check', () => {
  it('passes with every service up: one line per check, exit 0, and nothing created, started or posted', async () => {
    const { dir, file, stream } = setup();
    const before = receiver.requests.length;
    const result = await check(['--config', file], { cwd: dir, env: ENV });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      `ok      configuration ${file}: valid; live mode, auto-approve off, 1 webhook`,
      `ok      redis ${REDIS_URL}: answers; consumer group medic-check on stream ${stream} is ready`,
      'ok      docker unix:///var/run/docker.sock: the engine answers',
      `ok      store ${join(dir, 'data', 'outcomes.db')}: not created yet; the agent creates it at its first start (${dir} is writable)`,
      `ok      threat intel ${node.url}: answers a search of ${INDEX}`,
      `ok      webhook ops (slack, http://127.0.0.1:${receiver.port}): answered HEAD with HTTP 200 (reachable; no message was sent)`,
      'medic: check passed (6 checks)',
    ]);
    expect(existsSync(join(dir, 'data'))).toBe(false);
    const probes = receiver.requests.slice(before);
    expect(probes.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([['HEAD', '/check', 'Bearer check-token']]);
    expect(result.output).not.toContain('check-token');
    expect(result.output).not.toMatch(/started in|API listening/);
  });

  it('reports an existing store with its records and the migrations the next start will run, without running them', async () => {
    const { dir, file } = setup();
    const path = join(dir, 'data', 'outcomes.db');
    const repo = await SqliteOutcomeRepo.open({ path });
    await repo.insert(sampleRecord({ killId: 'kept-1' }));
    await repo.close();
    // The store as the previous version left it: migrations up to 004.
    const database = new BetterSqlite3(path);
    database.exec("drop table notifications; drop table webhook_deliveries; delete from kysely_migration where name = '005_notification_outbox'");
    database.close();
    const result = await check(['--config', file], { cwd: dir, env: ENV });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`ok      store ${path}: 1 record(s), migrations 005_notification_outbox run at the next start`);
    const after = new BetterSqlite3(path, { readonly: true });
    expect(after.prepare("select count(*) as n from kysely_migration where name = '005_notification_outbox'").get()).toEqual({ n: 0 });
    after.close();
  });

  const failures: Array<[string, () => { args?: string[]; env?: NodeJS.ProcessEnv; extra?: Parameters<typeof setup>[0] }, () => RegExp]> = [
    ['Redis', () => ({ env: { REDIS_URL: `redis://127.0.0.1:${closedPort}` } }), () => new RegExp(`^FAILED  redis redis://127\\.0\\.0\\.1:${closedPort}: `, 'm')],
    ['Docker', () => ({ env: { DOCKER_HOST: `tcp://127.0.0.1:${closedPort}` } }), () => new RegExp(`^FAILED  docker tcp://127\\.0\\.0\\.1:${closedPort}: Docker engine not reachable: connect ECONNREFUSED`, 'm')],
    ['the store', () => ({ extra: { database: 'not-a-dir/outcomes.db' } }), () => /^FAILED {2}store .*not-a-dir\/outcomes\.db: .*not-a-dir is not a directory/m],
    ['threat intel', () => ({ extra: { siem: { node: `http://127.0.0.1:${closedPort}` } } }), () => new RegExp(`^FAILED  threat intel http://127\\.0\\.0\\.1:${closedPort}: Elasticsearch unreachable`, 'm')],
    [
      'a webhook that is down',
      () => ({ extra: { webhooks: [{ url: `http://127.0.0.1:${closedPort}/hook`, format: 'json', events: ['deny'] }] } }),
      () => new RegExp(`^FAILED  webhook http://127\\.0\\.0\\.1:${closedPort} \\(json, http://127\\.0\\.0\\.1:${closedPort}\\): not reachable: connect ECONNREFUSED`, 'm'),
    ],
    [
      'a webhook that refuses the credentials',
      () => ({ extra: { webhooks: [{ name: 'locked', url: receiver.url('/locked'), format: 'cloudevents', events: ['deny'] }] } }),
      () => /^FAILED {2}webhook locked \(cloudevents, .*\): answered HEAD with HTTP 401: it refuses the configured credentials$/m,
    ],
  ];

  it.each(failures)('exits 1 naming %s when it fails, and still checks the rest', async (_what, make, line) => {
    receiver.status = (request) => (request.path === '/locked' ? 401 : 200);
    try {
      const { args = [], env = {}, extra = {} } = make();
      const { dir, file } = setup(extra);
      if (extra.database) writeFileSync(join(dir, 'not-a-dir'), 'a file');
      const result = await check(['--config', file, ...args], { cwd: dir, env: { ...ENV, ...env } });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(line());
      expect(result.stdout.match(/^FAILED/gm)).toHaveLength(1);
      expect(result.stdout.trimEnd().split('\n')).toHaveLength(7);
      expect(result.stdout).toMatch(/^medic: check failed: /m);
    } finally {
      receiver.status = 200;
    }
  });

  it('exits 2 naming the key for a configuration error, and for a webhook header variable that is not set', async () => {
    const { dir } = setup();
    writeFileSync(join(dir, 'bad.yaml'), 'notify:\n  webhooks:\n    - url: http://127.0.0.1:1/x\n      format: teams\n      events: [deny]\n');
    const bad = await check(['--config', 'bad.yaml'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(/^FAILED {2}configuration: invalid configuration in .*bad\.yaml: notify\.webhooks\.0\.format: /m);
    const { file } = setup();
    const unset = await check(['--config', file], { cwd: dir, env: {} });
    expect(unset.code).toBe(2);
    expect(unset.stdout).toContain('FAILED  configuration: invalid configuration: notify.webhooks.0.headers.Authorization: the environment variable HOOK_TOKEN is not set');
  });
});
