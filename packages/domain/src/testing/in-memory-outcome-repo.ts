import type { Calibration, CalibrationSample, Verdict, DependencyStatus, LabelCounts, ModuleHistory, OutcomeRecord, KillOutcome, Rejection, SignalCount, SignalLabel, SignalSample, Stats } from '../model';
import { MedicError } from '../errors';
import { VERDICTS, KILL_OUTCOMES, isApprovable } from '../model';
import type { QueuedNotification } from '../notifications';
import type { BatchWrite, HistoryWindows, OutcomeRepo, OutcomeUpdate, Redecision } from '../ports';
import { InMemoryNotificationOutbox } from './in-memory-notification-outbox';
import { bucketsOf } from '../signal-model';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Outcome types of an executed resurrection. */
const EXECUTED: readonly KillOutcome[] = ['success', 'failure', 'rollback', 're_killed'];

const ms = (iso: string): number => Date.parse(iso);
const onOrAfter = (iso: string | null, since: string): boolean => iso !== null && ms(iso) >= ms(since);
const isExecuted = (r: OutcomeRecord): boolean => r.state === 'done' && EXECUTED.includes(r.outcomeType);
/** An auto-approved resurrection whose outcome says whether Medic was right: calibration's evidence. */
const isLabelled = (r: OutcomeRecord): boolean =>
  r.wasAutoApproved && ((r.outcomeType === 'success' && r.confirmedAt !== null) || r.outcomeType === 're_killed' || r.outcomeType === 'rollback');
const isConfirmedSuccess = (r: OutcomeRecord): boolean => r.outcomeType === 'success' && r.confirmedAt !== null;

/** A re-kill by a kill an operator then approved (same module, decided at the re-kill's instant): Smith's chance, no label. */
function byChance(r: OutcomeRecord, all: readonly OutcomeRecord[]): boolean {
  const at = r.reKilledAt;
  return r.outcomeType === 're_killed' && at !== null && all.some((c) => c.targetModule === r.targetModule && ms(c.timestamp) === ms(at) && c.approvedAt !== null);
}

/** False- and true-positive labels among `records` (of `all`) within the history windows. */
function labelCounts(records: readonly OutcomeRecord[], all: readonly OutcomeRecord[], windows: HistoryWindows): LabelCounts {
  const settled = (r: OutcomeRecord): boolean => r.confirmedAt !== null || (r.completedAt !== null && ms(r.completedAt) < ms(windows.rekillSince));
  const inWindow = (r: OutcomeRecord): boolean => onOrAfter(r.completedAt, windows.historySince);
  return {
    falsePositives: records.filter((r) => r.state === 'done' && r.outcomeType === 'success' && inWindow(r) && settled(r)).length,
    truePositives:
      records.filter((r) => r.state === 'done' && r.outcomeType === 're_killed' && inWindow(r) && !byChance(r, all)).length +
      records.filter((r) => onOrAfter(r.rejectedAt, windows.historySince)).length,
  };
}

/** OutcomeRepo in memory, with the exact semantics documented on the port (the SQLite store must match it through the shared contract). */
export class InMemoryOutcomeRepo implements OutcomeRepo {
  /** Records in insertion order. */
  readonly #records: Array<Mutable<OutcomeRecord>> = [];
  readonly #byKillId = new Map<string, Mutable<OutcomeRecord>>();
  readonly #rejections = new Map<string, Rejection>();
  readonly #calibrations: Calibration[] = [];
  /** While true, every call rejects as if the store were gone. */
  down = false;
  /** The notification outbox this store writes, in the same (trivially atomic) steps as the facts it reports. */
  readonly outbox = new InMemoryNotificationOutbox(
    (killId) => this.#byKillId.get(killId) ?? null,
    () => this.#ensureUp(),
  );

  async insert(record: OutcomeRecord): Promise<'inserted' | 'duplicate'> {
    this.#ensureUp();
    return this.#insert(record);
  }

