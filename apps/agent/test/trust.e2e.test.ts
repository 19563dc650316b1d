// Signed kill reports and verify_kill end to end: real Redis stream, real Docker engine, real SQLite file, the API over
// a socket. A report Medic must not trust is dead-lettered and its target container is never touched.
import { signKillEntry } from '@medic/domain';
import { deadLetterReasons, publish, sleep } from '@medic/test-support';
import { NODE_MAC } from '../src/signing';
import { getJson, killReport, payloadEntry, useHarness } from './harness';

const KEY_1 = 'e2e-key-one-0123456789abcdef0123456789abcdef';
const KEY_2 = 'e2e-key-two-fedcba9876543210fedcba9876543210';
const bytes = (secret: string): Uint8Array => new TextEncoder().encode(secret);

const e2e = useHarness({ docker: true });

interface TrustOptions {
  readonly required?: boolean;
  readonly verifyKill?: boolean;
  readonly killWindowSeconds?: number;
  readonly maxReportAgeSeconds?: number;
}

/** A live agent with auto-approve on, two signing keys (smith-1, smith-2) read from the environment, on a private stream. */
function startAgent(options: TrustOptions = {}) {
  return e2e.startAgent({
    env: { E2E_SMITH_KEY_1: KEY_1, E2E_SMITH_KEY_2: KEY_2 },
    extra: {
      smith: { signing: { required: options.required ?? true, keys: { 'smith-1': 'E2E_SMITH_KEY_1', 'smith-2': 'E2E_SMITH_KEY_2' }, max_report_age_seconds: options.maxReportAgeSeconds ?? 300 } },
      resurrection: { verify_kill: options.verifyKill ?? false, kill_window_seconds: options.killWindowSeconds ?? 60 },
    },
  });
}

const container = (running: boolean): Promise<string> => e2e.container({ label: 'trust', running });
const signed = (fields: Record<string, string>, kid = 'smith-1', secret = KEY_1) => signKillEntry(fields, kid, bytes(secret), NODE_MAC);
const xadd = (stream: string, fields: Record<string, string>): Promise<string> => publish(e2e.redis, stream, fields);
type Stats = { rejections: number; total: number; by_outcome: Record<string, number>; auto_approve_labelled: number };

describe('signed kill reports, end to end', () => {
  it('a signed demo report resurrects the killed container, with either key of a rotation', async () => {
    const first = await container(false);
    const second = await container(false);
    const beforeFirst = await e2e.fleet.startedAt(first);
    const { stream, base } = await startAgent();
    const one = killReport({ target_module: first, target_instance_id: `${first}-gone` });
    const two = killReport({ target_module: second });
    await xadd(stream, signed(payloadEntry(one), 'smith-1', KEY_1));
    const last = await xadd(stream, signed(payloadEntry(two), 'smith-2', KEY_2));
    expect(await e2e.decision(base, one.kill_id)).toMatchObject({ decision: 'approve_auto', outcome_type: 'success', health_status: 'healthy' });
    expect(await e2e.decision(base, two.kill_id)).toMatchObject({ outcome_type: 'success' });
    expect(await e2e.fleet.startedAt(first)).not.toBe(beforeFirst);
    await e2e.handled(stream, last);
  });

  it('dead-letters unsigned, forged, wrong-key, tampered and stale reports as bad_signature or stale_report, and never touches the container', async () => {
    const name = await container(false);
    const before = await e2e.fleet.startedAt(name);
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
    await e2e.handled(stream, [...ids.values()].at(-1)!);

    const reasons = await deadLetterReasons(e2e.redis, stream);
    for (const [what, , reason] of cases) expect([what, reasons.get(ids.get(what)!)]).toEqual([what, expect.stringMatching(reason)]);
    expect(await getJson<Stats>(`${base}/stats`)).toMatchObject({ rejections: cases.length, total: 0 });
    expect(await e2e.fleet.startedAt(name)).toBe(before);
    expect(await e2e.fleet.startCount(name)).toBe(1); // the start before Smith's kill, nothing since
  });

  it('a replayed report is never acted on twice, and one captured and replayed after max_report_age_seconds is stale', async () => {
    const resurrected = await container(false);
    const captured = await container(false);
    const capturedBefore = await e2e.fleet.startedAt(captured);
    const { stream, base } = await startAgent({ maxReportAgeSeconds: 2 });

    const entry = signed(payloadEntry(killReport({ target_module: resurrected })));
    const killId = (JSON.parse(entry.payload!) as { kill_id: string }).kill_id;
    await xadd(stream, entry);
    await e2e.decision(base, killId);
    const again = await xadd(stream, entry); // the same signed entry again, within the age limit: a duplicate
    await e2e.handled(stream, again);
    expect(await e2e.fleet.startCount(resurrected)).toBe(2); // created and killed, then resurrected once

    // Signed now, withheld from the stream, replayed once it is older than the limit.
    const withheld = signed(payloadEntry(killReport({ target_module: captured })));
    await sleep(3_000);
    const replayId = await xadd(stream, withheld);
    await e2e.handled(stream, replayId);
    expect((await deadLetterReasons(e2e.redis, stream)).get(replayId)).toMatch(/^timestamp: stale_report: .* older than the entry; signed reports may be at most 2 s old/);
    expect(await e2e.fleet.startedAt(captured)).toBe(capturedBefore);
    expect((await getJson<{ count: number }>(`${base}/decisions/recent?limit=200`)).count).toBe(1);
  });
});

