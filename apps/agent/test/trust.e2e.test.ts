// Signed kill reports and verify_kill end to end: real Redis stream, real Docker engine, real SQLite file, the API over
// a socket. A report Medic must not trust is dead-lettered and its target container is never touched.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type Redis from 'ioredis';
import { signKillEntry } from '@medic/domain';
import { createAgent } from '../src/agent';
import type { Agent } from '../src/agent';
import { buildConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { NODE_MAC } from '../src/signing';
import { connectDocker, connectRedis, createTestContainer, killReport, pendingCount, REDIS_URL, removeContainers, scratchDir, startedAt, uniqueId, waitFor } from './support';

const KEY_1 = 'e2e-key-one-0123456789abcdef0123456789abcdef';
const KEY_2 = 'e2e-key-two-fedcba9876543210fedcba9876543210';
const bytes = (secret: string): Uint8Array => new TextEncoder().encode(secret);

let redis: Redis;
let docker: Docker;
const containers: string[] = [];
const agents: Agent[] = [];
const cleanups: Array<() => void> = [];
const streams: string[] = [];

beforeAll(async () => {
  redis = await connectRedis();
  docker = await connectDocker();
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.stop()));
  await removeContainers(docker, containers.splice(0));
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const stream of streams.splice(0)) await redis.del(stream, `${stream}.dead`);
});

afterAll(() => redis?.disconnect());

interface TrustOptions {
  readonly required?: boolean;
  readonly verifyKill?: boolean;
  readonly killWindowSeconds?: number;
  readonly maxReportAgeSeconds?: number;
}

/** A live agent with auto-approve on, two signing keys (smith-1, smith-2) read from the environment, on a private stream. */
async function startAgent(options: TrustOptions = {}) {
  const { dir, remove } = scratchDir();
  cleanups.push(remove);
  const stream = `medic-test:trust:${uniqueId()}`;
  streams.push(stream);
  const raw = {
    mode: 'live',
    smith: {
      event_bus: { topic: stream, consumer_group: 'medic-agent', consumer_name: 'e2e', block_ms: 100, claim_idle_ms: 1000 },
      signing: { required: options.required ?? true, keys: { 'smith-1': 'E2E_SMITH_KEY_1', 'smith-2': 'E2E_SMITH_KEY_2' }, max_report_age_seconds: options.maxReportAgeSeconds ?? 300 },
    },
    decision: { auto_approve: { enabled: true, min_confidence: 0.6, max_score: 0.4 } },
    resurrection: {
      verify_kill: options.verifyKill ?? false,
      kill_window_seconds: options.killWindowSeconds ?? 60,
      health_check_interval_seconds: 0.1,
      health_check_timeout_seconds: 10,
      stability_window_seconds: 0.5,
    },
    learning: { database: { path: 'data/outcomes.db' } },
    api: { host: '127.0.0.1', port: 0 },
    logging: { level: 'warn' },
  };
  const config = buildConfig(raw, { env: { REDIS_URL, E2E_SMITH_KEY_1: KEY_1, E2E_SMITH_KEY_2: KEY_2 }, cwd: dir, file: null });
  const agent = await createAgent({ config, logger: createLogger(config.logging, new PassThrough()) });
  agents.push(agent);
  await agent.start();
  const address = agent.address();
  if (!address) throw new Error('the agent API did not bind');
  return { stream, base: `http://127.0.0.1:${address.port}` };
}

async function container(running: boolean): Promise<string> {
  const name = `medic-test-trust-${uniqueId()}`;
  containers.push(name);
  await createTestContainer(docker, { name, running, health: 'passing' });
  return name;
}

/** Docker start events of the container since `since` (seconds). */
async function startEvents(name: string, since: number): Promise<number> {
  const until = Math.ceil(Date.now() / 1000) + 1;
  const events = (await docker.getEvents({ since, until, filters: { container: [name], event: ['start'] } })) as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of events) text += chunk.toString();
  return text.split('\n').filter((line) => line.trim().length > 0).length;
}

const payloadEntry = (report: Record<string, unknown>): Record<string, string> => ({ payload: JSON.stringify(report) });
const signed = (fields: Record<string, string>, kid = 'smith-1', secret = KEY_1) => signKillEntry(fields, kid, bytes(secret), NODE_MAC);

async function xadd(stream: string, fields: Record<string, string>): Promise<string> {
  return (await redis.xadd(stream, '*', ...Object.entries(fields).flat())) as string;
}

