import type { Calibration, Verdict, KillOutcome } from '@medic/domain';
import type { ModuleSpec } from './fleet';
import type { OracleComparison } from './frontier';

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
  /** Share of kills whose confidence Smith draws uniformly from [0, 1], whatever the truth (noisy Smith). */
  readonly confidenceNoise: number;
  /** Share of starts whose health check fails, so Medic rolls the container back. */
  readonly rollbackRate: number;
  /** decision.auto_approve.enabled for both arms. */
  readonly autoApprove: boolean;
  /** decision.auto_approve.max_score to start from; calibration moves it within [0.1, 0.4]. */
  readonly maxScore: number;
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
  readonly decisions: Readonly<Record<Verdict, number>>;
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

/** One stored calibration run, by simulated day: its figures as stored, its instants as simulated days. */
export interface CalibrationRun
  extends Pick<
    Calibration,
    'direction' | 'previousMaxScore' | 'nextMaxScore' | 'samples' | 'successes' | 'wilsonLower' | 'wilsonUpper' | 'reKilled' | 'truePositives' | 'labelled' | 'harmLower' | 'harmPoint' | 'harmUpper' | 'maxHarmRate'
  > {
  /** 1-based simulated day the run opened. */
  readonly day: number;
  /** 1-based simulated day its evidence started (the ceiling's last move, or the start of the window). */
  readonly evidenceDay: number;
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
    readonly byOutcome: Readonly<Record<KillOutcome, number>>;
    readonly autoApproveLabelled: number;
    readonly autoApproveAccuracy: number | null;
    readonly operatorVerdicts: { readonly approved: number; readonly rejected: number };
  };
  /** The oracle on this arm's kills: its frontier, and Medic's point next to it. */
  readonly oracle: OracleComparison;
  /** What Medic had learnt about the signals by the end of the run; null when it never had labels enough. */
  readonly learned: {
    readonly kills: number;
    readonly falsePositiveLabels: number;
    readonly truePositiveLabels: number;
    readonly quietShare: number;
    readonly quietShareInterval: { readonly lower: number; readonly upper: number };
    readonly modulePriorLabels: number;
  } | null;
}

/** Everything a run measured, with the parameters and policy that produced it. */
export interface SimulationReport {
  readonly parameters: SimulationParameters;
  /** The policy both arms decide with (DEFAULT_POLICY apart from auto_approve.enabled and max_score). */
  readonly policy: {
    readonly autoApproveEnabled: boolean;
    readonly minConfidence: number;
    readonly initialMaxScore: number;
    readonly minSamples: number;
    readonly calibrationWindowDays: number;
    readonly maxHarmRate: number;
    readonly rekillWindowMinutes: number;
    readonly approvalTtlMinutes: number;
  };
  /** Simulated instant of day 1, 00:00. */
  readonly startsAt: string;
  /** The fleet with its hidden truth. */
  readonly modules: readonly ModuleSpec[];
  readonly arms: readonly ArmReport[];
}
