import { estimateFalsePositiveRate } from './false-positive-estimate';
import type { FalsePositiveEstimate } from './false-positive-estimate';
import { KILL_REASON_RISK, REASON_INDEX, SEVERITY_INDEX, SEVERITY_RISK, bucketsOf, decile, killEvidence, saturatedLogRatio, usableWeight } from './signal-model';
import type { BucketEvidence, KillEvidence, SignalModel } from './signal-model';
import type {
  Decision,
  Verdict,
  FactorName,
  GuardCode,
  KillReport,
  LabelCounts,
  ModuleHistory,
  RiskFactor,
  RiskLevel,
  ThreatLookup,
} from './model';
import { configuredCriticality } from './policy';
import type { PolicyConfig } from './policy';
import { fmt } from './round';

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
  /** What Medic learnt from the fleet's kills about its signals; absent or null: the configured weighted mean decides. */
  readonly signals?: SignalModel | null;
}

export interface RiskAssessment {
  readonly score: number;
  readonly level: RiskLevel;
  readonly confidence: number;
  readonly factors: RiskFactor[];
  /** The module's false-positive rate from its labels; null when neither it nor the fleet has any. */
  readonly falsePositives: FalsePositiveEstimate | null;
  /** The model the score was learnt from; null for the configured weighted mean. */
  readonly signals: SignalModel | null;
}

const LN10 = Math.log(10);
/** A learnt score spans this many factors of ten in the odds that Smith was right, from 1:1000 at 0 to 10:1 at 1. */
const SCORE_DECADES = 4;
const SCORE_OFFSET_DECADES = 3;
/** Reasoning text that depends only on a learnt model or one of its buckets, written once (models are immutable). */
const MODEL_TEXT = new WeakMap<SignalModel, { readonly learnt: string; readonly quiet: string; readonly prior: string }>();
const BUCKET_TEXT = new WeakMap<BucketEvidence, string>();
/** Each decile as text: 0–0.1 … 0.9–1. */
const DECILES = Array.from({ length: 10 }, (_, d) => `${d / 10}–${(d + 1) / 10}`);
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
  if (input.signals) return assessLearned(input, policy, input.signals);
  const { report, threat } = input;
  const module = report.targetModule;
  const weights = policy.weights;
  const falsePositives = estimateFalsePositiveRate(input.history.labels, input.history.fleetLabels);
  // The signal factors with data, in the canonical order of FACTOR_NAMES: values and weights first, details once.
  const { value: criticality, detail: criticalityDetail } = criticalityOf(policy, module, input.criticalityOverride);
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
  if (criticality !== null) factors.push(factorOf('module_criticality', criticality, wCriticality, share(wCriticality), criticalityDetail));
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
        `against the fleet's ${fmt(falsePositives.fleetRate)}: the score's odds × ${fmt((oddsOf(moduleRight) / oddsOf(fleetRight)) ** strength)}`,
    });
  }
  return { score, level: riskLevelOf(score), confidence: confidenceOf(threat, falsePositives), factors, falsePositives, signals: null };
}

/** Score of a learnt probability: (log10 of the odds that Smith was right + 3) / 4, so each 0.25 is a factor of ten in the odds and 0.75 is even odds. */
export function scoreOfOdds(odds: number): number {
  return (Math.log10(odds) + SCORE_OFFSET_DECADES) / SCORE_DECADES;
}

/** The odds that Smith was right that a learnt score stands for. */
export function oddsOfScore(score: number): number {
  return 10 ** (score * SCORE_DECADES - SCORE_OFFSET_DECADES);
}

/**
 * The learnt risk score: the odds that Smith was right about this kill, by Bayes' rule. The prior odds are the module's, from
 * its labels and its unlabelled kills (shrunk towards the fleet's; `weights.false_positive_history` is the power of the
 * module's departure from the fleet); each signal multiplies them by its learnt likelihood ratio, but together the signals
 * never divide them by more than the quiet share (some compromises look like false alarms). Module criticality raises the
 * score by its weight's share of the present factors' weights times its value. Each signal's contribution is what it added
 * after the stronger ones; false_positive_history holds the rest of the score (the module's prior, and any clamping).
 */
