import type { ThreatContext, ThreatIntel } from '@medic/domain';
import { harnessPool } from './harness-pool';

/** What a ThreatIntel implementation provides to run the shared contract. */
export interface ThreatIntelHarness {
  readonly intel: ThreatIntel;
  /** Module with open high-risk alerts. */
  readonly hotModule: string;
  /** Module without alerts. */
  readonly quietModule: string;
  /** The same adapter pointed at a SIEM that does not answer. */
  readonly unreachable: ThreatIntel;
  cleanup(): Promise<void>;
}

function expectWellFormed(context: ThreatContext): void {
  expect(context.riskScore).toBeGreaterThanOrEqual(0);
  expect(context.riskScore).toBeLessThanOrEqual(1);
  expect(context.openCount).toBeLessThanOrEqual(context.alertCount);
  expect(context.falsePositiveCount).toBeLessThanOrEqual(context.alertCount);
  expect(['deny', 'review', 'allow']).toContain(context.recommendation);
  expect(context.lookbackHours).toBeGreaterThan(0);
}

/** The shared ThreatIntel contract (ARCHITECTURE.md, Ports), run by every implementation's own test file. */
export function threatIntelContract(name: string, makeHarness: () => Promise<ThreatIntelHarness>): void {
  describe(`${name} (ThreatIntel contract)`, () => {
    const open = harnessPool(makeHarness);

    it('answers for a module with open high-risk alerts with a high risk score', async () => {
      const h = await open();
      const lookup = await h.intel.lookup(h.hotModule);
      if (lookup.status !== 'answered') throw new Error(`expected an answer, got ${JSON.stringify(lookup)}`);
      expectWellFormed(lookup.context);
      expect(lookup.context.riskScore).toBeGreaterThanOrEqual(0.7);
      expect(lookup.context.openCount).toBeGreaterThan(0);
    });

    it('answers for a module without alerts with no alerts and a low risk score', async () => {
      const h = await open();
      const lookup = await h.intel.lookup(h.quietModule);
      if (lookup.status !== 'answered') throw new Error(`expected an answer, got ${JSON.stringify(lookup)}`);
      expectWellFormed(lookup.context);
      expect(lookup.context.alertCount).toBe(0);
      expect(lookup.context.riskScore).toBeLessThan(0.2);
    });

    it('reports an unreachable SIEM as unavailable with a reason, never throwing', async () => {
      const h = await open();
      const lookup = await h.unreachable.lookup(h.hotModule);
      expect(lookup.status).toBe('unavailable');
      if (lookup.status === 'unavailable') expect(lookup.reason.length).toBeGreaterThan(0);
      await expect(h.unreachable.health()).resolves.toEqual(expect.objectContaining({ status: 'down' }));
    });

    it('reports health up when the SIEM answers', async () => {
      const h = await open();
      await expect(h.intel.health()).resolves.toEqual(expect.objectContaining({ status: 'up' }));
    });
  });
}
