import { EMPTY_HISTORY, NO_LABELS } from './model';
import type { KillReport, ModuleHistory, RiskFactor, ThreatContext, ThreatLookup } from './model';
import { DEFAULT_POLICY } from './policy';
import type { PolicyConfig } from './policy';
import { estimateFalsePositiveRate } from './false-positive-estimate';
import { assessRisk, decide, learnedScore, oddsOfScore, riskLevelOf, scoreOfOdds } from './risk';
import { bucketsOf, killEvidence, saturatedLogRatio } from './signal-model';
import type { DecisionInput } from './risk';
import { DEMO_KILL_REPORT, HOT_CONTEXT, learntSignalModel } from './testing/fixtures';

/** The reboot plan's demo report. */
const DEMO: KillReport = DEMO_KILL_REPORT;

/** The reboot plan's high-risk report. */
const HIGH_RISK: KillReport = { ...DEMO, killId: 'demo-2', killReason: 'threat_detected', severity: 'critical', confidenceScore: 0.99 };

/** What config/demo.yaml holds. */
const DEMO_POLICY: PolicyConfig = { ...DEFAULT_POLICY, autoApprove: { enabled: true, minConfidence: 0.6, maxScore: 0.4 } };

const DISABLED: ThreatLookup = { status: 'disabled' };

const CONTEXT: ThreatContext = {
  riskScore: 0.2,
  alertCount: 3,
  openCount: 1,
  falsePositiveCount: 2,
  indicators: [],
  recommendation: 'allow',
  lookbackHours: 24,
};

function input(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return { report: DEMO, history: EMPTY_HISTORY, threat: DISABLED, reKilledAfterResurrection: false, autoApproveMaxScore: 0.4, ...overrides };
}

const history = (counts: Partial<ModuleHistory>): ModuleHistory => ({ ...EMPTY_HISTORY, ...counts });

/** A module with `fp` false-positive and `tp` true-positive labels in a fleet of 80 and 20 more. */
const labelled = (fp: number, tp: number): ModuleHistory =>
  history({ labels: { falsePositives: fp, truePositives: tp }, fleetLabels: { falsePositives: 80 + fp, truePositives: 20 + tp } });

const logit = (p: number) => Math.log(p / (1 - p));
const logistic = (z: number) => 1 / (1 + Math.exp(-z));

function factor(decisionFactors: readonly RiskFactor[], name: string): RiskFactor {
  const found = decisionFactors.find((f) => f.name === name);
  if (!found) throw new Error(`factor ${name} missing`);
  return found;
}

describe('riskLevelOf', () => {
  it.each([
    [0, 'minimal'],
    [0.1999, 'minimal'],
    [0.2, 'low'],
    [0.3999, 'low'],
    [0.4, 'medium'],
    [0.5999, 'medium'],
    [0.6, 'high'],
    [0.7999, 'high'],
    [0.8, 'critical'],
    [1, 'critical'],
  ])('%p is %s', (score, level) => {
    expect(riskLevelOf(score)).toBe(level);
  });
});

describe('the reboot plan demo', () => {
  it('auto-approves the demo report under the demo policy', () => {
    const decision = decide(input(), DEMO_POLICY);
    expect(decision.verdict).toBe('approve_auto');
    expect(decision.guard).toBeNull();
    expect(decision.riskLevel).toBe('low');
    // (0.3 × 0.4 + 0.1 × 0.25 + 0.1 × 0.4) / 0.5
    expect(decision.riskScore).toBeCloseTo(0.37, 10);
    expect(decision.confidence).toBe(0.6);
    expect(decision.autoApproveMaxScore).toBe(0.4);
    expect(decision.factors.map((f) => f.name)).toEqual(['smith_confidence', 'severity', 'kill_reason']);
    expect(decision.reasoning[0]).toMatch(/^Auto-approved: risk 0\.37 is low/);
  });

  it('sends the demo report to review under the default policy, saying auto-approve is disabled', () => {
    const decision = decide(input({ autoApproveMaxScore: DEFAULT_POLICY.autoApprove.maxScore }), DEFAULT_POLICY);
    expect(decision.verdict).toBe('pending_review');
    expect(decision.reasoning[0]).toContain('auto-approve is disabled');
  });

  it.each([
    ['default', DEFAULT_POLICY],
    ['demo', DEMO_POLICY],
  ])('denies the high-risk report under the %s policy', (_name, policy) => {
    const decision = decide(input({ report: HIGH_RISK }), policy);
    expect(decision.verdict).toBe('deny');
    expect(decision.guard).toBe('high_confidence_threat');
    expect(decision.riskLevel).toBe('critical');
    expect(decision.reasoning[0]).toContain('0.99');
  });
});