function assessLearned(input: DecisionInput, policy: PolicyConfig, model: SignalModel): RiskAssessment {
  const { report, threat, history } = input;
  const module = report.targetModule;
  const weights = policy.weights;
  const evidence = killEvidence(model, bucketsOf(report, threat), weights);
  const override = input.criticalityOverride;
  const learned = learnedScore(model, policy, module, history.labels, evidence, model.quietShare, override);
  const { score, estimate, contributions, criticality, criticalityDetail, criticalityShare, raised, moduleRight, lnPrior } = learned;
  const conf = decile(report.confidenceScore);
  const factors: RiskFactor[] = [
    learnedFactor('smith_confidence', clamp01(report.confidenceScore), weights.smith_confidence, contributions[0]!, `Smith's confidence ${fmt(report.confidenceScore)} (${DECILES[conf]}: ${bucket(model.smithConfidence[conf])})`),
    learnedFactor('severity', SEVERITY_RISK[report.severity], weights.severity, contributions[1]!, `severity ${report.severity} (${bucket(model.severity[SEVERITY_INDEX[report.severity]])})`),
    learnedFactor('kill_reason', KILL_REASON_RISK[report.killReason], weights.kill_reason, contributions[2]!, `kill reason ${report.killReason} (${bucket(model.killReason[REASON_INDEX[report.killReason]])})`),
  ];
  if (criticality !== null) {
    const detail = `${criticalityDetail}: + ${fmt(criticalityShare)} × ${fmt(criticality)}`;
    factors.push({ name: 'module_criticality', value: criticality, weight: usableWeight(weights.module_criticality), normalizedWeight: criticalityShare, contribution: raised, detail });
  }
  if (threat.status === 'answered') {
    const c = threat.context;
    const risk = decile(c.riskScore);
    const closed = c.falsePositiveCount > 0 ? 1 : 0;
    factors.push(
      learnedFactor(
        'siem_risk_score',
        clamp01(c.riskScore),
        weights.siem_risk_score,
        contributions[3]!,
        `threat intel risk ${fmt(c.riskScore)} (${DECILES[risk]}: ${bucket(model.siemRisk[risk])}) with ${c.falsePositiveCount > 0 ? 'some' : 'no'} alert(s) closed as false positive (${bucket(model.siemClosedAlerts[closed])})`,
      ),
    );
  }
  let others = 0;
  for (const f of factors) others += f.contribution;
  const prior = scoreOfOdds(Math.exp(lnPrior));
  const clamped = Math.abs(score - others - prior) > 1e-9;
  factors.push({
    name: 'false_positive_history',
    value: clamp01(moduleRight),
    weight: usableWeight(weights.false_positive_history),
    normalizedWeight: 0,
    contribution: score - others,
    detail: `the module's prior odds that Smith is right are ${odds(Math.exp(lnPrior))}, a score of ${fmt(prior)} on their own${clamped ? ', less what clamping the score to [0, 1] took off' : ''}`,
  });
  return { score, level: riskLevelOf(score), confidence: confidenceOf(threat, estimate), factors, falsePositives: estimate, signals: model };
}

/** The numbers behind a learnt score, without any text: decide() and the harm calibration predicts both use it. */
export interface LearnedScore {
  readonly score: number;
  /** ln of the module's prior odds that Smith was right, and of the signals' likelihood ratio. */
  readonly lnPrior: number;
  readonly lnSignals: number;
  readonly estimate: FalsePositiveEstimate | null;
  /** 1 − the module's false-positive estimate (the fleet's when there is none). */
  readonly moduleRight: number;
  /** Score change of smith_confidence, severity, kill_reason and siem_risk_score, each after the stronger ones. */
  readonly contributions: readonly [number, number, number, number];
  readonly criticality: number | null;
  /** Where the criticality came from, as a sentence. */
  readonly criticalityDetail: string;
  readonly criticalityShare: number;
  /** What module criticality added to the score. */
  readonly raised: number;
}

