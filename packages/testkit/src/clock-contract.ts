import type { Clock } from '@medic/domain';

/** What a Clock implementation provides to run the shared contract. */
export interface ClockHarness {
  readonly clock: Clock;
  /** Lets `ms` of this clock's time pass (a real clock simply waits). */
  advance(ms: number): Promise<void>;
}

/** The shared Clock contract, run by every implementation's own test file. */
export function clockContract(name: string, makeHarness: () => Promise<ClockHarness>): void {
  describe(`${name} (Clock contract)`, () => {
    it('moves now() forward as time passes', async () => {
      const h = await makeHarness();
      const before = h.clock.now().getTime();
      await h.advance(50);
      expect(h.clock.now().getTime() - before).toBeGreaterThanOrEqual(50);
    });

    it('hands out a fresh Date each time', async () => {
      const h = await makeHarness();
      const first = h.clock.now();
      const at = first.getTime();
      first.setTime(0);
      expect(h.clock.now().getTime()).toBeGreaterThanOrEqual(at);
    });

    it('resolves sleep once its time has passed, not before', async () => {
      const h = await makeHarness();
      const start = h.clock.now().getTime();
      let wokeAt: number | null = null;
      const sleeping = h.clock.sleep(20).then(() => {
        wokeAt = h.clock.now().getTime();
      });
      await h.advance(20);
      await sleeping;
      expect(wokeAt).not.toBeNull();
      // Real timers may fire a millisecond or so early against the wall clock.
      expect((wokeAt ?? start) - start).toBeGreaterThanOrEqual(18);
    });

    it('resolves sleep(0)', async () => {
      const h = await makeHarness();
      await expect(h.clock.sleep(0)).resolves.toBeUndefined();
    });
  });
}
