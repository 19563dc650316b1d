import { estimateFalsePositiveRate } from './false-positive-estimate';
import type { FalsePositiveEstimate } from './false-positive-estimate';
import type {
  Decision,
  DecisionOutcome,
  FactorName,
  GuardCode,
  KillReason,
  KillReport,
  ModuleHistory,
  RiskFactor,
  RiskLevel,
  Severity,
  ThreatLookup,
} from './model';
import type { PolicyConfig } from './policy';
import { round } from './round';

/** Everything the policy needs to decide one kill; gathered by the caller, so deciding stays pure. */
export interface DecisionInput {
  readonly report: KillReport;
  readonly history: ModuleHistory;
  readonly threat: ThreatLookup;
  /** The module was killed again inside the re-kill window after Medic resurrected it. */
  readonly reKilledAfterResurrection: boolean;
  /** The calibrated auto-approve ceiling in force. */
  readonly autoApproveMaxScore: number;
  /** A criticality for the module that replaces risk.module_criticality, and where it came from (a container label); critical_modules still count as 1. */
  readonly criticalityOverride?: { readonly value: number; readonly source: string };
}

export interface RiskAssessment {
  readonly score: number;
  readonly level: RiskLevel;
  readonly confidence: number;
  readonly factors: RiskFactor[];
  /** The module's false-positive rate from its labels; null when neither it nor the fleet has any. */
  readonly falsePositives: FalsePositiveEstimate | null;
}

const SEVERITY_RISK: Readonly<Record<Severity, number>> = { critical: 1, high: 0.8, medium: 0.5, low: 0.25, info: 0.1 };

const KILL_REASON_RISK: Readonly<Record<KillReason, number>> = {
  threat_detected: 1,
  manual_override: 0.9,
  policy_violation: 0.7,
  anomaly_behavior: 0.4,
  resource_exhaustion: 0.2,
  dependency_cascade: 0.1,
};

const BASE_CONFIDENCE = 0.6;
const THREAT_INTEL_CONFIDENCE = 0.2;
/** The most the module's false-positive estimate adds to the confidence, scaled by how certain it is. */
const HISTORY_CONFIDENCE = 0.2;
/** How close to 0 or 1 a probability may come before taking its odds. */
const ODDS_EPSILON = 1e-6;
/** How many factors the reasoning names. */
const FACTORS_IN_REASONING = 3;

/** Level of a risk score: < .2 minimal, < .4 low, < .6 medium, < .8 high, else critical. */
export function riskLevelOf(score: number): RiskLevel {
  if (score < 0.2) return 'minimal';
  if (score < 0.4) return 'low';
  if (score < 0.6) return 'medium';
  if (score < 0.8) return 'high';
  return 'critical';
}

/**
 * The risk score: the weighted mean of the signal factors that have data, weights renormalised over them; then
 * the module's false-positive estimate, when there is one, applies Bayes' rule to it: the score's odds are multiplied by the
 * module's odds of a true positive over the fleet's, raised to the power `weights.false_positive_history` (1: Bayes' rule in
 * full, 0: history ignored). A module killed rightly more often than the fleet scores higher, one killed wrongly more often lower.
 */