/** The module's criticality and the sentence saying where it came from; null value: none is known. */
function criticalityOf(
  policy: PolicyConfig,
  module: string,
  override: DecisionInput['criticalityOverride'],
): { readonly value: number | null; readonly detail: string } {
  if (policy.criticalModules.includes(module)) return { value: 1, detail: `${module} is on critical_modules` };
  const configured = override ? override.value : configuredCriticality(policy, module);
  const value = configured !== undefined && Number.isFinite(configured) ? clamp01(configured) : null;
  const detail = override ? `${module} has criticality ${fmt(override.value)} from ${override.source}` : `${module} has configured criticality ${fmt(configured ?? 0)}`;
  return { value, detail };
}

/**
 * The learnt score of a kill of `module` with these learnt signal ratios, given the module's labels (unlabelled kills come
 * from the model); `quietShare` defaults to the model's (the harm calibration also tries the ends of its interval).
 */
export function learnedScore(
  model: SignalModel,
  policy: PolicyConfig,
  module: string,
  labels: LabelCounts,
  evidence: KillEvidence,
  quietShare = model.quietShare,
  criticalityOverride?: DecisionInput['criticalityOverride'],
): LearnedScore {
  const weights = policy.weights;
  const unlabelled = model.modules.get(module);
  const expectedTp = unlabelled?.truePositives ?? 0;
  const own = { falsePositives: labels.falsePositives + (unlabelled ? unlabelled.kills - expectedTp : 0), truePositives: labels.truePositives + expectedTp };
  const fleet = { falsePositives: model.kills * (1 - model.truePositiveRate), truePositives: model.kills * model.truePositiveRate };
  const estimate = estimateFalsePositiveRate(own, fleet, model.modulePriorLabels);
  const fleetRight = estimate ? 1 - estimate.fleetRate : model.truePositiveRate;
  const moduleRight = estimate ? 1 - estimate.rate : fleetRight;
  const lnPrior = logit(fleetRight) + usableWeight(weights.false_positive_history) * (logit(moduleRight) - logit(fleetRight));

  // Canonical order: smith_confidence, severity, kill_reason, siem_risk_score.
  const ratios = [evidence.smithConfidence, evidence.severity, evidence.killReason, evidence.siem ?? 0];
  const present = evidence.siem === null ? 3 : 4;
  const contributions: [number, number, number, number] = [0, 0, 0, 0];
  let taken = 0;
  let partial = 0;
  let lnSignals = 0;
  for (let step = 0; step < present; step++) {
    // The strongest signal not yet taken (ties: canonical order); a selection over at most four, with a bit mask.
    let best = -1;
    for (let i = 0; i < present; i++) {
      if ((taken & (1 << i)) !== 0) continue;
      if (best === -1 || Math.abs(ratios[i]!) > Math.abs(ratios[best]!)) best = i;
    }
    partial += ratios[best]!;
    const next = saturatedLogRatio(partial, quietShare);
    contributions[best] = (next - lnSignals) / LN10 / SCORE_DECADES;
    lnSignals = next;
    taken |= 1 << best;
  }

  const { value: criticality, detail: criticalityDetail } = criticalityOf(policy, module, criticalityOverride);
  const wCriticality = criticality === null ? 0 : usableWeight(weights.module_criticality);
  const signalWeights =
    usableWeight(weights.smith_confidence) + usableWeight(weights.severity) + usableWeight(weights.kill_reason) + (evidence.siem === null ? 0 : usableWeight(weights.siem_risk_score));
  const criticalityShare = wCriticality > 0 ? wCriticality / (wCriticality + signalWeights) : 0;
  const raised = criticality === null ? 0 : criticalityShare * criticality;
  const score = clamp01(scoreOfOdds(Math.exp(lnPrior + lnSignals)) + raised);
  return { score, lnPrior, lnSignals, estimate, moduleRight, contributions, criticality, criticalityDetail, criticalityShare, raised };
}

