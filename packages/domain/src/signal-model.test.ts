import { DEFAULT_POLICY } from './policy';
import type { PolicyConfig } from './policy';
import type { KillReason, Severity, SignalCount, SignalLabel, SignalSample } from './model';
import { REASON_INDEX, SEVERITY_INDEX, bucketsOf, decile, killEvidence, learnSignalModel, saturatedLogRatio } from './signal-model';
import type { SignalModel } from './signal-model';

const WINDOW = { since: '2026-01-01T00:00:00.000Z', at: '2026-04-01T00:00:00.000Z' };

/** A world of two signals: kill reason and severity; confidence always in decile 5, no threat intel. */
interface World {
  /** Share of kills that are true positives, and the share of those whose signals are drawn as a false alarm's. */
  readonly truePositiveRate: number;
  readonly quietShare: number;
  readonly loud: { readonly reason: Partial<Record<KillReason, number>>; readonly severity: Partial<Record<Severity, number>> };
  readonly falseAlarm: { readonly reason: Partial<Record<KillReason, number>>; readonly severity: Partial<Record<Severity, number>> };
}

const WORLD: World = {
  truePositiveRate: 0.2,
  quietShare: 0.1,
  loud: { reason: { threat_detected: 0.7, anomaly_behavior: 0.3 }, severity: { critical: 0.6, medium: 0.4 } },
  falseAlarm: { reason: { threat_detected: 0.05, anomaly_behavior: 0.55, resource_exhaustion: 0.4 }, severity: { critical: 0.1, medium: 0.5, low: 0.4 } },
};

const REASONS: readonly KillReason[] = ['threat_detected', 'anomaly_behavior', 'resource_exhaustion'];
const SEVERITY_VALUES: readonly Severity[] = ['critical', 'medium', 'low'];

/**
 * The expected counts of `kills` kills of one module in `world`, every kill labelled by its truth unless `unlabelled` says
 * the kill (by its signals alone) went without a label, as a kill Medic denied does.
 */
function sampleOf(world: World, kills: number, unlabelled: (reason: KillReason, severity: Severity) => boolean = () => false, module = 'svc'): SignalSample {
  const counts: SignalCount[] = [];
  const row = (reason: KillReason, severity: Severity, label: SignalLabel | null, n: number): void => {
    if (n > 0) counts.push({ module, killReason: reason, severity, confidence: 5, siem: null, label, kills: n });
  };
  for (const reason of REASONS) {
    for (const severity of SEVERITY_VALUES) {
      const looksFalse = (world.falseAlarm.reason[reason] ?? 0) * (world.falseAlarm.severity[severity] ?? 0);
      const looksReal = (world.loud.reason[reason] ?? 0) * (world.loud.severity[severity] ?? 0);
      const tp = kills * world.truePositiveRate * ((1 - world.quietShare) * looksReal + world.quietShare * looksFalse);
      const fp = kills * (1 - world.truePositiveRate) * looksFalse;
      if (unlabelled(reason, severity)) row(reason, severity, null, tp + fp);
      else {
        row(reason, severity, 'true_positive', tp);
        row(reason, severity, 'false_positive', fp);
      }
    }
  }
  return { firstDecidedAt: WINDOW.since, counts };
}

function learn(sample: SignalSample, policy: PolicyConfig = DEFAULT_POLICY): SignalModel {
  const model = learnSignalModel(sample, policy, WINDOW);
  if (!model) throw new Error('no model learnt');
  return model;
}

const ratioOf = (model: SignalModel, reason: KillReason): number => model.killReason[REASON_INDEX[reason]]?.logRatio ?? Number.NaN;
const severityRatioOf = (model: SignalModel, severity: Severity): number => model.severity[SEVERITY_INDEX[severity]]?.logRatio ?? Number.NaN;

describe('decile', () => {
  it.each([
    [0, 0],
    [0.0999, 0],
    [0.1, 1],
    [0.42, 4],
    [0.95, 9],
    [1, 9],
    [Number.NaN, 0],
    [-0.5, 0],
  ])('%p is decile %p', (value, expected) => {
    expect(decile(value)).toBe(expected);
  });
});