/** The dead-letter entries' reasons, by original entry id. */
async function deadReasons(stream: string): Promise<Map<string, string>> {
  const dead = (await redis.xrange(`${stream}.dead`, '-', '+')) as Array<[string, string[]]>;
  return new Map(
    dead.map(([, flat]) => {
      const fields = Object.fromEntries(flat.flatMap((_, i) => (i % 2 === 0 ? [[flat[i], flat[i + 1]]] : [])));
      return [fields.original_id as string, fields.reason as string];
    }),
  );
}

async function record(base: string, killId: string, state = 'done'): Promise<Record<string, unknown>> {
  return waitFor(`decision ${killId} in state ${state}`, async () => {
    const response = await fetch(`${base}/decisions/${killId}`);
    if (response.status !== 200) return undefined;
    const body = (await response.json()) as Record<string, unknown>;
    return body.state === state ? body : undefined;
  });
}

/** Waits until the agent has read every entry up to `lastId` and acknowledged all it read. */
async function handled(stream: string, lastId: string): Promise<void> {
  const order = (id: string): [number, number] => {
    const [ms = 0, seq = 0] = id.split('-').map(Number);
    return [ms, seq];
  };
  await waitFor(`every entry up to ${lastId} to be read and acknowledged`, async () => {
    const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
    const group = groups.map((flat) => Object.fromEntries(flat.flatMap((_, i) => (i % 2 === 0 ? [[flat[i], flat[i + 1]]] : [])))).find((g) => g.name === 'medic-agent');
    if (!group) return undefined;
    const [deliveredMs, deliveredSeq] = order(String(group['last-delivered-id']));
    const [lastMs, lastSeq] = order(lastId);
    const read = deliveredMs > lastMs || (deliveredMs === lastMs && deliveredSeq >= lastSeq);
    return read && (await pendingCount(redis, stream, 'medic-agent')) === 0 ? true : undefined;
  });
}

describe('signed kill reports, end to end', () => {
  it('a signed demo report resurrects the killed container, with either key of a rotation', async () => {
    const first = await container(false);
    const second = await container(false);
    const beforeFirst = await startedAt(docker, first);
    const { stream, base } = await startAgent();
    const one = killReport({ target_module: first, target_instance_id: `${first}-gone` });
    const two = killReport({ target_module: second });
    await xadd(stream, signed(payloadEntry(one), 'smith-1', KEY_1));
    const last = await xadd(stream, signed(payloadEntry(two), 'smith-2', KEY_2));
    expect(await record(base, one.kill_id as string)).toMatchObject({ decision: 'approve_auto', outcome_type: 'success', health_status: 'healthy' });
    expect(await record(base, two.kill_id as string)).toMatchObject({ outcome_type: 'success' });
    expect(await startedAt(docker, first)).not.toBe(beforeFirst);
    await handled(stream, last);
  });

  it('dead-letters unsigned, forged, wrong-key, tampered and stale reports as bad_signature or stale_report, and never touches the container', async () => {
    const since = Math.floor(Date.now() / 1000);
    const name = await container(false);
    const before = await startedAt(docker, name);
    const { stream, base } = await startAgent();
    const report = (extra: Record<string, unknown> = {}) => killReport({ target_module: name, ...extra });
    const tampered = signed(payloadEntry(report()));
    tampered.payload = tampered.payload!.replace('"severity":"low"', '"severity":"info"');
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['unsigned', payloadEntry(report()), /^sig: bad_signature: /],
      ['forged (right key id, wrong secret)', signed(payloadEntry(report()), 'smith-1', 'an-attacker-guess-0123456789abcdef0123456789'), /^sig: bad_signature: /],
      ['signed with an unknown key', signed(payloadEntry(report()), 'smith-9', KEY_1), /^kid: bad_signature: unknown key id smith-9/],
      ['tampered after signing', tampered, /^sig: bad_signature: /],
      ['unsigned flat fields', { ...Object.fromEntries(Object.entries(report()).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) }, /^sig: bad_signature: /],
      ['stale (signed an hour ago)', signed(payloadEntry(report({ timestamp: new Date(Date.now() - 3_600_000).toISOString() }))), /^timestamp: stale_report: /],
      ['from the future', signed(payloadEntry(report({ timestamp: new Date(Date.now() + 600_000).toISOString() }))), /^timestamp: stale_report: /],
    ];
    const ids = new Map<string, string>();
    for (const [what, fields] of cases) ids.set(what, await xadd(stream, fields));
    await handled(stream, [...ids.values()].at(-1)!);

    const reasons = await deadReasons(stream);
    for (const [what, , reason] of cases) expect([what, reasons.get(ids.get(what)!)]).toEqual([what, expect.stringMatching(reason)]);
    const stats = (await (await fetch(`${base}/stats`)).json()) as { rejections: number; total: number };
    expect(stats).toMatchObject({ rejections: cases.length, total: 0 });
    expect(await startedAt(docker, name)).toBe(before);
    expect(await startEvents(name, since)).toBe(1); // the start before Smith's kill, nothing since
  });

  it('a replayed report is never acted on twice, and one captured and replayed after max_report_age_seconds is stale', async () => {
    const since = Math.floor(Date.now() / 1000);
    const resurrected = await container(false);
    const captured = await container(false);
    const capturedBefore = await startedAt(docker, captured);
    const { stream, base } = await startAgent({ maxReportAgeSeconds: 2 });

    const entry = signed(payloadEntry(killReport({ target_module: resurrected })));
    const killId = (JSON.parse(entry.payload!) as { kill_id: string }).kill_id;
    await xadd(stream, entry);
    await record(base, killId);
    const again = await xadd(stream, entry); // the same signed entry again, within the age limit: a duplicate
    await handled(stream, again);
    expect(await startEvents(resurrected, since)).toBe(2); // created and killed, then resurrected once

    // Signed now, withheld from the stream, replayed once it is older than the limit.
    const withheld = signed(payloadEntry(killReport({ target_module: captured })));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const replayId = await xadd(stream, withheld);
    await handled(stream, replayId);
    expect((await deadReasons(stream)).get(replayId)).toMatch(/^timestamp: stale_report: .* older than the entry; signed reports may be at most 2 s old/);
    expect(await startedAt(docker, captured)).toBe(capturedBefore);
    const recent = (await (await fetch(`${base}/decisions/recent?limit=200`)).json()) as { count: number };
    expect(recent.count).toBe(1);
  });
});

