import type { DockerClient, DockerContainerDetails } from './docker-client';
import { DockerResurrector } from './docker-resurrector';

// The engine cannot be made to fail on cue, so these drive the error mapping with a scripted client.

const exited: DockerContainerDetails = {
  Id: 'c0ffee',
  Name: '/app',
  State: { Status: 'exited', Running: false, Restarting: false, ExitCode: 0, StartedAt: '2026-01-01T00:00:00Z' },
  Config: { Labels: null, Healthcheck: null },
};

const scripted = (overrides: { inspect?: () => Promise<DockerContainerDetails> }): DockerClient => ({
  ping: async () => 'OK',
  listContainers: async () => [{ Id: exited.Id, Names: ['/app'], Labels: null }],
  getContainer: () => ({
    inspect: overrides.inspect ?? (async () => exited),
    start: async () => undefined,
    restart: async () => undefined,
    stop: async () => undefined,
  }),
});

const target = { killId: 'k1', module: 'app', instanceId: 'app', killedAt: '2025-03-01T12:00:00Z' };

describe('DockerResurrector error mapping', () => {
  it('maps the engine going away mid-resurrection to docker_unavailable, keeping what was done', async () => {
    let calls = 0;
    const inspect = async (): Promise<DockerContainerDetails> => {
      calls += 1;
      if (calls === 1) return exited;
      throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    };
    const r = await new DockerResurrector({ docker: scripted({ inspect }) }).resurrect(target);
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', action: 'start', containerId: 'c0ffee', error: 'docker_unavailable' }));
  });

  it('maps a container removed mid-resurrection to container_not_found', async () => {
    let calls = 0;
    const inspect = async (): Promise<DockerContainerDetails> => {
      calls += 1;
      if (calls === 1) return exited;
      throw Object.assign(new Error('(HTTP code 404) no such container'), { statusCode: 404 });
    };
    const r = await new DockerResurrector({ docker: scripted({ inspect }) }).resurrect(target);
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', error: 'container_not_found' }));
  });

  it('never throws past the port, whatever the client throws', async () => {
    const inspect = async (): Promise<never> => {
      throw new TypeError('something unexpected');
    };
    const r = await new DockerResurrector({ docker: scripted({ inspect }) }).resurrect(target);
    expect(r).toEqual(expect.objectContaining({ outcome: 'failure', action: 'none', error: 'start_failed' }));
    expect(r.message).toContain('something unexpected');
  });
});