export function assessRisk(input: DecisionInput, policy: PolicyConfig): RiskAssessment {
  const { report, threat } = input;
  const module = report.targetModule;
  const weights = policy.weights;
  const falsePositives = estimateFalsePositiveRate(input.history.labels, input.history.fleetLabels);
  // The signal factors with data, in the canonical order of FACTOR_NAMES: values and weights first, details once.
  // Object.hasOwn: a module named "constructor" must not read Object.prototype.
  const override = input.criticalityOverride;
  const configured = override ? override.value : Object.hasOwn(policy.moduleCriticality, module) ? policy.moduleCriticality[module] : undefined;
  const critical = policy.criticalModules.includes(module);
  const criticality = critical ? 1 : configured !== undefined && Number.isFinite(configured) ? clamp01(configured) : null;
  const siem = threat.status === 'answered' ? threat.context : null;
  const wSmith = usableWeight(weights.smith_confidence);
  const wSeverity = usableWeight(weights.severity);
  const wReason = usableWeight(weights.kill_reason);
  const wCriticality = criticality === null ? 0 : usableWeight(weights.module_criticality);
  const wSiem = siem === null ? 0 : usableWeight(weights.siem_risk_score);
  const present = 3 + (criticality === null ? 0 : 1) + (siem === null ? 0 : 1);
  const totalWeight = wSmith + wSeverity + wReason + wCriticality + wSiem;
  // All-zero weights would leave the mean undefined; count every present factor equally instead.
  const share = (weight: number): number => (totalWeight > 0 ? weight / totalWeight : 1 / present);

  const factors: RiskFactor[] = [
    factorOf('smith_confidence', clamp01(report.confidenceScore), wSmith, share(wSmith), `Smith's confidence in the kill is ${fmt(report.confidenceScore)}`),
    factorOf('severity', SEVERITY_RISK[report.severity], wSeverity, share(wSeverity), `severity ${report.severity}`),
    factorOf('kill_reason', KILL_REASON_RISK[report.killReason], wReason, share(wReason), `kill reason ${report.killReason}`),
  ];
  if (criticality !== null) {
    const detail = critical
      ? `${module} is on critical_modules`
      : override
        ? `${module} has criticality ${fmt(override.value)} from ${override.source}`
        : `${module} has configured criticality ${fmt(configured ?? 0)}`;
    factors.push(factorOf('module_criticality', criticality, wCriticality, share(wCriticality), detail));
  }
  if (siem !== null) {
    const detail = `threat intel risk ${fmt(siem.riskScore)} from ${siem.alertCount} alert(s) in ${siem.lookbackHours} h`;
    factors.push(factorOf('siem_risk_score', clamp01(siem.riskScore), wSiem, share(wSiem), detail));
  }
  let sum = 0;
  for (const factor of factors) sum += factor.contribution;
  const signals = clamp01(sum);
  let score = signals;
  if (falsePositives) {
    const strength = usableWeight(weights.false_positive_history);
    const moduleRight = 1 - falsePositives.rate;
    const fleetRight = 1 - falsePositives.fleetRate;
    score = strength === 0 ? signals : logistic(logit(signals) + strength * (logit(moduleRight) - logit(fleetRight)));
    factors.push({
      name: 'false_positive_history',
      value: clamp01(moduleRight),
      weight: strength,
      normalizedWeight: 0,
      contribution: score - signals,
      detail:
        `Bayes' rule on the module's estimated false-positive rate ${fmt(falsePositives.rate)} from ${falsePositives.labels} label(s) ` +
        `against the fleet's ${fmt(falsePositives.fleetRate)}: the score's odds × ${fmt((odds(moduleRight) / odds(fleetRight)) ** strength)}`,
    });
  }
  return { score, level: riskLevelOf(score), confidence: confidenceOf(threat, falsePositives), factors, falsePositives };
}

/**
 * The verdict for one kill: guards first, then the risk level and the auto-approve conditions. Pure and deterministic.
 * Its cost is the stored record's: the plain-English reasoning is built once, here, in one pass.
 */
export function decide(input: DecisionInput, policy: PolicyConfig): Decision {
  const assessment = assessRisk(input, policy);
  const verdict = guardVerdict(input, policy, assessment) ?? levelVerdict(input, policy, assessment);
  return {
    outcome: verdict.outcome,
    riskScore: assessment.score,
    riskLevel: assessment.level,
    confidence: assessment.confidence,
    factors: assessment.factors,
    reasoning: [
      verdict.sentence,
      scoreSentence(assessment),
      factorsSentence(assessment.factors),
      threatSentence(input.threat),
      historySentence(input, assessment),
    ],
    guard: verdict.guard,
    autoApproveMaxScore: input.autoApproveMaxScore,
  };
}

interface Verdict {
  readonly outcome: DecisionOutcome;
  readonly guard: GuardCode | null;
  readonly sentence: string;
}

function factorOf(name: FactorName, value: number, weight: number, normalizedWeight: number, detail: string): RiskFactor {
  return { name, value, weight, normalizedWeight, contribution: normalizedWeight * value, detail };
}

