import type { EventSink } from '../events';
import type { Mode } from '../model';
import type { NotificationRoutes } from '../notifications';
import type { PolicyConfig } from '../policy';
import type { Clock, IdGenerator, KillSource, OutcomeRepo, Resurrector, ThreatIntel } from '../ports';
import type { SigningPolicy } from '../report-signature';
import type { CalibratedCeiling } from './ceiling';
import type { LearnedSignalModel } from './learned-signals';

/** How resurrections run: how many at once, and how long an unreachable engine is retried. */
export interface ResurrectionSettings {
  /** Resurrections running at once (at most one per module). */
  readonly concurrency: number;
  /** An engine outage during a resurrection is retried until this long after the resurrection began; then it is a failure. */
  readonly retryDeadlineSeconds: number;
}

export const DEFAULT_RESURRECTION: ResurrectionSettings = { concurrency: 8, retryDeadlineSeconds: 300 };

/**
 * Everything the use cases together work with: the ports, the policy and the few settings that are not policy. A
 * composition root builds one; each use case declares the slice it takes (PipelineDeps, VerdictDeps, CalibrationDeps).
 */
export interface MedicCore {
  readonly source: KillSource;
  readonly repo: OutcomeRepo;
  readonly resurrector: Resurrector;
  /** null: threat intel is disabled. */
  readonly threatIntel: ThreatIntel | null;
  readonly clock: Clock;
  readonly newId: IdGenerator;
  readonly policy: PolicyConfig;
  readonly mode: Mode;
  readonly resurrection: ResurrectionSettings;
  /** How long a pending_review kill can be approved. */
  readonly approvalTtlMinutes: number;
  /** The auto-approve ceiling: calibration moves it, deciding and the API read it. */
  readonly ceiling: CalibratedCeiling;
  /** What Medic learnt about the signals: relearnt at every calibration, read by deciding. */
  readonly learned: LearnedSignalModel;
  readonly onEvent: EventSink;
  /** Signed kill reports (smith.signing); absent: signatures are not checked. */
  readonly signing?: SigningPolicy;
  /** Webhooks by the events they want (notify.webhooks); absent or empty: no notification is queued. */
  readonly notificationRoutes?: NotificationRoutes;
}
