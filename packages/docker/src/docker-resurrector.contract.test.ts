import { resurrectorContract } from '@medic/testkit';
import { connectDocker, TestFleet } from '@medic/test-support';
import { DockerResurrector } from './docker-resurrector';

resurrectorContract('DockerResurrector', async () => {
  const docker = await connectDocker();
  const fleet = new TestFleet(docker);
  const options = { docker, healthCheckIntervalMs: 100, healthCheckTimeoutMs: 10_000, stabilityWindowMs: 300, stopGraceSeconds: 2 };
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
