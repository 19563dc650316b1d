import type {
  Calibration,
  CalibrationSample,
  DependencyStatus,
  ModuleHistory,
  OutcomeRecord,
  ResurrectionOutcome,
  Rejection,
  ResurrectionResult,
  SignalSample,
  Stats,
  ThreatLookup,
  ContainerHealth,
  FailureReason,
  Decision,
} from './model';
import type { OutboxEntry, QueuedNotification } from './notifications';

/** One stream entry as delivered: the source's id and the entry's raw fields. */
export interface Delivery {
  /** Source-specific delivery id (the Redis entry id), used to ack and dead-letter. */
  readonly id: string;
  /** The entry's fields exactly as received; `decodeKillEntry` reads the three framings (ARCHITECTURE.md, Wire format). */
  readonly fields: Readonly<Record<string, string>>;
  /** When the broker accepted the entry (ISO 8601 UTC), if it records that; a signed report's age counts from here. */
  readonly enqueuedAt?: string;
}

/** A delivery to copy to the dead-letter stream, with the reason it was rejected. */
export interface DeadLetter {
  readonly delivery: Delivery;
  readonly reason: string;
}

/** Delivers kill reports at least once (ARCHITECTURE.md, Pipeline). */
export interface KillSource {
  /** Connects before the first read; rejects with a MedicError naming the broker when its credentials, certificate or permissions are wrong, resolves (and receive keeps retrying) when it is only unreachable. */
  open(): Promise<void>;
  /**
   * Next deliveries, at most `max`: own pending entries first, then entries claimed from dead consumers, then new ones;
   * waits briefly and returns [] when there are none. While the broker is unreachable it waits a bounded time for it and
   * returns [] (health() says down meanwhile); it throws only when the broker refuses the read.
   */
  receive(max: number): Promise<Delivery[]>;
  /**
   * Acknowledges `ids` and the `deadLetters` in one atomic step, first copying each dead letter's raw entry with its reason
   * and original id to the dead-letter stream; call only once their effect is durable.
   */
  ack(ids: readonly string[], deadLetters?: readonly DeadLetter[]): Promise<void>;
  /** Whether the source currently reaches its broker. */
  health(): Promise<DependencyStatus>;
  /** Stops reading and releases connections; returns promptly even while a read is blocked. */
  close(): Promise<void>;
}

/** The container a kill names. */
export interface ResurrectionTarget {
  readonly killId: string;
  readonly module: string;
  readonly instanceId: string;
  /** When Smith says it killed the container (the report's timestamp, ISO 8601); verify_kill compares it with the engine's times. */
  readonly killedAt: string;
}

export interface ResurrectOptions {
  /** false: a running container is not restarted, only waited on (used when re-checking an interrupted resurrection). */
  readonly restartIfRunning: boolean;
  /**
   * Asked once, with the located container's name and labels, after medic.enable and require_label let it through and
   * before anything is touched; false withdraws the resurrection (outcome withdrawn). The pipeline reads medic.criticality
   * here, so one engine look-up serves both the label check and the resurrection.
   */
  readonly admit?: (container: string, labels: Readonly<Record<string, string>>) => boolean;
}

/** Brings killed containers back and proves they are healthy (ARCHITECTURE.md, Pipeline). */
export interface Resurrector {
  /**
   * Locates the target, starts or restarts it, waits for health and rolls back on failure; never throws. An unreachable or
   * timed-out engine is failure docker_unavailable, which the caller may retry. The container's own labels hold: medic.enable
   * other than true or absent is failure not_enabled, medic.health-timeout replaces the configured health timeout.
   */
  resurrect(target: ResurrectionTarget, options?: ResurrectOptions): Promise<ResurrectionResult>;
  /** Whether the container engine answers. */
  health(): Promise<DependencyStatus>;
}

/** What the store needs to finish a record once the resurrection is over. */
export interface OutcomeUpdate {
  readonly outcomeType: ResurrectionOutcome;
  readonly timeToHealthy: number | null;
  readonly healthStatus: ContainerHealth | null;
  readonly containerId: string | null;
  readonly error: FailureReason | null;
  readonly errorMessage: string | null;
  readonly completedAt: string;
  /** A sentence appended to the record's reasoning (what verify_kill found, what a label changed); absent adds none. */
  readonly note?: string;
  /** Written with the outcome, only when the record was executing. */
  readonly notifications?: readonly QueuedNotification[];
}

/**
 * A decision made again just before an automatic resurrection, because a container label changed its inputs, whose outcome
 * is no longer approve_auto.
 */
export interface Redecision {
  readonly decision: Pick<Decision, 'verdict' | 'riskScore' | 'riskLevel' | 'confidence' | 'guard' | 'factors' | 'reasoning'>;
  /** Written with it. */
  readonly notifications?: readonly QueuedNotification[];
}

