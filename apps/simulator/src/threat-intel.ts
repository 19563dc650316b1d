import type { DependencyStatus, ThreatContext, ThreatLookup, ThreatIntel } from '@medic/domain';

/** What the simulated SIEM says about a module it has no alert for. */
const NO_ALERTS: ThreatContext = {
  riskScore: 0.02,
  alertCount: 0,
  openCount: 0,
  falsePositiveCount: 0,
  indicators: [],
  recommendation: 'allow',
  lookbackHours: 24,
};

/** ThreatIntel answering for each module from the alerts the simulator drew for its latest kill. */
export class SimulatedThreatIntel implements ThreatIntel {
  readonly #contexts = new Map<string, ThreatContext>();

  /** `unavailable`: every lookup is unavailable with this reason and health is down, as an unreachable SIEM. */
  constructor(private readonly unavailable?: string) {}

  /** What the SIEM answers for `module` from now on. */
  set(module: string, context: ThreatContext): void {
    this.#contexts.set(module, context);
  }

  async lookup(module: string): Promise<ThreatLookup> {
    if (this.unavailable !== undefined) return { status: 'unavailable', reason: this.unavailable };
    return { status: 'answered', context: this.#contexts.get(module) ?? NO_ALERTS };
  }

  async health(): Promise<DependencyStatus> {
    return this.unavailable === undefined ? { status: 'up' } : { status: 'down', detail: this.unavailable };
  }
}