describe('guards', () => {
  it('always_deny_module denies and still reports the factors and score', () => {
    const decision = decide(input(), { ...DEMO_POLICY, alwaysDenyModules: ['nginx-test'] });
    expect(decision.verdict).toBe('deny');
    expect(decision.guard).toBe('always_deny_module');
    expect(decision.riskScore).toBeCloseTo(0.37, 10);
    expect(decision.factors).toHaveLength(3);
    expect(decision.reasoning[0]).toContain('always_deny_modules');
  });

  it('always_deny_module wins over every other guard', () => {
    const decision = decide(
      input({ report: HIGH_RISK, history: history({ recentResurrections: 9 }), reKilledAfterResurrection: true }),
      { ...DEMO_POLICY, alwaysDenyModules: ['nginx-test'] },
    );
    expect(decision.guard).toBe('always_deny_module');
  });

  it('high_confidence_threat fires only above the threshold and only for threat_detected', () => {
    const threat = (confidenceScore: number, killReason: KillReport['killReason'] = 'threat_detected') =>
      decide(input({ report: { ...DEMO, killReason, confidenceScore } }), DEMO_POLICY);
    expect(threat(0.951).guard).toBe('high_confidence_threat');
    expect(threat(0.951).verdict).toBe('deny');
    expect(threat(0.95).guard).toBeNull();
    expect(threat(0.99, 'manual_override').guard).toBeNull();
  });

  it('high_confidence_threat follows the configured threshold', () => {
    const decision = decide(input({ report: { ...DEMO, killReason: 'threat_detected', confidenceScore: 0.1 } }), { ...DEMO_POLICY, threatDenyConfidence: 0.05 });
    expect(decision.guard).toBe('high_confidence_threat');
    expect(decision.reasoning[0]).toContain('0.05');
  });

  it('open_threat_alerts denies when threat intel recommends deny, whatever the weights', () => {
    const hot: ThreatLookup = { status: 'answered', context: { ...CONTEXT, riskScore: 0.9, openCount: 3, falsePositiveCount: 0, recommendation: 'deny' } };
    const decision = decide(input({ threat: hot }), { ...DEMO_POLICY, weights: { ...DEMO_POLICY.weights, siem_risk_score: 0 } });
    expect(decision.verdict).toBe('deny');
    expect(decision.guard).toBe('open_threat_alerts');
    expect(decision.reasoning[0]).toContain('3 open alert(s)');
    const review: ThreatLookup = { status: 'answered', context: { ...CONTEXT, recommendation: 'review' } };
    expect(decide(input({ threat: review }), DEMO_POLICY).guard).toBeNull();
  });

  it('restart_budget_spent fires once the budget is used up', () => {
    const atBudget = decide(input({ history: history({ recentResurrections: 3 }) }), DEMO_POLICY);
    expect(atBudget.verdict).toBe('deny');
    expect(atBudget.guard).toBe('restart_budget_spent');
    expect(atBudget.reasoning[0]).toMatch(/restart budget spent.*3 time\(s\) in the last 60 minutes/);
    const belowBudget = decide(input({ history: history({ recentResurrections: 2 }) }), DEMO_POLICY);
    expect(belowBudget.guard).toBeNull();
    expect(belowBudget.verdict).toBe('approve_auto');
  });

  it('rekilled_after_resurrection sends a low-risk kill to review instead of auto-approving it', () => {
    const decision = decide(input({ reKilledAfterResurrection: true }), DEMO_POLICY);
    expect(decision.verdict).toBe('pending_review');
    expect(decision.guard).toBe('rekilled_after_resurrection');
    expect(decision.reasoning[0]).toContain('never auto-approved');
  });

  it('rekilled_after_resurrection denies a high-risk kill', () => {
    const report: KillReport = { ...DEMO, killReason: 'policy_violation', severity: 'high', confidenceScore: 0.9 };
    const decision = decide(input({ report, reKilledAfterResurrection: true }), DEMO_POLICY);
    expect(decision.riskLevel).toBe('critical');
    expect(decision.verdict).toBe('deny');
    expect(decision.guard).toBe('rekilled_after_resurrection');
  });
});

