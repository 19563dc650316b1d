import { CRITICALITY_LABEL, readCriticalityLabel } from '../container-labels';
import { DependencyError } from '../errors';
import type { Dependency } from '../errors';
import { killIdHint, readKillEntry } from '../kill-report';
import { EMPTY_HISTORY, NOTHING_KNOWN_YET, resurrectionStart } from '../model';
import type { Decision, KillReport, ModuleHistory, OutcomeRecord, RecordState, Rejection, ResurrectionOutcome, ResurrectionResult, ThreatLookup } from '../model';
import { decisionFacts, queueNotification, resurrectionFacts } from '../notifications';
import type { QueuedNotification } from '../notifications';
import { configuredCriticality } from '../policy';
import type { PolicyConfig } from '../policy';
import type { DeadLetter, Delivery, HistoryWindows, OutcomeUpdate, ReKillLabel, Redecision, ResurrectOptions, ResurrectionTarget } from '../ports';
import { ENGINE_RETRY, STORE_RETRY, backoffDelay } from '../retry';
import { decide } from '../risk';
import type { DecisionInput } from '../risk';
import { fmt } from '../round';
import type { LearnedSignals } from './learned-signals';
import type { AutoApproveCeiling } from './ceiling';
import type { MedicCore } from './core';

/** What the pipeline works with: every port and setting, the ceiling to read and the learnt signals to read. */
export type PipelineDeps = Pick<
  MedicCore,
  'source' | 'repo' | 'resurrector' | 'threatIntel' | 'clock' | 'newId' | 'policy' | 'mode' | 'resurrection' | 'approvalTtlMinutes' | 'onEvent' | 'signing' | 'notificationRoutes'
> & {
  readonly ceiling: AutoApproveCeiling;
  readonly learned: LearnedSignals;
};

/** What became of one delivery of a batch by the time the batch was committed. */
export type DeliveryStatus =
  /** Dead-lettered and acknowledged. */
  | { readonly kind: 'rejected'; readonly rejection: Rejection }
  /**
   * decided: stored and acknowledged. executing: stored, its resurrection queued; acknowledged once its outcome is durable.
   * duplicate: already stored; acknowledged, or re-checked first when it was left executing. waiting: held until the
   * resurrection in flight for its module (or for the same kill) is over, then handled like a new delivery.
   */
  | { readonly kind: 'decided' | 'executing' | 'duplicate' | 'waiting'; readonly killId: string }
  /** The pipeline holds this delivery already (a redelivery of a kill in flight); nothing was done. */
  | { readonly kind: 'in_hand' };

/** How many resurrections run, wait for a slot, retry an unreachable engine, and kills wait for their module. */
export interface PipelineStatus {
  readonly running: number;
  readonly queued: number;
  readonly retrying: number;
  readonly waiting: number;
}

/** Most resurrections and waiting kills the pipeline holds before waitForRoom() makes its feeder wait. */
export const MAX_BACKLOG = 1_000;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const RESTART: ResurrectOptions = { restartIfRunning: true };
/** An interrupted resurrection is re-checked: a running container is waited on, not restarted again. */
const RECHECK: ResurrectOptions = { restartIfRunning: false };
const DISABLED: ThreatLookup = { status: 'disabled' };
const IN_HAND: DeliveryStatus = { kind: 'in_hand' };

/** A valid kill report and its delivery, with later deliveries of the same kill that are acknowledged with it. */
interface Kill {
  readonly delivery: Delivery;
  readonly report: KillReport;
  readonly repeats: string[];
}

/** A resurrection of a stored executing record; its delivery and repeats are acknowledged once its outcome is durable. */
interface Job {
  readonly record: OutcomeRecord;
  readonly options: ResurrectOptions;
  /** The kill's own delivery; null for an approval or a record resumed at start. */
  readonly delivery: string | null;
  readonly repeats: string[];
  readonly finished: (record: OutcomeRecord) => void;
  /**
   * An automatic resurrection decided in this run of the pipeline: the decision's inputs, to decide again if the container's
   * medic.criticality label changes them. Absent for approvals and re-checks.
   */
  readonly decidedFrom?: DecisionInput;
}

/** What the container's medic.criticality label did to an automatic resurrection about to start. */
type CriticalityCheck =
  | { readonly kind: 'proceed'; readonly note: string | null }
  | { readonly kind: 'withdraw'; readonly decision: Decision; readonly because: string };

/** A module with a resurrection queued or running; what arrives for it meanwhile waits here, in order. */
interface Lane {
  readonly waiting: Array<Kill | Job>;
}

/** How an earlier delivery of a kill in the same batch was handled. */
interface Seen {
  /** Later deliveries of the kill; acknowledged with the batch, or with the kill when it is held. */
  readonly repeats: string[];
  held: boolean;
  /** The record's state, for the duplicate events of repeats acknowledged with the batch. */
  state: RecordState;
}

