import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approveKill, DEFAULT_CALIBRATION, DEFAULT_POLICY, DECISION_OUTCOMES, handleDelivery, runCalibration } from '@medic/domain';
import type { Calibration, CalibrationConfig, DecisionOutcome, MedicCore, OutcomeRecord, OutcomeType, PolicyConfig } from '@medic/domain';
import { InMemoryKillSource, InMemoryStream, ManualClock, killEntryFields } from '@medic/domain/testing';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import { EventQueue } from './event-queue';
import { drawModules, SimulatedFleet } from './fleet';
import type { ModuleSpec } from './fleet';
import { Prng } from './prng';
import { drawSignals } from './smith';
import { SimulatedThreatIntel } from './threat-intel';

/** The knobs of a run; every one has a default (DEFAULT_PARAMETERS). */
export interface SimulationParameters {
  readonly seed: number;
  readonly days: number;
  readonly modules: number;
  /** Mean number of Smith's kills per day over the whole fleet (a Poisson process). */
  readonly killsPerDay: number;
  /** Fleet mean of the modules' hidden true-positive rates. */
  readonly truePositiveRate: number;
  /** Mean time until the operator reviews a pending_review kill (each review takes 0.5–1.5 × this). */
  readonly operatorDelayMinutes: number;
  /** How long after a kill a person restores a module Medic did not bring back (denied, declined, rolled back). */
  readonly manualRecoveryMinutes: number;
  /** Share of true-positive kills whose signals look like a false alarm's (quiet compromises). */
  readonly quietCompromiseRate: number;
  /** Share of starts whose health check fails, so Medic rolls the container back. */
  readonly rollbackRate: number;
  /** decision.auto_approve.enabled for both arms. */
  readonly autoApprove: boolean;
  /** decision.auto_approve.max_score to start from; calibration moves it within [0.1, 0.4]. */
  readonly maxScore: number;
}

export const DEFAULT_PARAMETERS: SimulationParameters = {
  seed: 1,
  days: 90,
  modules: 30,
  killsPerDay: 20,
  truePositiveRate: 0.2,
  operatorDelayMinutes: 30,
  manualRecoveryMinutes: 240,
  quietCompromiseRate: 0.05,
  rollbackRate: 0.01,
  autoApprove: true,
  maxScore: DEFAULT_POLICY.autoApprove.maxScore,
};

export interface SimulationOptions extends Partial<SimulationParameters> {
  /** Directory for the two SQLite stores (calibration-on.db, calibration-off.db, replaced if present); default: a temporary directory removed afterwards. */
  readonly dbDir?: string;
}

/** Figures for one day, one week or the whole run of one arm. */
export interface PeriodRow {
  /** 1-based number of the day or week; 0 for the whole run. */
  readonly period: number;
  /** 1-based simulated days covered, inclusive. */
  readonly firstDay: number;
  readonly lastDay: number;
  readonly kills: number;
  readonly falsePositiveKills: number;
  readonly truePositiveKills: number;
  /** Kills of a compromised module Medic had just brought back (Smith killing it again). */
  readonly reKills: number;
  readonly decisions: Readonly<Record<DecisionOutcome, number>>;
  readonly falsePositivesAutoResurrected: number;
  /** Share of false-positive kills Medic resurrected on its own; null without any. */
  readonly falsePositiveAutoShare: number | null;
  readonly truePositivesAutoResurrected: number;
  /** Share of true-positive kills Medic resurrected on its own: the harm; null without any. */
  readonly truePositiveAutoShare: number | null;
  /** Median minutes from a false-positive kill until its module ran again; null without any. */
  readonly medianFalsePositiveDowntimeMinutes: number | null;
  /** auto_approve_max_score in force at the end of the period. */
  readonly autoApproveMaxScore: number;
}