describe('risk score', () => {
  it('adds threat intel when it answered and renormalises the weights', () => {
    const risk = assessRisk(input({ threat: { status: 'answered', context: CONTEXT } }), DEMO_POLICY);
    // (0.12 + 0.025 + 0.04 + 0.25 × 0.2) / 0.75
    expect(risk.score).toBeCloseTo(0.235 / 0.75, 10);
    const siem = factor(risk.factors, 'siem_risk_score');
    expect(siem.value).toBe(0.2);
    expect(siem.weight).toBe(0.25);
    expect(siem.normalizedWeight).toBeCloseTo(0.25 / 0.75, 10);
    expect(factor(risk.factors, 'smith_confidence').normalizedWeight).toBeCloseTo(0.4, 10);
  });

  it('leaves a missing factor out instead of counting it as zero or one', () => {
    const risk = assessRisk(input({ threat: { status: 'unavailable', reason: 'timeout after 500 ms' } }), DEMO_POLICY);
    expect(risk.factors.map((f) => f.name)).not.toContain('siem_risk_score');
    expect(factor(risk.factors, 'smith_confidence').normalizedWeight).toBeCloseTo(0.6, 10);
    expect(factor(risk.factors, 'severity').normalizedWeight).toBeCloseTo(0.2, 10);
    expect(factor(risk.factors, 'kill_reason').normalizedWeight).toBeCloseTo(0.2, 10);
    expect(risk.score).toBeCloseTo(0.37, 10);
  });

  it('applies Bayes\' rule with the module\'s false-positive estimate against the fleet\'s, in full at weight 1', () => {
    const threat = { status: 'answered', context: CONTEXT } as const;
    // (0.3 × 0.4 + 0.1 × 0.25 + 0.1 × 0.4 + 0.25 × 0.2) / 0.75: the mean of the signals.
    const signals = 0.235 / 0.75;
    expect(assessRisk(input({ threat }), DEMO_POLICY).score).toBeCloseTo(signals, 10);
    for (const [fp, tp] of [
      [2, 8],
      [20, 0],
      [8, 2],
    ] as const) {
      const moduleHistory = labelled(fp, tp);
      const estimate = estimateFalsePositiveRate(moduleHistory.labels, moduleHistory.fleetLabels);
      if (!estimate) throw new Error('no estimate');
      const risk = assessRisk(input({ threat, history: moduleHistory }), DEMO_POLICY);
      const expected = logistic(logit(signals) + logit(1 - estimate.rate) - logit(1 - estimate.fleetRate));
      expect(risk.score).toBeCloseTo(expected, 10);
      expect(risk.falsePositives).toEqual(estimate);
      expect(factor(risk.factors, 'false_positive_history')).toMatchObject({ value: 1 - estimate.rate, weight: 1, normalizedWeight: 0 });
      expect(factor(risk.factors, 'false_positive_history').contribution).toBeCloseTo(expected - signals, 12);
    }
    // A module killed wrongly more often than the fleet scores lower, one killed rightly more often higher.
    expect(assessRisk(input({ threat, history: labelled(20, 0) }), DEMO_POLICY).score).toBeLessThan(signals);
    expect(assessRisk(input({ threat, history: labelled(2, 8) }), DEMO_POLICY).score).toBeGreaterThan(0.5);
  });

  it('weighs history by the power of false_positive_history: half as much at 0.5, not at all at 0', () => {
    const moduleHistory = labelled(2, 8);
    const estimate = estimateFalsePositiveRate(moduleHistory.labels, moduleHistory.fleetLabels);
    if (!estimate) throw new Error('no estimate');
    const shift = logit(1 - estimate.rate) - logit(1 - estimate.fleetRate);
    const at = (weight: number) => assessRisk(input({ history: moduleHistory }), { ...DEMO_POLICY, weights: { ...DEMO_POLICY.weights, false_positive_history: weight } });
    expect(at(0.5).score).toBeCloseTo(logistic(logit(0.37) + 0.5 * shift), 10);
    expect(at(0).score).toBeCloseTo(0.37, 10);
    expect(factor(at(0).factors, 'false_positive_history').contribution).toBe(0);
  });

  it('shrinks a new module to the fleet: its estimate is the fleet\'s rate and moves nothing', () => {
    const risk = assessRisk(input({ history: history({ fleetLabels: { falsePositives: 90, truePositives: 10 } }) }), DEMO_POLICY);
    expect(risk.falsePositives).toMatchObject({ labels: 0, fleetLabels: 100 });
    expect(risk.score).toBeCloseTo(0.37, 10);
  });

  it('leaves history out while neither the module nor the fleet has a label', () => {
    const risk = assessRisk(input({ history: history({ resurrections: 2, held: 2, recentResurrections: 2 }) }), DEMO_POLICY);
    expect(risk.factors.map((f) => f.name)).not.toContain('false_positive_history');
    expect(risk.falsePositives).toBeNull();
  });

  it('takes module criticality from critical_modules or the configured map', () => {
    const configured = assessRisk(input(), { ...DEMO_POLICY, moduleCriticality: { 'nginx-test': 0.5 } });
    expect(factor(configured.factors, 'module_criticality').value).toBe(0.5);
    // (0.185 + 0.15 × 0.5) / 0.65
    expect(configured.score).toBeCloseTo(0.4, 10);
    const critical = assessRisk(input(), { ...DEMO_POLICY, criticalModules: ['nginx-test'], moduleCriticality: { 'nginx-test': 0.1 } });
    expect(factor(critical.factors, 'module_criticality').value).toBe(1);
    const other = assessRisk(input(), { ...DEMO_POLICY, moduleCriticality: { redis: 0.9 } });
    expect(other.factors.map((f) => f.name)).not.toContain('module_criticality');
  });

  it('does not read Object.prototype for a module named like one of its members', () => {
    const risk = assessRisk(input({ report: { ...DEMO, targetModule: 'constructor' } }), DEMO_POLICY);
    expect(risk.factors.map((f) => f.name)).toEqual(['smith_confidence', 'severity', 'kill_reason']);
  });

  it('gives a zero-weight factor no influence', () => {
    const policy = { ...DEMO_POLICY, weights: { ...DEMO_POLICY.weights, severity: 0 } };
    const risk = assessRisk(input(), policy);
    expect(factor(risk.factors, 'severity').contribution).toBe(0);
    // (0.3 × 0.4 + 0.1 × 0.4) / 0.4
    expect(risk.score).toBeCloseTo(0.4, 10);
  });

  it('falls back to an unweighted mean when every present weight is zero', () => {
    const zero = { smith_confidence: 0, severity: 0, kill_reason: 0, module_criticality: 0, siem_risk_score: 0, false_positive_history: 0 };
    const risk = assessRisk(input(), { ...DEMO_POLICY, weights: zero });
    expect(risk.score).toBeCloseTo((0.4 + 0.25 + 0.4) / 3, 10);
  });

  it('makes the contributions sum to the score', () => {
    const risk = assessRisk(
      input({ report: HIGH_RISK, threat: { status: 'answered', context: { ...CONTEXT, riskScore: 0.7 } }, history: labelled(2, 3) }),
      { ...DEMO_POLICY, moduleCriticality: { 'nginx-test': 0.3 } },
    );
    expect(risk.factors).toHaveLength(6);
    const sum = risk.factors.reduce((total, f) => total + f.contribution, 0);
    expect(sum).toBeCloseTo(risk.score, 12);
    for (const f of risk.factors.filter((f) => f.name !== 'false_positive_history')) expect(f.contribution).toBeCloseTo(f.value * f.normalizedWeight, 12);
  });

  it('scores severity and kill reason by the published tables', () => {
    const valueOf = (report: Partial<KillReport>, name: string) => factor(assessRisk(input({ report: { ...DEMO, ...report } }), DEMO_POLICY).factors, name).value;
    expect([valueOf({ severity: 'critical' }, 'severity'), valueOf({ severity: 'high' }, 'severity'), valueOf({ severity: 'medium' }, 'severity'), valueOf({ severity: 'info' }, 'severity')]).toEqual([1, 0.8, 0.5, 0.1]);
    expect(valueOf({ killReason: 'manual_override' }, 'kill_reason')).toBe(0.9);
    expect(valueOf({ killReason: 'policy_violation' }, 'kill_reason')).toBe(0.7);
    expect(valueOf({ killReason: 'resource_exhaustion' }, 'kill_reason')).toBe(0.2);
    expect(valueOf({ killReason: 'dependency_cascade' }, 'kill_reason')).toBe(0.1);
  });
});

