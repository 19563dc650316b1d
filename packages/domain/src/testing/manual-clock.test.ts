import { ManualClock } from './manual-clock';

describe('ManualClock', () => {
  it('wakes sleepers in deadline order, only once their time has come', async () => {
    const clock = new ManualClock('2025-01-01T00:00:00.000Z');
    const woke: string[] = [];
    const late = clock.sleep(200).then(() => woke.push('late'));
    const early = clock.sleep(100).then(() => woke.push('early'));
    expect(clock.sleeping).toBe(2);
    clock.advance(99);
    await Promise.resolve();
    expect(woke).toEqual([]);
    clock.advance(150);
    await Promise.all([late, early]);
    expect(woke).toEqual(['early', 'late']);
    expect(clock.now().toISOString()).toBe('2025-01-01T00:00:00.249Z');
  });

  it('set() jumps to an instant and wakes the sleepers it passes', async () => {
    const clock = new ManualClock('2025-01-01T00:00:00.000Z');
    const sleeping = clock.sleep(60_000);
    clock.set('2025-01-01T01:00:00.000Z');
    await sleeping;
    expect(clock.sleeping).toBe(0);
    expect(clock.now().toISOString()).toBe('2025-01-01T01:00:00.000Z');
  });

  it('whenSleeping resolves once the code under test waits', async () => {
    const clock = new ManualClock();
    let waiting = false;
    const watcher = clock.whenSleeping().then(() => {
      waiting = true;
    });
    await Promise.resolve();
    expect(waiting).toBe(false);
    void clock.sleep(10);
    await watcher;
    expect(waiting).toBe(true);
  });
});
