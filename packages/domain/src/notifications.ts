import type {
  Calibration,
  Verdict,
  GuardCode,
  ContainerHealth,
  KillReason,
  Mode,
  OutcomeRecord,
  FailureReason,
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
  readonly outcome: Verdict;
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
  readonly error: FailureReason | null;
  readonly message: string | null;
  readonly timeToHealthy: number | null;
  readonly healthStatus: ContainerHealth | null;
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

/**
 * What a notification adds to the record it reports: the approval's expiry, a resurrection's outcome (a later approval may
 * replace it in the record), a calibration; null when nothing. The kill and the decision are in the record, which never
 * changes them once a notification about them is queued.
 */
export type NotificationExtra =
  | { readonly expiresAt: string | null }
  | { readonly resurrection: NotifiedResurrection }
  | { readonly calibration: Extract<Notification, { event: 'calibration' }>['calibration'] }
  | null;

/**
 * One notification queued for one webhook, as the outbox keeps it: the event, the kill whose record it reports, and what
 * the event adds. Written in the same transaction as the facts it reports; read back whole (an OutboxEntry).
 */
export interface QueuedNotification {
  /** Unique; the receiver sees it as the message id (the same on every retry). */
  readonly id: string;
  /** The webhook's key (notify.webhooks[].name, or one derived from its URL). */
  readonly webhook: string;
  readonly event: NotificationEvent;
  /** null for a calibration. */
  readonly killId: string | null;
  /** When the event happened, ISO 8601 UTC. */
  readonly at: string;
  readonly extra: NotificationExtra;
}

/** A queued notification as the outbox hands it out: whole, the kill and the decision read from its record. */
export interface OutboxEntry {
  readonly id: string;
  readonly webhook: string;
  readonly notification: Notification;
}

/** A notification before it is queued for its webhooks. */
export type NotificationFacts = Omit<QueuedNotification, 'id' | 'webhook'>;

/** The event a stored decision reports, or null when it reports none (an auto-approval reports its resurrection later). */
export function decisionEvent(record: Pick<OutcomeRecord, 'originalDecision' | 'guard'>): 'pending_review' | 'deny' | 'budget_exhausted' | null {
  if (record.originalDecision === 'pending_review') return 'pending_review';
  if (record.originalDecision === 'deny') return record.guard === 'restart_budget_spent' ? 'budget_exhausted' : 'deny';
  return null;
}

/** A decision that waits for an operator (with when its approval expires) or denies the kill; null for any other. */
export function decisionFacts(record: Pick<OutcomeRecord, 'killId' | 'timestamp' | 'originalDecision' | 'guard'>, approvalTtlMinutes: number): NotificationFacts | null {
  const event = decisionEvent(record);
  if (event === null) return null;
  const extra = event === 'pending_review' ? { expiresAt: new Date(Date.parse(record.timestamp) + approvalTtlMinutes * 60_000).toISOString() } : null;
  return { event, killId: record.killId, at: record.timestamp, extra };
}

/** A finished resurrection: resurrected, rollback or failure; null when nothing was resurrected (verify_kill found nothing to do). */
export function resurrectionFacts(
  record: Pick<OutcomeRecord, 'killId' | 'approvedBy'>,
  result: Omit<NotifiedResurrection, 'approvedBy' | 'outcome'> & { readonly outcome: OutcomeRecord['outcomeType'] },
): NotificationFacts | null {
  const { outcome } = result;
  if (outcome !== 'success' && outcome !== 'failure' && outcome !== 'rollback') return null;
  return { event: outcome === 'success' ? 'resurrected' : outcome, killId: record.killId, at: result.completedAt, extra: { resurrection: { ...result, outcome, approvedBy: record.approvedBy } } };
}

/** A calibration run that moved the auto-approve ceiling; null when it stayed. */
export function calibrationFacts(calibration: Calibration): NotificationFacts | null {
  if (calibration.direction === 'none') return null;
  const { previousMaxScore, nextMaxScore, direction, samples, successes, reason } = calibration;
  return { event: 'calibration', killId: null, at: calibration.calibratedAt, extra: { calibration: { previousMaxScore, nextMaxScore, direction, samples, successes, reason } } };
}

/** The facts queued for every webhook subscribed to their event, each with its own id (none when `facts` is null). */
export function queueNotification(routes: NotificationRoutes | undefined, facts: NotificationFacts | null, newId: () => string): QueuedNotification[] {
  if (!routes || facts === null) return [];
  const webhooks = routes.get(facts.event);
  if (!webhooks || webhooks.length === 0) return [];
  return webhooks.map((webhook) => ({ id: newId(), webhook, ...facts }));
}

/** The whole notification from its facts and the record they report (null for a calibration); null when they do not fit together. */
export function notificationOf(facts: NotificationFacts, record: OutcomeRecord | null): Notification | null {
  const { event, at, extra } = facts;
  if (event === 'calibration') return extra !== null && 'calibration' in extra ? { event, at, calibration: extra.calibration } : null;
  if (record === null || record.killId !== facts.killId) return null;
  const kill = notifiedKill(record);
  const decision = notifiedDecision(record);
  if (event === 'resurrected' || event === 'rollback' || event === 'failure') {
    return extra !== null && 'resurrection' in extra ? { event, at, kill, decision, resurrection: extra.resurrection } : null;
  }
  return { event, at, kill, decision, expiresAt: extra !== null && 'expiresAt' in extra ? extra.expiresAt : null };
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