describe('confidence', () => {
  it.each([
    ['no threat intel, no history', DISABLED, EMPTY_HISTORY, 0.6],
    ['threat intel only', { status: 'answered', context: CONTEXT } as const, EMPTY_HISTORY, 0.8],
  ])('%s → %p', (_name, threat, moduleHistory, expected) => {
    expect(assessRisk(input({ threat, history: moduleHistory }), DEMO_POLICY).confidence).toBeCloseTo(expected, 10);
  });

  it('adds up to 0.2 for the module\'s false-positive estimate, by how certain it is (1 − 2 sd)', () => {
    const lone = history({ labels: { falsePositives: 3, truePositives: 2 }, fleetLabels: { falsePositives: 3, truePositives: 2 } });
    const estimate = estimateFalsePositiveRate(lone.labels, lone.fleetLabels);
    expect(assessRisk(input({ history: lone }), DEMO_POLICY).confidence).toBeCloseTo(0.6 + 0.2 * (1 - 2 * (estimate?.sd ?? 0)), 10);
    // The more labels behind the estimate, the more confident.
    const confidence = (n: number) => assessRisk(input({ history: labelled(n, 0) }), DEMO_POLICY).confidence;
    expect(confidence(0)).toBeLessThan(confidence(10));
    expect(confidence(10)).toBeLessThan(confidence(100));
    expect(confidence(100)).toBeLessThan(0.8);
  });
});

