import type { DependencyStatus, ThreatContext, ThreatLookup } from '../model';
import type { Clock, ThreatIntel } from '../ports';
import { QUIET_CONTEXT } from './fixtures';

export interface StaticThreatIntelOptions {
  /** The answer per module. */
  readonly answers?: Readonly<Record<string, ThreatContext>>;
  /** The answer for modules not in `answers`; default: no alerts. */
  readonly fallback?: ThreatContext;
  /** When set, every lookup is unavailable with this reason and health is down. */
  readonly unavailable?: string;
  /** Delays every lookup by `ms` of `clock`, to model a slow SIEM. */
  readonly delay?: { readonly clock: Clock; readonly ms: number };
}

/** ThreatIntel with canned answers per module. */
export class StaticThreatIntel implements ThreatIntel {
  /** Modules looked up, in order. */
  readonly lookups: string[] = [];

  constructor(private readonly options: StaticThreatIntelOptions = {}) {}

  async lookup(module: string): Promise<ThreatLookup> {
    this.lookups.push(module);
    const { delay, unavailable, answers, fallback } = this.options;
    if (delay) await delay.clock.sleep(delay.ms);
    if (unavailable !== undefined) return { status: 'unavailable', reason: unavailable };
    const own = answers && Object.hasOwn(answers, module) ? answers[module] : undefined;
    return { status: 'answered', context: own ?? fallback ?? QUIET_CONTEXT };
  }

  async health(): Promise<DependencyStatus> {
    return this.options.unavailable === undefined ? { status: 'up' } : { status: 'down', detail: this.options.unavailable };
  }
}