/**
 * The verdict for one kill: guards first, then the risk level and the auto-approve conditions. Pure and deterministic.
 * Its cost is the stored record's: the plain-English reasoning is built once, here, in one pass.
 */
export function decide(input: DecisionInput, policy: PolicyConfig): Decision {
  const assessment = assessRisk(input, policy);
  const ruling = guardRuling(input, policy, assessment) ?? levelRuling(input, policy, assessment);
  return {
    verdict: ruling.verdict,
    riskScore: assessment.score,
    riskLevel: assessment.level,
    confidence: assessment.confidence,
    factors: assessment.factors,
    reasoning: assessment.signals
      ? [ruling.sentence, learnedScoreSentence(assessment, assessment.signals), signalsSentence(assessment, assessment.signals), threatSentence(input.threat), learnedHistorySentence(input, assessment, assessment.signals)]
      : [ruling.sentence, scoreSentence(assessment), factorsSentence(assessment.factors), threatSentence(input.threat), historySentence(input, assessment)],
    guard: ruling.guard,
    autoApproveMaxScore: input.autoApproveMaxScore,
  };
}

interface Ruling {
  readonly verdict: Verdict;
  readonly guard: GuardCode | null;
  readonly sentence: string;
}

/** The labels behind a bucket, for reasoning text. */
function bucket(e: BucketEvidence | undefined): string {
  if (!e) return 'no labels';
  let text = BUCKET_TEXT.get(e);
  if (text === undefined) {
    text = `${e.truePositives} true and ${e.falsePositives} false positive(s) labelled`;
    BUCKET_TEXT.set(e, text);
  }
  return text;
}

/** The parts of the reasoning that depend on the model alone, written once per model. */
function modelText(model: SignalModel): { readonly learnt: string; readonly quiet: string; readonly prior: string } {
  let text = MODEL_TEXT.get(model);
  if (text === undefined) {
    text = {
      learnt: `by what Medic learnt from ${model.kills} kill(s) since ${model.since} (${model.labels.truePositives} labelled true and ${model.labels.falsePositives} false positive(s)).`,
      quiet: `Signals, strongest first (a share ${fmt(model.quietShare)} of true positives look like false alarms, so together they never divide the odds by more than ${ratio(1 / model.quietShare)}): `,
      prior: `as if by ${fmt(model.modulePriorLabels)} labels`,
    };
    MODEL_TEXT.set(model, text);
  }
  return text;
}

function learnedFactor(name: FactorName, value: number, weight: number, contribution: number, detail: string): RiskFactor {
  return { name, value, weight: usableWeight(weight), normalizedWeight: 0, contribution, detail };
}

function factorOf(name: FactorName, value: number, weight: number, normalizedWeight: number, detail: string): RiskFactor {
  return { name, value, weight, normalizedWeight, contribution: normalizedWeight * value, detail };
}

/**
 * Confidence = how much evidence stood behind the score: a base, plus threat intel answering, plus the certainty of the
 * module's false-positive estimate. How well a learnt model knows its quiet share does not enter it: the score uses the
 * share learnt, and calibration never raises the ceiling while the harm at the upper end of that share's interval is above
 * the budget.
 */
function confidenceOf(threat: ThreatLookup, falsePositives: FalsePositiveEstimate | null): number {
  const threatShare = threat.status === 'answered' ? THREAT_INTEL_CONFIDENCE : 0;
  const historyShare = HISTORY_CONFIDENCE * (falsePositives?.certainty ?? 0);
  return clamp01(BASE_CONFIDENCE + threatShare + historyShare);
}