describe('saturatedLogRatio', () => {
  it('is the summed ratios when they say little, and never below the quiet share', () => {
    expect(saturatedLogRatio(0, 0.05)).toBeCloseTo(0, 12);
    expect(saturatedLogRatio(3, 0.05)).toBeCloseTo(Math.log(0.05 + 0.95 * Math.exp(3)), 12);
    expect(saturatedLogRatio(-40, 0.05)).toBeCloseTo(Math.log(0.05), 9);
    expect(saturatedLogRatio(-40, 0.05)).toBeGreaterThan(Math.log(0.05) - 1e-9);
  });
});

describe('learnSignalModel', () => {
  it('learns from the first kill, with no labels yet, starting at the configured tables; nothing without kills', () => {
    expect(learnSignalModel({ firstDecidedAt: null, counts: [] }, DEFAULT_POLICY, WINDOW)).toBeNull();
    const unlabelled: SignalSample = {
      firstDecidedAt: WINDOW.since,
      counts: [
        { module: 'a', killReason: 'threat_detected', severity: 'high', confidence: 8, siem: null, label: null, kills: 3 },
        { module: 'a', killReason: 'dependency_cascade', severity: 'low', confidence: 3, siem: null, label: null, kills: 12 },
      ],
    };
    const model = learn(unlabelled);
    expect(model.labels).toEqual({ falsePositives: 0, truePositives: 0 });
    // The tables rate threat_detected 1 and dependency_cascade 0.1: the first says compromise, the second false alarm.
    expect(ratioOf(model, 'threat_detected')).toBeGreaterThan(0);
    expect(ratioOf(model, 'dependency_cascade')).toBeLessThan(0);
    expect(model.quietShare).toBeGreaterThan(0);
    expect(model.quietShare).toBeLessThan(1);
  });

  it('moves the quiet share smoothly as compromises that looked like false alarms are labelled, one at a time', () => {
    const withQuiet = (quiet: number): number =>
      learn({
        firstDecidedAt: WINDOW.since,
        counts: [
          { module: 'a', killReason: 'threat_detected', severity: 'critical', confidence: 9, siem: null, label: null, kills: 40 },
          { module: 'a', killReason: 'resource_exhaustion', severity: 'low', confidence: 2, siem: null, label: 'false_positive', kills: 160 },
          ...(quiet > 0 ? [{ module: 'a', killReason: 'resource_exhaustion' as const, severity: 'low' as const, confidence: 2, siem: null, label: 'true_positive' as const, kills: quiet }] : []),
        ],
      }).quietShare;
    const shares = [0, 1, 2, 3, 4, 5, 6].map(withQuiet);
    // Before any: the prior's half a quiet compromise among 40 that showed, not 0 (which would let signals prove anything).
    expect(shares[0]!).toBeGreaterThan(0.005);
    for (let i = 1; i < shares.length; i++) {
      // Each label raises it by about one compromise in the 40-odd: no threshold of labels where it jumps.
      expect(shares[i]! - shares[i - 1]!).toBeGreaterThan(0.015);
      expect(shares[i]! - shares[i - 1]!).toBeLessThan(0.03);
    }
    // 6 quiet of 46 compromises: the share heads for 6 / 46 from the prior's pull.
    expect(shares[6]!).toBeGreaterThan(0.08);
    expect(shares[6]!).toBeLessThan(0.2);
  });

  it("recovers each signal's likelihood ratio and the quiet share from labelled kills", () => {
    const model = learn(sampleOf(WORLD, 200_000));
    expect(model.quietShare).toBeCloseTo(0.1, 2);
    expect(model.truePositiveRate).toBeCloseTo(0.2, 2);
    expect(ratioOf(model, 'threat_detected')).toBeCloseTo(Math.log(0.7 / 0.05), 1);
    expect(ratioOf(model, 'anomaly_behavior')).toBeCloseTo(Math.log(0.3 / 0.55), 1);
    // No compromise that shows has this reason: on its own it proves the signals look like a false alarm's.
    expect(ratioOf(model, 'resource_exhaustion')).toBeLessThan(-5);
    expect(severityRatioOf(model, 'critical')).toBeCloseTo(Math.log(0.6 / 0.1), 1);
  });

  it('is not biased by labels missing for kills denied on their signals', () => {
    // Every threat_detected kill goes unlabelled, as if Medic had denied it: most true positives never get a label.
    const model = learn(sampleOf(WORLD, 200_000, (reason) => reason === 'threat_detected'));
    expect(model.quietShare).toBeCloseTo(0.1, 2);
    expect(model.truePositiveRate).toBeCloseTo(0.2, 2);
    expect(ratioOf(model, 'threat_detected')).toBeCloseTo(Math.log(0.7 / 0.05), 1);
    // Counting the labelled kills alone would put the quiet share far higher: most labelled true positives are quiet.
    const labelledTp = model.labels.truePositives;
    const quietLabelled = 200_000 * 0.2 * 0.1 * 0.95;
    expect(quietLabelled / labelledTp).toBeGreaterThan(0.2);
  });

  it('counts labels and kills per bucket, and keeps the window it learnt from', () => {
    const model = learn(sampleOf(WORLD, 10_000));
    const bucket = model.killReason[REASON_INDEX.resource_exhaustion];
    expect(bucket?.falsePositives).toBeCloseTo(10_000 * 0.8 * 0.4, 6);
    expect(bucket?.truePositives).toBeCloseTo(10_000 * 0.2 * 0.1 * 0.4, 6);
    expect(model.kills).toBeCloseTo(10_000, 6);
    expect(model).toMatchObject({ learnedAt: WINDOW.at, since: WINDOW.since });
  });

  it('reads a re-kill as weaker evidence of a compromise than a rejection: it may be a chance kill', () => {
    const base = sampleOf(WORLD, 20_000);
    const asReKills: SignalSample = { ...base, counts: base.counts.map((c) => (c.label === 'true_positive' && c.killReason === 'resource_exhaustion' ? { ...c, label: 're_killed' } : c)) };
    expect(learn(asReKills).quietShare).toBeLessThan(learn(base).quietShare);
  });

  it("counts each module's unlabelled kills by the probability their signals give, at the fleet's rate", () => {
    const sample = sampleOf(WORLD, 50_000);
    const extra: SignalCount[] = [
      { module: 'loud', killReason: 'threat_detected', severity: 'critical', confidence: 5, siem: null, label: null, kills: 4 },
      { module: 'quiet', killReason: 'resource_exhaustion', severity: 'low', confidence: 5, siem: null, label: null, kills: 4 },
    ];
    const model = learn({ ...sample, counts: [...sample.counts, ...extra] });
    expect(model.modules.get('loud')?.kills).toBe(4);
    expect(model.modules.get('loud')?.truePositives).toBeGreaterThan(3.5);
    // A kill whose signals look like a false alarm is a true positive only as often as quiet compromises come: π·q / (π·q + 1 − π).
    expect(model.modules.get('quiet')?.truePositives).toBeCloseTo((4 * 0.2 * 0.1) / (0.2 * 0.1 + 0.8), 2);
    expect(model.modules.has('svc')).toBe(false);
  });

  it('shrinks modules towards the fleet more when they differ less', () => {
    const alike: SignalSample = { firstDecidedAt: WINDOW.since, counts: ['a', 'b', 'c', 'd'].flatMap((m) => sampleOf(WORLD, 400, () => false, m).counts) };
    const apart: SignalSample = {
      firstDecidedAt: WINDOW.since,
      counts: [
        ...sampleOf({ ...WORLD, truePositiveRate: 0.02 }, 400, () => false, 'a').counts,
        ...sampleOf({ ...WORLD, truePositiveRate: 0.6 }, 400, () => false, 'b').counts,
        ...sampleOf({ ...WORLD, truePositiveRate: 0.05 }, 400, () => false, 'c').counts,
        ...sampleOf({ ...WORLD, truePositiveRate: 0.4 }, 400, () => false, 'd').counts,
      ],
    };
    expect(learn(alike).modulePriorLabels).toBeGreaterThan(learn(apart).modulePriorLabels);
    expect(learn(apart).modulePriorLabels).toBeLessThan(5);
  });

  it('estimates the chance of a re-kill from how often Smith kills a module, over the time the kills span', () => {
    const sample = sampleOf(WORLD, 900);
    // 900 kills of one module in the 90 days since its first: one every 144 minutes, so one in a 30-minute window is 1 − e^(−30/144).
    expect(learn(sample).chanceReKill).toBeCloseTo(1 - Math.exp(-30 / 144), 6);
    // The same kills in the last 45 days only: twice the rate.
    const young = learn({ ...sample, firstDecidedAt: '2026-02-15T00:00:00.000Z' });
    expect(young.chanceReKill).toBeCloseTo(1 - Math.exp(-60 / 144), 6);
  });

  it('starts from the configured tables: with few labels, a reason the table rates risky says more for a compromise', () => {
    const sample: SignalSample = {
      firstDecidedAt: WINDOW.since,
      counts: [
        { module: 'a', killReason: 'anomaly_behavior', severity: 'medium', confidence: 5, siem: null, label: 'false_positive', kills: 5 },
        { module: 'a', killReason: 'anomaly_behavior', severity: 'medium', confidence: 5, siem: null, label: 'true_positive', kills: 5 },
      ],
    };
    const model = learn(sample);
    expect(ratioOf(model, 'threat_detected')).toBeGreaterThan(0);
    expect(ratioOf(model, 'dependency_cascade')).toBeLessThan(0);
    expect(ratioOf(model, 'threat_detected')).toBeGreaterThan(ratioOf(model, 'policy_violation'));
  });
});

