import { InMemoryKillSource, InMemoryStream } from './in-memory-kill-source';
import { ManualClock } from './manual-clock';

describe('InMemoryKillSource', () => {
  it('stamps ids as <ms>-<seq> from the stream clock', () => {
    const clock = new ManualClock('2025-03-01T12:00:00.000Z');
    const stream = new InMemoryStream(clock);
    const ms = clock.now().getTime();
    expect([stream.publish({ n: '1' }), stream.publish({ n: '2' })]).toEqual([`${ms}-0`, `${ms}-1`]);
    clock.advance(1);
    expect(stream.publish({ n: '3' })).toBe(`${ms + 1}-0`);
  });

  it('hands each entry to one consumer and claims entries idle at a dead consumer', async () => {
    const clock = new ManualClock();
    const stream = new InMemoryStream(clock);
    const dead = new InMemoryKillSource(stream, { consumer: 'dead' });
    const alive = new InMemoryKillSource(stream, { consumer: 'alive', claimIdleMs: 60_000 });
    const id = stream.publish({ n: '1' });
    expect((await dead.receive(10)).map((d) => d.id)).toEqual([id]);
    expect(await alive.receive(10)).toEqual([]);
    clock.advance(60_000);
    expect((await alive.receive(10)).map((d) => d.id)).toEqual([id]);
    expect(stream.pendingIds('alive')).toEqual([id]);
    await alive.ack([id]);
    expect(stream.acked).toEqual([id]);
    expect(stream.pendingIds()).toEqual([]);
  });

  it('wakes a waiting read when an entry is published', async () => {
    const clock = new ManualClock();
    const stream = new InMemoryStream(clock);
    const source = new InMemoryKillSource(stream, { clock, blockMs: 60_000 });
    const reading = source.receive(10);
    await clock.whenSleeping();
    const id = source.publish({ n: '1' });
    expect((await reading).map((d) => d.id)).toEqual([id]);
  });

  it('fails every call and reports down while the stream is down', async () => {
    const stream = new InMemoryStream();
    const source = new InMemoryKillSource(stream);
    stream.down = true;
    await expect(source.receive(1)).rejects.toMatchObject({ code: 'source_unavailable' });
    await expect(source.ack(['0-1'])).rejects.toMatchObject({ code: 'source_unavailable' });
    await expect(source.health()).resolves.toMatchObject({ status: 'down' });
    stream.down = false;
    await expect(source.health()).resolves.toEqual({ status: 'up' });
  });
});
