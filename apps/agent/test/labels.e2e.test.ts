// Per-container labels end to end: the agent with its real adapters against real medic-test-* busybox containers that
// carry medic.* labels.
import { uniqueId } from '@medic/test-support';
import { killReport, useHarness } from './harness';

const e2e = useHarness({ docker: true });

/** A killed container carrying `labels`. */
const labelled = (labels: Record<string, string>, health: 'passing' | 'none' = 'passing', healthIntervalMs?: number): Promise<string> =>
  e2e.container({ label: 'labels', labels, health, ...(healthIntervalMs ? { healthIntervalMs } : {}) });

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

const record = (base: string, killId: string, done: (r: ApiRecord) => boolean): Promise<ApiRecord> => e2e.record<ApiRecord>(base, killId, done);

describe('per-container labels', () => {
  it('medic.enable=false keeps Medic away from the container even without require_label, and the record says so', async () => {
    const { stream, base } = await e2e.startAgent();
    const app = await labelled({ 'medic.enable': 'false' });
    const before = await e2e.fleet.startedAt(app);
    const killId = `optout-${uniqueId()}`;
    await e2e.publish(stream, killReport({ kill_id: killId, target_module: app, target_instance_id: app }));
    const r = await record(base, killId, (x) => x.state === 'done');
    expect(r).toMatchObject({ decision: 'approve_auto', outcome_type: 'failure', error: 'not_enabled', error_message: `container ${app} is labelled medic.enable=false, which excludes it from resurrection` });
    expect(r.reasoning.at(-1)).toBe(`Container ${app} is labelled medic.enable=false, which excludes it from resurrection: nothing was restarted.`);
    expect(await e2e.fleet.isRunning(app)).toBe(false);
    expect(await e2e.fleet.startedAt(app)).toBe(before);
  });

  it('medic.criticality raises the risk of an automatic resurrection about to start: it goes to review instead, and says why', async () => {
    const { stream, base } = await e2e.startAgent();
    const app = await labelled({ 'medic.criticality': '1' });
    const before = await e2e.fleet.startedAt(app);
    const killId = `critical-${uniqueId()}`;
    await e2e.publish(stream, killReport({ kill_id: killId, target_module: app, target_instance_id: app }));
    const r = await record(base, killId, (x) => x.decision !== 'approve_auto');
    expect(r).toMatchObject({ state: 'decided', decision: 'pending_review', outcome_type: 'undetermined', was_auto_approved: false });
    expect(r.reasoning[0]).toMatch(new RegExp(`^Label medic\\.criticality=1 on container ${app} replaced risk\\.module_criticality \\(not set\\) for ${app}, and the kill was decided again with it before resurrecting: pending_review instead of approve_auto \\(risk 0\\.37 → 0\\.515\\); nothing was restarted\\.$`));
    expect(r.factors.find((f) => f.name === 'module_criticality')).toMatchObject({ value: 1, detail: `${app} has criticality 1 from label medic.criticality on container ${app}` });
    expect(await e2e.fleet.isRunning(app)).toBe(false);
    expect(await e2e.fleet.startedAt(app)).toBe(before);
  });

  it('medic.health-timeout shortens the wait for a health check that does not pass in time: rolled back, with the label named', async () => {
    // The first health probe runs 60 s after the start: with the label, Medic gives up after 1 s instead of the configured 10 s.
    const { stream, base } = await e2e.startAgent();
    const app = await labelled({ 'medic.health-timeout': '1' }, 'passing', 60_000);
    const killId = `slow-${uniqueId()}`;
    await e2e.publish(stream, killReport({ kill_id: killId, target_module: app, target_instance_id: app }));
    const r = await record(base, killId, (x) => x.state === 'done');
    expect(r).toMatchObject({ outcome_type: 'rollback', error: 'health_timeout', error_message: `${app} was not healthy within 1000 ms; stopped it again` });
    expect(r.reasoning.at(-1)).toBe(`Label medic.health-timeout=1 on container ${app} set the health timeout to 1 s (configured: 10 s).`);
    expect(await e2e.fleet.isRunning(app)).toBe(false);
  });

  it('ignores bad values with a warning naming the container and the label, and resurrects as configured', async () => {
    const agent = await e2e.startAgent();
    const { stream, base } = agent;
    const app = await labelled({ 'medic.criticality': 'extreme', 'medic.health-timeout': '-3' });
    const killId = `bad-${uniqueId()}`;
    await e2e.publish(stream, killReport({ kill_id: killId, target_module: app, target_instance_id: app }));
    const r = await record(base, killId, (x) => x.state === 'done');
    expect(r).toMatchObject({ decision: 'approve_auto', outcome_type: 'success' });
    const warnings = agent.lines.filter((l) => l.level === 'warn' && l.kill_id === killId).map((l) => l.message);
    expect(warnings).toEqual([
      `label medic.criticality="extreme" on container ${app} ignored: it must be a number from 0 to 1`,
      `label medic.health-timeout="-3" on container ${app} ignored: it must be a number of seconds above 0 and at most 3600`,
    ]);
    expect(r.reasoning.slice(-1)[0]).toBe(
      `Label medic.criticality="extreme" on container ${app} ignored: it must be a number from 0 to 1. Label medic.health-timeout="-3" on container ${app} ignored: it must be a number of seconds above 0 and at most 3600.`,
    );
    expect(await e2e.fleet.isRunning(app)).toBe(true);
  });

  it('observer mode decides as live does and never reads the labels', async () => {
    const { stream, base } = await e2e.startAgent({ mode: 'observer' });
    const app = await labelled({ 'medic.criticality': '1', 'medic.enable': 'false' });
    const killId = `observed-${uniqueId()}`;
    await e2e.publish(stream, killReport({ kill_id: killId, target_module: app, target_instance_id: app }));
    const r = await record(base, killId, () => true);
    expect(r).toMatchObject({ state: 'decided', decision: 'approve_auto', outcome_type: 'undetermined' });
  });
});
