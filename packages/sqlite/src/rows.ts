import {
  MedicError,
  VERDICTS,
  GUARD_CODES,
  CONTAINER_HEALTH_VALUES,
  KILL_OUTCOMES,
  RECORD_STATES,
  FAILURE_REASONS,
  RISK_LEVELS,
} from '@medic/domain';
import { CALIBRATION_FIELDS, notificationOf, snakeCased } from '@medic/domain';
import type { Calibration, KillReport, Mode, NotificationEvent, NotificationExtra, OutboxEntry, OutcomeRecord, QueuedNotification, Rejection, RiskFactor, ThreatLookup } from '@medic/domain';
import type { Insertable } from 'kysely';
import { killReport, riskFactors, storedItems, textList, threatLookup } from './json-shapes';
import { utc, utcOrNull } from './instants';
import { RowReader } from './row-reader';
import type { CalibrationRow, CalibrationsTable, NotificationsTable, OutcomeRow, OutcomesTable, RejectionsTable } from './schema';

const MODES: readonly Mode[] = ['observer', 'live'];
const DIRECTIONS: readonly Calibration['direction'][] = ['up', 'down', 'none'];

/** The columns an inserted outcome row sets, in the order outcomeRowValues gives them. */
export const OUTCOME_COLUMNS = [
  'outcome_id',
  'decision_id',
  'kill_id',
  'target_module',
  'target_instance_id',
  'timestamp',
  'outcome_type',
  'original_decision',
  'original_risk_score',
  'original_confidence',
  'risk_level',
  'guard',
  'was_auto_approved',
  'time_to_healthy',
  'health_status',
  'container_id',
  'error',
  'error_message',
  'state',
  'mode',
  'factors',
  'reasoning',
  'threat_context',
  'report',
  'approved_by',
  'approved_at',
  'rejected_by',
  'rejected_at',
  'completed_at',
  'confirmed_at',
  're_killed_at',
] as const satisfies ReadonlyArray<keyof OutcomesTable>;

/** A record's column values, in OUTCOME_COLUMNS order, appended to `into`; instants are stored in canonical UTC form. */
export function pushOutcomeRowValues(r: OutcomeRecord, into: unknown[]): void {
  into.push(
    r.outcomeId,
    r.decisionId,
    r.killId,
    r.targetModule,
    r.targetInstanceId,
    utc(r.timestamp, 'timestamp'),
    r.outcomeType,
    r.originalDecision,
    r.originalRiskScore,
    r.originalConfidence,
    r.riskLevel,
    r.guard,
    r.wasAutoApproved ? 1 : 0,
    r.timeToHealthy,
    r.healthStatus,
    r.containerId,
    r.error,
    r.errorMessage,
    r.state,
    r.mode,
    JSON.stringify(r.factors),
    JSON.stringify(r.reasoning),
    JSON.stringify(r.threatContext),
    JSON.stringify(r.report),
    r.approvedBy,
    utcOrNull(r.approvedAt, 'approvedAt'),
    r.rejectedBy,
    utcOrNull(r.rejectedAt, 'rejectedAt'),
    utcOrNull(r.completedAt, 'completedAt'),
    utcOrNull(r.confirmedAt, 'confirmedAt'),
    utcOrNull(r.reKilledAt, 'reKilledAt'),
  );
}

/** The record a stored row holds; throws MedicError "store_corrupt" naming the first bad column. */
export function fromOutcomeRow(row: OutcomeRow): OutcomeRecord {
  const killId = typeof row.kill_id === 'string' ? row.kill_id : String(row.id);
  const c = new RowReader(row, `outcomes row for kill ${killId}`);
  return {
    outcomeId: c.text('outcome_id'),
    decisionId: c.text('decision_id'),
    killId: c.text('kill_id'),
    targetModule: c.text('target_module'),
    targetInstanceId: c.text('target_instance_id'),
    timestamp: c.text('timestamp'),
    report: c.json<KillReport>('report', killReport),
    mode: c.oneOf('mode', MODES),
    state: c.oneOf('state', RECORD_STATES),
    outcomeType: c.oneOf('outcome_type', KILL_OUTCOMES),
    originalDecision: c.oneOf('original_decision', VERDICTS),
    originalRiskScore: c.number('original_risk_score'),
    originalConfidence: c.number('original_confidence'),
    riskLevel: c.oneOf('risk_level', RISK_LEVELS),
    guard: c.oneOfOrNull('guard', GUARD_CODES),
    wasAutoApproved: c.flag('was_auto_approved'),
    factors: c.json<RiskFactor[]>('factors', riskFactors),
    reasoning: c.json<string[]>('reasoning', textList),
    threatContext: c.json<ThreatLookup>('threat_context', threatLookup),
    timeToHealthy: c.numberOrNull('time_to_healthy'),
    healthStatus: c.oneOfOrNull('health_status', CONTAINER_HEALTH_VALUES),
    containerId: c.textOrNull('container_id'),
    error: c.oneOfOrNull('error', FAILURE_REASONS),
    errorMessage: c.textOrNull('error_message'),
    approvedBy: c.textOrNull('approved_by'),
    approvedAt: c.textOrNull('approved_at'),
    rejectedBy: c.textOrNull('rejected_by'),
    rejectedAt: c.textOrNull('rejected_at'),
    completedAt: c.textOrNull('completed_at'),
    confirmedAt: c.textOrNull('confirmed_at'),
    reKilledAt: c.textOrNull('re_killed_at'),
  };
}

