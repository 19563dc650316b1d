// Per-container labels end to end: the agent with its real adapters against real medic-test-* busybox containers that
// carry medic.* labels.
import type Docker from 'dockerode';
import type Redis from 'ioredis';
import { createAgent } from '../src/agent';
import type { Agent } from '../src/agent';
import {
  capturedLogger,
  connectDocker,
  connectRedis,
  createTestContainer,
  isRunning,
  killReport,
  publish,
  removeContainers,
  scratchDir,
  startedAt,
  testConfig,
  uniqueId,
  waitFor,
} from './support';

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

async function startAgent(extra: Record<string, unknown> = {}) {
  const scratch = scratchDir();
  cleanups.push(scratch.remove);
  const stream = `medic-test:labels:${uniqueId()}`;
  streams.push(stream);
  const config = testConfig({ dir: scratch.dir, stream, extra });
  const { logger, lines } = capturedLogger();
  const agent = await createAgent({ config, logger });
  agents.push(agent);
  await agent.start();
  return { stream, base: `http://127.0.0.1:${agent.address()?.port}`, lines };
}

async function labelled(labels: Record<string, string>, health: 'passing' | 'none' = 'passing', healthIntervalMs?: number): Promise<string> {
  const name = `medic-test-labels-${uniqueId()}`;
  containers.push(name);
  await createTestContainer(docker, { name, running: false, health, labels, ...(healthIntervalMs ? { healthIntervalMs } : {}) });
  return name;
}

interface ApiRecord {
  state: string;
  decision: string;
  outcome_type: string;
  error: string | null;
  error_message: string | null;
  reasoning: string[];
  was_auto_approved: boolean;
  factors: Array<{ name: string; value: number; detail: string }>;
}

async function record(base: string, killId: string, done: (r: ApiRecord) => boolean): Promise<ApiRecord> {
  return waitFor(`the record of ${killId}`, async () => {
    const response = await fetch(`${base}/decisions/${killId}`);
    if (response.status !== 200) return undefined;
    const body = (await response.json()) as ApiRecord;
    return done(body) ? body : undefined;
  });
}

describe('per-container labels', () => {
  it('medic.enable=false keeps Medic away from the container even without require_label, and the record says so', async () => {
    const { stream, base } = await startAgent();
    const app = await labelled({ 'medic.enable': 'false' });
    const before = await startedAt(docker, app);
    const killId = `optout-${uniqueId()}`;
    await publish(redis, stream, killReport({ kill_id: killId, target_module: app, target_instance_id: app }));
    const r = await record(base, killId, (x) => x.state === 'done');
    expect(r).toMatchObject({ decision: 'approve_auto', outcome_type: 'failure', error: 'not_enabled', error_message: `container ${app} is labelled medic.enable=false, which excludes it from resurrection` });
    expect(r.reasoning.at(-1)).toBe(`Container ${app} is labelled medic.enable=false, which excludes it from resurrection: nothing was restarted.`);
    expect(await isRunning(docker, app)).toBe(false);
    expect(await startedAt(docker, app)).toBe(before);
  });

  it('medic.criticality raises the risk of an automatic resurrection about to start: it goes to review instead, and says why', async () => {
    const { stream, base } = await startAgent();
    const app = await labelled({ 'medic.criticality': '1' });
    const before = await startedAt(docker, app);
    const killId = `critical-${uniqueId()}`;
    await publish(redis, stream, killReport({ kill_id: killId, target_module: app, target_instance_id: app }));
    const r = await record(base, killId, (x) => x.decision !== 'approve_auto');
    expect(r).toMatchObject({ state: 'decided', decision: 'pending_review', outcome_type: 'undetermined', was_auto_approved: false });
    expect(r.reasoning[0]).toMatch(new RegExp(`^Label medic\\.criticality=1 on container ${app} replaced risk\\.module_criticality \\(not set\\) for ${app}, and the kill was decided again with it before resurrecting: pending_review instead of approve_auto \\(risk 0\\.37 → 0\\.515\\); nothing was restarted\\.$`));
    expect(r.factors.find((f) => f.name === 'module_criticality')).toMatchObject({ value: 1, detail: `${app} has criticality 1 from label medic.criticality on container ${app}` });
    expect(await isRunning(docker, app)).toBe(false);
    expect(await startedAt(docker, app)).toBe(before);
  });

  it('medic.health-timeout shortens the wait for a health check that does not pass in time: rolled back, with the label named', async () => {
    // The first health probe runs 60 s after the start: with the label, Medic gives up after 1 s instead of the configured 10 s.
    const { stream, base } = await startAgent();
    const app = await labelled({ 'medic.health-timeout': '1' }, 'passing', 60_000);
    const killId = `slow-${uniqueId()}`;
    await publish(redis, stream, killReport({ kill_id: killId, target_module: app, target_instance_id: app }));
    const r = await record(base, killId, (x) => x.state === 'done');
    expect(r).toMatchObject({ outcome_type: 'rollback', error: 'health_timeout', error_message: `${app} was not healthy within 1000 ms; stopped it again` });
    expect(r.reasoning.at(-1)).toBe(`Label medic.health-timeout=1 on container ${app} set the health timeout to 1 s (configured: 10 s).`);
    expect(await isRunning(docker, app)).toBe(false);
  });

  it('ignores bad values with a warning naming the container and the label, and resurrects as configured', async () => {
    const { stream, base, lines } = await startAgent();
    const app = await labelled({ 'medic.criticality': 'extreme', 'medic.health-timeout': '-3' });
    const killId = `bad-${uniqueId()}`;
    await publish(redis, stream, killReport({ kill_id: killId, target_module: app, target_instance_id: app }));
    const r = await record(base, killId, (x) => x.state === 'done');
    expect(r).toMatchObject({ decision: 'approve_auto', outcome_type: 'success' });
    const warnings = lines.filter((l) => l.level === 'warn' && l.kill_id === killId).map((l) => l.message);
    expect(warnings).toEqual([
      `label medic.criticality="extreme" on container ${app} ignored: it must be a number from 0 to 1`,
      `label medic.health-timeout="-3" on container ${app} ignored: it must be a number of seconds above 0 and at most 3600`,
    ]);
    expect(r.reasoning.slice(-1)[0]).toBe(
      `Label medic.criticality="extreme" on container ${app} ignored: it must be a number from 0 to 1. Label medic.health-timeout="-3" on container ${app} ignored: it must be a number of seconds above 0 and at most 3600.`,
    );
    expect(await isRunning(docker, app)).toBe(true);
  });

  it('observer mode decides as live does and never reads the labels', async () => {
    const { stream, base } = await startAgent({ mode: 'observer' });
    const app = await labelled({ 'medic.criticality': '1', 'medic.enable': 'false' });
    const killId = `observed-${uniqueId()}`;
    await publish(redis, stream, killReport({ kill_id: killId, target_module: app, target_instance_id: app }));
    const r = await record(base, killId, () => true);
    expect(r).toMatchObject({ state: 'decided', decision: 'approve_auto', outcome_type: 'undetermined' });
  });
});