/** Confidence = how much evidence stood behind the score: a base, plus threat intel answering, plus the certainty of the module's false-positive estimate. */
function confidenceOf(threat: ThreatLookup, falsePositives: FalsePositiveEstimate | null): number {
  const threatShare = threat.status === 'answered' ? THREAT_INTEL_CONFIDENCE : 0;
  const historyShare = HISTORY_CONFIDENCE * (falsePositives?.certainty ?? 0);
  return clamp01(BASE_CONFIDENCE + threatShare + historyShare);
}

function guardVerdict({ report, history, threat, reKilledAfterResurrection }: DecisionInput, policy: PolicyConfig, risk: RiskAssessment): Verdict | null {
  const module = report.targetModule;
  if (policy.alwaysDenyModules.includes(module)) {
    return { outcome: 'deny', guard: 'always_deny_module', sentence: `Denied: ${module} is on always_deny_modules, so Medic never brings it back.` };
  }
  if (report.killReason === 'threat_detected' && report.confidenceScore > policy.threatDenyConfidence) {
    return {
      outcome: 'deny',
      guard: 'high_confidence_threat',
      sentence: `Denied: Smith detected a threat with confidence ${fmt(report.confidenceScore)}, above the ${fmt(policy.threatDenyConfidence)} that is denied outright.`,
    };
  }
  // The SIEM itself says deny (open high-risk alerts for the module): no weighting may outvote it.
  if (threat.status === 'answered' && threat.context.recommendation === 'deny') {
    const c = threat.context;
    return {
      outcome: 'deny',
      guard: 'open_threat_alerts',
      sentence: `Denied: threat intel has ${c.openCount} open alert(s) for ${module} in the last ${c.lookbackHours} h with risk ${fmt(c.riskScore)}.`,
    };
  }
  if (history.recentResurrections >= policy.budget.maxRestarts) {
    return {
      outcome: 'deny',
      guard: 'restart_budget_spent',
      sentence: `Denied: restart budget spent, ${module} was already resurrected ${history.recentResurrections} time(s) in the last ${policy.budget.windowMinutes} minutes (at most ${policy.budget.maxRestarts}).`,
    };
  }
  if (reKilledAfterResurrection) {
    const deny = risk.level === 'high' || risk.level === 'critical';
    return {
      outcome: deny ? 'deny' : 'pending_review',
      guard: 'rekilled_after_resurrection',
      sentence: `${deny ? 'Denied' : 'Sent to review'}: Smith killed ${module} again soon after Medic resurrected it, so it is never auto-approved${deny ? ` and its risk is ${risk.level}` : ''}.`,
    };
  }
  return null;
}

function levelVerdict(input: DecisionInput, policy: PolicyConfig, risk: RiskAssessment): Verdict {
  const score = fmt(risk.score);
  if (risk.confidence < policy.confidenceThreshold) {
    return {
      outcome: 'pending_review',
      guard: null,
      sentence: `Sent to review: confidence ${fmt(risk.confidence)} is below the confidence threshold ${fmt(policy.confidenceThreshold)}, so risk ${score} (${risk.level}) is not acted on automatically.`,
    };
  }
  if (risk.level === 'high' || risk.level === 'critical') {
    return { outcome: 'deny', guard: null, sentence: `Denied: risk ${score} is ${risk.level}.` };
  }
  if (risk.level === 'medium') {
    return { outcome: 'pending_review', guard: null, sentence: `Sent to review: risk ${score} is medium.` };
  }
  const failed = failedAutoApproveConditions(input, policy, risk);
  if (failed === '') {
    return {
      outcome: 'approve_auto',
      guard: null,
      sentence: `Auto-approved: risk ${score} is ${risk.level}, within the auto-approve ceiling ${fmt(input.autoApproveMaxScore)}, with confidence ${fmt(risk.confidence)} (at least ${fmt(policy.autoApprove.minConfidence)}).`,
    };
  }
  return { outcome: 'pending_review', guard: null, sentence: `Sent to review: risk ${score} is ${risk.level}, but ${failed}.` };
}