/** A kill decided in this batch, waiting for the commit. */
interface Decided {
  readonly kill: Kill;
  readonly index: number;
  readonly decision: Decision;
  readonly record: OutcomeRecord;
  readonly executing: boolean;
  /** The success this kill labels re_killed, if any. */
  readonly reKilled: string | null;
  readonly input: DecisionInput;
}

const isJob = (item: Kill | Job): item is Job => 'record' in item;
const noop = (): void => undefined;

/**
 * The one path every delivery takes. A batch is read, decided and committed as a group: one look-up of
 * the stored kills, one module-history query and one threat-intel look-up per module, one transaction for the records,
 * re-kill labels and rejections, then one acknowledgement for everything final (dead letters included). A single delivery
 * is a batch of one.
 *
 * Resurrections leave the batch path: up to `resurrection.concurrency` run at once, at most one per module, each
 * acknowledged once its own outcome is durable, so the stream's pending list is the set of kills in flight. A kill of a
 * module whose resurrection is in flight waits, undecided, until that one is over, so the restart budget and the re-kill
 * label it sees are exactly those of handling the deliveries one by one. The fleet's label counts (the prior every
 * module's estimate is shrunk towards) are those stored when its batch was looked up: other modules' resurrections in
 * flight have no outcome yet, and a kill that waited for its module is decided after later kills of other modules. An unreachable engine is retried with backoff until the resurrection's deadline; only then is the outcome
 * failure / docker_unavailable.
 */
