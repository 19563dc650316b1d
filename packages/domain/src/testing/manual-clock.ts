import type { Clock } from '../ports';

interface Sleeper {
  readonly until: number;
  readonly resolve: () => void;
}

/** A Clock that only moves when told to: `set` and `advance` wake the sleepers whose time has come. */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];
  #watchers: Array<{ count: number; resolve: () => void }> = [];

  constructor(start: Date | string = '2025-03-01T12:00:00.000Z') {
    this.#now = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#sleepers.push({ until: this.#now + ms, resolve });
      this.#notifyWatchers();
    });
  }

  /** Jumps to `date` (forwards or backwards), waking sleepers whose time has come. */
  set(date: Date | string): void {
    this.#now = new Date(date).getTime();
    this.#wake();
  }

  /** Moves time forward by `ms`, waking sleepers whose time has come, earliest first. */
  advance(ms: number): void {
    this.set(new Date(this.#now + ms));
  }

  /** How many sleeps are pending. */
  get sleeping(): number {
    return this.#sleepers.length;
  }

  /** Resolves once at least `count` sleeps are pending, so a test can advance exactly when the code under test waits. */
  whenSleeping(count = 1): Promise<void> {
    if (this.#sleepers.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#watchers.push({ count, resolve }));
  }

  #wake(): void {
    const due = this.#sleepers.filter((s) => s.until <= this.#now).sort((a, b) => a.until - b.until);
    this.#sleepers = this.#sleepers.filter((s) => s.until > this.#now);
    for (const s of due) s.resolve();
  }

  #notifyWatchers(): void {
    const ready = this.#watchers.filter((w) => this.#sleepers.length >= w.count);
    this.#watchers = this.#watchers.filter((w) => this.#sleepers.length < w.count);
    for (const w of ready) w.resolve();
  }
}
