import type {
  Calibration,
  CalibrationSample,
  HealthCheck,
  ModuleHistory,
  OutcomeRecord,
  OutcomeType,
  Rejection,
  ResurrectionResult,
  Stats,
  ThreatLookup,
  HealthStatus,
  ResurrectionError,
} from './model';

/** One stream entry as delivered: the source's id and the entry's raw fields. */
export interface Delivery {
  /** Source-specific delivery id (the Redis entry id), used to ack and dead-letter. */
  readonly id: string;
  /** The entry's fields exactly as received; `decodeKillEntry` reads the three framings of DESIGN §3. */
  readonly fields: Readonly<Record<string, string>>;
  /** When the broker accepted the entry (ISO 8601 UTC), if it records that; a signed report's age counts from here. */
  readonly enqueuedAt?: string;
}

/** Delivers kill reports at least once (DESIGN §2, §6). */
export interface KillSource {
  /** Connects before the first read; rejects with a MedicError naming the broker when its credentials, certificate or permissions are wrong, resolves (and receive keeps retrying) when it is only unreachable. */
  open(): Promise<void>;
  /** Next deliveries, at most `max`: own pending entries first, then entries claimed from dead consumers, then new ones; waits briefly and returns [] when there are none. */
  receive(max: number): Promise<Delivery[]>;
  /** Marks deliveries as done; call only once their effect is durable. */
  ack(ids: readonly string[]): Promise<void>;
  /** Copies the raw entry to the dead-letter stream with the reason and its original id, then acknowledges it. */
  deadLetter(delivery: Delivery, reason: string): Promise<void>;
  /** Whether the source currently reaches its broker. */
  health(): Promise<HealthCheck>;
  /** Stops reading and releases connections; returns promptly even while a read is blocked. */
  close(): Promise<void>;
}

/** The container a kill names (DESIGN §5). */
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
}

/** Brings killed containers back and proves they are healthy (DESIGN §5). */
export interface Resurrector {
  /** Locates the target, starts or restarts it, waits for health and rolls back on failure; never throws. */
  resurrect(target: ResurrectionTarget, options?: ResurrectOptions): Promise<ResurrectionResult>;
  /** Whether the container engine answers. */
  health(): Promise<HealthCheck>;
}

/** What the store needs to finish a record once the resurrection is over. */
export interface OutcomeUpdate {
  readonly outcomeType: Extract<OutcomeType, 'success' | 'failure' | 'rollback' | 'not_killed' | 'already_running'>;
  readonly timeToHealthy: number | null;
  readonly healthStatus: HealthStatus | null;
  readonly containerId: string | null;
  readonly error: ResurrectionError | null;
  readonly errorMessage: string | null;
  readonly completedAt: string;
  /** A sentence appended to the record's reasoning (what verify_kill found); absent adds none. */
  readonly note?: string;
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

/**
 * Durable decisions, outcomes, rejections and calibrations (DESIGN §10).
 * Exact semantics, shared by every implementation through `outcomeRepoContract` (@medic/domain/testing):
 * instants are ISO 8601 UTC and compared as instants; "since" bounds are inclusive, "before" bounds exclusive.
 * An executed resurrection is a record in state done with outcome success, failure, rollback or re_killed.
 * A labelled auto-approval is a wasAutoApproved record that is a confirmed success, re_killed or rollback.
 */
export interface OutcomeRepo {
  /** Stores a new record; "duplicate" (and no change) when its kill_id is already stored. */
  insert(record: OutcomeRecord): Promise<'inserted' | 'duplicate'>;
  /** Stores records in one transaction, all or none; each result is what insert would give in order (a kill_id repeated in the call is a duplicate after its first). */
  insertMany(records: readonly OutcomeRecord[]): Promise<Array<'inserted' | 'duplicate'>>;
  /** Finishes an executing record with its outcome (and `note` appended to its reasoning) and marks it done; a record in any other state (or none) is left unchanged. */
  complete(killId: string, update: OutcomeUpdate): Promise<void>;
  /** Moves a decided pending_review record to executing with its approver; false when it was not in that state. */
  markApproved(killId: string, approvedBy: string, approvedAt: string): Promise<boolean>;
  /** Moves a decided pending_review record to done with who rejected it (Smith was right; nothing is executed); false when it was not in that state. */
  markRejected(killId: string, rejectedBy: string, rejectedAt: string): Promise<boolean>;
  /** The record of one kill, or null. */
  get(killId: string): Promise<OutcomeRecord | null>;
  /** The newest records first (by timestamp; ties: last inserted first), at most `limit`. */
  recent(limit: number): Promise<OutcomeRecord[]>;
  /**
   * Counts of the module's resurrections in the given windows, and its newest unlabelled success inside the re-kill window:
   * resurrections = executed resurrections with completedAt ≥ historySince; held / reKilled / rolledBack = those with outcome
   * success / re_killed / rollback; recentResurrections = records in state executing or executed resurrections, with
   * timestamp ≥ budgetSince; lastSuccess = the success with the newest completedAt ≥ rekillSince that has neither
   * reKilledAt nor confirmedAt. Exact module name match only.
   * labels: falsePositives = successes with completedAt ≥ historySince that are confirmed or completed before rekillSince;
   * truePositives = re_killed and rollback records with completedAt ≥ historySince, plus records with rejectedAt ≥ historySince.
   * fleetLabels: the same two counts over every module.
   */
  moduleHistory(module: string, windows: HistoryWindows): Promise<ModuleHistory>;
  /** Labels a successful resurrection as re-killed (Medic was wrong): outcome re_killed, reKilledAt = at; only an unconfirmed success changes. */
  markReKilled(killId: string, at: string): Promise<void>;
  /** Confirms the successes completed before `completedBefore` (exclusive) that are not yet confirmed (confirmedAt = at); returns how many. */
  confirmSuccesses(completedBefore: string, at: string): Promise<number>;
  /**
   * For calibration, over records with timestamp ≥ `since`: total = labelled auto-approvals, successes = those confirmed successes,
   * reKilled = those re_killed; truePositives = records denied, rejected (rejectedAt set) or re_killed.
   */
  calibrationSample(since: string): Promise<CalibrationSample>;
  /** Stores a rejected entry; storing the same delivery id again changes nothing. */
  saveRejection(rejection: Rejection): Promise<void>;
  /** Stores one calibration run. */
  saveCalibration(calibration: Calibration): Promise<void>;
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
  health(): Promise<HealthCheck>;
  /** Releases the store. */
  close(): Promise<void>;
}

/** Threat context from a SIEM (DESIGN §8). */
export interface ThreatIntel {
  /** Context for the module over the configured look-back; never throws (an outage is status "unavailable"). */
  lookup(module: string): Promise<ThreatLookup>;
  /** Whether the SIEM answers. */
  health(): Promise<HealthCheck>;
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
