export const KILL_REASONS = [
  'threat_detected',
  'anomaly_behavior',
  'policy_violation',
  'resource_exhaustion',
  'dependency_cascade',
  'manual_override',
] as const;
export type KillReason = (typeof KILL_REASONS)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A validated kill report from Smith (ARCHITECTURE.md, Wire format). */
export interface KillReport {
  readonly killId: string;
  /** ISO 8601 with zone, as Smith sent it. */
  readonly timestamp: string;
  readonly targetModule: string;
  readonly targetInstanceId: string;
  readonly killReason: KillReason;
  readonly severity: Severity;
  readonly confidenceScore: number;
  readonly evidence: readonly string[];
  readonly dependencies: readonly string[];
  readonly sourceAgent: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Why an entry was not accepted as a kill report: the field and the rule it broke. */
export interface KillReportRejection {
  /** Dotted path of the offending field, or "entry" for the whole entry. */
  readonly field: string;
  /** Short machine-readable rule name, e.g. "max_length", "pattern", "required", "json". */
  readonly rule: string;
  /** Plain-English reason naming the field, used for the dead-letter entry and the log. */
  readonly message: string;
}

export type Mode = 'observer' | 'live';

/** What Medic decided for a kill: bring it back now, wait for an operator, or leave it down. */
export const VERDICTS = ['approve_auto', 'pending_review', 'deny'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const RISK_LEVELS = ['minimal', 'low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** Reason codes of the decision's guards, in the order they are checked. */
export const GUARD_CODES = [
  'always_deny_module',
  'high_confidence_threat',
  'open_threat_alerts',
  'restart_budget_spent',
  'rekilled_after_resurrection',
] as const;
export type GuardCode = (typeof GUARD_CODES)[number];

/** Names of the risk factors; each has a weight under `risk.weights`. */
export const FACTOR_NAMES = [
  'smith_confidence',
  'severity',
  'kill_reason',
  'module_criticality',
  'siem_risk_score',
  'false_positive_history',
] as const;
export type FactorName = (typeof FACTOR_NAMES)[number];

/** One factor that had data, with how much it moved the score. */
export interface RiskFactor {
  readonly name: FactorName;
  /** Raw risk value in [0, 1] (1 = the kill was surely right). */
  readonly value: number;
  /** Configured weight (for false_positive_history: the power of its Bayes'-rule adjustment). */
  readonly weight: number;
  /** Weight renormalised over the signal factors present; 0 for false_positive_history, which is not averaged in. */
  readonly normalizedWeight: number;
  /** normalizedWeight × value, or for false_positive_history the change it made to the score; the contributions sum to the score. */
  readonly contribution: number;
  /** Plain-English note on where the value came from. */
  readonly detail: string;
}

/** Threat context for one module over a look-back window, from the SIEM's alerts. */
export interface ThreatContext {
  /** Risk in [0, 1] derived from the alerts' risk scores; no alerts means low risk. */
  readonly riskScore: number;
  readonly alertCount: number;
  readonly openCount: number;
  readonly falsePositiveCount: number;
  /** Threat-match indicators seen for the module. */
  readonly indicators: readonly string[];
  /** One word summing the context up. */
  readonly recommendation: 'deny' | 'review' | 'allow';
  readonly lookbackHours: number;
}

/** What threat intel said for one kill: an answer, or why there was none. */
export type ThreatLookup =
  | { readonly status: 'answered'; readonly context: ThreatContext }
  | { readonly status: 'unavailable'; readonly reason: string }
  | { readonly status: 'disabled' };

/** Labelled kills: how many were false positives (Smith was wrong) and how many true positives (Smith was right). */
export interface LabelCounts {
  /** Resurrections that outlived the re-kill window (confirmed, or completed before it began). */
  readonly falsePositives: number;
  /** Resurrections re-killed or rolled back, and kills an operator rejected. */
  readonly truePositives: number;
}

export const NO_LABELS: LabelCounts = { falsePositives: 0, truePositives: 0 };

/**
 * What a stored kill says about whether Smith was right: false_positive (its resurrection held), true_positive (an operator
 * rejected it), re_killed (Smith killed the module again soon after it was resurrected: a true positive, or a chance kill of a
 * module that was fine). Rollbacks, kills awaiting an outcome and kills Medic denied carry no label.
 */
export const SIGNAL_LABELS = ['false_positive', 'true_positive', 're_killed'] as const;
export type SignalLabel = (typeof SIGNAL_LABELS)[number];

/** Kills of one module with the same signals and the same label: what Medic learns what each signal means from. */
export interface SignalCount {
  readonly module: string;
  readonly killReason: KillReason;
  readonly severity: Severity;
  /** Smith's confidence decile: 0 for [0, 0.1) … 9 for [0.9, 1]. */
  readonly confidence: number;
  /** Threat intel's answer: its risk decile and whether any alert for the module was closed as a false positive; null when it did not answer. */
  readonly siem: { readonly risk: number; readonly closedAsFalsePositive: boolean } | null;
  readonly label: SignalLabel | null;
  readonly kills: number;
}

/** The kills Medic learns its signals from, grouped (OutcomeRepo.signalSample). */
export interface SignalSample {
  /** When the first of them was decided; null without any. */
  readonly firstDecidedAt: string | null;
  readonly counts: readonly SignalCount[];
}

/** A module's record with Medic, read from the store before deciding. */
export interface ModuleHistory {
  /** Resurrections executed within the history window (any result). */
  readonly resurrections: number;
  /** Successful resurrections within the history window that were not re-killed. */
  readonly held: number;
  /** Successful resurrections within the history window that Smith killed again inside the re-kill window. */
  readonly reKilled: number;
  /** Resurrections within the history window that were rolled back. */
  readonly rolledBack: number;
  /** Resurrections executing or executed within the restart-budget window. */
  readonly recentResurrections: number;
  /** The module's successful resurrections inside the re-kill window not yet labelled, newest first: the next kill labels the first. */
  readonly unlabelledSuccesses: readonly ResurrectionRef[];
  /** The module's labelled kills within the history window. */
  readonly labels: LabelCounts;
  /** Every module's labelled kills within the history window (the module's own included): the fleet its estimate is shrunk towards. */
  readonly fleetLabels: LabelCounts;
}

/** One finished resurrection, by kill id and completion time. */
export interface ResurrectionRef {
  readonly killId: string;
  readonly completedAt: string;
}

export const EMPTY_HISTORY: ModuleHistory = {
  resurrections: 0,
  held: 0,
  reKilled: 0,
  rolledBack: 0,
  recentResurrections: 0,
  unlabelledSuccesses: [],
  labels: NO_LABELS,
  fleetLabels: NO_LABELS,
};

/** Everything the policy weighed, plus its verdict. */
export interface Decision {
  readonly verdict: Verdict;
  readonly riskScore: number;
  readonly riskLevel: RiskLevel;
  readonly confidence: number;
  readonly factors: readonly RiskFactor[];
  /** Plain-English sentences, most important first. */
  readonly reasoning: readonly string[];
  /** The guard that fired, if any. */
  readonly guard: GuardCode | null;
  /** The auto-approve ceiling in force when deciding. */
  readonly autoApproveMaxScore: number;
}

/**
 * What became of a kill after the decision: a resurrection's outcome, undetermined (none yet, or none to come) or
 * re_killed (Smith killed it again inside the re-kill window). not_killed and already_running: resurrection.verify_kill
 * found nothing to do (the container was not stopped by the reported kill, or came back by itself). They are not
 * resurrections: history, the restart budget and calibration skip them.
 */
export const KILL_OUTCOMES = ['success', 'failure', 'rollback', 'undetermined', 're_killed', 'not_killed', 'already_running'] as const;
export type KillOutcome = (typeof KILL_OUTCOMES)[number];

/** What one resurrection attempt came to: every KillOutcome but the two only the record's lifecycle sets. */
export type ResurrectionOutcome = Exclude<KillOutcome, 'undetermined' | 're_killed'>;

/** Lifecycle of a stored record: decided (nothing to execute yet), executing (restart under way), done. */
export const RECORD_STATES = ['decided', 'executing', 'done'] as const;
export type RecordState = (typeof RECORD_STATES)[number];

/** A container's health as the engine reports it; none: the container has no health check. */
export const CONTAINER_HEALTH_VALUES = ['healthy', 'none', 'unhealthy', 'starting'] as const;
export type ContainerHealth = (typeof CONTAINER_HEALTH_VALUES)[number];

/** Why a resurrection failed or was rolled back. */
export const FAILURE_REASONS = [
  'container_not_found',
  'ambiguous_target',
  'not_enabled',
  'docker_unavailable',
  'start_failed',
  'unhealthy',
  'health_timeout',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** The durable record of one kill: its decision and, once known, its outcome. */
export interface OutcomeRecord {
  readonly outcomeId: string;
  readonly decisionId: string;
  readonly killId: string;
  readonly targetModule: string;
  readonly targetInstanceId: string;
  /** When Medic decided, ISO 8601 UTC. */
  readonly timestamp: string;
  /** The kill report as validated. */
  readonly report: KillReport;
  readonly mode: Mode;
  readonly state: RecordState;
  readonly outcomeType: KillOutcome;
  readonly originalDecision: Verdict;
  readonly originalRiskScore: number;
  readonly originalConfidence: number;
  readonly riskLevel: RiskLevel;
  readonly guard: GuardCode | null;
  readonly wasAutoApproved: boolean;
  readonly factors: readonly RiskFactor[];
  readonly reasoning: readonly string[];
  readonly threatContext: ThreatLookup;
  /** Seconds from the start of the resurrection to healthy (or to running, without a health check). */
  readonly timeToHealthy: number | null;
  readonly healthStatus: ContainerHealth | null;
  readonly containerId: string | null;
  readonly error: FailureReason | null;
  readonly errorMessage: string | null;
  readonly approvedBy: string | null;
  readonly approvedAt: string | null;
  /** Who confirmed Smith was right (POST /reject): a true-positive label; the container stays down. */
  readonly rejectedBy: string | null;
  readonly rejectedAt: string | null;
  /** When the outcome became known, ISO 8601 UTC. */
  readonly completedAt: string | null;
  /** When a success outlived the re-kill window without a re-kill: confirmed. */
  readonly confirmedAt: string | null;
  /** When Smith killed the module again inside the re-kill window. */
  readonly reKilledAt: string | null;
}

/** The fields of a freshly decided record: nothing is known yet of its resurrection, verdict or labels. */
export const NOTHING_KNOWN_YET = {
  timeToHealthy: null,
  healthStatus: null,
  containerId: null,
  error: null,
  errorMessage: null,
  approvedBy: null,
  approvedAt: null,
  rejectedBy: null,
  rejectedAt: null,
  completedAt: null,
  confirmedAt: null,
  reKilledAt: null,
} as const satisfies Partial<OutcomeRecord>;

/**
 * Whether an operator may approve the record: a decided pending_review kill, or a resurrection that failed only because the
 * container engine stayed unreachable until the retry deadline.
 */
export function isApprovable(record: Pick<OutcomeRecord, 'state' | 'originalDecision' | 'outcomeType' | 'error'>): boolean {
  if (record.state === 'decided') return record.originalDecision === 'pending_review';
  return record.state === 'done' && record.outcomeType === 'failure' && record.error === 'docker_unavailable';
}

/** When a record's resurrection began: its approval, else its decision; the engine-outage retry deadline counts from here. */
export function resurrectionStart(record: Pick<OutcomeRecord, 'approvedAt' | 'timestamp'>): string {
  return record.approvedAt ?? record.timestamp;
}

/** The result of one resurrection attempt; produced by a Resurrector, never thrown. */
export interface ResurrectionResult {
  /** withdrawn: the admit callback refused the located container and nothing was touched; never stored as an outcome. */
  readonly outcome: ResurrectionOutcome | 'withdrawn';
  /** What was done to the container. */
  readonly action: 'start' | 'restart' | 'none';
  readonly containerId: string | null;
  readonly healthStatus: ContainerHealth | null;
  readonly timeToHealthy: number | null;
  readonly error: FailureReason | null;
  readonly message: string | null;
  /** With verify_kill on: the sentence saying which check held (it goes into the record's reasoning). */
  readonly verification?: string;
  /** What the container's own labels did, when they did something (it goes into the record's reasoning). */
  readonly labels?: LabelNotes;
}

/** What a container's own labels did to a resurrection, as sentences for the record's reasoning. */
export interface LabelNotes {
  /** What a label changed: an exclusion, a health timeout. */
  readonly applied: readonly string[];
  /** Labels ignored for a value Medic cannot use, each with the warning naming the container and the label. */
  readonly ignored: readonly string[];
}

/** A rejected stream entry, kept for operators (ARCHITECTURE.md, Wire format). */
export interface Rejection {
  readonly deliveryId: string;
  readonly killId: string | null;
  readonly field: string;
  readonly rule: string;
  readonly reason: string;
  /** The raw entry's fields as received. */
  readonly raw: Readonly<Record<string, string>>;
  readonly rejectedAt: string;
}

/** What calibration learns from, over the kills decided since a given instant. */
export interface CalibrationSample {
  /** Labelled auto-approved resurrections. */
  readonly total: number;
  /** Of those, the ones that held (confirmed successes). */
  readonly successes: number;
  /** Of those, the ones Smith killed again inside the re-kill window: the harm the store can see. */
  readonly reKilled: number;
  /** Kills held to be true positives: denied, rejected by an operator, or re-killed after a resurrection (the harm's denominator). */
  readonly truePositives: number;
  /** Kills with an outcome calibration counts, whatever the verdict: the auto-approvals above, resurrections an operator approved that held or were re-killed, and operators' rejections. */
  readonly labelled: number;
}

/** One calibration run, stored with the statistics behind it. */
export interface Calibration {
  readonly calibratedAt: string;
  readonly previousMaxScore: number;
  readonly nextMaxScore: number;
  readonly direction: 'up' | 'down' | 'none';
  readonly samples: number;
  readonly successes: number;
  readonly successRate: number | null;
  readonly wilsonLower: number | null;
  readonly wilsonUpper: number | null;
  /** Only kills decided at or after this instant counted: the evidence gathered since the ceiling last moved (the window's start at most). */
  readonly evidenceSince: string;
  /** Re-killed auto-approvals and true-positive kills (denied, rejected or re-killed) in the sample, as observed. */
  readonly reKilled: number;
  readonly truePositives: number;
  /** Labelled kills of any verdict in the sample (the fresh batch the harm budget moves on); null for runs stored before it was kept. */
  readonly labelled: number | null;
  /**
   * The harm the resulting ceiling implies (the share of true-positive kills it would auto-resurrect), as the learnt model
   * predicts it over the history window's kills: its point estimate and 95 % interval; null without a learnt model (and
   * harmLower and harmPoint for runs stored before they existed).
   */
  readonly harmLower: number | null;
  readonly harmPoint: number | null;
  readonly harmUpper: number | null;
  /** learning.max_harm_rate in force; null for runs stored before the harm budget existed. */
  readonly maxHarmRate: number | null;
  readonly reason: string;
}

/** Every field of a Calibration, in the order the API and the store list them. */
export const CALIBRATION_FIELDS = [
  'calibratedAt',
  'previousMaxScore',
  'nextMaxScore',
  'direction',
  'samples',
  'successes',
  'successRate',
  'wilsonLower',
  'wilsonUpper',
  'evidenceSince',
  'reKilled',
  'truePositives',
  'labelled',
  'harmLower',
  'harmPoint',
  'harmUpper',
  'maxHarmRate',
  'reason',
] as const satisfies ReadonlyArray<keyof Calibration>;

/** Aggregates for `GET /stats`, computed by the store. */
export interface Stats {
  readonly total: number;
  readonly byDecision: Readonly<Record<Verdict, number>>;
  readonly byOutcome: Readonly<Record<KillOutcome, number>>;
  readonly rejections: number;
  /** Mean time to healthy over successful resurrections, seconds; null without any. */
  readonly averageTimeToHealthy: number | null;
  /** Share of labelled auto-approved resurrections that held; null without any. */
  readonly autoApproveAccuracy: number | null;
  readonly autoApproveLabelled: number;
  /** Operators' verdicts on pending_review kills: approved (POST /approve) and rejected (POST /reject). */
  readonly operatorVerdicts: { readonly approved: number; readonly rejected: number };
}

/** One dependency's state for `/health`. */
export interface DependencyStatus {
  readonly status: 'up' | 'down' | 'disabled';
  readonly detail?: string;
}