/** One stored calibration run, by simulated day. */
export interface CalibrationRun {
  /** 1-based simulated day the run opened. */
  readonly day: number;
  readonly direction: Calibration['direction'];
  readonly previousMaxScore: number;
  readonly nextMaxScore: number;
  readonly samples: number;
  readonly successes: number;
  readonly wilsonLower: number | null;
  readonly wilsonUpper: number | null;
}

/** One arm of the comparison: the same world, with calibration on or off. */
export interface ArmReport {
  readonly calibration: boolean;
  readonly label: 'calibration on' | 'calibration off';
  readonly weeks: readonly PeriodRow[];
  readonly days: readonly PeriodRow[];
  readonly total: PeriodRow;
  /** Every calibration run (empty with calibration off). */
  readonly calibrations: readonly CalibrationRun[];
  /** The store's own view at the end (GET /stats would show the same). */
  readonly store: {
    readonly byOutcome: Readonly<Record<OutcomeType, number>>;
    readonly autoApproveLabelled: number;
    readonly autoApproveAccuracy: number | null;
  };
}

export interface SimulationReport {
  readonly parameters: SimulationParameters;
  /** The policy both arms decide with (DEFAULT_POLICY apart from auto_approve.enabled and max_score). */
  readonly policy: {
    readonly autoApproveEnabled: boolean;
    readonly minConfidence: number;
    readonly initialMaxScore: number;
    readonly minSamples: number;
    readonly calibrationWindowDays: number;
    readonly rekillWindowMinutes: number;
    readonly approvalTtlMinutes: number;
  };
  /** Simulated instant of day 1, 00:00. */
  readonly startsAt: string;
  /** The fleet with its hidden truth. */
  readonly modules: readonly ModuleSpec[];
  readonly arms: readonly ArmReport[];
}

const START = '2025-01-06T00:00:00.000Z';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const APPROVAL_TTL_MINUTES = 60;
const THREAT_TIMEOUT_MS = 2_000;

/**
 * Runs the real use cases (handleDelivery, approveKill, runCalibration) over a real SQLite store against a synthetic fleet,
 * once with calibration and once without, on the same seeded world; deterministic for a given set of parameters.
 */