describe('outcome', () => {
  it('sends a medium risk to review', () => {
    const decision = decide(input({ report: { ...DEMO, confidenceScore: 0.6, severity: 'medium' } }), DEMO_POLICY);
    expect(decision.riskLevel).toBe('medium');
    expect(decision.verdict).toBe('pending_review');
    expect(decision.reasoning[0]).toContain('medium');
  });

  it('denies a high risk without a guard', () => {
    const decision = decide(input({ report: { ...DEMO, confidenceScore: 0.8, severity: 'high', killReason: 'policy_violation' } }), DEMO_POLICY);
    expect(decision.riskLevel).toBe('high');
    expect(decision.verdict).toBe('deny');
    expect(decision.guard).toBeNull();
  });

  it('names each failed auto-approve condition', () => {
    const lowConfidence = decide(input(), { ...DEMO_POLICY, autoApprove: { ...DEMO_POLICY.autoApprove, minConfidence: 0.85 } });
    expect(lowConfidence.verdict).toBe('pending_review');
    expect(lowConfidence.reasoning[0]).toContain('confidence 0.6 is below the required 0.85');

    const aboveCeiling = decide(input({ autoApproveMaxScore: 0.3 }), DEMO_POLICY);
    expect(aboveCeiling.verdict).toBe('pending_review');
    expect(aboveCeiling.autoApproveMaxScore).toBe(0.3);
    expect(aboveCeiling.reasoning[0]).toContain('above the auto-approve ceiling 0.3');

    const critical = decide(input(), { ...DEMO_POLICY, criticalModules: ['nginx-test'], weights: { ...DEMO_POLICY.weights, module_criticality: 0 } });
    expect(critical.riskLevel).toBe('low');
    expect(critical.verdict).toBe('pending_review');
    expect(critical.reasoning[0]).toContain('nginx-test is on critical_modules');
  });

  it('uses the calibrated ceiling from the input, not the configured one', () => {
    expect(decide(input({ autoApproveMaxScore: 0.37 }), { ...DEMO_POLICY, autoApprove: { ...DEMO_POLICY.autoApprove, maxScore: 0.1 } }).verdict).toBe('approve_auto');
  });
});

