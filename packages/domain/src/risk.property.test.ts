import fc from 'fast-check';
import { FACTOR_NAMES, KILL_REASONS, SEVERITIES } from './model';
import type { FactorName, KillReport, ModuleHistory, ThreatLookup } from './model';
import { DEFAULT_POLICY } from './policy';
import type { PolicyConfig } from './policy';
import { assessRisk, decide } from './risk';
import type { DecisionInput } from './risk';
import { learntSignalModel } from './testing/fixtures';

const MODULES = ['nginx-test', 'redis', 'api-1', 'constructor'];
const unit = fc.double({ min: 0, max: 1, noNaN: true });
const count = fc.nat({ max: 50 });

const reportArb: fc.Arbitrary<KillReport> = fc.record({
  killId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/),
  timestamp: fc.constant('2026-02-11T12:00:00Z'),
  targetModule: fc.constantFrom(...MODULES),
  targetInstanceId: fc.constant('inst-001'),
  killReason: fc.constantFrom(...KILL_REASONS),
  severity: fc.constantFrom(...SEVERITIES),
  confidenceScore: unit,
  evidence: fc.array(fc.string(), { maxLength: 3 }),
  dependencies: fc.constant([]),
  sourceAgent: fc.constant('smith'),
  metadata: fc.constant({}),
});

const historyArb: fc.Arbitrary<ModuleHistory> = fc.record({
  resurrections: count,
  held: count,
  reKilled: count,
  rolledBack: count,
  recentResurrections: fc.nat({ max: 6 }),
  unlabelledSuccesses: fc.constant([]),
  labels: fc.record({ falsePositives: count, truePositives: count }),
  fleetLabels: fc.record({ falsePositives: fc.nat({ max: 5000 }), truePositives: fc.nat({ max: 5000 }) }),
});

const threatArb: fc.Arbitrary<ThreatLookup> = fc.oneof(
  fc.constant({ status: 'disabled' } as const),
  fc.record({ status: fc.constant('unavailable' as const), reason: fc.string() }),
  fc.record({
    status: fc.constant('answered' as const),
    context: fc.record({
      riskScore: unit,
      alertCount: count,
      openCount: count,
      falsePositiveCount: count,
      indicators: fc.constant([]),
      recommendation: fc.constantFrom('deny' as const, 'review' as const, 'allow' as const),
      lookbackHours: fc.constant(24),
    }),
  }),
);

const weightsArb: fc.Arbitrary<Record<FactorName, number>> = fc.record(
  Object.fromEntries(FACTOR_NAMES.map((name) => [name, fc.oneof(fc.constant(0), fc.double({ min: 0, max: 10, noNaN: true }))])) as Record<
    FactorName,
    fc.Arbitrary<number>
  >,
);

const policyArb: fc.Arbitrary<PolicyConfig> = fc.record({
  weights: weightsArb,
  confidenceThreshold: unit,
  autoApprove: fc.record({ enabled: fc.boolean(), minConfidence: unit, maxScore: unit }),
  alwaysDenyModules: fc.subarray(MODULES),
  criticalModules: fc.subarray(MODULES),
  moduleCriticality: fc.dictionary(fc.constantFrom(...MODULES), unit),
  threatDenyConfidence: unit,
  budget: fc.record({ maxRestarts: fc.nat({ max: 5 }), windowMinutes: fc.constant(60) }),
  rekillWindowMinutes: fc.constant(30),
  historyWindowDays: fc.constant(30),
});

// Without a learnt model (the configured weighted mean) and with one: every property holds for both.
const MODEL = learntSignalModel();
const inputArb: fc.Arbitrary<DecisionInput> = fc.record({
  report: reportArb,
  history: historyArb,
  threat: threatArb,
  reKilledAfterResurrection: fc.boolean(),
  autoApproveMaxScore: unit,
  signals: fc.constantFrom(null, MODEL),
});

