// The container engine really unreachable: the agent talks to Docker through a proxy the test stops and starts.
import { pendingCount, uniqueId, waitFor } from '@medic/test-support';
import { DockerProxy } from './docker-proxy';
import { getJson, GROUP, killReport, useHarness } from './harness';

const e2e = useHarness({ docker: true });
const TOKEN = `token-${uniqueId()}`;

/** A workspace and a proxy in front of the engine, which the test stops and starts; stopped after the test. */
async function setup(): Promise<{ dir: string; stream: string; proxy: DockerProxy }> {
  const proxy = new DockerProxy();
  e2e.onCleanup(() => proxy.stop());
  await proxy.start();
  return { ...e2e.workspace('outage'), proxy };
}

/** A live agent reaching Docker only through the proxy. */
function startAgent(s: { dir: string; stream: string; proxy: DockerProxy }, retryDeadlineSeconds: number) {
  return e2e.startAgent({
    dir: s.dir,
    stream: s.stream,
    token: TOKEN,
    dockerHost: s.proxy.dockerHost,
    extra: { resurrection: { health_check_timeout_seconds: 30, retry_deadline_seconds: retryDeadlineSeconds } },
  });
}

type Health = { status: string; checks: Record<string, { status: string; detail?: string }> };

describe('an engine outage during an approved resurrection', () => {
  it('keeps the kill executing and unacknowledged, says degraded, survives an agent restart, and resurrects once the engine answers', async () => {
    const name = await e2e.container({ label: 'outage' });
    const s = await setup();
    const first = await startAgent(s, 300);
    await s.proxy.stop();
    const report = killReport({ target_module: name });
    const killId = report.kill_id;
    await e2e.publish(s.stream, report);

    await waitFor('an engine retry', () => first.lines.some((l) => l.kill_id === killId && String(l.message).includes('retrying')));
    expect(await getJson(`${first.base}/decisions/${killId}`)).toMatchObject({ decision: 'approve_auto', state: 'executing', outcome_type: 'undetermined' });
    const during = await getJson<Health>(`${first.base}/health`);
    expect(during).toMatchObject({ status: 'degraded', checks: { docker: { status: 'down' }, redis: { status: 'up' }, store: { status: 'up' } } });
    expect(await pendingCount(e2e.redis, s.stream, GROUP)).toBe(1);

    // The agent stops during the outage: nothing is final, nothing is acknowledged.
    await e2e.stopAgent(first);
    expect(first.lines).toContainEqual(expect.objectContaining({ kill_id: killId, message: expect.stringContaining('left unfinished at shutdown') }));
    expect(await pendingCount(e2e.redis, s.stream, GROUP)).toBe(1);
    expect(await e2e.fleet.isRunning(name)).toBe(false);

    await s.proxy.start();
    const second = await startAgent(s, 300);
    const done = await e2e.decision(second.base, killId);
    expect(done).toMatchObject({ outcome_type: 'success', health_status: 'healthy', error: null });
    expect(await e2e.fleet.isRunning(name)).toBe(true);
    // Created (started once, then killed), then resurrected once.
    expect(await e2e.fleet.startCount(name)).toBe(2);
    await e2e.acknowledged(s.stream);
    expect((await getJson<Health>(`${second.base}/health`)).status).toBe('ok');
  });

  it('ends at retry_deadline_seconds with failure / docker_unavailable, which POST /approve resurrects once the engine answers', async () => {
    const name = await e2e.container({ label: 'outage' });
    const s = await setup();
    const { base } = await startAgent(s, 2);
    await s.proxy.stop();
    const report = killReport({ target_module: name });
    const killId = report.kill_id;
    await e2e.publish(s.stream, report);

    const failed = await e2e.decision(base, killId);
    expect(failed).toMatchObject({ outcome_type: 'failure', error: 'docker_unavailable' });
    await e2e.acknowledged(s.stream);

    await s.proxy.start();
    const approved = await fetch(`${base}/approve/${killId}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(approved.status).toBe(202);
    const done = await e2e.decision(base, killId);
    expect(done).toMatchObject({ outcome_type: 'success', approved_by: 'api', error: null });
    expect(await e2e.fleet.isRunning(name)).toBe(true);
  });
});
