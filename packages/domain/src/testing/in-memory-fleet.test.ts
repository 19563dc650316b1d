import { InMemoryFleet } from './in-memory-fleet';
import { ManualClock } from './manual-clock';

describe('InMemoryFleet', () => {
  const target = { killId: 'k1', module: 'web', instanceId: 'web-1', killedAt: '2025-03-01T12:00:00.000Z' };

  it('fails with docker_unavailable while down, touching nothing', async () => {
    const fleet = new InMemoryFleet();
    fleet.add({ name: 'web' });
    fleet.down = true;
    await expect(fleet.resurrect(target)).resolves.toMatchObject({ outcome: 'failure', error: 'docker_unavailable' });
    await expect(fleet.health()).resolves.toMatchObject({ status: 'down' });
    expect(fleet.container('web').startCount).toBe(0);
    expect(fleet.attempts).toEqual([target]);
  });

  it('measures time to healthy on its clock', async () => {
    const clock = new ManualClock();
    const fleet = new InMemoryFleet({ clock });
    fleet.add({ name: 'web', health: 'passing', bootMs: 1_500 });
    const resurrecting = fleet.resurrect(target);
    await clock.whenSleeping();
    clock.advance(1_500);
    await expect(resurrecting).resolves.toMatchObject({ outcome: 'success', healthStatus: 'healthy', timeToHealthy: 1.5 });
  });
});