/** Windows for a module-history query, as ISO 8601 UTC lower bounds. */
export interface HistoryWindows {
  /** Start of the false-positive-history window. */
  readonly historySince: string;
  /** Start of the restart-budget window. */
  readonly budgetSince: string;
  /** Start of the re-kill window: only a success completed after this can be re-killed. */
  readonly rekillSince: string;
}

/** A re-kill label: the success `killId` becomes re_killed at `at`, because the new kill `causedBy` arrived inside the window. */
export interface ReKillLabel {
  readonly killId: string;
  readonly at: string;
  readonly causedBy: string;
}

/** Everything one batch writes, committed together. */
export interface BatchWrite {
  readonly records: readonly OutcomeRecord[];
  /** Each applies only when the record of its `causedBy` is inserted by the same commit. */
  readonly reKills: readonly ReKillLabel[];
  readonly rejections: readonly Rejection[];
  /** Each is written only when the record of its kill is inserted by the same commit. */
  readonly notifications?: readonly QueuedNotification[];
}

/**
 * Durable decisions, outcomes, rejections and calibrations.
 * Exact semantics, shared by every implementation through `outcomeRepoContract` (@medic/domain/testing):
 * instants are ISO 8601 UTC and compared as instants; "since" bounds are inclusive, "before" bounds exclusive.
 * An executed resurrection is a record in state done with outcome success, failure, rollback or re_killed.
 * A labelled auto-approval is a wasAutoApproved record that is a confirmed success, re_killed or rollback.
 */
export interface OutcomeRepo {
  /** Stores one record; "duplicate" (and no change) when its kill_id is already stored. */
  insert(record: OutcomeRecord): Promise<'inserted' | 'duplicate'>;
  /**
   * Commits a batch in one transaction, all or none: inserts the records (each result is what insert would give, in order; a
   * kill_id repeated in the call is a duplicate after its first), applies the re-kill labels whose causing record it inserted
   * (the success becomes re_killed with reKilledAt = at; only an unconfirmed success changes), and stores the rejections (a
   * delivery id already stored changes nothing).
   */
  commitBatch(batch: BatchWrite): Promise<Array<'inserted' | 'duplicate'>>;
  /**
   * Finishes an executing record with its outcome (and `note` appended to its reasoning) and marks it done, writing the
   * update's notifications in the same transaction; a record in any other state (or none) is left unchanged, and nothing is written.
   */
  complete(killId: string, update: OutcomeUpdate): Promise<void>;
  /**
   * Replaces the decision of an executing record no operator approved (an auto-approval not yet resurrected) with the
   * redecision's: the record becomes decided and is no longer auto-approved; its notifications are written in the same
   * transaction. false, and no change, for any other record.
   */
  redecide(killId: string, redecision: Redecision): Promise<boolean>;
  /**
   * Moves an approvable record (isApprovable: a decided pending_review one, or a failure for docker_unavailable) to executing
   * with its approver, clearing any earlier outcome; false when it was not approvable.
   */
  markApproved(killId: string, approvedBy: string, approvedAt: string): Promise<boolean>;
  /** Moves a decided pending_review record to done with who rejected it (Smith was right; nothing is executed); false when it was not in that state. */
  markRejected(killId: string, rejectedBy: string, rejectedAt: string): Promise<boolean>;
  /** The record of one kill, or null. */
  get(killId: string): Promise<OutcomeRecord | null>;
  /** The stored records of these kills, in any order; unknown kill ids are left out. */
  getMany(killIds: readonly string[]): Promise<OutcomeRecord[]>;
  /** Every record in state executing, oldest first (by timestamp; ties: first stored first). */
  listExecuting(): Promise<OutcomeRecord[]>;
  /** The newest records first (by timestamp; ties: last inserted first), at most `limit`. */
  recent(limit: number): Promise<OutcomeRecord[]>;
  /**
   * Each module's counts in the given windows, and its unlabelled successes inside the re-kill window; every module asked for
   * is in the answer (exact name match only). resurrections = executed resurrections with completedAt ≥ historySince; held /
   * reKilled / rolledBack = those with outcome success / re_killed / rollback; recentResurrections = records in state executing
   * or executed resurrections, with timestamp ≥ budgetSince; unlabelledSuccesses = successes with completedAt ≥ rekillSince that
   * have neither reKilledAt nor confirmedAt, newest completedAt first (ties: first stored first).
   * labels: falsePositives = successes with completedAt ≥ historySince that are confirmed or completed before rekillSince;
   * truePositives = re_killed records with completedAt ≥ historySince, except those re-killed by chance (the kill that re-killed
   * it, same module and timestamp = reKilledAt, was approved by an operator), plus records with rejectedAt ≥ historySince.
   * A rollback is no label.
   * fleetLabels: the same two counts over every module.
   */
  moduleHistories(modules: readonly string[], windows: HistoryWindows): Promise<Map<string, ModuleHistory>>;
  /** Confirms the successes completed before `completedBefore` (exclusive) that are not yet confirmed (confirmedAt = at); returns how many. */
  confirmSuccesses(completedBefore: string, at: string): Promise<number>;
  /**
   * For calibration, over records with timestamp ≥ `since`: total = labelled auto-approvals, successes = those confirmed successes,
   * reKilled = those re_killed; truePositives = records denied, rejected (rejectedAt set) or re_killed.
   */
  calibrationSample(since: string): Promise<CalibrationSample>;
  /**
   * What Medic learns its signals from: the kills decided at or after `since`, grouped by module, signal buckets and label,
   * and when the first of them was decided. Buckets: Smith's confidence and threat intel's risk by decile (decile()), siem
   * null unless threat intel answered, closedAsFalsePositive = its falsePositiveCount > 0. label: true_positive = rejectedAt
   * set; re_killed = outcome re_killed, unless re-killed by chance (as in moduleHistories: then null); false_positive = a
   * confirmed success; otherwise null.
   */
  signalSample(since: string): Promise<SignalSample>;
  /** Stores one calibration run, with its notifications in the same transaction. */
  saveCalibration(calibration: Calibration, notifications?: readonly QueuedNotification[]): Promise<void>;
  /** The newest calibration run by calibratedAt (ties: last saved), or null. */
  latestCalibration(): Promise<Calibration | null>;
  /**
   * Aggregates over every record, computed by the store: total, counts by originalDecision and outcomeType (every key present),
   * distinct rejections; averageTimeToHealthy = mean timeToHealthy over records with one and outcome success or re_killed;
   * autoApproveLabelled = labelled auto-approvals; autoApproveAccuracy = their confirmed successes / autoApproveLabelled (null when 0);
   * operatorVerdicts = records with approvedBy set (approved) and with rejectedBy set (rejected).
   */
  stats(): Promise<Stats>;
  /** Whether the store answers. */
  health(): Promise<DependencyStatus>;
  /** Releases the store. */
  close(): Promise<void>;
}

