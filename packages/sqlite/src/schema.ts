import type { Generated, Selectable } from 'kysely';

/** One kill's decision and outcome: the `outcomes` table. Enum and JSON columns are plain text here: the row mapper checks them on the way out. */
export interface OutcomesTable {
  /** Insertion order; breaks ties between equal timestamps. */
  id: Generated<number>;
  outcome_id: string;
  decision_id: string;
  kill_id: string;
  target_module: string;
  target_instance_id: string;
  /** When Medic decided, ISO 8601 UTC. */
  timestamp: string;
  outcome_type: string;
  original_decision: string;
  original_risk_score: number;
  original_confidence: number;
  risk_level: string;
  guard: string | null;
  /** 0 or 1. */
  was_auto_approved: number;
  time_to_healthy: number | null;
  health_status: string | null;
  container_id: string | null;
  error: string | null;
  error_message: string | null;
  state: string;
  mode: string;
  /** JSON array of RiskFactor. */
  factors: string;
  /** JSON array of strings. */
  reasoning: string;
  /** JSON ThreatLookup. */
  threat_context: string;
  /** JSON KillReport. */
  report: string;
  approved_by: string | null;
  approved_at: string | null;
  rejected_by: string | null;
  rejected_at: string | null;
  completed_at: string | null;
  confirmed_at: string | null;
  re_killed_at: string | null;
}

/** Rejected stream entries, one per delivery id. */
export interface RejectionsTable {
  id: Generated<number>;
  delivery_id: string;
  kill_id: string | null;
  field: string;
  rule: string;
  reason: string;
  /** JSON object of the raw entry's fields. */
  raw: string;
  rejected_at: string;
}

/** Calibration runs with the statistics behind them: the `calibrations` table. */
export interface CalibrationsTable {
  id: Generated<number>;
  calibrated_at: string;
  previous_max_score: number;
  next_max_score: number;
  direction: string;
  samples: number;
  successes: number;
  success_rate: number | null;
  wilson_lower: number | null;
  wilson_upper: number | null;
  evidence_since: string;
  re_killed: number;
  true_positives: number;
  labelled: number | null;
  harm_lower: number | null;
  harm_point: number | null;
  harm_upper: number | null;
  max_harm_rate: number | null;
  reason: string;
}

/** The webhook outbox: the notifications one write queued for one webhook, in order. */
export interface NotificationsTable {
  /** Queue order. */
  id: Generated<number>;
  webhook: string;
  /** When the oldest of them happened, ISO 8601 UTC. */
  happened_at: string;
  /** JSON StoredNotification[]: each one's id, event, kill id, instant, what it adds to its record, and state. */
  items: string;
  /** How many of them are still pending. */
  pending: number;
}

/** Each webhook's record of delivery. */
export interface WebhookDeliveriesTable {
  webhook: string;
  sent: Generated<number>;
  dropped: Generated<number>;
  failed_attempts: Generated<number>;
  /** Consecutive attempts that found the receiver unreachable. */
  failure_run: Generated<number>;
  /** JSON array of when the newest of them began. */
  failure_run_recent: Generated<string>;
  last_error: string | null;
}

/** The store's tables, as Kysely sees them. */
export interface Database {
  outcomes: OutcomesTable;
  rejections: RejectionsTable;
  calibrations: CalibrationsTable;
  notifications: NotificationsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export type OutcomeRow = Selectable<OutcomesTable>;
export type CalibrationRow = Selectable<CalibrationsTable>;
