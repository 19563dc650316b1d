import { MedicError } from '../errors';
import type { DependencyStatus } from '../model';
import type { Clock, DeadLetter, Delivery, KillSource } from '../ports';

interface StreamEntry {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
  /** The stream clock's time at publish (absent without a clock). */
  readonly enqueuedAt?: string;
}

interface PendingEntry {
  consumer: string;
  /** Clock time (ms) of the last delivery, for claiming from dead consumers. */
  deliveredAt: number;
}

/** A stream with one consumer group, shared by every InMemoryKillSource over it, so a restart with the same consumer can be modelled. */
export class InMemoryStream {
  readonly entries: StreamEntry[] = [];
  /** The dead-letter stream: original fields plus `reason` and `original_id`. */
  readonly deadLetters: StreamEntry[] = [];
  /** Ids acknowledged, in order. */
  readonly acked: string[] = [];
  /** While true, every source call fails as if the broker were gone. */
  down = false;
  readonly #pending = new Map<string, PendingEntry>();
  #cursor = 0;
  #lastMs = 0;
  #seq = 0;
  readonly #listeners = new Set<() => void>();

  /** `clock` stamps entry ids ("<ms>-<seq>") and delivery times; without one, ids count from 0 and nothing is ever idle. */
  constructor(private readonly clock?: Clock) {}

  /** Appends an entry and wakes waiting readers; returns its id. */
  publish(fields: Readonly<Record<string, string>>): string {
    const id = this.#nextId();
    this.entries.push({ id, fields: { ...fields }, ...(this.clock ? { enqueuedAt: this.clock.now().toISOString() } : {}) });
    for (const listener of [...this.#listeners]) listener();
    return id;
  }

  /** Ids delivered but not yet acknowledged, optionally only those of one consumer, in stream order. */
  pendingIds(consumer?: string): string[] {
    return this.entries.filter((e) => {
      const p = this.#pending.get(e.id);
      return p !== undefined && (consumer === undefined || p.consumer === consumer);
    }).map((e) => e.id);
  }

  /** @internal Own pending entries (not in `skip`), entries idle at other consumers for `claimIdleMs`, then new ones; at most `max`. */
  take(consumer: string, max: number, skip: ReadonlySet<string>, claimIdleMs: number | undefined): StreamEntry[] {
    const now = this.#time();
    const out: StreamEntry[] = [];
    const deliver = (e: StreamEntry): void => {
      this.#pending.set(e.id, { consumer, deliveredAt: now });
      out.push(e);
    };
    for (const e of this.entries) {
      if (out.length >= max) return out;
      const p = this.#pending.get(e.id);
      if (p?.consumer === consumer && !skip.has(e.id)) deliver(e);
    }
    if (claimIdleMs !== undefined && this.clock) {
      for (const e of this.entries) {
        if (out.length >= max) return out;
        const p = this.#pending.get(e.id);
        if (p && p.consumer !== consumer && now - p.deliveredAt >= claimIdleMs) deliver(e);
      }
    }
    while (out.length < max && this.#cursor < this.entries.length) {
      const e = this.entries[this.#cursor++];
      if (e) deliver(e);
    }
    return out;
  }

  /** @internal Acknowledges pending ids; unknown or already acknowledged ids are ignored, as XACK does. */
  ack(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.#pending.delete(id)) this.acked.push(id);
    }
  }

  /** @internal Copies the dead letters to the dead-letter stream, then acknowledges them and `ids`. */
  settle(ids: readonly string[], deadLetters: readonly DeadLetter[]): void {
    for (const { delivery, reason } of deadLetters) {
      this.deadLetters.push({ id: this.#nextId(), fields: { ...delivery.fields, reason, original_id: delivery.id } });
    }
    this.ack([...ids, ...deadLetters.map((d) => d.delivery.id)]);
  }

  /** @internal Calls `listener` on the next publish; returns the unsubscribe function. */
  onPublish(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #time(): number {
    return this.clock?.now().getTime() ?? 0;
  }

  #nextId(): string {
    const ms = this.#time();
    if (ms > this.#lastMs) {
      this.#lastMs = ms;
      this.#seq = 0;
    } else {
      this.#seq += 1;
    }
    return `${this.#lastMs}-${this.#seq}`;
  }
}

export interface InMemoryKillSourceOptions {
  /** Consumer name; a new source with the same name resumes its pending entries. Default "medic-1". */
  readonly consumer?: string;
  /** With `blockMs` > 0: an empty read waits up to `blockMs` of this clock for a publish, as XREADGROUP BLOCK does. */
  readonly clock?: Clock;
  /** How long an empty read waits; 0 (default) returns [] at once, so a polling loop must sleep between empty reads. */
  readonly blockMs?: number;
  /** Entries idle this long at another consumer are claimed (needs the stream's clock). */
  readonly claimIdleMs?: number;
}

/** KillSource over an InMemoryStream. */
export class InMemoryKillSource implements KillSource {
  readonly consumer: string;
  readonly #handedOut = new Set<string>();
  readonly #wakers = new Set<() => void>();
  #closed = false;

  constructor(
    readonly stream: InMemoryStream,
    private readonly options: InMemoryKillSourceOptions = {},
  ) {
    this.consumer = options.consumer ?? 'medic-1';
  }

  /** Appends an entry to the underlying stream; returns its id. */
  publish(fields: Readonly<Record<string, string>>): string {
    return this.stream.publish(fields);
  }

  /** Nothing to connect to; a stream that is down is only unreachable for now. */
  async open(): Promise<void> {}

  async receive(max: number): Promise<Delivery[]> {
    this.#ensureUp();
    if (this.#closed) return [];
    let batch = this.#take(max);
    const { clock, blockMs = 0 } = this.options;
    if (batch.length === 0 && clock && blockMs > 0) {
      await this.#waitForPublish(clock, blockMs);
      if (this.#closed) return [];
      this.#ensureUp();
      batch = this.#take(max);
    }
    return batch;
  }

  async ack(ids: readonly string[], deadLetters: readonly DeadLetter[] = []): Promise<void> {
    this.#ensureUp();
    this.stream.settle(ids, deadLetters);
  }

  async health(): Promise<DependencyStatus> {
    if (this.#closed) return { status: 'down', detail: 'closed' };
    return this.stream.down ? { status: 'down', detail: 'in-memory stream is down' } : { status: 'up' };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of [...this.#wakers]) wake();
  }

  #take(max: number): Delivery[] {
    const entries = this.stream.take(this.consumer, max, this.#handedOut, this.options.claimIdleMs);
    for (const e of entries) this.#handedOut.add(e.id);
    return entries.map((e) => ({ id: e.id, fields: { ...e.fields }, ...(e.enqueuedAt ? { enqueuedAt: e.enqueuedAt } : {}) }));
  }

  #waitForPublish(clock: Clock, blockMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        unsubscribe();
        this.#wakers.delete(wake);
        resolve();
      };
      const unsubscribe = this.stream.onPublish(wake);
      this.#wakers.add(wake);
      void clock.sleep(blockMs).then(wake);
    });
  }

  #ensureUp(): void {
    if (this.stream.down) throw new MedicError('source_unavailable', 'in-memory stream is down');
  }
}
