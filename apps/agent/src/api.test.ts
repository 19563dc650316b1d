import { PassThrough } from 'node:stream';
import { waitFor } from '@medic/test-support';
import { InMemoryFleet, InMemoryKillSource, InMemoryOutcomeRepo, InMemoryStream, ManualClock, killEntryFields, sampleRecord } from '@medic/domain/testing';
import { createAgent } from './agent';
import type { Agent } from './agent';
import { buildConfig } from './config';
import { createLogger } from './logger';

const NOW = '2025-03-01T12:05:00.000Z';
const TOKEN = 'test-token';
const auth = { authorization: `Bearer ${TOKEN}` };

interface Setup {
  readonly agent: Agent;
  readonly repo: InMemoryOutcomeRepo;
  readonly fleet: InMemoryFleet;
  readonly stream: InMemoryStream;
  readonly clock: ManualClock;
}

async function setup(options: { mode?: 'observer' | 'live'; token?: string | null; raw?: Record<string, unknown> } = {}): Promise<Setup> {
  const token = options.token === undefined ? TOKEN : options.token;
  const config = buildConfig(
    { mode: options.mode ?? 'live', api: { enabled: false }, decision: { auto_approve: { enabled: true, min_confidence: 0.6, max_score: 0.4 } }, ...options.raw },
    { env: token ? { MEDIC_API_TOKEN: token } : {}, cwd: '/tmp', file: null },
  );
  const repo = new InMemoryOutcomeRepo();
  const fleet = new InMemoryFleet();
  const stream = new InMemoryStream();
  const clock = new ManualClock(NOW);
  const logger = createLogger({ level: 'error', format: 'text' }, new PassThrough());
  const agent = await createAgent({ config, repo, resurrector: fleet, source: new InMemoryKillSource(stream), clock, threatIntel: null, logger });
  return { agent, repo, fleet, stream, clock };
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe('API', () => {
  it('GET /health reports status, mode, uptime, version and every check', async () => {
    const { agent, stream } = await setup();
    const ok = await agent.api.request('/health');
    expect(ok.status).toBe(200);
    expect(await json(ok)).toEqual({
      status: 'ok',
      mode: 'live',
      uptime_seconds: expect.any(Number),
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      checks: { redis: { status: 'up' }, docker: { status: 'up' }, store: { status: 'up' }, threat_intel: { status: 'disabled' }, notifier: { status: 'disabled' } },
    });
    stream.down = true;
    const degraded = await json(await agent.api.request('/health'));
    expect(degraded.status).toBe('degraded');
    expect((degraded.checks as Record<string, { status: string }>).redis?.status).toBe('down');
  });

  it('GET /decisions/recent answers newest first, default 20, at most 200', async () => {
    const { agent, repo } = await setup();
    for (let i = 0; i < 25; i++) {
      await repo.insert(sampleRecord({ killId: `k-${i}`, timestamp: new Date(Date.parse('2025-03-01T12:00:00Z') + i * 1000).toISOString() }));
    }
    const body = await json(await agent.api.request('/decisions/recent'));
    expect(body.count).toBe(20);
    const decisions = body.decisions as Array<Record<string, unknown>>;
    expect(decisions[0]).toMatchObject({ kill_id: 'k-24', decision: 'pending_review', state: 'decided', outcome_type: 'undetermined' });
    expect(decisions[0]!.factors).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'smith_confidence', contribution: 0.24 })]));
    expect((await json(await agent.api.request('/decisions/recent?limit=3'))).count).toBe(3);
    expect((await json(await agent.api.request('/decisions/recent?limit=200'))).count).toBe(25);
  });

  it.each(['0', '201', 'abc', '-1', '1.5', '1e2', ''])('GET /decisions/recent?limit=%s is 400 when malformed', async (limit) => {
    const { agent } = await setup();
    const response = await agent.api.request(`/decisions/recent?limit=${limit}`);
    if (limit === '') {
      expect(response.status).toBe(200);
      return;
    }
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({ error: { code: 'bad_request', message: expect.stringContaining('limit') } });
  });

  it('GET /decisions/:killId answers one decision, 404 when unknown, 400 when malformed', async () => {
    const { agent, repo } = await setup();
    await repo.insert(sampleRecord({ killId: 'known-1' }));
    const found = await agent.api.request('/decisions/known-1');
    expect(found.status).toBe(200);
    expect(await json(found)).toMatchObject({ kill_id: 'known-1', target_module: 'web', threat_intel: { status: 'disabled' } });
    const missing = await agent.api.request('/decisions/unknown-1');
    expect(missing.status).toBe(404);
    expect(await json(missing)).toEqual({ error: { code: 'not_found', message: expect.stringContaining('unknown-1') } });
    expect((await agent.api.request('/decisions/bad$id')).status).toBe(400);
    expect((await agent.api.request(`/decisions/${'x'.repeat(129)}`)).status).toBe(400);
    expect((await agent.api.request('/decisions/%E0%A4%A')).status).toBe(400);
  });

  it('GET /stats answers counts, thresholds and the last calibration', async () => {
    const { agent, repo } = await setup();
    await repo.insert(sampleRecord({ killId: 'a' }));
    await repo.insert(sampleRecord({ killId: 'b', originalDecision: 'deny', riskLevel: 'high' }));
    const body = await json(await agent.api.request('/stats'));
    expect(body).toMatchObject({
      total: 2,
      by_decision: { approve_auto: 0, pending_review: 1, deny: 1 },
      by_outcome: { undetermined: 2, success: 0 },
      rejections: 0,
      average_time_to_healthy: null,
      thresholds: { auto_approve_max_score: 0.4 },
      calibration: null,
      operator_verdicts: { approved: 0, rejected: 0 },
    });
  });

  it('POST /approve: 403 when no token is configured', async () => {
    const { agent, repo } = await setup({ token: null });
    await repo.insert(sampleRecord({ killId: 'p-1' }));
    const response = await agent.api.request('/approve/p-1', { method: 'POST', headers: auth });
    expect(response.status).toBe(403);
    expect(await json(response)).toEqual({ error: { code: 'approvals_disabled', message: expect.any(String) } });
  });

  it('POST /approve: 401 without or with a wrong token, 404 unknown, 409 not pending, 400 malformed', async () => {
    const { agent, repo } = await setup();
    await repo.insert(sampleRecord({ killId: 'p-1' }));
    await repo.insert(sampleRecord({ killId: 'denied-1', originalDecision: 'deny' }));
    expect((await agent.api.request('/approve/p-1', { method: 'POST' })).status).toBe(401);
    expect((await agent.api.request('/approve/p-1', { method: 'POST', headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await agent.api.request('/approve/p-1', { method: 'POST', headers: { authorization: TOKEN } })).status).toBe(401);
    expect((await agent.api.request('/approve/nobody', { method: 'POST', headers: auth })).status).toBe(404);
    const notPending = await agent.api.request('/approve/denied-1', { method: 'POST', headers: auth });
    expect(notPending.status).toBe(409);
    expect(((await json(notPending)).error as { code: string }).code).toBe('not_pending');
    expect((await agent.api.request('/approve/bad$id', { method: 'POST', headers: auth })).status).toBe(400);
  });

  it('POST /approve: 202 resurrects the pending kill, then 409', async () => {
    const { agent, repo, fleet } = await setup();
    fleet.add({ name: 'web', running: false, health: 'passing' });
    await repo.insert(sampleRecord({ killId: 'p-1', targetModule: 'web' }));
    const response = await agent.api.request('/approve/p-1', { method: 'POST', headers: auth });
    expect(response.status).toBe(202);
    expect(await json(response)).toMatchObject({ kill_id: 'p-1', status: 'executing', approved_by: 'api' });
    const done = await waitFor('p-1 to be done', async () => {
      const record = await repo.get('p-1');
      return record?.state === 'done' ? record : undefined;
    });
    expect(done).toMatchObject({ outcomeType: 'success', approvedBy: 'api', healthStatus: 'healthy' });
    expect(fleet.container('web').startCount).toBe(1);
    expect((await agent.api.request('/approve/p-1', { method: 'POST', headers: auth })).status).toBe(409);
  });

  it('POST /approve: 410 once the approval window has passed', async () => {
    const { agent, repo, clock } = await setup({ raw: { decision: { approval_ttl_minutes: 10 } } });
    await repo.insert(sampleRecord({ killId: 'old-1', timestamp: NOW }));
    clock.advance(11 * 60_000);
    const response = await agent.api.request('/approve/old-1', { method: 'POST', headers: auth });
    expect(response.status).toBe(410);
    expect(((await json(response)).error as { code: string }).code).toBe('expired');
  });

  it('POST /approve: 409 in observer mode', async () => {
    const { agent, repo, fleet } = await setup({ mode: 'observer' });
    fleet.add({ name: 'web', running: false, health: 'passing' });
    await repo.insert(sampleRecord({ killId: 'p-1' }));
    const response = await agent.api.request('/approve/p-1', { method: 'POST', headers: auth });
    expect(response.status).toBe(409);
    expect(((await json(response)).error as { code: string }).code).toBe('observer_mode');
    expect(fleet.container('web').startCount).toBe(0);
  });

  it('POST /reject: 403 when no token is configured', async () => {
    const { agent, repo } = await setup({ token: null });
    await repo.insert(sampleRecord({ killId: 'p-1' }));
    const response = await agent.api.request('/reject/p-1', { method: 'POST', headers: auth });
    expect(response.status).toBe(403);
    expect(await json(response)).toEqual({ error: { code: 'approvals_disabled', message: expect.stringContaining('MEDIC_API_TOKEN') } });
    expect(await repo.get('p-1')).toMatchObject({ state: 'decided', rejectedBy: null });
  });

  it('POST /reject: 401 without or with a wrong token, 404 unknown, 409 not pending, 400 malformed', async () => {
    const { agent, repo } = await setup();
    await repo.insert(sampleRecord({ killId: 'p-1' }));
    await repo.insert(sampleRecord({ killId: 'denied-1', originalDecision: 'deny' }));
    expect((await agent.api.request('/reject/p-1', { method: 'POST' })).status).toBe(401);
    expect((await agent.api.request('/reject/p-1', { method: 'POST', headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await agent.api.request('/reject/p-1', { method: 'POST', headers: { authorization: TOKEN } })).status).toBe(401);
    expect((await agent.api.request('/reject/nobody', { method: 'POST', headers: auth })).status).toBe(404);
    const notPending = await agent.api.request('/reject/denied-1', { method: 'POST', headers: auth });
    expect(notPending.status).toBe(409);
    expect(((await json(notPending)).error as { code: string }).code).toBe('not_pending');
    expect((await agent.api.request('/reject/bad$id', { method: 'POST', headers: auth })).status).toBe(400);
    expect(await repo.get('p-1')).toMatchObject({ state: 'decided', rejectedBy: null });
  });

  it('POST /reject: 200 records the verdict, the container stays down, and neither verdict is accepted again', async () => {
    const { agent, repo, fleet } = await setup();
    fleet.add({ name: 'web', running: false, health: 'passing' });
    await repo.insert(sampleRecord({ killId: 'p-1', targetModule: 'web' }));
    const response = await agent.api.request('/reject/p-1', { method: 'POST', headers: auth });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ kill_id: 'p-1', status: 'rejected', rejected_by: 'api', rejected_at: NOW });
    expect(await repo.get('p-1')).toMatchObject({ state: 'done', outcomeType: 'undetermined', rejectedBy: 'api', rejectedAt: NOW });
    expect(fleet.attempts).toEqual([]);
    expect(fleet.container('web').running).toBe(false);
    expect((await agent.api.request('/reject/p-1', { method: 'POST', headers: auth })).status).toBe(409);
    expect((await agent.api.request('/approve/p-1', { method: 'POST', headers: auth })).status).toBe(409);
    expect(await json(await agent.api.request('/decisions/p-1'))).toMatchObject({ state: 'done', rejected_by: 'api', rejected_at: NOW, approved_by: null });
  });

  it('POST /reject: 410 once the approval window has passed, 409 in observer mode', async () => {
    const late = await setup({ raw: { decision: { approval_ttl_minutes: 10 } } });
    await late.repo.insert(sampleRecord({ killId: 'old-1', timestamp: NOW }));
    late.clock.advance(11 * 60_000);
    const expired = await late.agent.api.request('/reject/old-1', { method: 'POST', headers: auth });
    expect(expired.status).toBe(410);
    expect(((await json(expired)).error as { code: string }).code).toBe('expired');

    const observer = await setup({ mode: 'observer' });
    await observer.repo.insert(sampleRecord({ killId: 'p-1' }));
    const refused = await observer.agent.api.request('/reject/p-1', { method: 'POST', headers: auth });
    expect(refused.status).toBe(409);
    expect(((await json(refused)).error as { code: string }).code).toBe('observer_mode');
  });

  it('GET /stats counts operator verdicts', async () => {
    const { agent, repo, fleet } = await setup();
    fleet.add({ name: 'web', running: false, health: 'passing' });
    for (const killId of ['a', 'b', 'c']) await repo.insert(sampleRecord({ killId, targetModule: 'web' }));
    await agent.api.request('/reject/a', { method: 'POST', headers: auth });
    await agent.api.request('/reject/b', { method: 'POST', headers: auth });
    await agent.api.request('/approve/c', { method: 'POST', headers: auth });
    await waitFor('c to be done', async () => ((await repo.get('c'))?.state === 'done' ? true : undefined));
    expect(await json(await agent.api.request('/stats'))).toMatchObject({ operator_verdicts: { approved: 1, rejected: 2 } });
  });

  it('unknown routes answer 404 in the error shape', async () => {
    const { agent } = await setup();
    const response = await agent.api.request('/nope');
    expect(response.status).toBe(404);
    expect(await json(response)).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });
});

describe('agent loop with in-memory adapters', () => {
  it('decides a published kill, executes it in live mode, and stops cleanly', async () => {
    const { agent, repo, fleet, stream } = await setup();
    fleet.add({ name: 'nginx-test', running: false, health: 'passing' });
    await agent.start();
    stream.publish(killEntryFields({ killId: 'loop-1', targetModule: 'nginx-test', targetInstanceId: 'inst-001', confidenceScore: 0.4, severity: 'low', killReason: 'anomaly_behavior' }));
    const record = await waitFor('loop-1 to be done', async () => {
      const r = await repo.get('loop-1');
      return r?.state === 'done' ? r : undefined;
    });
    expect(record).toMatchObject({ originalDecision: 'approve_auto', outcomeType: 'success' });
    const health = await json(await agent.api.request('/health'));
    expect(health.status).toBe('ok');
    await agent.stop();
    expect(stream.acked).toHaveLength(1);
  });
});
