import { clockContract } from '@medic/testkit';
import { sleep } from '@medic/test-support';
import { SystemClock } from './system-clock';

/** Lets at least `ms` of wall-clock time pass: a timer may fire a millisecond early against Date.now(). */
async function wallClockAdvance(ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) await sleep(until - Date.now());
}

clockContract('SystemClock', async () => ({ clock: new SystemClock(), advance: wallClockAdvance }));