  /** All or none trivially: nothing can fail between the first write and the last. */
  async commitBatch(batch: BatchWrite): Promise<Array<'inserted' | 'duplicate'>> {
    this.#ensureUp();
    const results = batch.records.map((record) => this.#insert(record));
    const inserted = new Set(batch.records.filter((_, i) => results[i] === 'inserted').map((r) => r.killId));
    for (const label of batch.reKills) {
      const r = this.#byKillId.get(label.killId);
      if (inserted.has(label.causedBy) && r && r.outcomeType === 'success' && r.confirmedAt === null) Object.assign(r, { outcomeType: 're_killed', reKilledAt: label.at });
    }
    for (const rejection of batch.rejections) {
      if (!this.#rejections.has(rejection.deliveryId)) this.#rejections.set(rejection.deliveryId, structuredClone(rejection));
    }
    this.outbox.queue(
      (batch.notifications ?? []).filter((queued) => queued.killId !== null && inserted.has(queued.killId)),
    );
    return results;
  }

  async complete(killId: string, update: OutcomeUpdate): Promise<void> {
    this.#ensureUp();
    const r = this.#byKillId.get(killId);
    if (!r || r.state !== 'executing') return;
    const { note, notifications, ...fields } = structuredClone(update);
    Object.assign(r, fields, { state: 'done' }, note ? { reasoning: [...r.reasoning, note] } : {});
    this.outbox.queue(notifications ?? []);
  }

  async redecide(killId: string, redecision: Redecision): Promise<boolean> {
    this.#ensureUp();
    const r = this.#byKillId.get(killId);
    if (!r || r.state !== 'executing' || r.approvedBy !== null) return false;
    const d = structuredClone(redecision.decision);
    Object.assign(r, {
      state: 'decided',
      originalDecision: d.verdict,
      originalRiskScore: d.riskScore,
      originalConfidence: d.confidence,
      riskLevel: d.riskLevel,
      guard: d.guard,
      wasAutoApproved: false,
      factors: d.factors,
      reasoning: d.reasoning,
    });
    this.outbox.queue(redecision.notifications ?? []);
    return true;
  }

  async markApproved(killId: string, approvedBy: string, approvedAt: string): Promise<boolean> {
    this.#ensureUp();
    const r = this.#byKillId.get(killId);
    if (!r || !isApprovable(r)) return false;
    Object.assign(r, {
      state: 'executing',
      approvedBy,
      approvedAt,
      outcomeType: 'undetermined',
      timeToHealthy: null,
      healthStatus: null,
      containerId: null,
      error: null,
      errorMessage: null,
      completedAt: null,
    });
    return true;
  }

  async markRejected(killId: string, rejectedBy: string, rejectedAt: string): Promise<boolean> {
    this.#ensureUp();
    const r = this.#byKillId.get(killId);
    if (!r || r.state !== 'decided' || r.originalDecision !== 'pending_review') return false;
    Object.assign(r, { state: 'done', rejectedBy, rejectedAt });
    return true;
  }

  async get(killId: string): Promise<OutcomeRecord | null> {
    this.#ensureUp();
    const r = this.#byKillId.get(killId);
    return r ? structuredClone(r) : null;
  }

  async getMany(killIds: readonly string[]): Promise<OutcomeRecord[]> {
    this.#ensureUp();
    const found: OutcomeRecord[] = [];
    for (const killId of new Set(killIds)) {
      const r = this.#byKillId.get(killId);
      if (r) found.push(structuredClone(r));
    }
    return found;
  }

  async listExecuting(): Promise<OutcomeRecord[]> {
    this.#ensureUp();
    // Stable sort over insertion order: equal timestamps keep the first stored first.
    return this.#records
      .filter((r) => r.state === 'executing')
      .sort((a, b) => ms(a.timestamp) - ms(b.timestamp))
      .map((r) => structuredClone(r));
  }

  async recent(limit: number): Promise<OutcomeRecord[]> {
    this.#ensureUp();
    const order = this.#records.map((r, i) => ({ r, i }));
    order.sort((a, b) => ms(b.r.timestamp) - ms(a.r.timestamp) || b.i - a.i);
    return order.slice(0, Math.max(0, limit)).map(({ r }) => structuredClone(r));
  }

  async moduleHistories(modules: readonly string[], windows: HistoryWindows): Promise<Map<string, ModuleHistory>> {
    this.#ensureUp();
    return new Map(modules.map((module) => [module, this.#history(module, windows)]));
  }

  async confirmSuccesses(completedBefore: string, at: string): Promise<number> {
    this.#ensureUp();
    const due = this.#records.filter(
      (r) => r.outcomeType === 'success' && r.confirmedAt === null && r.completedAt !== null && ms(r.completedAt) < ms(completedBefore),
    );
    for (const r of due) r.confirmedAt = at;
    return due.length;
  }

  async calibrationSample(since: string): Promise<CalibrationSample> {
    this.#ensureUp();
    const decided = this.#records.filter((r) => onOrAfter(r.timestamp, since));
    const labelled = decided.filter(isLabelled);
    return {
      total: labelled.length,
      successes: labelled.filter(isConfirmedSuccess).length,
      reKilled: labelled.filter((r) => r.outcomeType === 're_killed').length,
      truePositives: decided.filter((r) => r.originalDecision === 'deny' || r.rejectedAt !== null || r.outcomeType === 're_killed').length,
      labelled: decided.filter((r) => isLabelled(r) || isConfirmedSuccess(r) || r.outcomeType === 're_killed' || r.rejectedAt !== null).length,
    };
  }

  async signalSample(since: string): Promise<SignalSample> {
    this.#ensureUp();
    const groups = new Map<string, Mutable<SignalCount>>();
    let first: string | null = null;
    for (const r of this.#records) {
      if (!onOrAfter(r.timestamp, since)) continue;
      if (first === null || ms(r.timestamp) < ms(first)) first = r.timestamp;
      const label: SignalLabel | null =
        r.rejectedAt !== null
          ? 'true_positive'
          : r.outcomeType === 're_killed'
            ? byChance(r, this.#records)
              ? null
              : 're_killed'
            : isConfirmedSuccess(r)
              ? 'false_positive'
              : null;
      const row = { module: r.targetModule, ...bucketsOf(r.report, r.threatContext), label };
      const key = JSON.stringify(row);
      const group = groups.get(key);
      if (group) group.kills += 1;
      else groups.set(key, { ...row, kills: 1 });
    }
    return { firstDecidedAt: first, counts: [...groups.values()] };
  }

  /** Stored rejections in the order they were first saved (not part of the port; for tests). */
  rejections(): Rejection[] {
    return [...this.#rejections.values()].map((r) => structuredClone(r));
  }

  async saveCalibration(calibration: Calibration, notifications: readonly QueuedNotification[] = []): Promise<void> {
    this.#ensureUp();
    this.#calibrations.push(structuredClone(calibration));
    this.outbox.queue(notifications);
  }

  async latestCalibration(): Promise<Calibration | null> {
    this.#ensureUp();
    const newest = this.#calibrations
      .map((c, i) => ({ c, i }))
      .sort((a, b) => ms(b.c.calibratedAt) - ms(a.c.calibratedAt) || b.i - a.i)[0];
    return newest ? structuredClone(newest.c) : null;
  }

  async stats(): Promise<Stats> {
    this.#ensureUp();
    const byDecision = Object.fromEntries(VERDICTS.map((d) => [d, 0])) as Record<Verdict, number>;
    const byOutcome = Object.fromEntries(KILL_OUTCOMES.map((o) => [o, 0])) as Record<KillOutcome, number>;
    for (const r of this.#records) {
      byDecision[r.originalDecision] += 1;
      byOutcome[r.outcomeType] += 1;
    }
    const timed = this.#records.filter((r) => r.timeToHealthy !== null && (r.outcomeType === 'success' || r.outcomeType === 're_killed'));
    const labelled = this.#records.filter(isLabelled);
    return {
      total: this.#records.length,
      byDecision,
      byOutcome,
      rejections: this.#rejections.size,
      averageTimeToHealthy: timed.length === 0 ? null : timed.reduce((sum, r) => sum + (r.timeToHealthy ?? 0), 0) / timed.length,
      autoApproveAccuracy: labelled.length === 0 ? null : labelled.filter(isConfirmedSuccess).length / labelled.length,
      autoApproveLabelled: labelled.length,
      operatorVerdicts: {
        approved: this.#records.filter((r) => r.approvedBy !== null).length,
        rejected: this.#records.filter((r) => r.rejectedBy !== null).length,
      },
    };
  }

  async health(): Promise<DependencyStatus> {
    return this.down ? { status: 'down', detail: 'in-memory store is down' } : { status: 'up' };
  }

  async close(): Promise<void> {}

  #history(module: string, windows: HistoryWindows): ModuleHistory {
    const mine = this.#records.filter((r) => r.targetModule === module);
    const inHistory = mine.filter((r) => isExecuted(r) && onOrAfter(r.completedAt, windows.historySince));
    const count = (type: KillOutcome): number => inHistory.filter((r) => r.outcomeType === type).length;
    const recent = mine.filter((r) => (r.state === 'executing' || isExecuted(r)) && onOrAfter(r.timestamp, windows.budgetSince));
    // Stable sort over insertion order: equal completion times keep the first stored first.
    const unlabelled = mine
      .filter((r) => r.state === 'done' && r.outcomeType === 'success' && r.reKilledAt === null && r.confirmedAt === null && onOrAfter(r.completedAt, windows.rekillSince))
      .sort((a, b) => ms(b.completedAt ?? '') - ms(a.completedAt ?? ''));
    return {
      resurrections: inHistory.length,
      held: count('success'),
      reKilled: count('re_killed'),
      rolledBack: count('rollback'),
      recentResurrections: recent.length,
      unlabelledSuccesses: unlabelled.map((r) => ({ killId: r.killId, completedAt: r.completedAt ?? '' })),
      labels: labelCounts(mine, this.#records, windows),
      fleetLabels: labelCounts(this.#records, this.#records, windows),
    };
  }

  #insert(record: OutcomeRecord): 'inserted' | 'duplicate' {
    if (this.#byKillId.has(record.killId)) return 'duplicate';
    const copy = structuredClone(record) as Mutable<OutcomeRecord>;
    this.#records.push(copy);
    this.#byKillId.set(record.killId, copy);
    return 'inserted';
  }

  #ensureUp(): void {
    if (this.down) throw new MedicError('store_unavailable', 'in-memory store is down');
  }
}
