import { resurrectorContract } from '@medic/domain/testing';
import { DockerResurrector } from './docker-resurrector';
import { requireDockerAndImage, testDocker, TestFleet } from './test-support';

const docker = testDocker();

resurrectorContract('DockerResurrector', async () => {
  await requireDockerAndImage(docker);
  const fleet = new TestFleet(docker);
  const options = { docker, healthCheckIntervalMs: 100, healthCheckTimeoutMs: 10_000, stabilityWindowMs: 300, stopGraceSeconds: 2 };
  return {
    resurrector: new DockerResurrector(options),
    verifying: new DockerResurrector({ ...options, verifyKill: true }),
    now: () => new Date(),
    prefix: fleet.prefix,
    addContainer: async (spec) => {
      await fleet.create(spec);
    },
    isRunning: (name) => fleet.isRunning(name),
    startCount: (name) => fleet.startCount(name),
    cleanup: () => fleet.removeAll(),
  };
});