function guardRuling({ report, history, threat, reKilledAfterResurrection }: DecisionInput, policy: PolicyConfig, risk: RiskAssessment): Ruling | null {
  const module = report.targetModule;
  if (policy.alwaysDenyModules.includes(module)) {
    return { verdict: 'deny', guard: 'always_deny_module', sentence: `Denied: ${module} is on always_deny_modules, so Medic never brings it back.` };
  }
  if (report.killReason === 'threat_detected' && report.confidenceScore > policy.threatDenyConfidence) {
    return {
      verdict: 'deny',
      guard: 'high_confidence_threat',
      sentence: `Denied: Smith detected a threat with confidence ${fmt(report.confidenceScore)}, above the ${fmt(policy.threatDenyConfidence)} that is denied outright.`,
    };
  }
  // The SIEM itself says deny (open high-risk alerts for the module): no weighting may outvote it.
  if (threat.status === 'answered' && threat.context.recommendation === 'deny') {
    const c = threat.context;
    return {
      verdict: 'deny',
      guard: 'open_threat_alerts',
      sentence: `Denied: threat intel has ${c.openCount} open alert(s) for ${module} in the last ${c.lookbackHours} h with risk ${fmt(c.riskScore)}.`,
    };
  }
  if (history.recentResurrections >= policy.budget.maxRestarts) {
    return {
      verdict: 'deny',
      guard: 'restart_budget_spent',
      sentence: `Denied: restart budget spent, ${module} was already resurrected ${history.recentResurrections} time(s) in the last ${policy.budget.windowMinutes} minutes (at most ${policy.budget.maxRestarts}).`,
    };
  }
  if (reKilledAfterResurrection) {
    const deny = risk.level === 'high' || risk.level === 'critical';
    return {
      verdict: deny ? 'deny' : 'pending_review',
      guard: 'rekilled_after_resurrection',
      sentence: `${deny ? 'Denied' : 'Sent to review'}: Smith killed ${module} again soon after Medic resurrected it, so it is never auto-approved${deny ? ` and its risk is ${risk.level}` : ''}.`,
    };
  }
  return null;
}