/** The columns an inserted rejection row sets, in the order pushRejectionRowValues gives them. */
export const REJECTION_COLUMNS = ['delivery_id', 'kill_id', 'field', 'rule', 'reason', 'raw', 'rejected_at'] as const satisfies ReadonlyArray<keyof RejectionsTable>;

/** A rejection's column values, in REJECTION_COLUMNS order, appended to `into`. */
export function pushRejectionRowValues(r: Rejection, into: unknown[]): void {
  into.push(r.deliveryId, r.killId, r.field, r.rule, r.reason, JSON.stringify(r.raw), utc(r.rejectedAt, 'rejectedAt'));
}

export function toCalibrationRow(c: Calibration): Insertable<CalibrationsTable> {
  return {
    ...snakeCased(c, CALIBRATION_FIELDS),
    calibrated_at: utc(c.calibratedAt, 'calibratedAt'),
    evidence_since: utc(c.evidenceSince, 'evidenceSince'),
  };
}

/** The calibration a stored row holds; throws MedicError "store_corrupt" naming the first bad column. */
export function fromCalibrationRow(row: CalibrationRow): Calibration {
  const c = new RowReader(row, `calibrations row ${String(row.id)}`);
  return {
    calibratedAt: c.text('calibrated_at'),
    previousMaxScore: c.number('previous_max_score'),
    nextMaxScore: c.number('next_max_score'),
    direction: c.oneOf('direction', DIRECTIONS),
    samples: c.number('samples'),
    successes: c.number('successes'),
    successRate: c.numberOrNull('success_rate'),
    wilsonLower: c.numberOrNull('wilson_lower'),
    wilsonUpper: c.numberOrNull('wilson_upper'),
    evidenceSince: c.text('evidence_since'),
    reKilled: c.number('re_killed'),
    truePositives: c.number('true_positives'),
    labelled: c.numberOrNull('labelled'),
    harmLower: c.numberOrNull('harm_lower'),
    harmPoint: c.numberOrNull('harm_point'),
    harmUpper: c.numberOrNull('harm_upper'),
    maxHarmRate: c.numberOrNull('max_harm_rate'),
    reason: c.text('reason'),
  };
}

/** One notification kept in a notifications row: what its event adds to the record it reports, and how far it got. */
export interface StoredNotification {
  readonly id: string;
  readonly event: NotificationEvent;
  /** The kill whose record holds the kill and the decision; null for a calibration. */
  readonly kill: string | null;
  readonly at: string;
  readonly extra: NotificationExtra;
  state: 'pending' | 'sent' | 'dropped';
  /** Why it was dropped. */
  reason?: string;
}

/** The columns an inserted notification row sets, in the order notificationRowValues gives them. */
export const NOTIFICATION_COLUMNS = ['webhook', 'happened_at', 'items', 'pending'] as const satisfies ReadonlyArray<keyof NotificationsTable>;

/**
 * The rows one outbox write adds, flattened in NOTIFICATION_COLUMNS order: each webhook's entries, in order, in one row. A
 * batch of decisions then costs one small row per webhook instead of one row (and one index entry) per decision.
 */
export function notificationRowValues(entries: readonly QueuedNotification[]): unknown[] {
  const byWebhook = new Map<string, StoredNotification[]>();
  // A batch's notifications share one instant: it is checked and made canonical once.
  let lastAt = '';
  let lastUtc = '';
  for (const entry of entries) {
    if (entry.at !== lastAt) {
      lastUtc = utc(entry.at, 'notification.at');
      lastAt = entry.at;
    }
    const item: StoredNotification = { id: entry.id, event: entry.event, kill: entry.killId, at: lastUtc, extra: entry.extra, state: 'pending' };
    const items = byWebhook.get(entry.webhook);
    if (items) items.push(item);
    else byWebhook.set(entry.webhook, [item]);
  }
  const values: unknown[] = [];
  for (const [webhook, items] of byWebhook) {
    const oldest = items.reduce((min, item) => (item.at < min ? item.at : min), items[0]!.at);
    values.push(webhook, oldest, JSON.stringify(items), items.length);
  }
  return values;
}

/** The notifications a row keeps; throws MedicError "store_corrupt" when they are not what notificationRowValues wrote. */
export function storedNotifications(row: { readonly id: number; readonly items: unknown }): StoredNotification[] {
  const c = new RowReader(row, `notifications row ${String(row.id)}`);
  return c.json<StoredNotification[]>('items', storedItems);
}

/** The entry a kept notification and its record (null for a calibration) make; throws MedicError "store_corrupt" when they do not fit. */
export function restoreEntry(webhook: string, item: StoredNotification, record: OutcomeRecord | null): OutboxEntry {
  const notification = notificationOf({ event: item.event, killId: item.kill, at: item.at, extra: item.extra }, record);
  if (notification === null) throw new MedicError('store_corrupt', `Corrupt notification ${item.id}: its ${item.event} does not fit ${record ? `the record of ${record.killId}` : 'a missing record'}`);
  return { id: item.id, webhook, notification };
}