export class KillPipeline {
  readonly #deps: PipelineDeps;
  /** Modules with a resurrection queued or running. */
  readonly #lanes = new Map<string, Lane>();
  /** Kills queued, running or waiting, with the array their repeats go to. */
  readonly #held = new Map<string, string[]>();
  /** Every delivery id held, so a redelivery of a kill in flight is ignored. */
  readonly #inHand = new Set<string>();
  readonly #ready: Job[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #retrying = new Set<string>();
  readonly #roomWaiters: Array<() => void> = [];
  readonly #idleWaiters: Array<() => void> = [];
  /** Batches, drains and schedulings run one at a time, in order. */
  #serial: Promise<unknown> = Promise.resolve();
  /** Serial tasks queued or running. */
  #tasks = 0;
  #stopping = false;
  #stopSignal: () => void = noop;
  readonly #stopped: Promise<true>;

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
    this.#stopped = new Promise((resolve) => (this.#stopSignal = () => resolve(true)));
  }

  /**
   * Handles a batch: decides what is new, commits it, acknowledges what is final and queues resurrections. Resolves once
   * the batch is durable and acknowledged (it never waits for a resurrection); one status per delivery. A failing port
   * rejects with a DependencyError naming it, leaving what was not committed unacknowledged; handing the same deliveries
   * in again is safe.
   */
  handle(deliveries: readonly Delivery[]): Promise<DeliveryStatus[]> {
    return this.#serially(() => this.#handleDeliveries(deliveries));
  }

  /** Resurrects an approved (executing) record when its module is free; resolves with the finished record. */
  resurrect(record: OutcomeRecord): Promise<OutcomeRecord> {
    return new Promise((resolve) => {
      void this.#serially(async () => this.#schedule({ record, options: RESTART, delivery: null, repeats: [], finished: resolve }));
    });
  }

  /**
   * Re-checks every record left executing (by a crash, a shutdown or an engine outage), in live mode; their deliveries,
   * when the source hands them out again, are acknowledged once the re-check is over. Call before the first batch.
   */
  async resume(): Promise<number> {
    if (this.#deps.mode !== 'live') return 0;
    const executing = await this.#call('store', () => this.#deps.repo.listExecuting());
    await this.#serially(async () => {
      for (const record of executing) {
        if (!this.#held.has(record.killId)) this.#schedule({ record, options: RECHECK, delivery: null, repeats: [], finished: noop });
      }
    });
    return executing.length;
  }

  /** Resolves once the pipeline holds fewer than MAX_BACKLOG resurrections and waiting kills (at once when stopping). */
  waitForRoom(): Promise<void> {
    if (this.#stopping || this.#backlog() < MAX_BACKLOG) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  status(): PipelineStatus {
    let waiting = 0;
    for (const lane of this.#lanes.values()) waiting += lane.waiting.length;
    return { running: this.#running.size, queued: this.#ready.length, retrying: this.#retrying.size, waiting };
  }

  /**
   * Stops taking work: the batch under way finishes, no queued resurrection starts, engine retries give up at once, and
   * waiting kills stay undecided. What is left stays unacknowledged, to be re-checked (or decided) after a restart.
   * Resurrections already running go on; inFlight() resolves when they are over.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopSignal();
    for (const wake of this.#roomWaiters.splice(0)) wake();
    await this.#serial;
  }

  /** Resolves once no resurrection is running. */
  async inFlight(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  /** Resolves once everything handed in is finished: no batch, resurrection or waiting kill left (once stopped: nothing running). */
  async settled(): Promise<void> {
    while (!this.#idle()) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #idle(): boolean {
    if (this.#tasks > 0 || this.#running.size > 0) return false;
    return this.#stopping || (this.#ready.length === 0 && this.#lanes.size === 0);
  }

  #changed(): void {
    if (this.#idleWaiters.length > 0 && this.#idle()) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    this.#tasks += 1;
    const run = this.#serial.then(task).finally(() => {
      this.#tasks -= 1;
      this.#changed();
    });
    this.#serial = run.catch(noop);
    return run;
  }

  async #handleDeliveries(deliveries: readonly Delivery[]): Promise<DeliveryStatus[]> {
    const statuses: DeliveryStatus[] = new Array<DeliveryStatus>(deliveries.length);
    const kills: Kill[] = [];
    const indices: number[] = [];
    const rejections: Rejection[] = [];
    const deadLetters: DeadLetter[] = [];
    let rejectedAt: string | null = null;
    const signing = this.#deps.signing;
    const now = signing ? this.#deps.clock.now() : null;
    for (let i = 0; i < deliveries.length; i++) {
      const delivery = deliveries[i]!;
      if (this.#inHand.has(delivery.id)) {
        statuses[i] = IN_HAND;
        continue;
      }
      // With signed reports required, the signature and the report's age are checked too (the age from when the broker took it).
      const read =
        signing && now
          ? readKillEntry(delivery.fields, { policy: signing, now, ...(delivery.enqueuedAt ? { enqueuedAt: delivery.enqueuedAt } : {}) })
          : readKillEntry(delivery.fields);
      if (read.ok) {
        kills.push({ delivery, report: read.value, repeats: [] });
        indices.push(i);
        continue;
      }
      rejectedAt ??= this.#deps.clock.now().toISOString();
      const problem = read.error;
      const rejection: Rejection = {
        deliveryId: delivery.id,
        killId: killIdHint(delivery.fields),
        field: problem.field,
        rule: problem.rule,
        reason: problem.message,
        raw: { ...delivery.fields },
        rejectedAt,
      };
      rejections.push(rejection);
      deadLetters.push({ delivery, reason: problem.message });
      statuses[i] = { kind: 'rejected', rejection };
    }
    const kinds = await this.#decideAndCommit(kills, rejections, deadLetters);
    for (let j = 0; j < kills.length; j++) statuses[indices[j]!] = { kind: kinds[j]!, killId: kills[j]!.report.killId };
    return statuses;
  }

  /**
   * The batch itself, in order: look up, decide (labelling re-kills as its own step), commit, queue
   * resurrections, acknowledge. Later kills of a module see the effect of earlier ones: labels on the module's history at
   * once, a resurrection by waiting for it.
   */
  async #decideAndCommit(kills: readonly Kill[], rejections: readonly Rejection[], deadLetters: readonly DeadLetter[]): Promise<Array<Exclude<DeliveryStatus['kind'], 'rejected' | 'in_hand'>>> {
    const deps = this.#deps;
    const live = deps.mode === 'live';
    const now = deps.clock.now();
    const at = now.toISOString();

    // Look up: one query for the kills already stored, one for the histories of the modules to decide, one threat-intel
    // answer per module.
    const unknown = new Set<string>();
    for (const { report } of kills) if (!this.#held.has(report.killId)) unknown.add(report.killId);
    const stored = new Map<string, OutcomeRecord>();
    if (unknown.size > 0) for (const record of await this.#call('store', () => deps.repo.getMany([...unknown]))) stored.set(record.killId, record);
    const modules = new Set<string>();
    for (const { report } of kills) {
      if (!stored.has(report.killId) && !this.#held.has(report.killId) && !this.#lanes.has(report.targetModule)) modules.add(report.targetModule);
    }
    const windows = historyWindows(now, deps.policy);
    const histories = modules.size > 0 ? await this.#call('store', () => deps.repo.moduleHistories([...modules], windows)) : new Map<string, ModuleHistory>();
    const threats = await this.#lookupThreats(modules);
    const autoApproveMaxScore = deps.ceiling.current();
    const signals = deps.learned.current();

    // Decide, in delivery order.
    const kinds = new Array<Exclude<DeliveryStatus['kind'], 'rejected' | 'in_hand'>>(kills.length);
    const seen = new Map<string, Seen>();
    const records: OutcomeRecord[] = [];
    const notifications: QueuedNotification[] = [];
    const routes = deps.notificationRoutes;
    const decided: Decided[] = [];
    const labels: ReKillLabel[] = [];
    const acks: string[] = [];
    const duplicates: Array<{ killId: string; state: RecordState }> = [];
    const rechecks: Job[] = [];
    /** Modules that get a resurrection in this batch, with what arrives for them after it. */
    const behind = new Map<string, Array<Kill | Job>>();
    const wait = (module: string, item: Kill | Job): void => {
      const local = behind.get(module);
      if (local) local.push(item);
      else this.#wait(this.#lanes.get(module)!, item);
    };

    for (let i = 0; i < kills.length; i++) {
      const kill = kills[i]!;
      const { report } = kill;
      const killId = report.killId;
      const module = report.targetModule;
      const heldRepeats = this.#held.get(killId);
      if (heldRepeats) {
        heldRepeats.push(kill.delivery.id, ...kill.repeats);
        this.#inHand.add(kill.delivery.id);
        for (const id of kill.repeats) this.#inHand.add(id);
        kinds[i] = 'waiting';
        continue;
      }
      const earlier = seen.get(killId);
      if (earlier) {
        earlier.repeats.push(kill.delivery.id, ...kill.repeats);
        // Held already (waiting behind a resurrection that was in flight before this batch): in hand from now on.
        if (this.#held.get(killId) === earlier.repeats) for (const id of [kill.delivery.id, ...kill.repeats]) this.#inHand.add(id);
        kinds[i] = earlier.held ? 'waiting' : 'duplicate';
        continue;
      }
      const record = stored.get(killId);
      if (record) {
        kinds[i] = 'duplicate';
        duplicates.push({ killId, state: record.state });
        if (record.state === 'executing' && live) {
          // Left executing by a crash, a shutdown or an engine outage: re-checked, never restarted blindly. The stored record
          // names the container, whatever this delivery says.
          const job: Job = { record, options: RECHECK, delivery: kill.delivery.id, repeats: kill.repeats, finished: noop };
          const target = record.targetModule;
          if (this.#lanes.has(target) || behind.has(target)) wait(target, job);
          else {
            rechecks.push(job);
            behind.set(target, []);
          }
          seen.set(killId, { repeats: kill.repeats, held: true, state: record.state });
        } else {
          acks.push(kill.delivery.id);
          seen.set(killId, { repeats: kill.repeats, held: false, state: record.state });
        }
        continue;
      }
      if (this.#lanes.has(module) || behind.has(module)) {
        wait(module, kill);
        seen.set(killId, { repeats: kill.repeats, held: true, state: 'decided' });
        kinds[i] = 'waiting';
        continue;
      }

      const reKill = labelReKill(histories.get(module) ?? EMPTY_HISTORY, killId, at, windows);
      if (reKill.label) {
        labels.push(reKill.label);
        histories.set(module, reKill.history);
      }
      const history = reKill.history;
      const previous = reKill.label?.killId ?? null;
      const threat = threats?.get(module) ?? DISABLED;
      if (threats) deps.onEvent({ type: 'threat_intel', killId, lookup: threat });
      const input: DecisionInput = { report, history, threat, reKilledAfterResurrection: previous !== null, autoApproveMaxScore, signals };
      const decision = decide(input, deps.policy);
      const executing = live && decision.verdict === 'approve_auto';
      const newRecord = recordOf(deps, report, decision, threat, executing, at);
      records.push(newRecord);
      if (routes) for (const queued of queueNotification(routes, decisionFacts(newRecord, deps.approvalTtlMinutes), deps.newId)) notifications.push(queued);
      decided.push({ kill, index: i, decision, record: newRecord, executing, reKilled: previous, input });
      if (executing) {
        behind.set(module, []);
        seen.set(killId, { repeats: kill.repeats, held: true, state: 'executing' });
        kinds[i] = 'executing';
      } else {
        acks.push(kill.delivery.id);
        seen.set(killId, { repeats: kill.repeats, held: false, state: 'decided' });
        kinds[i] = 'decided';
      }
    }

    // Commit: records, labels, rejections and the notifications of the decisions in one transaction. Nothing above is visible before it.
    const results =
      records.length + labels.length + rejections.length > 0
        ? await this.#call('store', () => deps.repo.commitBatch({ records, reKills: labels, rejections, notifications }))
        : [];

    const jobs: Job[] = rechecks;
    for (let j = 0; j < decided.length; j++) {
      const { kill, index, decision, record, executing, reKilled, input } = decided[j]!;
      const { killId, targetModule: module } = record;
      if (results[j] === 'inserted') {
        if (reKilled) deps.onEvent({ type: 're_killed', killId, previousKillId: reKilled });
        deps.onEvent({ type: 'decided', killId, module, decision, executing });
        if (executing) jobs.push({ record, options: RESTART, delivery: kill.delivery.id, repeats: kill.repeats, finished: noop, decidedFrom: input });
        continue;
      }
      // Another consumer stored this kill between the look-up and the commit: its decision stands.
      const theirs = await this.#call('store', () => deps.repo.get(killId));
      const state = theirs?.state ?? 'decided';
      duplicates.push({ killId, state });
      kinds[index] = 'duplicate';
      const entry = seen.get(killId)!;
      entry.state = state;
      if (executing) {
        entry.held = false;
        acks.push(kill.delivery.id);
        const stranded = behind.get(module) ?? [];
        behind.delete(module);
        if (stranded.length > 0) {
          // They waited for a resurrection that will not run here: they go next.
          const lane: Lane = { waiting: [] };
          this.#lanes.set(module, lane);
          for (const item of stranded) this.#wait(lane, item);
          this.#release(module);
        }
      }
    }

    // Queue the resurrections, with what waits behind each, before acknowledging: a batch never holds one back.
    for (const job of jobs) {
      const module = job.record.targetModule;
      const lane: Lane = { waiting: [] };
      this.#lanes.set(module, lane);
      this.#hold(job);
      for (const item of behind.get(module) ?? []) this.#wait(lane, item);
      this.#ready.push(job);
    }
    this.#pump();

    // Acknowledge everything final in one call, dead letters included.
    for (const [killId, entry] of seen) {
      if (entry.held) continue;
      for (const id of entry.repeats) {
        acks.push(id);
        duplicates.push({ killId, state: entry.state });
      }
    }
    await this.#acknowledge(acks, deadLetters);
    for (const { killId, state } of duplicates) deps.onEvent({ type: 'duplicate', killId, state });
    for (const r of rejections) {
      deps.onEvent({ type: 'rejected', deliveryId: r.deliveryId, killId: r.killId, rejection: { field: r.field, rule: r.rule, message: r.reason } });
    }
    return kinds;
  }

  /** Runs a job now, or behind the resurrection in flight for its module. */
  #schedule(job: Job): void {
    const module = job.record.targetModule;
    const lane = this.#lanes.get(module);
    if (lane) {
      this.#wait(lane, job);
      return;
    }
    this.#lanes.set(module, { waiting: [] });
    this.#hold(job);
    this.#ready.push(job);
    this.#pump();
  }

  #wait(lane: Lane, item: Kill | Job): void {
    lane.waiting.push(item);
    this.#hold(item);
    if (!isJob(item)) this.#deps.onEvent({ type: 'waiting', killId: item.report.killId, module: item.report.targetModule });
  }

  #hold(item: Kill | Job): void {
    const own = isJob(item) ? item.delivery : item.delivery.id;
    this.#held.set(isJob(item) ? item.record.killId : item.report.killId, item.repeats);
    if (own !== null) this.#inHand.add(own);
    for (const id of item.repeats) this.#inHand.add(id);
  }

  #unhold(item: Kill | Job): void {
    const own = isJob(item) ? item.delivery : item.delivery.id;
    this.#held.delete(isJob(item) ? item.record.killId : item.report.killId);
    if (own !== null) this.#inHand.delete(own);
    for (const id of item.repeats) this.#inHand.delete(id);
  }

  #pump(): void {
    const limit = Math.max(1, this.#deps.resurrection.concurrency);
    while (!this.#stopping && this.#running.size < limit && this.#ready.length > 0) {
      const job = this.#ready.shift()!;
      const run: Promise<void> = this.#run(job)
        .catch((error: unknown) => {
          // The ports promise not to throw here; if one does, the job is left for a restart like an abandoned one.
          this.#deps.onEvent({ type: 'background_error', killId: job.record.killId, stage: 'complete', message: messageOf(error), retrying: false });
        })
        .finally(() => {
          this.#running.delete(run);
          this.#pump();
          this.#wakeFeeder();
          this.#changed();
        });
      this.#running.add(run);
    }
  }

  /**
   * One resurrection: for an automatic one, first the container's medic.criticality label (which may withdraw it), then the
   * resurrection itself, both retried while the engine is unreachable; then its outcome stored, then its deliveries acknowledged.
   */
  async #run(job: Job): Promise<void> {
    const deps = this.#deps;
    const { record } = job;
    const { killId, targetModule: module, targetInstanceId: instanceId } = record;
    const target: ResurrectionTarget = { killId, module, instanceId, killedAt: record.report.timestamp };
    deps.onEvent({ type: 'resurrecting', killId, module, resumed: !job.options.restartIfRunning });
    const deadline = Date.parse(resurrectionStart(record)) + deps.resurrection.retryDeadlineSeconds * 1000;
    // An automatic resurrection asks the container's medic.criticality label first, on the resurrector's own look-up.
    const admission: { check: CriticalityCheck | null } = { check: null };
    const decidedFrom = job.decidedFrom;
    let options: ResurrectOptions = decidedFrom
      ? {
          ...job.options,
          admit: (container, labels) => {
            admission.check = this.#checkCriticality(job, decidedFrom, container, labels);
            return admission.check.kind === 'proceed';
          },
        }
      : job.options;
    let result: ResurrectionResult;
    let outcome: ResurrectionOutcome;
    for (let attempt = 1; ; attempt++) {
      result = await deps.resurrector.resurrect(target, options);
      if (result.outcome === 'withdrawn') {
        const check = admission.check;
        if (check?.kind !== 'withdraw') throw new Error(`the resurrector withdrew the resurrection of ${killId}, which its admit callback let through`);
        return this.#withdraw(job, check.decision, check.because);
      }
      outcome = result.outcome;
      // Admitted once: a retry does not read the label again, and the first answer's note stands.
      if (admission.check !== null && options.admit) options = { restartIfRunning: options.restartIfRunning };
      if (result.error !== 'docker_unavailable') break;
      if (this.#stopping) return this.#abandon(job);
      const remaining = deadline - deps.clock.now().getTime();
      if (remaining <= 0) break;
      const delayMs = Math.min(backoffDelay(ENGINE_RETRY, attempt), remaining);
      deps.onEvent({ type: 'resurrection_retry', killId, module, attempt, delayMs, reason: result.message ?? 'container engine unreachable' });
      this.#retrying.add(killId);
      const stopped = await this.#sleep(delayMs);
      this.#retrying.delete(killId);
      if (stopped) return this.#abandon(job);
      // The failed attempt may have started or restarted the container before the engine went away: from now on only re-check.
      if (result.action !== 'none') options = RECHECK;
    }
    deps.onEvent({ type: 'resurrected', killId, module, result });
    for (const warning of result.labels?.ignored ?? []) deps.onEvent({ type: 'label_ignored', killId, module, warning });
    const completed = outcomeUpdate(result, outcome, deps.clock.now(), admission.check?.kind === 'proceed' ? admission.check.note : null);
    const { error, errorMessage: message, timeToHealthy, healthStatus, containerId, completedAt } = completed;
    const facts = deps.notificationRoutes ? resurrectionFacts(record, { outcome, error, message, timeToHealthy, healthStatus, containerId, completedAt }) : null;
    const update: OutcomeUpdate = { ...completed, notifications: queueNotification(deps.notificationRoutes, facts, deps.newId) };
    if (!(await this.#store(job, () => deps.repo.complete(killId, update)))) return;
    await this.#settle(job);
    if (job.finished !== noop) job.finished(await this.#finishedRecord(record, update));
    this.#release(module);
  }

  /**
   * Reads the container's medic.criticality label for an automatic resurrection about to start (the resurrector asks, once
   * it has located the container and its medic.enable let it through). A usable value other than the configured
   * criticality decides the kill again with it: the resurrection goes on only if that is approve_auto too. So a label can
   * stop an automatic resurrection (or send it to review), never start one: only a kill Medic was about to resurrect reads
   * it, and observer mode decides without the engine, as live mode does.
   */
  #checkCriticality(job: Job, input: DecisionInput, container: string, labels: Readonly<Record<string, string>>): CriticalityCheck {
    const deps = this.#deps;
    const { killId, targetModule: module } = job.record;
    const reading = readCriticalityLabel(container, labels);
    if (reading.status === 'absent') return { kind: 'proceed', note: null };
    if (reading.status === 'invalid') {
      deps.onEvent({ type: 'label_ignored', killId, module, warning: reading.warning });
      return { kind: 'proceed', note: `${capitalize(reading.warning)}.` };
    }
    const configured = configuredCriticality(deps.policy, module);
    if (configured === reading.value) return { kind: 'proceed', note: null };
    const decision = decide({ ...input, criticalityOverride: { value: reading.value, source: `label ${CRITICALITY_LABEL} on container ${container}` } }, deps.policy);
    const replaced =
      `Label ${CRITICALITY_LABEL}=${fmt(reading.value)} on container ${container} replaced risk.module_criticality ` +
      `(${configured === undefined ? 'not set' : fmt(configured)}) for ${module}, and the kill was decided again with it before resurrecting`;
    const scores = `risk ${fmt(job.record.originalRiskScore)} → ${fmt(decision.riskScore)}`;
    if (decision.verdict === 'approve_auto') return { kind: 'proceed', note: `${replaced}: still approve_auto (${scores}).` };
    return { kind: 'withdraw', decision, because: `${replaced}: ${decision.verdict} instead of approve_auto (${scores}); nothing was restarted.` };
  }

  /** An automatic resurrection a container label stopped: the record takes the new decision (with its notification), and the kill is settled. */
  async #withdraw(job: Job, decision: Decision, because: string): Promise<void> {
    const deps = this.#deps;
    const { record } = job;
    const { killId, targetModule: module } = record;
    const reasoning = [because, ...decision.reasoning];
    const { verdict, riskScore, riskLevel, confidence, guard, factors } = decision;
    const redecided: OutcomeRecord = {
      ...record,
      state: 'decided',
      originalDecision: verdict,
      originalRiskScore: riskScore,
      riskLevel,
      originalConfidence: confidence,
      guard,
      wasAutoApproved: false,
      factors,
      reasoning,
    };
    const redecision: Redecision = {
      decision: { verdict, riskScore, riskLevel, confidence, guard, factors, reasoning },
      notifications: queueNotification(deps.notificationRoutes, decisionFacts(redecided, deps.approvalTtlMinutes), deps.newId),
    };
    if (!(await this.#store(job, () => deps.repo.redecide(killId, redecision)))) return;
    deps.onEvent({ type: 'redecided', killId, module, decision: { ...decision, reasoning }, because });
    await this.#settle(job);
    if (job.finished !== noop) job.finished((await deps.repo.get(killId).catch(() => null)) ?? redecided);
    this.#release(module);
  }

  /** Runs a store write until it succeeds; false when the pipeline stopped first (the job is then left for a restart). */
  async #store(job: Job, write: () => Promise<unknown>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return true;
      } catch (error) {
        this.#deps.onEvent({ type: 'background_error', killId: job.record.killId, stage: 'complete', message: messageOf(error), retrying: !this.#stopping });
        if (this.#stopping || (await this.#sleep(backoffDelay(STORE_RETRY, attempt)))) {
          this.#abandon(job);
          return false;
        }
      }
    }
  }

  /** The job's outcome is durable: its deliveries are acknowledged. */
  async #settle(job: Job): Promise<void> {
    const deps = this.#deps;
    const { killId } = job.record;
    this.#unhold(job);
    try {
      await this.#acknowledge(job.delivery === null ? job.repeats : [job.delivery, ...job.repeats]);
    } catch (error) {
      // The outcome is durable: a redelivery of these entries is acknowledged as a duplicate.
      deps.onEvent({ type: 'background_error', killId, stage: 'ack', message: messageOf(error), retrying: false });
    }
    for (let i = 0; i < job.repeats.length; i++) deps.onEvent({ type: 'duplicate', killId, state: 'done' });
  }

  /** The one place deliveries are acknowledged (dead letters with them), always after what they caused is durable. */
  async #acknowledge(ids: readonly string[], deadLetters: readonly DeadLetter[] = []): Promise<void> {
    if (ids.length === 0 && deadLetters.length === 0) return;
    await this.#call('source', () => this.#deps.source.ack(ids, deadLetters));
  }

  /** The record as stored once done (reasoning with any note appended); from what is known if the store cannot say. */
  async #finishedRecord(record: OutcomeRecord, update: OutcomeUpdate): Promise<OutcomeRecord> {
    const stored = await this.#deps.repo.get(record.killId).catch(() => null);
    if (stored) return stored;
    const { note, notifications: _queued, ...outcome } = update;
    return { ...record, ...outcome, state: 'done', reasoning: note ? [...record.reasoning, note] : record.reasoning };
  }

  /** Left for a restart: the record stays executing and its deliveries pending. */
  #abandon(job: Job): void {
    this.#deps.onEvent({ type: 'abandoned', killId: job.record.killId, module: job.record.targetModule });
  }

  /** The module's resurrection is over: what waited for it goes next, in order. */
  #release(module: string): void {
    void this.#serially(() => this.#drain(module));
  }

  async #drain(module: string): Promise<void> {
    const lane = this.#lanes.get(module);
    if (!lane) return;
    this.#lanes.delete(module);
    this.#wakeFeeder();
    const items = lane.waiting;
    let next = 0;
    while (next < items.length && !this.#stopping) {
      const busy = this.#lanes.get(module);
      if (busy) {
        // An item just handled started a resurrection: the rest wait for that one.
        busy.waiting.push(...items.slice(next));
        return;
      }
      const item = items[next]!;
      if (isJob(item)) {
        next += 1;
        this.#unhold(item);
        this.#schedule(item);
        continue;
      }
      let end = next;
      while (end < items.length && !isJob(items[end]!)) end += 1;
      const batch = items.slice(next, end) as Kill[];
      for (const kill of batch) this.#unhold(kill);
      try {
        await this.#decideAndCommit(batch, [], []);
      } catch (error) {
        // Nothing unacknowledged is lost: what is not yet held by a resurrection waits again, and is retried after the store's backoff.
        const rest = items.slice(next).filter((item) => (isJob(item) ? !this.#held.has(item.record.killId) : !this.#inHand.has(item.delivery.id)));
        const started = this.#lanes.get(module);
        const lane = started ?? { waiting: [] };
        if (!started) this.#lanes.set(module, lane);
        for (const item of rest) this.#wait(lane, item);
        this.#deps.onEvent({ type: 'background_error', killId: batch[0]!.report.killId, stage: 'decide', message: messageOf(error), retrying: !this.#stopping });
        if (!started) void this.#sleep(backoffDelay(STORE_RETRY, 1)).then((stopped) => (stopped ? undefined : this.#release(module)));
        return;
      }
      next = end;
    }
    if (this.#stopping && next < items.length) this.#lanes.set(module, { waiting: items.slice(next) });
  }

  #backlog(): number {
    const { queued, waiting } = this.status();
    return queued + waiting;
  }

  #wakeFeeder(): void {
    if (this.#roomWaiters.length === 0 || this.#backlog() >= MAX_BACKLOG) return;
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }

  /** Sleeps on the clock; true when the pipeline stopped meanwhile. */
  #sleep(ms: number): Promise<boolean> {
    return Promise.race([this.#deps.clock.sleep(ms).then(() => false), this.#stopped]);
  }

  async #lookupThreats(modules: ReadonlySet<string>): Promise<Map<string, ThreatLookup> | null> {
    const intel = this.#deps.threatIntel;
    if (!intel) return null;
    const names = [...modules];
    // The adapter owns the time limit; a broken adapter still only makes the factor unavailable.
    const answers = await Promise.all(
      names.map((module) =>
        Promise.resolve()
          .then(() => intel.lookup(module))
          .catch((error: unknown): ThreatLookup => ({ status: 'unavailable', reason: messageOf(error) })),
      ),
    );
    const threats = new Map<string, ThreatLookup>();
    for (let i = 0; i < names.length; i++) threats.set(names[i]!, answers[i]!);
    return threats;
  }

  async #call<T>(dependency: Dependency, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw error instanceof DependencyError ? error : new DependencyError(dependency, error);
    }
  }
}

