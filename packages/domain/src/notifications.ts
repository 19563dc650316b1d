import type {
  Calibration,
  DecisionOutcome,
  GuardCode,
  HealthStatus,
  KillReason,
  Mode,
  OutcomeRecord,
  ResurrectionError,
  RiskFactor,
  RiskLevel,
  Severity,
} from './model';

/** What a webhook can subscribe to (notify.webhooks[].events). */
export const NOTIFICATION_EVENTS = ['pending_review', 'rollback', 'failure', 'deny', 'budget_exhausted', 'calibration', 'resurrected'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** Which webhooks (by key) subscribe to each event; an event no webhook wants queues nothing. */
export type NotificationRoutes = ReadonlyMap<NotificationEvent, readonly string[]>;

/** Evidence strings a notification carries at most, and the characters kept of each. */
const EVIDENCE_ITEMS = 3;
const EVIDENCE_CHARS = 200;
/** Factors a notification names. */
const MAIN_FACTORS = 3;

/** The kill a notification is about, as Smith reported it (input: escape before showing it). */
export interface NotifiedKill {
  readonly killId: string;
  readonly module: string;
  readonly instanceId: string;
  readonly killReason: KillReason;
  readonly severity: Severity;
  readonly smithConfidence: number;
  readonly reportedAt: string;
  readonly sourceAgent: string;
  /** The first few evidence strings, each shortened. */
  readonly evidence: readonly string[];
}

/** One factor of the decision, as a notification names it. */
export interface NotifiedFactor {
  readonly name: RiskFactor['name'];
  readonly value: number;
  readonly contribution: number;
  readonly detail: string;
}

/** Medic's decision on the kill. */
export interface NotifiedDecision {
  readonly outcome: DecisionOutcome;
  readonly decidedAt: string;
  readonly mode: Mode;
  readonly riskScore: number;
  readonly riskLevel: RiskLevel;
  readonly confidence: number;
  readonly guard: GuardCode | null;
  /** The decision's first sentence: what it decided and why. */
  readonly reason: string;
  /** The factors that moved the score most, biggest first. */
  readonly mainFactors: readonly NotifiedFactor[];
}

/** How a resurrection ended. */
export interface NotifiedResurrection {
  readonly outcome: 'success' | 'failure' | 'rollback';
  readonly error: ResurrectionError | null;
  readonly message: string | null;
  readonly timeToHealthy: number | null;
  readonly healthStatus: HealthStatus | null;
  readonly containerId: string | null;
  /** Who approved it; null for an automatic resurrection. */
  readonly approvedBy: string | null;
  readonly completedAt: string;
}

/** The facts one event reports, stored with it in the outbox: the message describes the moment it happened. */
export type Notification =
  | {
      readonly event: 'pending_review' | 'deny' | 'budget_exhausted';
      readonly at: string;
      readonly kill: NotifiedKill;
      readonly decision: NotifiedDecision;
      /** pending_review: the last instant it can be approved (decision + approval_ttl_minutes); otherwise null. */
      readonly expiresAt: string | null;
    }
  | {
      readonly event: 'resurrected' | 'rollback' | 'failure';
      readonly at: string;
      readonly kill: NotifiedKill;
      readonly decision: NotifiedDecision;
      readonly resurrection: NotifiedResurrection;
    }
  | {
      readonly event: 'calibration';
      readonly at: string;
      readonly calibration: Pick<Calibration, 'previousMaxScore' | 'nextMaxScore' | 'direction' | 'samples' | 'successes' | 'reason'>;
    };

/** One notification queued for one webhook; written to the outbox in the same transaction as the facts it reports. */
export interface OutboxEntry {
  /** Unique; the receiver sees it as the message id (the same on every retry). */
  readonly id: string;
  /** The webhook's key (notify.webhooks[].name, or one derived from its URL). */
  readonly webhook: string;
  readonly notification: Notification;
}

/** The event a stored decision reports, or null when it reports none (an auto-approval reports its resurrection later). */
export function decisionEvent(record: Pick<OutcomeRecord, 'originalDecision' | 'guard'>): 'pending_review' | 'deny' | 'budget_exhausted' | null {
  if (record.originalDecision === 'pending_review') return 'pending_review';
  if (record.originalDecision === 'deny') return record.guard === 'restart_budget_spent' ? 'budget_exhausted' : 'deny';
  return null;
}

/** The notification of a decision that waits for an operator or denies the kill; null for any other. */
export function decisionNotification(record: OutcomeRecord, approvalTtlMinutes: number): Notification | null {
  const event = decisionEvent(record);
  if (event === null) return null;
  const expiresAt = event === 'pending_review' ? new Date(Date.parse(record.timestamp) + approvalTtlMinutes * 60_000).toISOString() : null;
  return { event, at: record.timestamp, kill: notifiedKill(record), decision: notifiedDecision(record), expiresAt };
}

/** The notification of a finished resurrection: resurrected, rollback or failure; null when nothing was resurrected (verify_kill found nothing to do). */
export function resurrectionNotification(
  record: OutcomeRecord,
  result: Omit<NotifiedResurrection, 'approvedBy' | 'outcome'> & { readonly outcome: OutcomeRecord['outcomeType'] },
): Notification | null {
  const { outcome } = result;
  if (outcome !== 'success' && outcome !== 'failure' && outcome !== 'rollback') return null;
  const event = outcome === 'success' ? 'resurrected' : outcome;
  return {
    event,
    at: result.completedAt,
    kill: notifiedKill(record),
    decision: notifiedDecision(record),
    resurrection: { ...result, outcome, approvedBy: record.approvedBy },
  };
}

/** The notification of a calibration run that moved the auto-approve ceiling; null when it stayed. */
export function calibrationNotification(calibration: Calibration): Notification | null {
  if (calibration.direction === 'none') return null;
  const { previousMaxScore, nextMaxScore, direction, samples, successes, reason } = calibration;
  return { event: 'calibration', at: calibration.calibratedAt, calibration: { previousMaxScore, nextMaxScore, direction, samples, successes, reason } };
}

/** The outbox entries of a notification: one per webhook subscribed to its event (none when `notification` is null). */
export function outboxEntries(routes: NotificationRoutes | undefined, notification: Notification | null, newId: () => string): OutboxEntry[] {
  if (!routes || notification === null) return [];
  const webhooks = routes.get(notification.event);
  if (!webhooks || webhooks.length === 0) return [];
  return webhooks.map((webhook) => ({ id: newId(), webhook, notification }));
}

function notifiedKill(record: OutcomeRecord): NotifiedKill {
  const { report } = record;
  return {
    killId: record.killId,
    module: record.targetModule,
    instanceId: record.targetInstanceId,
    killReason: report.killReason,
    severity: report.severity,
    smithConfidence: report.confidenceScore,
    reportedAt: report.timestamp,
    sourceAgent: report.sourceAgent,
    evidence: report.evidence.slice(0, EVIDENCE_ITEMS).map((item) => (item.length > EVIDENCE_CHARS ? `${item.slice(0, EVIDENCE_CHARS)}…` : item)),
  };
}

function notifiedDecision(record: OutcomeRecord): NotifiedDecision {
  // The biggest movers first, up or down; ties keep the stored order.
  const ranked = record.factors
    .map((factor, index) => ({ factor, index }))
    .sort((a, b) => Math.abs(b.factor.contribution) - Math.abs(a.factor.contribution) || a.index - b.index)
    .slice(0, MAIN_FACTORS);
  return {
    outcome: record.originalDecision,
    decidedAt: record.timestamp,
    mode: record.mode,
    riskScore: record.originalRiskScore,
    riskLevel: record.riskLevel,
    confidence: record.originalConfidence,
    guard: record.guard,
    reason: record.reasoning[0] ?? '',
    mainFactors: ranked.map(({ factor: f }) => ({ name: f.name, value: f.value, contribution: f.contribution, detail: f.detail })),
  };
}
