interface Entry<T> {
  readonly at: number;
  readonly rank: number;
  readonly seq: number;
  readonly event: T;
}

/** A priority queue of timed events: earliest first; equal times by rank, then in the order they were pushed (deterministic). */
export class EventQueue<T> {
  readonly #heap: Entry<T>[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** Adds `event` at time `at`; a lower `rank` goes first among events at the same time. */
  push(at: number, event: T, rank = 1): void {
    this.#heap.push({ at, rank, seq: this.#seq++, event });
    let i = this.#heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the next event with its time, or undefined when empty. */
  pop(): { at: number; event: T } | undefined {
    const top = this.#heap[0];
    const last = this.#heap.pop();
    if (!top || !last) return undefined;
    if (this.#heap.length > 0) {
      this.#heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let first = i;
        if (left < this.#heap.length && this.#before(left, first)) first = left;
        if (right < this.#heap.length && this.#before(right, first)) first = right;
        if (first === i) break;
        this.#swap(i, first);
        i = first;
      }
    }
    return { at: top.at, event: top.event };
  }

  #before(a: number, b: number): boolean {
    const x = this.#heap[a];
    const y = this.#heap[b];
    if (!x || !y) return false;
    if (x.at !== y.at) return x.at < y.at;
    if (x.rank !== y.rank) return x.rank < y.rank;
    return x.seq < y.seq;
  }

  #swap(a: number, b: number): void {
    const x = this.#heap[a];
    const y = this.#heap[b];
    if (!x || !y) return;
    this.#heap[a] = y;
    this.#heap[b] = x;
  }
}