describe('confidence threshold', () => {
  const strict: PolicyConfig = { ...DEMO_POLICY, confidenceThreshold: 0.7 };
  const highRiskNoGuard: KillReport = { ...DEMO, confidenceScore: 0.8, severity: 'high', killReason: 'policy_violation' };

  it('is off by default', () => {
    expect(DEFAULT_POLICY.confidenceThreshold).toBe(0);
  });

  it('sends a low risk below the threshold to review instead of auto-approving it, naming both numbers', () => {
    const decision = decide(input(), strict);
    expect(decision.confidence).toBe(0.6);
    expect(decision.verdict).toBe('pending_review');
    expect(decision.guard).toBeNull();
    expect(decision.reasoning[0]).toBe('Sent to review: confidence 0.6 is below the confidence threshold 0.7, so risk 0.37 (low) is not acted on automatically.');
  });

  it('lets a confidence equal to the threshold act', () => {
    expect(decide(input(), { ...DEMO_POLICY, confidenceThreshold: 0.6 }).verdict).toBe('approve_auto');
  });

  it('sends a high risk below the threshold to review instead of denying it', () => {
    const decision = decide(input({ report: highRiskNoGuard }), strict);
    expect(decision.riskLevel).toBe('high');
    expect(decision.verdict).toBe('pending_review');
    expect(decision.reasoning[0]).toContain('below the confidence threshold 0.7');
  });

  it('acts on the score once the evidence lifts the confidence to the threshold', () => {
    const answered: ThreatLookup = { status: 'answered', context: CONTEXT };
    expect(decide(input({ threat: answered }), strict).verdict).toBe('approve_auto');
    const risky: ThreatLookup = { status: 'answered', context: { ...CONTEXT, riskScore: 0.8, recommendation: 'review' } };
    const denied = decide(input({ report: highRiskNoGuard, threat: risky }), strict);
    expect(denied.confidence).toBeCloseTo(0.8, 10);
    expect(denied.riskLevel).toBe('high');
    expect(denied.verdict).toBe('deny');
  });

  it('leaves the guards alone: they deny whatever the confidence', () => {
    const threshold: PolicyConfig = { ...DEMO_POLICY, confidenceThreshold: 1 };
    expect(decide(input({ report: HIGH_RISK }), threshold).guard).toBe('high_confidence_threat');
    expect(decide(input({ report: HIGH_RISK }), threshold).verdict).toBe('deny');
    expect(decide(input(), { ...threshold, alwaysDenyModules: ['nginx-test'] }).verdict).toBe('deny');
    expect(decide(input({ history: history({ recentResurrections: 3 }) }), threshold).verdict).toBe('deny');
  });
});

describe('reasoning', () => {
  it('names the main factors with their numbers, biggest first', () => {
    const decision = decide(input(), DEMO_POLICY);
    expect(decision.reasoning[1]).toBe('Risk score 0.37 (low) with confidence 0.6.');
    expect(decision.reasoning[2]).toMatch(/^Main factors: smith_confidence 0\.4 × weight 0\.6 = 0\.24 .*; kill_reason 0\.4 × weight 0\.2 = 0\.08 .*; severity 0\.25 × weight 0\.2 = 0\.05/);
  });

  it.each([
    [DISABLED, 'Threat intel is disabled'],
    [{ status: 'unavailable', reason: 'connection refused' } as const, 'Threat intel was unavailable (connection refused)'],
    [{ status: 'answered', context: CONTEXT } as const, 'Threat intel answered: risk 0.2 from 3 alert(s) (1 open, 2 closed as false positive) over 24 h, recommends allow.'],
  ])('states the threat-intel status %#', (threat, text) => {
    expect(decide(input({ threat }), DEMO_POLICY).reasoning.join(' ')).toContain(text);
  });

  it('names the module\'s false-positive estimate and its sample size', () => {
    expect(decide(input(), DEMO_POLICY).reasoning.join(' ')).toContain('No labelled kills of nginx-test or of the fleet yet, so false_positive_history was left out');
    const text = decide(input({ history: labelled(4, 1) }), DEMO_POLICY).reasoning.join(' ');
    expect(text).toMatch(
      /False-positive estimate for nginx-test: 0\.\d+ ± 0\.\d+ \(Beta–binomial\) from 5 label\(s\) of its own \(4 false positive\(s\)\), shrunk towards the fleet's 0\.\d+ from 105 label\(s\); it moved the score by [-+]0\.\d+/,
    );
  });

  it('rounds numbers in text but keeps them exact in the factors', () => {
    const decision = decide(input({ report: { ...DEMO, confidenceScore: 0.123456789 } }), DEMO_POLICY);
    expect(decision.reasoning.join(' ')).not.toContain('0.123456789');
    expect(factor(decision.factors, 'smith_confidence').value).toBe(0.123456789);
  });
});