describe('resurrection.verify_kill, end to end', () => {
  it('on: a signed report about a running healthy container restarts nothing (not_killed), and the record says which check held', async () => {
    const since = Math.floor(Date.now() / 1000);
    const name = await container(true);
    await waitFor(`${name} to be healthy`, async () => ((await docker.getContainer(name).inspect()).State.Health?.Status === 'healthy' ? true : undefined));
    const before = await startedAt(docker, name);
    // The container must have been up longer than the kill window before the report's time.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const { stream, base } = await startAgent({ verifyKill: true, killWindowSeconds: 1 });
    const report = killReport({ target_module: name });
    await xadd(stream, signed(payloadEntry(report)));
    const done = await record(base, report.kill_id as string);
    expect(done).toMatchObject({ decision: 'approve_auto', outcome_type: 'not_killed', health_status: 'healthy', error: null });
    expect((done.reasoning as string[]).at(-1)).toMatch(new RegExp(`^verify_kill: ${name} has been running since .*nothing restarted$`));
    expect(await startedAt(docker, name)).toBe(before);
    expect(await startEvents(name, since)).toBe(1);
    const stats = (await (await fetch(`${base}/stats`)).json()) as { by_outcome: Record<string, number>; auto_approve_labelled: number };
    expect(stats.by_outcome).toMatchObject({ not_killed: 1, success: 0 });
    expect(stats.auto_approve_labelled).toBe(0);
  });

  it('on: a report about a container Smith really killed still resurrects it, and the record says so', async () => {
    const name = await container(false);
    const { stream, base } = await startAgent({ verifyKill: true });
    const report = killReport({ target_module: name });
    await xadd(stream, signed(payloadEntry(report)));
    const done = await record(base, report.kill_id as string);
    expect(done).toMatchObject({ outcome_type: 'success', health_status: 'healthy' });
    expect((done.reasoning as string[]).at(-1)).toMatch(/^verify_kill: .* stopped at .*within 60 s of the reported kill/);
  });

  it("off (the plan's demo): a report about a running container restarts it", async () => {
    const name = await container(true);
    const before = await startedAt(docker, name);
    const { stream, base } = await startAgent({ required: false });
    const report = killReport({ target_module: name });
    await xadd(stream, payloadEntry(report));
    expect(await record(base, report.kill_id as string)).toMatchObject({ outcome_type: 'success', health_status: 'healthy' });
    expect(await startedAt(docker, name)).not.toBe(before);
  });
});
