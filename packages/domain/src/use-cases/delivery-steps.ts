import { MedicError } from '../errors';
import { killIdHint, readKillEntry } from '../kill-report';
import type { Decision, KillReport, KillReportRejection, OutcomeRecord, Rejection, ResurrectionResult, ThreatLookup } from '../model';
import type { Result } from '../result';
import type { PolicyConfig } from '../policy';
import type { Delivery, HistoryWindows, OutcomeUpdate, ResurrectOptions } from '../ports';
import { decide } from '../risk';
import type { MedicCore } from './core';

/** What became of one delivery; `record` is the stored state after any execution. */
export type HandleOutcome =
  | { readonly kind: 'rejected'; readonly rejection: Rejection }
  | { readonly kind: 'duplicate'; readonly record: OutcomeRecord }
  | { readonly kind: 'decided'; readonly record: OutcomeRecord };

/** A valid kill decided but not yet stored; `executing` when live mode resurrects it (approve_auto). */
export interface NewKill {
  readonly kind: 'new';
  readonly delivery: Delivery;
  readonly decision: Decision;
  readonly record: OutcomeRecord;
  readonly executing: boolean;
}

/** A valid kill whose kill_id is already stored. */
export interface StoredKill {
  readonly kind: 'stored';
  readonly delivery: Delivery;
  readonly existing: OutcomeRecord;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Reads one delivery's entry, checking its signature and age when the core has a signing policy. */
export function readEntry(core: MedicCore, delivery: Delivery): Result<KillReport, KillReportRejection> {
  if (!core.signing) return readKillEntry(delivery.fields);
  return readKillEntry(delivery.fields, { policy: core.signing, now: core.clock.now(), ...(delivery.enqueuedAt ? { enqueuedAt: delivery.enqueuedAt } : {}) });
}

/** Dead-letters an invalid entry: stores the rejection, then copies it to the dead-letter stream (which acknowledges it). */
export async function reject(core: MedicCore, delivery: Delivery, problem: KillReportRejection): Promise<HandleOutcome> {
  const rejection: Rejection = {
    deliveryId: delivery.id,
    killId: killIdHint(delivery.fields),
    field: problem.field,
    rule: problem.rule,
    reason: problem.message,
    raw: { ...delivery.fields },
    rejectedAt: core.clock.now().toISOString(),
  };
  await core.repo.saveRejection(rejection);
  // deadLetter acknowledges too, so a rejected entry is never redelivered.
  await core.source.deadLetter(delivery, problem.message);
  core.onEvent({ type: 'rejected', deliveryId: delivery.id, killId: rejection.killId, rejection: problem });
  return { kind: 'rejected', rejection };
}

/**
 * Looks the kill up and, when it is new, decides it without storing it: reads the module's history, labels the
 * module's last resurrection re_killed when this kill falls inside the re-kill window (written at once), asks threat intel.
 */
export async function decideKill(core: MedicCore, delivery: Delivery, report: KillReport): Promise<NewKill | StoredKill> {
  const existing = await core.repo.get(report.killId);
  if (existing) return { kind: 'stored', delivery, existing };

  const windows = historyWindows(core.clock.now(), core.policy);
  let history = await core.repo.moduleHistory(report.targetModule, windows);
  const previous = history.lastSuccess;
  if (previous) {
    await core.repo.markReKilled(previous.killId, core.clock.now().toISOString());
    core.onEvent({ type: 're_killed', killId: report.killId, previousKillId: previous.killId });
    // Read again so the false-positive history already counts the label just written.
    history = await core.repo.moduleHistory(report.targetModule, windows);
  }
  const threat = await lookupThreat(core, report);
  const decision = decide(
    { report, history, threat, reKilledAfterResurrection: previous !== null, autoApproveMaxScore: core.thresholds.autoApproveMaxScore },
    core.policy,
  );
  const executing = core.mode === 'live' && decision.outcome === 'approve_auto';
  return { kind: 'new', delivery, decision, record: newRecord(core, report, decision, threat, executing), executing };
}

/** Whether a stored kill must be re-checked before it is acknowledged: one left executing by a crash, in live mode. */
export function needsRecheck(core: MedicCore, kill: StoredKill): boolean {
  return kill.existing.state === 'executing' && core.mode === 'live';
}

/** A kill already stored: never decided twice; one left executing (a crash mid-restart) is re-checked, not restarted. */
export async function duplicate(core: MedicCore, kill: StoredKill): Promise<HandleOutcome> {
  core.onEvent({ type: 'duplicate', killId: kill.existing.killId, state: kill.existing.state });
  const record = needsRecheck(core, kill) ? await executeResurrection(core, kill.existing, { restartIfRunning: false }) : kill.existing;
  await core.source.ack([kill.delivery.id]);
  return { kind: 'duplicate', record };
}

/** Stores one decided kill on its own, executes it when it is to be, then acknowledges it. */
export async function storeAndFinish(core: MedicCore, kill: NewKill): Promise<HandleOutcome> {
  if ((await core.repo.insert(kill.record)) === 'duplicate') {
    const stored = await storedMeanwhile(core, kill.record.killId);
    await core.source.ack([kill.delivery.id]);
    return { kind: 'duplicate', record: stored };
  }
  announceDecided(core, kill);
  const final = kill.executing ? await executeResurrection(core, kill.record, { restartIfRunning: true }) : kill.record;
  await core.source.ack([kill.delivery.id]);
  return { kind: 'decided', record: final };
}

/** The record another delivery of the same kill stored between our look-up and our insert: it owns the decision. */
export async function storedMeanwhile(core: MedicCore, killId: string): Promise<OutcomeRecord> {
  const stored = await core.repo.get(killId);
  if (!stored) throw new MedicError('record_missing', `kill ${killId} was reported stored but cannot be read`);
  core.onEvent({ type: 'duplicate', killId, state: stored.state });
  return stored;
}

/** Reports a decision once its record is stored. */
export function announceDecided(core: MedicCore, kill: NewKill): void {
  const { record, decision, executing } = kill;
  core.onEvent({ type: 'decided', killId: record.killId, module: record.targetModule, decision, executing });
}

/** Resurrects the record's target, stores the outcome and returns the finished record; `restartIfRunning: false` re-checks an interrupted one. */
export async function executeResurrection(core: MedicCore, record: OutcomeRecord, options: ResurrectOptions): Promise<OutcomeRecord> {
  const { killId, targetModule: module, targetInstanceId: instanceId } = record;
  core.onEvent({ type: 'resurrecting', killId, module, resumed: !options.restartIfRunning });
  const result = await core.resurrector.resurrect({ killId, module, instanceId, killedAt: record.report.timestamp }, options);
  core.onEvent({ type: 'resurrected', killId, module, result });
  await core.repo.complete(killId, outcomeUpdate(result, core.clock.now()));
  const finished = await core.repo.get(killId);
  if (!finished) throw new MedicError('record_missing', `kill ${killId} disappeared from the store while it was being resurrected`);
  return finished;
}

function historyWindows(now: Date, policy: PolicyConfig): HistoryWindows {
  const before = (ms: number): string => new Date(now.getTime() - ms).toISOString();
  return {
    historySince: before(policy.historyWindowDays * DAY_MS),
    budgetSince: before(policy.budget.windowMinutes * MINUTE_MS),
    rekillSince: before(policy.rekillWindowMinutes * MINUTE_MS),
  };
}

/** Asks threat intel with a time limit on the core's clock; an outage, an error or a slow answer is "unavailable", never a failure. */
async function lookupThreat(core: MedicCore, report: KillReport): Promise<ThreatLookup> {
  const intel = core.threatIntel;
  if (!intel) return { status: 'disabled' };
  const limit = core.threatTimeoutMs;
  const answer = Promise.resolve()
    .then(() => intel.lookup(report.targetModule))
    .catch((error: unknown): ThreatLookup => ({ status: 'unavailable', reason: error instanceof Error ? error.message : String(error) }));
  const timeout = core.clock.sleep(limit).then((): ThreatLookup => ({ status: 'unavailable', reason: `timed out after ${limit} ms` }));
  const lookup = await Promise.race([answer, timeout]);
  core.onEvent({ type: 'threat_intel', killId: report.killId, lookup });
  return lookup;
}

function newRecord(core: MedicCore, report: KillReport, decision: Decision, threat: ThreatLookup, executing: boolean): OutcomeRecord {
  return {
    outcomeId: core.newId(),
    decisionId: core.newId(),
    killId: report.killId,
    targetModule: report.targetModule,
    targetInstanceId: report.targetInstanceId,
    timestamp: core.clock.now().toISOString(),
    report,
    mode: core.mode,
    state: executing ? 'executing' : 'decided',
    outcomeType: 'undetermined',
    originalDecision: decision.outcome,
    originalRiskScore: decision.riskScore,
    originalConfidence: decision.confidence,
    riskLevel: decision.riskLevel,
    guard: decision.guard,
    wasAutoApproved: executing,
    factors: decision.factors,
    reasoning: decision.reasoning,
    threatContext: threat,
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
  };
}

function outcomeUpdate(result: ResurrectionResult, at: Date): OutcomeUpdate {
  return {
    outcomeType: result.outcome,
    timeToHealthy: result.timeToHealthy,
    healthStatus: result.healthStatus,
    containerId: result.containerId,
    error: result.error,
    errorMessage: result.message,
    completedAt: at.toISOString(),
    ...(result.verification ? { note: result.verification } : {}),
  };
}
