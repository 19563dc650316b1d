import type { Clock } from '@medic/domain';

/** The real clock. */
export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // unref: a pending sleep (e.g. a threat-intel time limit) never keeps the process alive.
      setTimeout(resolve, ms).unref();
    });
  }
}
