import { HOT_CONTEXT, QUIET_CONTEXT } from '@medic/domain/testing';
import { threatIntelContract } from '@medic/testkit';
import { SimulatedThreatIntel } from './threat-intel';

threatIntelContract('SimulatedThreatIntel', async () => {
  const intel = new SimulatedThreatIntel();
  intel.set('hot', HOT_CONTEXT);
  intel.set('quiet', QUIET_CONTEXT);
  return { intel, hotModule: 'hot', quietModule: 'quiet', unreachable: new SimulatedThreatIntel('SIEM switched off'), cleanup: async () => {} };
});

describe('SimulatedThreatIntel', () => {
  it("answers with the module's latest drawn alerts, and no alerts for a module it never heard of", async () => {
    const intel = new SimulatedThreatIntel();
    intel.set('web', QUIET_CONTEXT);
    intel.set('web', HOT_CONTEXT);
    await expect(intel.lookup('web')).resolves.toEqual({ status: 'answered', context: HOT_CONTEXT });
    await expect(intel.lookup('db')).resolves.toMatchObject({ status: 'answered', context: { alertCount: 0 } });
  });
});