function historyWindows(now: Date, policy: PolicyConfig): HistoryWindows {
  const before = (ms: number): string => new Date(now.getTime() - ms).toISOString();
  return {
    historySince: before(policy.historyWindowDays * DAY_MS),
    budgetSince: before(policy.budget.windowMinutes * MINUTE_MS),
    rekillSince: before(policy.rekillWindowMinutes * MINUTE_MS),
  };
}

/**
 * Re-kill labelling: a kill of a module whose newest unlabelled success falls inside the re-kill window says
 * that resurrection was wrong. Returns the label (written in the same transaction as the new kill's record) and the
 * history as the store will hold it then, which the decision and later kills of the module in the batch see.
 */
function labelReKill(
  history: ModuleHistory,
  causedBy: string,
  at: string,
  windows: HistoryWindows,
): { label: ReKillLabel | null; history: ModuleHistory } {
  const previous = history.unlabelledSuccesses[0];
  if (!previous) return { label: null, history };
  // Inside the history window the success now counts as re-killed, a true positive, instead of held.
  const counted = Date.parse(previous.completedAt) >= Date.parse(windows.historySince);
  const labels = counted ? { ...history.labels, truePositives: history.labels.truePositives + 1 } : history.labels;
  return {
    label: { killId: previous.killId, at, causedBy },
    history: {
      ...history,
      held: counted ? history.held - 1 : history.held,
      reKilled: counted ? history.reKilled + 1 : history.reKilled,
      unlabelledSuccesses: history.unlabelledSuccesses.slice(1),
      labels,
    },
  };
}