describe('killEvidence', () => {
  const model = learn(sampleOf(WORLD, 50_000));
  const report = { killReason: 'threat_detected', severity: 'critical', confidenceScore: 0.55 } as const;

  it("sums nothing for threat intel that did not answer, and the risk decile's and closed alerts' ratios when it did", () => {
    const none = killEvidence(model, bucketsOf({ ...REPORT, ...report }, { status: 'disabled' }), DEFAULT_POLICY.weights);
    expect(none.siem).toBeNull();
    expect(none.killReason).toBeCloseTo(ratioOf(model, 'threat_detected'), 12);
    const answered = killEvidence(
      model,
      bucketsOf({ ...REPORT, ...report }, { status: 'answered', context: { riskScore: 0.34, alertCount: 2, openCount: 1, falsePositiveCount: 1, indicators: [], recommendation: 'allow', lookbackHours: 24 } }),
      DEFAULT_POLICY.weights,
    );
    expect(answered.siem).toBeCloseTo((model.siemRisk[3]?.logRatio ?? 0) + (model.siemClosedAlerts[1]?.logRatio ?? 0), 12);
  });

  it('leaves out a signal whose weight is 0', () => {
    const weights = { ...DEFAULT_POLICY.weights, kill_reason: 0, severity: 0 };
    const evidence = killEvidence(model, bucketsOf({ ...REPORT, ...report }, { status: 'disabled' }), weights);
    expect(evidence.killReason).toBe(0);
    expect(evidence.severity).toBe(0);
    expect(evidence.smithConfidence).toBeCloseTo(model.smithConfidence[5]?.logRatio ?? Number.NaN, 12);
  });
});

const REPORT = {
  killId: 'k-1',
  timestamp: '2026-03-01T00:00:00.000Z',
  targetModule: 'svc',
  targetInstanceId: 'svc-1',
  killReason: 'anomaly_behavior',
  severity: 'low',
  confidenceScore: 0.4,
  evidence: [],
  dependencies: [],
  sourceAgent: 'smith',
  metadata: {},
} as const;