/** A webhook's record of delivery, kept by the outbox. */
export interface WebhookDeliveryState {
  readonly webhook: string;
  readonly pending: number;
  readonly sent: number;
  readonly dropped: number;
  /** Failed attempts so far: the receiver unreachable, or refusing a notification. */
  readonly failedAttempts: number;
  /** The current run of consecutive attempts that found the receiver unreachable: how many, and when the newest began (oldest first). */
  readonly failureRun: FailureRun;
  readonly lastError: string | null;
}

export interface FailureRun {
  readonly count: number;
  /** ISO 8601 UTC; at most as many as recordAttempt was told to keep. */
  readonly recent: readonly string[];
}

/** How one delivery attempt at a webhook went. */
export interface DeliveryAttempt {
  /** When the attempt began, ISO 8601 UTC. */
  readonly at: string;
  /** delivered: accepted. refused: the receiver answered and refused a notification. unreachable: no usable answer. */
  readonly result: 'delivered' | 'refused' | 'unreachable';
  readonly error: string | null;
}

/**
 * Where webhook notifications wait until delivered. OutcomeRepo writes them (QueuedNotification), in the transaction of the
 * facts they report; this side hands them out whole and settles them. A webhook's come out in the order they were queued.
 */
export interface NotificationOutbox {
  /** The webhook's pending notifications, oldest first, at most `limit`, whole: the kill and the decision from their records. */
  pending(webhook: string, limit: number): Promise<OutboxEntry[]>;
  /** Marks the webhook's pending entries among `ids` sent at `at`; any other id is left alone. */
  markSent(webhook: string, ids: readonly string[], at: string): Promise<void>;
  /** Gives up on the webhook's pending entries among `ids` (dropped at `at` with the reason); returns how many there were. */
  drop(webhook: string, ids: readonly string[], reason: string, at: string): Promise<number>;
  /** Gives up on the webhook's pending entries whose notification happened before `before` (null: all of them); returns how many. */
  dropQueuedBefore(webhook: string, before: string | null, reason: string, at: string): Promise<number>;
  /**
   * Records an attempt: delivered ends the webhook's failure run; refused counts a failed attempt and ends the run (the
   * receiver answered); unreachable counts one and extends the run, keeping the newest `keep` instants. Returns the run.
   */
  recordAttempt(webhook: string, attempt: DeliveryAttempt, keep: number): Promise<FailureRun>;
  /** Every webhook with entries or attempts on record, by key. */
  webhookStates(): Promise<WebhookDeliveryState[]>;
}

/** Threat context from a SIEM. */
export interface ThreatIntel {
  /** Context for the module over the configured look-back, within the adapter's own time limit; never throws (an outage or a slow answer is status "unavailable"). */
  lookup(module: string): Promise<ThreatLookup>;
  /** Whether the SIEM answers. */
  health(): Promise<DependencyStatus>;
}

/** Time, handed to the core so it stays deterministic. */
export interface Clock {
  /** The current instant. */
  now(): Date;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

/** Unique ids for records, handed to the core. */
export type IdGenerator = () => string;
