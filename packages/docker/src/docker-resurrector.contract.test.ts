import { resurrectorContract } from '@medic/testkit';
import { connectDocker, TestFleet } from '@medic/test-support';
import { createDockerClient } from './docker-client';
import { DockerResurrector } from './docker-resurrector';

resurrectorContract('DockerResurrector', async () => {
  const docker = await connectDocker();
  const fleet = new TestFleet(docker);
  // The resurrector talks to the engine through the client the agent builds; the fleet is set up with dockerode.
  const options = { docker: createDockerClient(), healthCheckIntervalMs: 100, healthCheckTimeoutMs: 10_000, stabilityWindowMs: 300, stopGraceSeconds: 2 };
  return {
    resurrector: new DockerResurrector(options),
    verifying: new DockerResurrector({ ...options, verifyKill: true }),
    requiringLabel: new DockerResurrector({ ...options, requireLabel: true }),
    now: () => new Date(),
    prefix: fleet.prefix,
    addContainer: async (spec) => {
      await fleet.create(spec);
    },
    isRunning: (name) => fleet.isRunning(name),
    containerId: async (name) => (await fleet.inspect(name)).Id,
    startCount: (name) => fleet.startCount(name),
    cleanup: () => fleet.removeAll(),
  };
});
