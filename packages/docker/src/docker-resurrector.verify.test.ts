// resurrection.verify_kill against the real engine, beyond the Resurrector contract: restart policies, undecided health
// checks and the kill window.
import { finished } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import type { ResurrectionTarget } from '@medic/domain';
import { connectDocker, TestFleet, waitFor } from '@medic/test-support';
import { DockerResurrector } from './docker-resurrector';

let docker: Dockerode;
let fleet: TestFleet;
let p: string;

const verifying = (): DockerResurrector =>
  new DockerResurrector({ docker, verifyKill: true, healthCheckIntervalMs: 100, healthCheckTimeoutMs: 10_000, stabilityWindowMs: 300, stopGraceSeconds: 2 });
const target = (name: string, killedAt: string): ResurrectionTarget => ({ killId: `kill-${name}`, module: name, instanceId: name, killedAt });

beforeAll(async () => {
  docker = await connectDocker();
  fleet = new TestFleet(docker);
  p = fleet.prefix;
});
afterEach(() => fleet?.removeAll());

describe('DockerResurrector with verify_kill', () => {
  it('restarts nothing for a container its restart policy brought back after the kill: already_running', async () => {
    const name = `${p}policy`;
    const container = await fleet.create({ name, running: true });
    await container.update({ RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } });
    const first = (await fleet.inspect(name)).State.StartedAt;
    const killedAt = new Date().toISOString();
    // Killed from inside (a `docker kill` counts as a manual stop, which no restart policy undoes).
    const exec = await container.exec({ Cmd: ['kill', '-TERM', '1'] });
    // The engine answers with a response stream even when detached; read it to its end so its socket closes.
    const answer = await exec.start({ Detach: true });
    answer.resume();
    await finished(answer);
    await waitFor(
      `${name} to run again`,
      async () => {
        const state = (await fleet.inspect(name)).State;
        return state.Running && state.StartedAt !== first;
      },
      { timeoutMs: 15_000 },
    );
    const starts = await fleet.startCount(name);
    const r = await verifying().resurrect(target(name, killedAt));
    expect(r).toEqual(expect.objectContaining({ outcome: 'already_running', action: 'none', healthStatus: 'none', error: null }));
    expect(r.verification).toContain('came back by itself');
    expect(await fleet.startCount(name)).toBe(starts);
  });

  it('restarts a running container whose health check never decides within the timeout', async () => {
    const name = `${p}undecided`;
    await fleet.create({ name, running: true, health: 'never' });
    const starts = await fleet.startCount(name);
    const r = await new DockerResurrector({ docker, verifyKill: true, healthCheckIntervalMs: 100, healthCheckTimeoutMs: 500, stopGraceSeconds: 2 }).resurrect(
      target(name, new Date().toISOString()),
    );
    expect(r.action).toBe('restart');
    expect(r.verification).toContain('not healthy within the health-check timeout');
    expect(await fleet.startCount(name)).toBeGreaterThan(starts);
  });

  it('honours a narrower kill window', async () => {
    const name = `${p}window`;
    await fleet.create({ name, killed: true });
    const finishedAt = Date.parse((await fleet.inspect(name)).State.FinishedAt);
    const later = new Date(finishedAt + 5_000).toISOString();
    const narrow = new DockerResurrector({ docker, verifyKill: true, killWindowMs: 1_000, stabilityWindowMs: 300 });
    await expect(narrow.resurrect(target(name, later))).resolves.toMatchObject({ outcome: 'not_killed' });
    expect(await fleet.isRunning(name)).toBe(false);
    await expect(verifying().resurrect(target(name, later))).resolves.toMatchObject({ outcome: 'success', action: 'start' });
  });
});
