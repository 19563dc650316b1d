// End to end with the real adapters: Redis stream in, Docker engine, SQLite file, the API over a real socket.
import { uniqueId } from '@medic/test-support';
import { killReport, useHarness } from './harness';

const e2e = useHarness({ docker: true });

describe('agent end to end', () => {
  it("plan Test 1: a low-risk kill is resurrected, recorded as success with a real time_to_healthy, and acknowledged", async () => {
    const name = await e2e.container();
    const before = await e2e.fleet.startedAt(name);
    const { stream, base } = await e2e.startAgent();
    const report = killReport({ target_module: name, target_instance_id: `${name}-gone` });
    await e2e.publish(stream, report);

    const record = await e2e.decision(base, report.kill_id);
    expect(record).toMatchObject({ decision: 'approve_auto', outcome_type: 'success', health_status: 'healthy', was_auto_approved: true });
    expect(record.time_to_healthy).toEqual(expect.any(Number));
    expect(record.time_to_healthy as number).toBeGreaterThan(0);
    expect(await e2e.fleet.isRunning(name)).toBe(true);
    expect(await e2e.fleet.startedAt(name)).not.toBe(before);
    await e2e.acknowledged(stream);
  });

  it('plan Test 2: a high-risk kill is denied, the container stays down, the decision is recorded', async () => {
    const name = await e2e.container();
    const before = await e2e.fleet.startedAt(name);
    const { stream, base } = await e2e.startAgent();
    const report = killReport({ target_module: name, kill_reason: 'threat_detected', severity: 'critical', confidence_score: 0.99 });
    await e2e.publish(stream, report);

    const record = await e2e.decision(base, report.kill_id, 'decided');
    expect(record).toMatchObject({ decision: 'deny', guard: 'high_confidence_threat', outcome_type: 'undetermined', risk_level: 'critical' });
    await e2e.acknowledged(stream);
    expect(await e2e.fleet.isRunning(name)).toBe(false);
    expect(await e2e.fleet.startedAt(name)).toBe(before);
  });

  it('manual approval: 403 without a token configured, 401 with a wrong one, 202 with the right one, then 409', async () => {
    const name = await e2e.container();
    const { dir, stream } = e2e.workspace();
    const report = killReport({ target_module: name });
    const killId = report.kill_id;

    const first = await e2e.startAgent({ autoApprove: false, dir, stream });
    await e2e.publish(stream, report);
    expect(await e2e.decision(first.base, killId, 'decided')).toMatchObject({ decision: 'pending_review', outcome_type: 'undetermined' });
    const forbidden = await fetch(`${first.base}/approve/${killId}`, { method: 'POST', headers: { authorization: 'Bearer anything' } });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({ error: { code: 'approvals_disabled', message: expect.any(String) } });
    await e2e.stopAgent(first);

    const token = `token-${uniqueId()}`;
    const second = await e2e.startAgent({ autoApprove: false, dir, stream, token });
    expect((await fetch(`${second.base}/approve/${killId}`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${second.base}/approve/${killId}`, { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(await e2e.fleet.isRunning(name)).toBe(false);

    const accepted = await fetch(`${second.base}/approve/${killId}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ kill_id: killId, status: 'executing', approved_by: 'api' });
    const record = await e2e.decision(second.base, killId);
    expect(record).toMatchObject({ outcome_type: 'success', approved_by: 'api', was_auto_approved: false });
    expect(await e2e.fleet.isRunning(name)).toBe(true);

    const again = await fetch(`${second.base}/approve/${killId}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('not_pending');
  });

  it('bad input: malformed entries are dead-lettered without touching Docker, and the valid kill after them is decided', async () => {
    const name = await e2e.container();
    const before = await e2e.fleet.startedAt(name);
    const { stream, base } = await e2e.startAgent();
    const valid = killReport({ target_module: name, kill_reason: 'threat_detected', severity: 'critical', confidence_score: 0.99 });
    const malformed: Array<[string, string]> = [
      ['payload', '{"kill_id": "broken-json"'],
      ['payload', JSON.stringify({ kill_id: 'missing-fields', target_module: name })],
      ['payload', JSON.stringify(killReport({ target_module: '../etc' }))],
      ['payload', JSON.stringify(killReport({ target_module: name, target_instance_id: 'a/b' }))],
      ['payload', JSON.stringify(killReport({ target_module: name, evidence: ['x'.repeat(1025)] }))],
      ['payload', JSON.stringify(killReport({ target_module: name, evidence: Array.from({ length: 101 }, () => 'e') }))],
      ['payload', JSON.stringify(killReport({ target_module: name, confidence_score: '0.1' }))],
      ['payload', JSON.stringify(killReport({ target_module: name, severity: 'catastrophic' }))],
      ['payload', '[1, 2, 3]'],
      ['unrelated', 'field'],
    ];
    for (const [field, value] of malformed) await e2e.redis.xadd(stream, '*', field, value);
    await e2e.publish(stream, valid);

    const record = await e2e.decision(base, valid.kill_id, 'decided');
    expect(record.decision).toBe('deny');
    const dead = (await e2e.redis.xrange(`${stream}.dead`, '-', '+')) as Array<[string, string[]]>;
    expect(dead).toHaveLength(malformed.length);
    for (const [, fields] of dead) {
      expect(fields).toContain('reason');
      expect(fields).toContain('original_id');
    }
    await e2e.acknowledged(stream);
    expect(await e2e.fleet.startedAt(name)).toBe(before);
    const stats = (await (await fetch(`${base}/stats`)).json()) as { rejections: number; total: number };
    expect(stats.rejections).toBe(malformed.length);
    expect(stats.total).toBe(1);
  });

  it('a duplicated kill_id is decided once and restarts the container once', async () => {
    const name = await e2e.container();
    const { stream, base } = await e2e.startAgent();
    const report = killReport({ target_module: name });
    await e2e.publish(stream, report);
    await e2e.publish(stream, report);

    await e2e.decision(base, report.kill_id);
    await e2e.acknowledged(stream);
    const recent = (await (await fetch(`${base}/decisions/recent?limit=200`)).json()) as { count: number };
    expect(recent.count).toBe(1);
    // Creating it (started, then killed as Smith would) is one start.
    expect(await e2e.fleet.startCount(name)).toBe(2);
  });

  it('observer mode decides and records an approve_auto kill but never executes it', async () => {
    const name = await e2e.container();
    const before = await e2e.fleet.startedAt(name);
    const { stream, base } = await e2e.startAgent({ mode: 'observer' });
    const report = killReport({ target_module: name });
    await e2e.publish(stream, report);
    const record = await e2e.decision(base, report.kill_id, 'decided');
    expect(record).toMatchObject({ decision: 'approve_auto', outcome_type: 'undetermined', mode: 'observer' });
    expect(await e2e.fleet.startedAt(name)).toBe(before);
  });
});
