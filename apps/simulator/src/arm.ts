import { CalibratedCeiling, DEFAULT_RESURRECTION, LearnedSignalModel, KillPipeline, Prng, approveKill, handleDelivery, learnFromOutcomes, rejectKill, round, runCalibration } from '@medic/domain';
import type { CalibrationConfig, MedicCore, OutcomeRecord, PolicyConfig, SignalModel } from '@medic/domain';
import { InMemoryKillSource, InMemoryStream, ManualClock, killEntryFields } from '@medic/domain/testing';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import { EventQueue } from './event-queue';
import { compareWithOracle } from './frontier';
import { oracleTruePositiveProbabilities } from './oracle';
import type { TrueModel } from './oracle';
import { SimulatedFleet } from './fleet';
import type { ModuleSpec } from './fleet';
import { periods } from './periods';
import type { Kill } from './periods';
import { drawSignals } from './smith';
import { SimulatedThreatIntel } from './threat-intel';
import type { ArmReport, CalibrationRun, SimulationParameters } from './types';
import { DAY, MINUTE } from './units';

/** Simulated instant of day 1, 00:00. */
export const SIMULATION_START = '2025-01-06T00:00:00.000Z';
/** decision.approval_ttl_minutes, as in config/medic.yaml. */
export const APPROVAL_TTL_MINUTES = 60;
/** A resurrected compromise is killed again this long after it came back (uniformly), as a share of the re-kill window. */
const REKILL_DELAY = { minMinutes: 2, windowShare: 0.8 } as const;

/** One of Smith's spontaneous kills, drawn before either arm runs so both arms face the same ones. */
export interface KillSlot {
  /** ms since the start. */
  readonly at: number;
  /** Picks the module among the running ones. */
  readonly pick: number;
  /** Compared with the module's hidden rate. */
  readonly truth: number;
  /** Seeds the kill's signals. */
  readonly seed: number;
}

/** Smith's spontaneous kills over the run: a Poisson process of `killsPerDay` a day. */
export function killSlots(p: SimulationParameters): KillSlot[] {
  const rng = Prng.derive(p.seed, 'kills');
  const slots: KillSlot[] = [];
  const horizon = p.days * DAY;
  for (let at = rng.exponential(DAY / p.killsPerDay); at < horizon; at += rng.exponential(DAY / p.killsPerDay)) {
    slots.push({ at: Math.floor(at), pick: rng.next(), truth: rng.next(), seed: rng.uint32() });
  }
  return slots;
}

type SimEvent =
  | { readonly kind: 'calibrate'; readonly day: number }
  | { readonly kind: 'kill'; readonly slot: KillSlot }
  | { readonly kind: 'rekill'; readonly module: string; readonly seed: number }
  | { readonly kind: 'review'; readonly kill: Kill }
  | { readonly kind: 'recover'; readonly kill: Kill };

export interface ArmInput {
  readonly parameters: SimulationParameters;
  readonly policy: PolicyConfig;
  readonly calibration: CalibrationConfig;
  readonly modules: readonly ModuleSpec[];
  readonly slots: readonly KillSlot[];
  readonly calibrating: boolean;
  readonly path: string;
  /** learning.max_harm_rate, where the oracle's frontier is also read. */
  readonly harmBudget: number;
  /** The generative model, for the oracle that replays the arm's kills. */
  readonly truth: Omit<TrueModel, 'rekillWindowMinutes' | 'rekillDelayMinutes'>;
}