describe('the learnt score', () => {
  const model = learntSignalModel();
  const LEARNT_POLICY: PolicyConfig = { ...DEFAULT_POLICY, autoApprove: { enabled: true, minConfidence: 0.6, maxScore: 0.3 } };
  /** A kill of web, the module Smith is rarely right about, whose signals look like a false alarm's. */
  const FALSE_ALARM: KillReport = { ...DEMO, targetModule: 'web', killReason: 'resource_exhaustion', severity: 'low', confidenceScore: 0.35 };
  const learnt = (overrides: Partial<DecisionInput> = {}): DecisionInput => input({ report: FALSE_ALARM, signals: model, ...overrides });
  const lnOddsOf = (score: number) => Math.log(oddsOfScore(score));

  it('puts the odds that Smith was right on a scale of ten-fold steps: 0 is 1:1000, 0.75 even odds, 1 is 10:1', () => {
    expect(scoreOfOdds(0.001)).toBeCloseTo(0, 12);
    expect(scoreOfOdds(0.01)).toBeCloseTo(0.25, 12);
    expect(scoreOfOdds(1)).toBeCloseTo(0.75, 12);
    expect(scoreOfOdds(10)).toBeCloseTo(1, 12);
    for (const score of [0, 0.2, 0.3, 0.61, 1]) expect(scoreOfOdds(oddsOfScore(score))).toBeCloseTo(score, 12);
  });

  it("is Bayes' rule: the module's prior odds times the signals' learnt ratios, saturated at the quiet share", () => {
    const risk = assessRisk(learnt(), LEARNT_POLICY);
    const evidence = killEvidence(model, bucketsOf(FALSE_ALARM, DISABLED), LEARNT_POLICY.weights);
    const expected = learnedScore(model, LEARNT_POLICY, 'web', NO_LABELS, evidence);
    expect(risk.score).toBeCloseTo(expected.score, 12);
    expect(lnOddsOf(risk.score)).toBeCloseTo(expected.lnPrior + saturatedLogRatio(evidence.smithConfidence + evidence.severity + evidence.killReason, model.quietShare), 9);
    expect(risk.signals).toBe(model);
  });

  it('never lets the signals divide the odds by more than the quiet share allows, however strongly they agree', () => {
    const evidence = killEvidence(model, bucketsOf(FALSE_ALARM, DISABLED), LEARNT_POLICY.weights);
    const learned = learnedScore(model, LEARNT_POLICY, 'web', NO_LABELS, evidence);
    expect(learned.lnSignals).toBeGreaterThanOrEqual(Math.log(model.quietShare) - 1e-12);
    expect(evidence.smithConfidence + evidence.severity + evidence.killReason).toBeLessThan(Math.log(model.quietShare));
  });

  it('makes the contributions sum to the score, each signal the change it made after the stronger ones', () => {
    for (const threat of [DISABLED, { status: 'answered', context: CONTEXT } as const]) {
      for (const report of [FALSE_ALARM, HIGH_RISK, DEMO]) {
        const risk = assessRisk(learnt({ report, threat }), LEARNT_POLICY);
        expect(risk.factors.reduce((sum, f) => sum + f.contribution, 0)).toBeCloseTo(risk.score, 12);
        expect(risk.factors.map((f) => f.name)).toEqual(
          threat.status === 'answered'
            ? ['smith_confidence', 'severity', 'kill_reason', 'siem_risk_score', 'false_positive_history']
            : ['smith_confidence', 'severity', 'kill_reason', 'false_positive_history'],
        );
      }
    }
    // The strongest signal takes the whole way down to the quiet share; the weaker ones after it add next to nothing.
    const risk = assessRisk(learnt(), LEARNT_POLICY);
    expect(Math.abs(factor(risk.factors, 'kill_reason').contribution)).toBeGreaterThan(Math.abs(factor(risk.factors, 'severity').contribution));
  });

  it("scores a module Smith is right about more often higher, and at false_positive_history 0 only the fleet's rate counts", () => {
    const rightOften = learnt({ history: history({ labels: { falsePositives: 5, truePositives: 20 } }) });
    const wrongOften = learnt({ history: history({ labels: { falsePositives: 200, truePositives: 0 } }) });
    expect(assessRisk(rightOften, LEARNT_POLICY).score).toBeGreaterThan(assessRisk(wrongOften, LEARNT_POLICY).score);
    const ignored: PolicyConfig = { ...LEARNT_POLICY, weights: { ...LEARNT_POLICY.weights, false_positive_history: 0 } };
    expect(assessRisk(rightOften, ignored).score).toBeCloseTo(assessRisk(wrongOften, ignored).score, 12);
  });

  it('counts the unlabelled kills the model holds for the module by their expected true positives', () => {
    // db's kills mostly looked like compromises and went unlabelled: with no labels of its own it still scores well above web.
    const db = assessRisk(learnt({ report: { ...FALSE_ALARM, targetModule: 'db' } }), LEARNT_POLICY);
    const web = assessRisk(learnt(), LEARNT_POLICY);
    expect(db.score).toBeGreaterThan(web.score);
    expect(db.falsePositives?.labels).toBeGreaterThan(50);
  });

  it('turns a signal with weight 0 off', () => {
    const off: PolicyConfig = { ...LEARNT_POLICY, weights: { ...LEARNT_POLICY.weights, kill_reason: 0 } };
    expect(factor(assessRisk(learnt(), off).factors, 'kill_reason').contribution).toBe(0);
  });

  it('raises the score by the criticality weight\'s share times the criticality', () => {
    const critical: PolicyConfig = { ...LEARNT_POLICY, moduleCriticality: { web: 0.6 } };
    const plain = assessRisk(learnt(), LEARNT_POLICY).score;
    const raised = assessRisk(learnt(), critical);
    const share = 0.15 / (0.15 + 0.3 + 0.1 + 0.1);
    expect(factor(raised.factors, 'module_criticality').contribution).toBeCloseTo(share * 0.6, 12);
    expect(raised.score).toBeCloseTo(plain + share * 0.6, 12);
  });

  it('keeps the guards and the levels: a deny-listed module or an open-alert answer is denied, a critical score denied', () => {
    expect(decide(learnt(), { ...LEARNT_POLICY, alwaysDenyModules: ['web'] })).toMatchObject({ verdict: 'deny', guard: 'always_deny_module' });
    expect(decide(learnt({ threat: { status: 'answered', context: HOT_CONTEXT } }), LEARNT_POLICY)).toMatchObject({ verdict: 'deny', guard: 'open_threat_alerts' });
    const compromise = decide(learnt({ report: { ...HIGH_RISK, targetModule: 'db', confidenceScore: 0.9 } }), LEARNT_POLICY);
    expect(compromise).toMatchObject({ verdict: 'deny', riskLevel: 'critical', guard: null });
  });

  it('auto-approves a false alarm of a module Smith is rarely right about, under the ceiling', () => {
    const decision = decide(learnt({ history: history({ labels: { falsePositives: 250, truePositives: 1 } }) }), LEARNT_POLICY);
    expect(decision.riskScore).toBeLessThan(0.3);
    expect(decision.verdict).toBe('approve_auto');
  });

  it("takes its confidence from the module's estimate, not from how wide the quiet share's interval is (calibration weighs that)", () => {
    const input = learnt({ threat: { status: 'answered', context: CONTEXT }, history: history({ labels: { falsePositives: 40, truePositives: 2 } }) });
    const risk = assessRisk(input, LEARNT_POLICY);
    expect(risk.falsePositives).not.toBeNull();
    expect(risk.confidence).toBeCloseTo(0.6 + 0.2 + 0.2 * risk.falsePositives!.certainty, 12);
    const vague = assessRisk({ ...input, signals: { ...model, quietShareInterval: { lower: 0.001, upper: 0.9 } } }, LEARNT_POLICY);
    expect(vague.confidence).toBe(risk.confidence);
    expect(vague.score).toBe(risk.score);
  });

  it('says in plain English what each signal contributed and on how many labels, and what the module and the fleet say', () => {
    const decision = decide(learnt({ threat: { status: 'answered', context: CONTEXT } }), LEARNT_POLICY);
    const [, score, signals, threat, moduleRecord] = decision.reasoning;
    expect(score).toMatch(new RegExp(`^Risk score 0\\.\\d+ \\([a-z]+\\) with confidence 0\\.\\d+: the odds that Smith was right are 1:[\\d.]+, by what Medic learnt from ${model.kills} kill\\(s\\) since 2026-01-01`));
    expect(signals).toMatch(/^Signals, strongest first \(a share 0\.0\d+ of true positives look like false alarms, so together they never divide the odds by more than \d+\): siem_risk_score -0\.\d+ \(odds × 0\.\d+: threat intel risk 0\.2 \(0\.2–0\.3: \d+ true and \d+ false positive\(s\) labelled\)/);
    expect(signals).toMatch(/kill_reason -?[\d.]+ \(odds × [\d.]+: kill reason resource_exhaustion \(\d+ true and \d+ false positive\(s\) labelled\)\)/);
    for (const name of ['smith_confidence', 'severity', 'siem_risk_score']) expect(signals).toContain(`${name} `);
    expect(threat).toMatch(/^Threat intel answered/);
    expect(moduleRecord).toMatch(/^False-positive estimate for web: 0\.\d+ ± 0\.\d+ \(Beta–binomial\) from 0 label\(s\) of its own \(0 false positive\(s\)\) and \d+ unlabelled kill\(s\) counted as [\d.]+ expected true positive\(s\), shrunk towards the fleet's 0\.\d+ as if by [\d.]+ labels: the module's prior odds that Smith is right are [\d.:]+, a score of [\d.]+ on their own/);
  });
});