export async function simulate(options: SimulationOptions = {}): Promise<SimulationReport> {
  const { dbDir, ...given } = options;
  const parameters: SimulationParameters = { ...DEFAULT_PARAMETERS, ...definedOnly(given) };
  const policy: PolicyConfig = { ...DEFAULT_POLICY, autoApprove: { ...DEFAULT_POLICY.autoApprove, enabled: parameters.autoApprove, maxScore: parameters.maxScore } };
  const calibration: CalibrationConfig = DEFAULT_CALIBRATION;
  const modules = drawModules(parameters.modules, parameters.truePositiveRate, Prng.derive(parameters.seed, 'modules'));
  const slots = killSlots(parameters);

  const dir = dbDir ?? mkdtempSync(join(tmpdir(), 'medic-simulation-'));
  mkdirSync(dir, { recursive: true });
  try {
    const arms: ArmReport[] = [];
    for (const calibrating of [true, false]) {
      const path = join(dir, `calibration-${calibrating ? 'on' : 'off'}.db`);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
      arms.push(await runArm({ parameters, policy, calibration, modules, slots, calibrating, path }));
    }
    return {
      parameters,
      policy: {
        autoApproveEnabled: policy.autoApprove.enabled,
        minConfidence: policy.autoApprove.minConfidence,
        initialMaxScore: policy.autoApprove.maxScore,
        minSamples: calibration.minSamples,
        calibrationWindowDays: calibration.windowDays,
        rekillWindowMinutes: policy.rekillWindowMinutes,
        approvalTtlMinutes: APPROVAL_TTL_MINUTES,
      },
      startsAt: START,
      modules,
      arms,
    };
  } finally {
    if (dbDir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** One of Smith's spontaneous kills, drawn before either arm runs so both arms face the same ones. */
interface KillSlot {
  /** ms since the start. */
  readonly at: number;
  /** Picks the module among the running ones. */
  readonly pick: number;
  /** Compared with the module's hidden rate. */
  readonly truth: number;
  /** Seeds the kill's signals. */
  readonly seed: number;
}

function killSlots(p: SimulationParameters): KillSlot[] {
  const rng = Prng.derive(p.seed, 'kills');
  const slots: KillSlot[] = [];
  const horizon = p.days * DAY;
  for (let at = rng.exponential(DAY / p.killsPerDay); at < horizon; at += rng.exponential(DAY / p.killsPerDay)) {
    slots.push({ at: Math.floor(at), pick: rng.next(), truth: rng.next(), seed: rng.uint32() });
  }
  return slots;
}

/** What the simulator knows about one kill (Medic never sees `truePositive`). */
interface Kill {
  readonly killId: string;
  readonly module: string;
  readonly at: number;
  readonly truePositive: boolean;
  readonly reKill: boolean;
  readonly decision: DecisionOutcome;
  autoResurrected: boolean;
  recoveredAt: number | null;
}

type SimEvent =
  | { readonly kind: 'calibrate'; readonly day: number }
  | { readonly kind: 'kill'; readonly slot: KillSlot }
  | { readonly kind: 'rekill'; readonly module: string; readonly seed: number }
  | { readonly kind: 'review'; readonly kill: Kill }
  | { readonly kind: 'recover'; readonly kill: Kill };

interface ArmInput {
  readonly parameters: SimulationParameters;
  readonly policy: PolicyConfig;
  readonly calibration: CalibrationConfig;
  readonly modules: readonly ModuleSpec[];
  readonly slots: readonly KillSlot[];
  readonly calibrating: boolean;
  readonly path: string;
}

async function runArm(input: ArmInput): Promise<ArmReport> {
  const { parameters: p, policy, calibrating } = input;
  const clock = new ManualClock(START);
  const source = new InMemoryKillSource(new InMemoryStream(clock));
  const repo = await SqliteOutcomeRepo.open({ path: input.path, synchronous: 'NORMAL' });
  const intel = new SimulatedThreatIntel();
  const fleet = new SimulatedFleet(input.modules);
  // Reactions (re-kill delays, review delays, failed boots) follow the arm's own decisions, so each arm draws them itself.
  const reactions = Prng.derive(p.seed, 'reactions');
  let ids = 0;
  const core: MedicCore = {
    source,
    repo,
    resurrector: fleet.containers,
    threatIntel: intel,
    clock,
    newId: () => `id-${++ids}`,
    policy,
    mode: 'live',
    threatTimeoutMs: THREAT_TIMEOUT_MS,
    approvalTtlMinutes: APPROVAL_TTL_MINUTES,
    thresholds: { autoApproveMaxScore: policy.autoApprove.maxScore },
    onEvent: () => undefined,
  };

  const horizon = p.days * DAY;
  const queue = new EventQueue<SimEvent>();
  const kills: Kill[] = [];
  const calibrations: CalibrationRun[] = [];
  const maxScoreByDay: number[] = [];
  const recoverAt = (kill: Kill, now: number) => Math.max(now, kill.at + p.manualRecoveryMinutes * MINUTE);

  /** After Medic's attempt: a compromised module that came back is soon killed again; a failed one waits for a person. */
  const resurrected = (kill: Kill, record: OutcomeRecord, now: number): void => {
    if (record.outcomeType === 'success') {
      kill.recoveredAt = now;
      if (fleet.isCompromised(kill.module)) {
        const delay = reactions.between(2, 0.8 * policy.rekillWindowMinutes) * MINUTE;
        queue.push(now + Math.floor(delay), { kind: 'rekill', module: kill.module, seed: reactions.uint32() });
      }
    } else {
      queue.push(recoverAt(kill, now), { kind: 'recover', kill });
    }
  };

  const smithKills = async (module: string, truePositive: boolean, reKill: boolean, signals: Prng, now: number): Promise<void> => {
    fleet.kill(module, truePositive);
    const drawn = drawSignals(truePositive, signals, truePositive && signals.chance(p.quietCompromiseRate));
    fleet.setNextBoot(module, !signals.chance(p.rollbackRate));
    intel.set(module, drawn.threat);
    const killId = `kill-${String(kills.length + 1).padStart(6, '0')}`;
    source.publish(
      killEntryFields({
        killId,
        timestamp: clock.now().toISOString(),
        targetModule: module,
        targetInstanceId: `${module}-1`,
        killReason: drawn.killReason,
        severity: drawn.severity,
        confidenceScore: drawn.confidenceScore,
        evidence: drawn.evidence,
        sourceAgent: 'smith-simulator',
      }),
    );
    const [delivery] = await source.receive(1);
    if (!delivery) throw new Error(`kill ${killId} was published but not delivered`);
    const outcome = await handleDelivery(core, delivery);
    if (outcome.kind !== 'decided') throw new Error(`kill ${killId} was not decided (${outcome.kind})`);
    const record = outcome.record;
    const kill: Kill = { killId, module, at: now, truePositive, reKill, decision: record.originalDecision, autoResurrected: record.wasAutoApproved, recoveredAt: null };
    kills.push(kill);
    if (record.wasAutoApproved) resurrected(kill, record, now);
    else if (record.originalDecision === 'pending_review') {
      queue.push(now + Math.floor(p.operatorDelayMinutes * MINUTE * reactions.between(0.5, 1.5)), { kind: 'review', kill });
    } else queue.push(recoverAt(kill, now), { kind: 'recover', kill });
  };

  /** The simulated operator knows the truth: approves false alarms, leaves real compromises to be rebuilt. */
  const review = async (kill: Kill, now: number): Promise<void> => {
    if (kill.truePositive) {
      queue.push(recoverAt(kill, now), { kind: 'recover', kill });
      return;
    }
    fleet.setNextBoot(kill.module, !reactions.chance(p.rollbackRate));
    const approval = await approveKill(core, kill.killId, 'operator');
    // Refused (e.g. expired): a person restores it by hand.
    if (!approval.ok) queue.push(recoverAt(kill, now), { kind: 'recover', kill });
    else resurrected(kill, await approval.value.execution, now);
  };

  const calibrate = async (day: number, now: number): Promise<void> => {
    if (calibrating) {
      const run = await runCalibration(core, input.calibration);
      calibrations.push({
        day: day + 1,
        direction: run.direction,
        previousMaxScore: run.previousMaxScore,
        nextMaxScore: run.nextMaxScore,
        samples: run.samples,
        successes: run.successes,
        wilsonLower: run.wilsonLower === null ? null : round(run.wilsonLower, 4),
        wilsonUpper: run.wilsonUpper === null ? null : round(run.wilsonUpper, 4),
      });
    } else {
      // Without calibration the labels still settle, so the store's figures compare with the other arm's.
      const iso = (ms: number) => new Date(Date.parse(START) + ms).toISOString();
      await repo.confirmSuccesses(iso(now - policy.rekillWindowMinutes * MINUTE), iso(now));
    }
    maxScoreByDay[day] = core.thresholds.autoApproveMaxScore;
  };

  try {
    // Calibration at start-up and then daily, as the agent does; it goes before a kill at the same instant.
    for (let day = 0; day < p.days; day++) queue.push(day * DAY, { kind: 'calibrate', day }, 0);
    for (const slot of input.slots) queue.push(slot.at, { kind: 'kill', slot });
    for (let next = queue.pop(); next; next = queue.pop()) {
      const { at, event } = next;
      // After the last day only the people still at work: reviews and manual restores of kills made inside the run.
      if (at >= horizon && (event.kind === 'kill' || event.kind === 'rekill')) continue;
      clock.set(new Date(Date.parse(START) + at));
      switch (event.kind) {
        case 'calibrate':
          await calibrate(event.day, at);
          break;
        case 'kill': {
          const running = fleet.running();
          if (running.length === 0) break;
          const module = running[Math.floor(event.slot.pick * running.length)] as string;
          const truePositive = fleet.isCompromised(module) || event.slot.truth < fleet.spec(module).truePositiveRate;
          await smithKills(module, truePositive, false, new Prng(event.slot.seed), at);
          break;
        }
        case 'rekill':
          // Only if it is still up and still compromised (another kill may have taken it down meanwhile).
          if (fleet.isRunning(event.module) && fleet.isCompromised(event.module)) await smithKills(event.module, true, true, new Prng(event.seed), at);
          break;
        case 'review':
          await review(event.kill, at);
          break;
        case 'recover':
          if (!fleet.isRunning(event.kill.module)) fleet.rebuild(event.kill.module);
          event.kill.recoveredAt = at;
          break;
      }
    }
    const stats = await repo.stats();
    return {
      calibration: calibrating,
      label: calibrating ? 'calibration on' : 'calibration off',
      ...periods(kills, maxScoreByDay, p.days),
      calibrations,
      store: {
        byOutcome: stats.byOutcome,
        autoApproveLabelled: stats.autoApproveLabelled,
        autoApproveAccuracy: stats.autoApproveAccuracy === null ? null : round(stats.autoApproveAccuracy, 4),
      },
    };
  } finally {
    await repo.close();
  }
}

function periods(kills: readonly Kill[], maxScoreByDay: readonly number[], days: number): Pick<ArmReport, 'weeks' | 'days' | 'total'> {
  const dayOf = (k: Kill) => Math.floor(k.at / DAY);
  const row = (period: number, first: number, last: number): PeriodRow =>
    summarize(
      kills.filter((k) => dayOf(k) >= first && dayOf(k) <= last),
      period,
      first,
      last,
      maxScoreByDay[last] ?? Number.NaN,
    );
  const weeks = Array.from({ length: Math.ceil(days / 7) }, (_, w) => row(w + 1, w * 7, Math.min(days, w * 7 + 7) - 1));
  return {
    weeks,
    days: Array.from({ length: days }, (_, d) => row(d + 1, d, d)),
    total: row(0, 0, days - 1),
  };
}

function summarize(kills: readonly Kill[], period: number, first: number, last: number, maxScore: number): PeriodRow {
  const fp = kills.filter((k) => !k.truePositive);
  const tp = kills.filter((k) => k.truePositive);
  const fpAuto = fp.filter((k) => k.autoResurrected).length;
  const tpAuto = tp.filter((k) => k.autoResurrected).length;
  const downtimes = fp.filter((k) => k.recoveredAt !== null).map((k) => ((k.recoveredAt ?? 0) - k.at) / MINUTE);
  const decisions = Object.fromEntries(DECISION_OUTCOMES.map((d) => [d, kills.filter((k) => k.decision === d).length])) as Record<DecisionOutcome, number>;
  return {
    period,
    firstDay: first + 1,
    lastDay: last + 1,
    kills: kills.length,
    falsePositiveKills: fp.length,
    truePositiveKills: tp.length,
    reKills: kills.filter((k) => k.reKill).length,
    decisions,
    falsePositivesAutoResurrected: fpAuto,
    falsePositiveAutoShare: share(fpAuto, fp.length),
    truePositivesAutoResurrected: tpAuto,
    truePositiveAutoShare: share(tpAuto, tp.length),
    medianFalsePositiveDowntimeMinutes: downtimes.length === 0 ? null : round(median(downtimes), 2),
    autoApproveMaxScore: maxScore,
  };
}

function share(part: number, whole: number): number | null {
  return whole === 0 ? null : round(part / whole, 4);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Drops keys given as undefined, so they keep their defaults. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
