import { HOT_CONTEXT } from './fixtures';
import { ManualClock } from './manual-clock';
import { StaticThreatIntel } from './static-threat-intel';

describe('StaticThreatIntel', () => {
  it('answers only after its delay on the given clock', async () => {
    const clock = new ManualClock();
    const intel = new StaticThreatIntel({ delay: { clock, ms: 5_000 } });
    let answered = false;
    const lookup = intel.lookup('web').then((l) => {
      answered = true;
      return l;
    });
    await clock.whenSleeping();
    clock.advance(4_999);
    await Promise.resolve();
    expect(answered).toBe(false);
    clock.advance(1);
    await expect(lookup).resolves.toMatchObject({ status: 'answered' });
    expect(intel.lookups).toEqual(['web']);
  });

  it('does not mistake inherited object keys for module answers', async () => {
    const intel = new StaticThreatIntel({ answers: { payments: HOT_CONTEXT } });
    await expect(intel.lookup('constructor')).resolves.toMatchObject({ status: 'answered', context: { alertCount: 0 } });
  });
});
