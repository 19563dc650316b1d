import { EventQueue } from './event-queue';

describe('EventQueue', () => {
  it('hands out events by time, then rank, then the order they were pushed', () => {
    const queue = new EventQueue<string>();
    queue.push(30, 'c');
    queue.push(10, 'a-second');
    queue.push(20, 'b');
    queue.push(10, 'a-third');
    queue.push(10, 'a-first', 0);
    const order: string[] = [];
    for (let next = queue.pop(); next; next = queue.pop()) order.push(`${next.at}:${next.event}`);
    expect(order).toEqual(['10:a-first', '10:a-second', '10:a-third', '20:b', '30:c']);
    expect(queue.size).toBe(0);
  });

  it('pops the earliest pending event every time, however pushes and pops interleave', () => {
    const queue = new EventQueue<number>();
    const pending: number[] = [];
    const popMin = (): number => {
      const min = Math.min(...pending);
      pending.splice(pending.indexOf(min), 1);
      return min;
    };
    for (let i = 0; i < 500; i++) {
      const t = (i * 7919) % 1000;
      queue.push(t, i);
      pending.push(t);
      if (i % 3 === 0) expect(queue.pop()?.at).toBe(popMin());
    }
    while (pending.length > 0) expect(queue.pop()?.at).toBe(popMin());
    expect(queue.pop()).toBeUndefined();
  });
});
