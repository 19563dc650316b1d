import type { SignalModel } from './signal-model';
import type { Calibration, Decision, KillReportRejection, OutcomeRecord, ResurrectionResult, ThreatLookup } from './model';

/** What the core reports while it works; the agent turns these into log lines carrying kill_id. */
export type DomainEvent =
  | { readonly type: 'rejected'; readonly deliveryId: string; readonly killId: string | null; readonly rejection: KillReportRejection }
  | { readonly type: 'duplicate'; readonly killId: string; readonly state: OutcomeRecord['state'] }
  | { readonly type: 're_killed'; readonly killId: string; readonly previousKillId: string }
  | { readonly type: 'threat_intel'; readonly killId: string; readonly lookup: ThreatLookup }
  | { readonly type: 'decided'; readonly killId: string; readonly module: string; readonly decision: Decision; readonly executing: boolean }
  /** The kill waits until the resurrection of its module in flight is over, and is decided then. */
  | { readonly type: 'waiting'; readonly killId: string; readonly module: string }
  | { readonly type: 'resurrecting'; readonly killId: string; readonly module: string; readonly resumed: boolean }
  /** The engine was unreachable; the resurrection is tried again after `delayMs`. */
  | { readonly type: 'resurrection_retry'; readonly killId: string; readonly module: string; readonly attempt: number; readonly delayMs: number; readonly reason: string }
  | { readonly type: 'resurrected'; readonly killId: string; readonly module: string; readonly result: ResurrectionResult }
  /** A container label with a value Medic cannot use was ignored; `warning` names the container and the label. */
  | { readonly type: 'label_ignored'; readonly killId: string; readonly module: string; readonly warning: string }
  /**
   * Just before an automatic resurrection, a container label changed the decision's inputs and the decision made again is no
   * longer approve_auto: nothing is restarted, the record now holds `decision`.
   */
  | { readonly type: 'redecided'; readonly killId: string; readonly module: string; readonly decision: Decision; readonly because: string }
  /** A resurrection left unfinished at shutdown: its record stays executing and its delivery pending, to be re-checked on restart. */
  | { readonly type: 'abandoned'; readonly killId: string; readonly module: string }
  /**
   * A store or source call outside a batch failed: deciding kills that waited for their module, storing a resurrection's
   * outcome, or acknowledging it; `retrying` says whether it is tried again.
   */
  | { readonly type: 'background_error'; readonly killId: string; readonly stage: 'decide' | 'complete' | 'ack'; readonly message: string; readonly retrying: boolean }
  | { readonly type: 'approved'; readonly killId: string; readonly approvedBy: string }
  | { readonly type: 'rejected_by_operator'; readonly killId: string; readonly rejectedBy: string }
  | { readonly type: 'calibrated'; readonly calibration: Calibration }
  /** The signals were relearnt from the kills since `since`; model null: no kill in that window yet, the configured weighted mean decides. */
  | { readonly type: 'signals_learned'; readonly since: string; readonly model: SignalModel | null };

/** Receives domain events; must not throw. */
export type EventSink = (event: DomainEvent) => void;