function levelRuling(input: DecisionInput, policy: PolicyConfig, risk: RiskAssessment): Ruling {
  const score = fmt(risk.score);
  if (risk.confidence < policy.confidenceThreshold) {
    return {
      verdict: 'pending_review',
      guard: null,
      sentence: `Sent to review: confidence ${fmt(risk.confidence)} is below the confidence threshold ${fmt(policy.confidenceThreshold)}, so risk ${score} (${risk.level}) is not acted on automatically.`,
    };
  }
  if (risk.level === 'high' || risk.level === 'critical') {
    return { verdict: 'deny', guard: null, sentence: `Denied: risk ${score} is ${risk.level}.` };
  }
  if (risk.level === 'medium') {
    return { verdict: 'pending_review', guard: null, sentence: `Sent to review: risk ${score} is medium.` };
  }
  const failed = failedAutoApproveConditions(input, policy, risk);
  if (failed === '') {
    return {
      verdict: 'approve_auto',
      guard: null,
      sentence: `Auto-approved: risk ${score} is ${risk.level}, within the auto-approve ceiling ${fmt(input.autoApproveMaxScore)}, with confidence ${fmt(risk.confidence)} (at least ${fmt(policy.autoApprove.minConfidence)}).`,
    };
  }
  return { verdict: 'pending_review', guard: null, sentence: `Sent to review: risk ${score} is ${risk.level}, but ${failed}.` };
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

function learnedScoreSentence(risk: RiskAssessment, model: SignalModel): string {
  return `Risk score ${fmt(risk.score)} (${risk.level}) with confidence ${fmt(risk.confidence)}: the odds that Smith was right are ${odds(oddsOfScore(risk.score))}, ${modelText(model).learnt}`;
}

/** The signals in the order they were weighed, strongest first, each with the change it made to the score. */
function signalsSentence(risk: RiskAssessment, model: SignalModel): string {
  let text = modelText(model).quiet;
  let taken = 0;
  let last = Infinity;
  let lastIndex = -1;
  for (;;) {
    let best = -1;
    for (let i = 0; i < risk.factors.length; i++) {
      const f = risk.factors[i]!;
      if (f.name === 'false_positive_history' || f.name === 'module_criticality') continue;
      const c = Math.abs(f.contribution);
      const after = c < last || (c === last && i > lastIndex);
      if (after && (best === -1 || c > Math.abs(risk.factors[best]!.contribution))) best = i;
    }
    if (best === -1) break;
    const f = risk.factors[best]!;
    text += `${taken > 0 ? '; ' : ''}${f.name} ${signed(f.contribution)} (odds × ${ratio(10 ** (SCORE_DECADES * f.contribution))}: ${f.detail})`;
    last = Math.abs(f.contribution);
    lastIndex = best;
    taken += 1;
  }
  const criticality = risk.factors.find((f) => f.name === 'module_criticality');
  return `${text}${criticality ? `; module_criticality ${signed(criticality.contribution)} (${criticality.detail})` : ''}.`;
}

function learnedHistorySentence({ report, history }: DecisionInput, risk: RiskAssessment, model: SignalModel): string {
  const module = report.targetModule;
  const budget = `${history.recentResurrections} resurrection(s) in the restart-budget window`;
  const estimate = risk.falsePositives;
  const unlabelled = model.modules.get(module);
  const prior = risk.factors.find((f) => f.name === 'false_positive_history');
  if (!estimate || !prior) return `No kills of ${module} or of the fleet to learn from; ${budget}.`;
  return (
    `False-positive estimate for ${module}: ${fmt(estimate.rate)} ± ${fmt(estimate.sd)} (Beta–binomial) from ${history.labels.falsePositives + history.labels.truePositives} label(s) of its own ` +
    `(${history.labels.falsePositives} false positive(s)) and ${unlabelled?.kills ?? 0} unlabelled kill(s) counted as ${fmt(unlabelled?.truePositives ?? 0)} expected true positive(s), ` +
    `shrunk towards the fleet's ${fmt(estimate.fleetRate)} ${modelText(model).prior}: ${prior.detail} (${signed(prior.contribution)}); ${budget}.`
  );
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

/** Odds as "1:N" below even and "N:1" above, to two significant digits. */
function odds(value: number): string {
  return value >= 1 ? `${ratio(value)}:1` : `1:${ratio(1 / value)}`;
}

/** A positive ratio to two significant digits (whole numbers from 100 up), e.g. 0.058, 2.7, 34, 6032; from integers (faster than toPrecision). */
function ratio(value: number): string {
  if (!Number.isFinite(value) || value <= 0) return String(value);
  if (value >= 99.5) return String(Math.round(value));
  let exponent = Math.floor(Math.log10(value));
  let figures = Math.round(value * 10 ** (1 - exponent));
  if (figures >= 100) {
    figures = 10;
    exponent += 1;
  }
  // value ≈ figures × 10^(exponent − 1), figures from 10 to 99.
  if (exponent >= 1) return String(figures);
  const tens = Math.floor(figures / 10);
  const units = figures % 10;
  if (exponent === 0) return units === 0 ? `${tens}` : `${tens}.${units}`;
  return `0.${'0'.repeat(-exponent - 1)}${units === 0 ? tens : figures}`;
}

/** Log-odds, with the probability kept off 0 and 1 so a certain factor still leaves room for evidence. */
function logit(p: number): number {
  const q = Math.min(1 - ODDS_EPSILON, Math.max(ODDS_EPSILON, p));
  return Math.log(q / (1 - q));
}

function logistic(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function oddsOf(p: number): number {
  return Math.exp(logit(p));
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${fmt(value)}`;
}

function clamp01(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.min(1, Math.max(0, value));
}
