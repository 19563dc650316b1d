import { MedicError } from '@medic/domain';
import { createDockerClient, DEFAULT_DOCKER_SOCKET, parseDockerHost } from './docker-client';

describe('parseDockerHost', () => {
  it('uses the default socket when DOCKER_HOST is unset or empty', () => {
    expect(parseDockerHost(undefined, {})).toEqual({ ok: true, value: { kind: 'socket', socketPath: DEFAULT_DOCKER_SOCKET } });
    expect(parseDockerHost('', {})).toEqual({ ok: true, value: { kind: 'socket', socketPath: DEFAULT_DOCKER_SOCKET } });
  });

  it('reads a unix socket path', () => {
    expect(parseDockerHost('unix:///run/user/1000/docker.sock', {})).toEqual({ ok: true, value: { kind: 'socket', socketPath: '/run/user/1000/docker.sock' } });
    expect(parseDockerHost('unix://', {})).toEqual({ ok: true, value: { kind: 'socket', socketPath: DEFAULT_DOCKER_SOCKET } });
  });

  it('reads tcp hosts, with TLS on port 2376, for https:// or when DOCKER_TLS_VERIFY=1', () => {
    expect(parseDockerHost('tcp://127.0.0.1:2375', {})).toEqual({ ok: true, value: { kind: 'tcp', host: '127.0.0.1', port: 2375, tls: false } });
    expect(parseDockerHost('127.0.0.1:2375', {})).toEqual({ ok: true, value: { kind: 'tcp', host: '127.0.0.1', port: 2375, tls: false } });
    expect(parseDockerHost('tcp://docker.internal:2376', {})).toEqual({ ok: true, value: { kind: 'tcp', host: 'docker.internal', port: 2376, tls: true } });
    expect(parseDockerHost('tcp://[::1]:2375', { DOCKER_TLS_VERIFY: '1' })).toEqual({ ok: true, value: { kind: 'tcp', host: '::1', port: 2375, tls: true } });
    expect(parseDockerHost('https://docker.internal', {})).toEqual({ ok: true, value: { kind: 'tcp', host: 'docker.internal', port: 2376, tls: true } });
  });

  it('rejects schemes and values it cannot use, saying what it expects', () => {
    const ssh = parseDockerHost('ssh://user@host', {});
    expect(ssh.ok).toBe(false);
    if (!ssh.ok) expect(ssh.error).toContain('unix://');
    expect(parseDockerHost('tcp://', {}).ok).toBe(false);
  });
});

describe('createDockerClient', () => {
  it('throws MedicError invalid_docker_host for an unusable DOCKER_HOST', () => {
    expect(() => createDockerClient('ssh://user@host')).toThrow(MedicError);
    expect(() => createDockerClient('ssh://user@host')).toThrow(expect.objectContaining({ code: 'invalid_docker_host' }));
  });
});
