import { performance } from 'node:perf_hooks';
import { DEFAULT_POLICY, EMPTY_HISTORY, Prng, decide, readKillEntry } from '@medic/domain';
import type { DecisionInput, KillReport, ModuleHistory, PolicyConfig, ThreatLookup } from '@medic/domain';
import { learntSignalModel } from '@medic/domain/testing';
import type { BenchContext } from './context';
import { scaled } from './context';
import { variedKills } from './kills';
import type { BenchRow } from './report';
import { fmtInt } from './report';
import { median, quantile } from './stats';

const INPUTS = 20_000;
const ROUNDS = 10;

const AUTO_APPROVE: PolicyConfig = { ...DEFAULT_POLICY, autoApprove: { enabled: true, minConfidence: 0.6, maxScore: 0.4 }, criticalModules: ['svc-0'], moduleCriticality: { 'svc-1': 0.9, 'svc-2': 0.2 } };

const THREATS: readonly ThreatLookup[] = [
  { status: 'disabled' },
  { status: 'unavailable', reason: 'timed out after 2000 ms' },
  { status: 'answered', context: { riskScore: 0.05, alertCount: 0, openCount: 0, falsePositiveCount: 0, indicators: [], recommendation: 'allow', lookbackHours: 24 } },
  { status: 'answered', context: { riskScore: 0.9, alertCount: 4, openCount: 3, falsePositiveCount: 0, indicators: ['198.51.100.7'], recommendation: 'deny', lookbackHours: 24 } },
];

const HISTORIES: readonly ModuleHistory[] = [
  EMPTY_HISTORY,
  { ...EMPTY_HISTORY, resurrections: 12, held: 10, reKilled: 1, rolledBack: 1, recentResurrections: 1, labels: { falsePositives: 10, truePositives: 2 }, fleetLabels: { falsePositives: 300, truePositives: 40 } },
  { ...EMPTY_HISTORY, resurrections: 6, held: 1, reKilled: 4, rolledBack: 1, recentResurrections: 5, labels: { falsePositives: 1, truePositives: 5 }, fleetLabels: { falsePositives: 300, truePositives: 40 } },
  { ...EMPTY_HISTORY, resurrections: 40, held: 39, reKilled: 0, rolledBack: 1, recentResurrections: 0, labels: { falsePositives: 39, truePositives: 1 }, fleetLabels: { falsePositives: 300, truePositives: 40 } },
];

/** Decision core: the domain's decide() alone over varied reports, histories, threat answers and policies; validation measured alongside. */
export async function coreBench(ctx: BenchContext): Promise<BenchRow> {
  const count = scaled(ctx, INPUTS, 1_000);
  const random = new Prng(7);
  const entries = variedKills('core', count).map((kill) => ({ payload: JSON.stringify(kill) }));
  const reports: KillReport[] = entries.map((fields) => {
    const read = readKillEntry(fields);
    if (!read.ok) throw new Error(`generated kill rejected: ${read.error.message}`);
    return read.value;
  });
  // Half the decisions before Medic has labels enough (the configured weighted mean), half with what it learnt.
  const learnt = learntSignalModel();
  const inputs = reports.map((report): [DecisionInput, PolicyConfig] => [
    {
      report,
      history: random.pick(HISTORIES),
      threat: random.pick(THREATS),
      reKilledAfterResurrection: random.chance(0.05),
      autoApproveMaxScore: 0.2 + random.next() * 0.2,
      signals: random.chance(0.5) ? null : learnt,
    },
    random.chance(0.5) ? DEFAULT_POLICY : AUTO_APPROVE,
  ]);

  const decideRates: number[] = [];
  const validateRates: number[] = [];
  const perDecisionUs: number[] = [];
  const outcomes: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round++) {
    let started = performance.now();
    for (const fields of entries) readKillEntry(fields);
    validateRates.push(count / ((performance.now() - started) / 1000));

    started = performance.now();
    for (const [input, policy] of inputs) {
      const before = performance.now();
      const decision = decide(input, policy);
      perDecisionUs.push((performance.now() - before) * 1000);
      if (round === 0) outcomes[decision.verdict] = (outcomes[decision.verdict] ?? 0) + 1;
    }
    decideRates.push(count / ((performance.now() - started) / 1000));
    // Let the event loop breathe between rounds (and GC run outside the timed loops where it will).
    await new Promise((resolve) => setImmediate(resolve));
  }
  const rate = median(decideRates);
  const validate = median(validateRates);
  const p50 = quantile(perDecisionUs, 0.5);
  const p99 = quantile(perDecisionUs, 0.99);
  ctx.progress(`core: ${fmtInt(rate)} decisions/s, ${fmtInt(validate)} validations/s`);
  return {
    name: 'core',
    title: 'Decision core',
    result: `${fmtInt(rate)} decisions/s (validating the entry: ${fmtInt(validate)}/s)`,
    median: `${p50.toFixed(1)} µs/decision`,
    p99: `${p99.toFixed(1)} µs`,
    target: '—',
    holds: null,
    method: `decide() in the bench process over ${fmtInt(count)} varied inputs (every reason and severity, 4 histories, 4 threat answers, 2 policies, half with a learnt signal model), ${ROUNDS} rounds; median rate of the rounds, latency per call timed one by one; validation = readKillEntry on the same entries as JSON.`,
    data: { inputs: count, rounds: ROUNDS, decideRates, validateRates, decisionsPerSecond: rate, validationsPerSecond: validate, p50Us: p50, p99Us: p99, outcomes },
  };
}