describe('decision properties', () => {
  it('keeps score and confidence in [0, 1], with contributions summing to the score', () => {
    fc.assert(
      fc.property(inputArb, policyArb, (input, policy) => {
        const risk = assessRisk(input, policy);
        expect(risk.score).toBeGreaterThanOrEqual(0);
        expect(risk.score).toBeLessThanOrEqual(1);
        expect(risk.confidence).toBeGreaterThanOrEqual(0);
        expect(risk.confidence).toBeLessThanOrEqual(1);
        expect(risk.factors.reduce((sum, f) => sum + f.contribution, 0)).toBeCloseTo(risk.score, 9);
      }),
    );
  });

  it('never auto-approves a deny-listed module', () => {
    fc.assert(
      fc.property(inputArb, policyArb, (input, policy) => {
        const denyListed = { ...policy, alwaysDenyModules: [input.report.targetModule] };
        const decision = decide(input, denyListed);
        expect(decision.verdict).toBe('deny');
        expect(decision.guard).toBe('always_deny_module');
      }),
    );
  });

  it('never auto-approves a module whose restart budget is spent', () => {
    fc.assert(
      fc.property(inputArb, policyArb, (input, policy) => {
        const spent = { ...input, history: { ...input.history, recentResurrections: policy.budget.maxRestarts } };
        expect(decide(spent, policy).verdict).toBe('deny');
      }),
    );
  });

  it('never auto-approves a module re-killed after a resurrection', () => {
    fc.assert(
      fc.property(inputArb, policyArb, (input, policy) => {
        expect(decide({ ...input, reKilledAfterResurrection: true }, policy).verdict).not.toBe('approve_auto');
      }),
    );
  });

  it('never auto-approves a critical module', () => {
    fc.assert(
      fc.property(inputArb, policyArb, (input, policy) => {
        const critical = { ...policy, criticalModules: [input.report.targetModule] };
        expect(decide(input, critical).verdict).not.toBe('approve_auto');
      }),
    );
  });

  it('auto-approves only low risk with enough confidence under the ceiling', () => {
    fc.assert(
      fc.property(inputArb, policyArb, (input, policy) => {
        const decision = decide(input, policy);
        if (decision.verdict !== 'approve_auto') return;
        expect(['minimal', 'low']).toContain(decision.riskLevel);
        expect(policy.autoApprove.enabled).toBe(true);
        expect(decision.confidence).toBeGreaterThanOrEqual(policy.autoApprove.minConfidence);
        expect(decision.riskScore).toBeLessThanOrEqual(input.autoApproveMaxScore);
        expect(decision.guard).toBeNull();
      }),
    );
  });

  it('takes no score-based verdict automatically below the confidence threshold', () => {
    fc.assert(
      fc.property(inputArb, policyArb, (input, policy) => {
        const decision = decide(input, policy);
        if (decision.guard !== null || decision.confidence >= policy.confidenceThreshold) return;
        expect(decision.verdict).toBe('pending_review');
      }),
    );
  });

  it('auto-approves only at or above the confidence threshold', () => {
    fc.assert(
      fc.property(inputArb, policyArb, (input, policy) => {
        const decision = decide(input, policy);
        if (decision.verdict === 'approve_auto') expect(decision.confidence).toBeGreaterThanOrEqual(policy.confidenceThreshold);
      }),
    );
  });

  it('denies the reboot plan high-risk report under any weights', () => {
    fc.assert(
      fc.property(weightsArb, historyArb, threatArb, fc.boolean(), (weights, history, threat, enabled) => {
        const report: KillReport = {
          killId: 'demo-2',
          timestamp: '2026-02-11T12:00:00Z',
          targetModule: 'nginx-test',
          targetInstanceId: 'inst-001',
          killReason: 'threat_detected',
          severity: 'critical',
          confidenceScore: 0.99,
          evidence: [],
          dependencies: [],
          sourceAgent: 'smith',
          metadata: {},
        };
        const policy = { ...DEFAULT_POLICY, weights, autoApprove: { enabled, minConfidence: 0.6, maxScore: 0.4 } };
        const decision = decide({ report, history, threat, reKilledAfterResurrection: false, autoApproveMaxScore: 0.4 }, policy);
        expect(decision.verdict).toBe('deny');
      }),
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(inputArb, policyArb, (input, policy) => {
        expect(decide(input, policy)).toEqual(decide(structuredClone(input), structuredClone(policy)));
      }),
    );
  });
});