/** The auto-approve conditions that fail, joined as one clause; '' when none does. */
function failedAutoApproveConditions({ report, autoApproveMaxScore }: DecisionInput, policy: PolicyConfig, risk: RiskAssessment): string {
  let failed = '';
  const add = (condition: string): void => {
    failed = failed === '' ? condition : `${failed}, and ${condition}`;
  };
  if (!policy.autoApprove.enabled) add('auto-approve is disabled');
  if (risk.confidence < policy.autoApprove.minConfidence) add(`confidence ${fmt(risk.confidence)} is below the required ${fmt(policy.autoApprove.minConfidence)}`);
  if (risk.score > autoApproveMaxScore) add(`risk ${fmt(risk.score)} is above the auto-approve ceiling ${fmt(autoApproveMaxScore)}`);
  if (policy.criticalModules.includes(report.targetModule)) add(`${report.targetModule} is on critical_modules`);
  return failed;
}

function scoreSentence(risk: RiskAssessment): string {
  return `Risk score ${fmt(risk.score)} (${risk.level}) with confidence ${fmt(risk.confidence)}.`;
}

/**
 * The FACTORS_IN_REASONING averaged factors with the biggest contributions, biggest first; ties keep the canonical order, so
 * the text is deterministic. History is named in its own sentence. A selection, not a sort: there are at most six factors.
 */
function factorsSentence(factors: readonly RiskFactor[]): string {
  let text = 'Main factors: ';
  let taken = 0;
  let lastContribution = Infinity;
  let lastIndex = -1;
  for (;;) {
    // The next factor in (contribution desc, index asc) order after the one taken last.
    let best = -1;
    for (let i = 0; i < factors.length; i++) {
      const f = factors[i]!;
      if (f.name === 'false_positive_history') continue;
      const c = f.contribution;
      const after = c < lastContribution || (c === lastContribution && i > lastIndex);
      if (after && (best === -1 || c > factors[best]!.contribution)) best = i;
    }
    if (best === -1) break;
    const f = factors[best]!;
    text += `${taken > 0 ? '; ' : ''}${f.name} ${fmt(f.value)} × weight ${fmt(f.normalizedWeight)} = ${fmt(f.contribution)} (${f.detail})`;
    lastContribution = f.contribution;
    lastIndex = best;
    taken += 1;
    if (taken === FACTORS_IN_REASONING) break;
  }
  return `${text}.`;
}

function threatSentence(threat: ThreatLookup): string {
  switch (threat.status) {
    case 'answered': {
      const c = threat.context;
      return `Threat intel answered: risk ${fmt(c.riskScore)} from ${c.alertCount} alert(s) (${c.openCount} open, ${c.falsePositiveCount} closed as false positive) over ${c.lookbackHours} h, recommends ${c.recommendation}.`;
    }
    case 'unavailable':
      return `Threat intel was unavailable (${threat.reason}), so siem_risk_score was left out.`;
    case 'disabled':
      return 'Threat intel is disabled, so siem_risk_score was left out.';
  }
}

function historySentence({ report, history }: DecisionInput, risk: RiskAssessment): string {
  const module = report.targetModule;
  const budget = `${history.recentResurrections} resurrection(s) in the restart-budget window`;
  const estimate = risk.falsePositives;
  const moved = risk.factors.find((f) => f.name === 'false_positive_history');
  if (!estimate || !moved) return `No labelled kills of ${module} or of the fleet yet, so false_positive_history was left out; ${budget}.`;
  return (
    `False-positive estimate for ${module}: ${fmt(estimate.rate)} ± ${fmt(estimate.sd)} (Beta–binomial) from ${estimate.labels} label(s) of its own ` +
    `(${estimate.falsePositives} false positive(s)), shrunk towards the fleet's ${fmt(estimate.fleetRate)} from ${estimate.fleetLabels} label(s); ` +
    `it moved the score by ${signed(moved.contribution)}; ${budget}.`
  );
}

/** Log-odds, with the probability kept off 0 and 1 so a certain factor still leaves room for evidence. */
function logit(p: number): number {
  const q = Math.min(1 - ODDS_EPSILON, Math.max(ODDS_EPSILON, p));
  return Math.log(q / (1 - q));
}

function logistic(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function odds(p: number): number {
  return Math.exp(logit(p));
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${fmt(value)}`;
}

function usableWeight(weight: number): number {
  return Number.isFinite(weight) && weight > 0 ? weight : 0;
}

function clamp01(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.min(1, Math.max(0, value));
}

/** Numbers in reasoning text: at most 3 decimals. */
function fmt(value: number): string {
  return String(round(value, 3));
}