describe('resurrection.verify_kill, end to end', () => {
  it('on: a signed report about a running healthy container restarts nothing (not_killed), and the record says which check held', async () => {
    const name = await container(true);
    await e2e.fleet.waitForHealth(name, 'healthy');
    const before = await e2e.fleet.startedAt(name);
    // The container must have been up longer than the kill window before the report's time.
    await sleep(1_500);
    const { stream, base } = await startAgent({ verifyKill: true, killWindowSeconds: 1 });
    const report = killReport({ target_module: name });
    await xadd(stream, signed(payloadEntry(report)));
    const done = await e2e.decision(base, report.kill_id);
    expect(done).toMatchObject({ decision: 'approve_auto', outcome_type: 'not_killed', health_status: 'healthy', error: null });
    expect((done.reasoning as string[]).at(-1)).toMatch(new RegExp(`^verify_kill: ${name} has been running since .*nothing restarted$`));
    expect(await e2e.fleet.startedAt(name)).toBe(before);
    expect(await e2e.fleet.startCount(name)).toBe(1);
    const stats = await getJson<Stats>(`${base}/stats`);
    expect(stats.by_outcome).toMatchObject({ not_killed: 1, success: 0 });
    expect(stats.auto_approve_labelled).toBe(0);
  });

  it('on: a report about a container Smith really killed still resurrects it, and the record says so', async () => {
    const name = await container(false);
    const { stream, base } = await startAgent({ verifyKill: true });
    const report = killReport({ target_module: name });
    await xadd(stream, signed(payloadEntry(report)));
    const done = await e2e.decision(base, report.kill_id);
    expect(done).toMatchObject({ outcome_type: 'success', health_status: 'healthy' });
    expect((done.reasoning as string[]).at(-1)).toMatch(/^verify_kill: .* stopped at .*within 60 s of the reported kill/);
  });

  it("off (the plan's demo): a report about a running container restarts it", async () => {
    const name = await container(true);
    const before = await e2e.fleet.startedAt(name);
    const { stream, base } = await startAgent({ required: false });
    const report = killReport({ target_module: name });
    await xadd(stream, payloadEntry(report));
    expect(await e2e.decision(base, report.kill_id)).toMatchObject({ outcome_type: 'success', health_status: 'healthy' });
    expect(await e2e.fleet.startedAt(name)).not.toBe(before);
  });
});
