// Every contract against its framework-free double of @medic/domain/testing: the reference the real adapters are held to.
import type { Clock } from '@medic/domain';
import { HOT_CONTEXT, InMemoryFleet, InMemoryKillSource, InMemoryOutcomeRepo, InMemoryStream, ManualClock, StaticThreatIntel } from '@medic/domain/testing';
import { sleep } from '@medic/test-support';
import { clockContract } from './clock-contract';
import { killSourceContract } from './kill-source-contract';
import { notificationOutboxContract } from './notification-outbox-contract';
import { outcomeRepoContract } from './outcome-repo-contract';
import { resurrectorContract } from './resurrector-contract';
import { threatIntelContract } from './threat-intel-contract';

clockContract('ManualClock', async () => {
  const clock = new ManualClock();
  return { clock, advance: async (ms) => clock.advance(ms) };
});

/** Real time, so an empty read really waits (blockMs) like XREADGROUP BLOCK. */
const wallClock: Clock = { now: () => new Date(), sleep };

killSourceContract('InMemoryKillSource', async () => {
  const stream = new InMemoryStream(wallClock);
  const sources: InMemoryKillSource[] = [];
  const open = (): InMemoryKillSource => {
    const s = new InMemoryKillSource(stream, { consumer: 'medic-a', clock: wallClock, blockMs: 100 });
    sources.push(s);
    return s;
  };
  return {
    source: open(),
    publish: async (fields) => stream.publish(fields),
    deadLetters: async () => stream.deadLetters.map((e) => ({ id: e.id, fields: { ...e.fields } })),
    reopen: async () => open(),
    cleanup: async () => {
      for (const s of sources) await s.close();
    },
  };
});

resurrectorContract('InMemoryFleet', async () => {
  const clock = new ManualClock();
  const fleet = new InMemoryFleet({ clock });
  return {
    resurrector: fleet,
    verifying: fleet.withOptions({ verifyKill: true }),
    requiringLabel: fleet.withOptions({ requireLabel: true }),
    now: () => clock.now(),
    prefix: 'medic-test-',
    addContainer: async ({ killed, ...spec }) => {
      fleet.add(spec);
      if (killed) {
        fleet.container(spec.name).startedAt = clock.now().getTime();
        fleet.kill(spec.name);
      }
    },
    isRunning: async (name) => fleet.container(name).running,
    containerId: async (name) => fleet.container(name).id,
    startCount: async (name) => fleet.container(name).startCount,
    cleanup: async () => {},
  };
});

outcomeRepoContract('InMemoryOutcomeRepo', async () => {
  const repo = new InMemoryOutcomeRepo();
  return { repo, cleanup: () => repo.close() };
});

notificationOutboxContract('InMemoryOutcomeRepo', async () => {
  const repo = new InMemoryOutcomeRepo();
  return { repo, outbox: repo.outbox, cleanup: () => repo.close() };
});

threatIntelContract('StaticThreatIntel', async () => ({
  intel: new StaticThreatIntel({ answers: { payments: HOT_CONTEXT } }),
  hotModule: 'payments',
  quietModule: 'web',
  unreachable: new StaticThreatIntel({ unavailable: 'connect ECONNREFUSED 127.0.0.1:9200' }),
  cleanup: async () => {},
}));
