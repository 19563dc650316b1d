import type { FactorName } from './model';

/** Every number the decision policy and calibration use; `config/medic.yaml` mirrors these defaults. */
export interface PolicyConfig {
  /**
   * Weights of the signal factors, renormalised over the factors that have data; `false_positive_history` is the power of
   * the Bayes'-rule adjustment the module's history makes to their mean (1 in full, 0 not at all).
   */
  readonly weights: Readonly<Record<FactorName, number>>;
  /** Below this decision confidence no score-based verdict is automatic: approve_auto and a deny by risk level become pending_review. */
  readonly confidenceThreshold: number;
  readonly autoApprove: {
    readonly enabled: boolean;
    /** Minimum decision confidence for approve_auto. */
    readonly minConfidence: number;
    /** Initial ceiling on the risk score for approve_auto; calibration moves it. */
    readonly maxScore: number;
  };
  /** Modules Medic must never bring back. */
  readonly alwaysDenyModules: readonly string[];
  /** Modules never auto-approved (they always go to review at best). */
  readonly criticalModules: readonly string[];
  /** Criticality in [0, 1] per module, for the module_criticality factor; critical modules count as 1. */
  readonly moduleCriticality: Readonly<Record<string, number>>;
  /** A threat_detected kill with confidence above this is denied outright. */
  readonly threatDenyConfidence: number;
  readonly budget: {
    /** More than this many resurrections of one module within the window → deny. */
    readonly maxRestarts: number;
    readonly windowMinutes: number;
  };
  /** A kill this soon after Medic resurrected the module labels that resurrection re_killed. */
  readonly rekillWindowMinutes: number;
  /** How far back the outcomes count: a module's labels, and the fleet's kills Medic learns its signals from. */
  readonly historyWindowDays: number;
}

export const DEFAULT_POLICY: PolicyConfig = {
  weights: {
    smith_confidence: 0.3,
    siem_risk_score: 0.25,
    false_positive_history: 1,
    module_criticality: 0.15,
    severity: 0.1,
    kill_reason: 0.1,
  },
  confidenceThreshold: 0,
  autoApprove: { enabled: false, minConfidence: 0.85, maxScore: 0.2 },
  alwaysDenyModules: [],
  criticalModules: [],
  moduleCriticality: {},
  threatDenyConfidence: 0.95,
  budget: { maxRestarts: 3, windowMinutes: 60 },
  rekillWindowMinutes: 30,
  historyWindowDays: 90,
};

/** Calibration settings; the step, limits and target success rate are fixed, the rest is configurable. */
export interface CalibrationConfig {
  /** Labelled auto-approvals, decided since the ceiling last moved, needed before it may move again. */
  readonly minSamples: number;
  readonly windowDays: number;
  /** The ceiling is never raised while the upper confidence bound of the harm it implies is above this. */
  readonly maxHarmRate: number;
}

export const DEFAULT_CALIBRATION: CalibrationConfig = { minSamples: 20, windowDays: 30, maxHarmRate: 0.005 };

/**
 * Fixed bounds within which calibration may move `auto_approve_max_score`: the harm budget moves it in grains of 0.01
 * (a factor of about 1.1 in the odds of a learnt score), as low as the budget needs (0 auto-approves only kills whose odds
 * that Smith was right are 1:1000 or less); auto-approvals whose success rate's Wilson interval lies below
 * `targetSuccessRate` take it down at least a step of 0.05.
 */
export const CALIBRATION_LIMITS = { step: 0.05, grain: 0.01, min: 0, max: 0.4, targetSuccessRate: 0.95 } as const;

/** The module's risk.module_criticality, undefined when none is configured (Object.hasOwn: a module named "constructor" must not read Object.prototype). */
export function configuredCriticality(policy: PolicyConfig, module: string): number | undefined {
  return Object.hasOwn(policy.moduleCriticality, module) ? policy.moduleCriticality[module] : undefined;
}
