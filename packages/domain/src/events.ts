import type { Calibration, Decision, KillReportRejection, OutcomeRecord, ResurrectionResult, ThreatLookup } from './model';

/** What the core reports while it works; the agent turns these into log lines carrying kill_id. */
export type DomainEvent =
  | { readonly type: 'rejected'; readonly deliveryId: string; readonly killId: string | null; readonly rejection: KillReportRejection }
  | { readonly type: 'duplicate'; readonly killId: string; readonly state: OutcomeRecord['state'] }
  | { readonly type: 're_killed'; readonly killId: string; readonly previousKillId: string }
  | { readonly type: 'threat_intel'; readonly killId: string; readonly lookup: ThreatLookup }
  | { readonly type: 'decided'; readonly killId: string; readonly module: string; readonly decision: Decision; readonly executing: boolean }
  | { readonly type: 'resurrecting'; readonly killId: string; readonly module: string; readonly resumed: boolean }
  | { readonly type: 'resurrected'; readonly killId: string; readonly module: string; readonly result: ResurrectionResult }
  | { readonly type: 'approved'; readonly killId: string; readonly approvedBy: string }
  | { readonly type: 'rejected_by_operator'; readonly killId: string; readonly rejectedBy: string }
  | { readonly type: 'calibrated'; readonly calibration: Calibration };

/** Receives domain events; must not throw. */
export type EventSink = (event: DomainEvent) => void;