function recordOf(deps: Pick<PipelineDeps, 'newId' | 'mode'>, report: KillReport, decision: Decision, threat: ThreatLookup, executing: boolean, at: string): OutcomeRecord {
  return {
    outcomeId: deps.newId(),
    decisionId: deps.newId(),
    killId: report.killId,
    targetModule: report.targetModule,
    targetInstanceId: report.targetInstanceId,
    timestamp: at,
    report,
    mode: deps.mode,
    state: executing ? 'executing' : 'decided',
    outcomeType: 'undetermined',
    originalDecision: decision.verdict,
    originalRiskScore: decision.riskScore,
    originalConfidence: decision.confidence,
    riskLevel: decision.riskLevel,
    guard: decision.guard,
    wasAutoApproved: executing,
    factors: decision.factors,
    reasoning: decision.reasoning,
    threatContext: threat,
    ...NOTHING_KNOWN_YET,
  };
}

/** The stored outcome of a resurrection; its note says what labels did (`criticality` first), then what verify_kill found. */
function outcomeUpdate(result: ResurrectionResult, outcome: ResurrectionOutcome, at: Date, criticality: string | null): OutcomeUpdate {
  const sentences = [criticality, ...(result.labels?.applied ?? []).map(sentence), ...(result.labels?.ignored ?? []).map(sentence), result.verification];
  const note = sentences.filter((s): s is string => typeof s === 'string' && s !== '').join(' ');
  return {
    outcomeType: outcome,
    timeToHealthy: result.timeToHealthy,
    healthStatus: result.healthStatus,
    containerId: result.containerId,
    error: result.error,
    errorMessage: result.message,
    completedAt: at.toISOString(),
    ...(note !== '' ? { note } : {}),
  };
}

/** A clause as a sentence of the reasoning. */
function sentence(clause: string): string {
  return `${capitalize(clause)}.`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