/** Runs one arm: the kills of the world against a fresh core and store, then its report. */
export async function runArm(input: ArmInput): Promise<ArmReport> {
  const { parameters: p, policy, calibrating } = input;
  const clock = new ManualClock(SIMULATION_START);
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
    resurrection: DEFAULT_RESURRECTION,
    approvalTtlMinutes: APPROVAL_TTL_MINUTES,
    ceiling: new CalibratedCeiling(policy.autoApprove.maxScore),
    learned: new LearnedSignalModel(),
    onEvent: () => undefined,
  };
  const pipeline = new KillPipeline(core);

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
        const delay = reactions.between(REKILL_DELAY.minMinutes, REKILL_DELAY.windowShare * policy.rekillWindowMinutes) * MINUTE;
        queue.push(now + Math.floor(delay), { kind: 'rekill', module: kill.module, seed: reactions.uint32() });
      }
    } else {
      queue.push(recoverAt(kill, now), { kind: 'recover', kill });
    }
  };

  const smithKills = async (module: string, truePositive: boolean, reKill: boolean, signals: Prng, now: number): Promise<void> => {
    const runningModules = fleet.running().length;
    fleet.kill(module, truePositive);
    const drawn = drawSignals(truePositive, signals, truePositive && signals.chance(p.quietCompromiseRate), p.confidenceNoise);
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
    const handled = await handleDelivery(core, delivery);
    if (handled.kind !== 'decided') throw new Error(`kill ${killId} was not decided (${handled.kind})`);
    const record = handled.record;
    const kill: Kill = {
      killId,
      module,
      at: now,
      truePositive,
      reKill,
      decision: record.originalDecision,
      autoResurrected: record.wasAutoApproved,
      signals: drawn,
      runningModules,
      recoveredAt: null,
    };
    kills.push(kill);
    if (record.wasAutoApproved) resurrected(kill, record, now);
    else if (record.originalDecision === 'pending_review') {
      queue.push(now + Math.floor(p.operatorDelayMinutes * MINUTE * reactions.between(0.5, 1.5)), { kind: 'review', kill });
    } else queue.push(recoverAt(kill, now), { kind: 'recover', kill });
  };

  /** The simulated operator knows the truth: approves false alarms, rejects real compromises (a label) and has them rebuilt. */
  const review = async (kill: Kill, now: number): Promise<void> => {
    if (kill.truePositive) {
      // Refused (e.g. expired): nothing is learnt; the module is rebuilt all the same.
      await rejectKill(core, kill.killId, 'operator');
      queue.push(recoverAt(kill, now), { kind: 'recover', kill });
      return;
    }
    fleet.setNextBoot(kill.module, !reactions.chance(p.rollbackRate));
    const approval = await approveKill(core, pipeline, kill.killId, 'operator');
    // Refused (e.g. expired): a person restores it by hand.
    if (!approval.ok) queue.push(recoverAt(kill, now), { kind: 'recover', kill });
    else resurrected(kill, await approval.value.execution, now);
  };

  const calibrate = async (day: number): Promise<void> => {
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
        evidenceDay: Math.max(0, Math.floor((Date.parse(run.evidenceSince) - Date.parse(SIMULATION_START)) / DAY)) + 1,
        reKilled: run.reKilled,
        truePositives: run.truePositives,
        labelled: run.labelled,
        harmLower: run.harmLower === null ? null : round(run.harmLower, 6),
        harmPoint: run.harmPoint === null ? null : round(run.harmPoint, 6),
        harmUpper: run.harmUpper === null ? null : round(run.harmUpper, 6),
        maxHarmRate: run.maxHarmRate,
      });
    } else {
      // Without calibration Medic still learns from its outcomes (labels settle, the signals are relearnt); only the ceiling stays.
      await learnFromOutcomes(core);
    }
    maxScoreByDay[day] = core.ceiling.current();
  };

  try {
    // Calibration at start-up and then daily, as the agent does; it goes before a kill at the same instant.
    for (let day = 0; day < p.days; day++) queue.push(day * DAY, { kind: 'calibrate', day }, 0);
    for (const slot of input.slots) queue.push(slot.at, { kind: 'kill', slot });
    for (let next = queue.pop(); next; next = queue.pop()) {
      const { at, event } = next;
      // After the last day only the people still at work: reviews and manual restores of kills made inside the run.
      if (at >= horizon && (event.kind === 'kill' || event.kind === 'rekill')) continue;
      clock.set(new Date(Date.parse(SIMULATION_START) + at));
      switch (event.kind) {
        case 'calibrate':
          await calibrate(event.day);
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
    const records = await repo.recent(Number.MAX_SAFE_INTEGER);
    const truth: TrueModel = {
      ...input.truth,
      rekillWindowMinutes: policy.rekillWindowMinutes,
      rekillDelayMinutes: [REKILL_DELAY.minMinutes, REKILL_DELAY.windowShare * policy.rekillWindowMinutes],
    };
    const probabilities = oracleTruePositiveProbabilities(kills, records, truth, SIMULATION_START);
    const oracle = compareWithOracle(kills, probabilities, input.harmBudget);
    return {
      calibration: calibrating,
      label: calibrating ? 'calibration on' : 'calibration off',
      ...periods(kills, maxScoreByDay, p.days),
      calibrations,
      store: {
        byOutcome: stats.byOutcome,
        autoApproveLabelled: stats.autoApproveLabelled,
        autoApproveAccuracy: stats.autoApproveAccuracy === null ? null : round(stats.autoApproveAccuracy, 4),
        operatorVerdicts: stats.operatorVerdicts,
      },
      oracle,
      learned: learnedSummary(core.learned.current()),
    };
  } finally {
    await repo.close();
  }
}

/** The figures of the model Medic ended the run with. */
function learnedSummary(model: SignalModel | null): ArmReport['learned'] {
  if (!model) return null;
  return {
    kills: model.kills,
    falsePositiveLabels: model.labels.falsePositives,
    truePositiveLabels: model.labels.truePositives,
    quietShare: round(model.quietShare, 4),
    quietShareInterval: { lower: round(model.quietShareInterval.lower, 4), upper: round(model.quietShareInterval.upper, 4) },
    modulePriorLabels: round(model.modulePriorLabels, 2),
  };
}
