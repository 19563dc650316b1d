import type { DomainEvent } from '../events';
import type { KillReport } from '../model';
import type { PolicyConfig } from '../policy';
import { DEFAULT_POLICY } from '../policy';
import type { Delivery } from '../ports';
import { CalibratedCeiling } from '../use-cases/ceiling';
import { LearnedSignalModel } from '../use-cases/learned-signals';
import { DEFAULT_RESURRECTION } from '../use-cases/core';
import type { MedicCore } from '../use-cases/core';
import { KillPipeline } from '../use-cases/kill-pipeline';
import { killEntryFields } from './fixtures';
import { InMemoryFleet } from './in-memory-fleet';
import { InMemoryKillSource, InMemoryStream } from './in-memory-kill-source';
import { InMemoryOutcomeRepo } from './in-memory-outcome-repo';
import { ManualClock } from './manual-clock';

/** DEFAULT_POLICY with auto-approve on as in config/demo.yaml, so the demo report is approve_auto. */
export const AUTO_APPROVE_POLICY: PolicyConfig = {
  ...DEFAULT_POLICY,
  autoApprove: { enabled: true, minConfidence: 0.6, maxScore: 0.4 },
};

/** A MedicCore wired to in-memory adapters, plus handles on each of them. */
export interface TestCore {
  readonly core: MedicCore;
  readonly clock: ManualClock;
  readonly stream: InMemoryStream;
  readonly source: InMemoryKillSource;
  readonly repo: InMemoryOutcomeRepo;
  readonly fleet: InMemoryFleet;
  /** A pipeline over the core, as the agent keeps one. */
  readonly pipeline: KillPipeline;
  /** Every event the core emitted, in order. */
  readonly events: DomainEvent[];
  /** Publishes a kill report (or raw fields) and returns it as the source delivers it. */
  deliver(report?: Partial<KillReport> | Record<string, string>, options?: { raw?: boolean }): Promise<Delivery>;
}

/** What createTestCore accepts: settings of the core, and in-memory adapters to use instead of fresh ones. */
export interface TestCoreOptions extends Partial<Pick<MedicCore, 'mode' | 'policy' | 'threatIntel' | 'resurrection' | 'approvalTtlMinutes' | 'newId' | 'signing' | 'notificationRoutes'>> {
  readonly clock?: ManualClock;
  readonly repo?: InMemoryOutcomeRepo;
  readonly fleet?: InMemoryFleet;
}

/** Builds a live-mode core over in-memory adapters (threat intel disabled, AUTO_APPROVE_POLICY, ids "id-<n>"). */
export function createTestCore(options: TestCoreOptions = {}): TestCore {
  const clock = options.clock ?? new ManualClock();
  const stream = new InMemoryStream(clock);
  const source = new InMemoryKillSource(stream);
  const repo = options.repo ?? new InMemoryOutcomeRepo();
  const fleet = options.fleet ?? new InMemoryFleet({ clock });
  const events: DomainEvent[] = [];
  let ids = 0;
  const policy = options.policy ?? AUTO_APPROVE_POLICY;
  const core: MedicCore = {
    source,
    repo,
    resurrector: fleet,
    threatIntel: options.threatIntel ?? null,
    clock,
    newId: options.newId ?? (() => `id-${++ids}`),
    policy,
    mode: options.mode ?? 'live',
    resurrection: options.resurrection ?? DEFAULT_RESURRECTION,
    approvalTtlMinutes: options.approvalTtlMinutes ?? 60,
    ceiling: new CalibratedCeiling(policy.autoApprove.maxScore),
    learned: new LearnedSignalModel(),
    onEvent: (event) => events.push(event),
    ...(options.signing ? { signing: options.signing } : {}),
    ...(options.notificationRoutes ? { notificationRoutes: options.notificationRoutes } : {}),
  };
  const deliver = async (report: Partial<KillReport> | Record<string, string> = {}, options: { raw?: boolean } = {}): Promise<Delivery> => {
    const fields = options.raw ? (report as Record<string, string>) : killEntryFields(report as Partial<KillReport>);
    const id = stream.publish(fields);
    const [delivery] = await source.receive(1);
    if (delivery?.id !== id) throw new Error(`expected delivery ${id}, got ${delivery?.id ?? 'nothing'}`);
    return delivery;
  };
  return { core, clock, stream, source, repo, fleet, pipeline: new KillPipeline(core), events, deliver };
}
