import { KILL_REASONS, SEVERITIES } from './model';
import type { KillReason, KillReport, LabelCounts, Severity, SignalCount, SignalSample, ThreatLookup } from './model';
import type { PolicyConfig } from './policy';
import { wilsonInterval } from './statistics';

/** Risk of each severity in [0, 1] (1: the kill was surely right): the configured table. */
export const SEVERITY_RISK: Readonly<Record<Severity, number>> = { critical: 1, high: 0.8, medium: 0.5, low: 0.25, info: 0.1 };

/** Risk of each kill reason in [0, 1]: the configured table. */
export const KILL_REASON_RISK: Readonly<Record<KillReason, number>> = {
  threat_detected: 1,
  manual_override: 0.9,
  policy_violation: 0.7,
  anomaly_behavior: 0.4,
  resource_exhaustion: 0.2,
  dependency_cascade: 0.1,
};

/** How many labels of each kind the configured tables count for, shared among the signals by their `risk.weights`. */
export const PRIOR_LABELS = 20;
/**
 * Pseudo-counts of the prior on the quiet share (uniform, as the fleet's rate is Laplace-smoothed): only labelled kills that
 * looked like false alarms tell the quiet share, and they are few early on, so the prior keeps it from falling towards 0
 * while no such compromise is labelled.
 */
export const QUIET_PRIOR = { quiet: 1, loud: 1 } as const;
/** Added to every table value before normalising, so no bucket starts impossible under either class. */
const TABLE_FLOOR = 0.05;
const MAX_ITERATIONS = 500;
const MIN_PRIOR_LABELS = 1;
const MAX_PRIOR_LABELS = 100;
const TOLERANCE = 1e-9;

/** What one signal's bucket says, learned from the fleet's kills. */
export interface BucketEvidence {
  /** ln(P(bucket | a compromise that shows) / P(bucket | a false alarm)): positive says Smith was right, negative that he was wrong. */
  readonly logRatio: number;
  /** Labelled kills in the bucket: how many were true positives (rejected or re-killed) and how many false positives (held). */
  readonly truePositives: number;
  readonly falsePositives: number;
}

/** Expected counts over a module's unlabelled kills: how many there were and how many of them were true positives, expected. */
export interface ExpectedCounts {
  readonly kills: number;
  readonly truePositives: number;
}

/**
 * What Medic learnt from the fleet's kills about its signals (learnSignalModel). A kill is a true positive that shows (its
 * signals drawn as a compromise's), a quiet true positive (its signals drawn as a false alarm's), or a false positive.
 */
export interface SignalModel {
  readonly learnedAt: string;
  /** Kills decided at or after this instant were learnt from. */
  readonly since: string;
  readonly kills: number;
  /** Labelled kills: held (false positives), and rejected or re-killed (true positives). */
  readonly labels: LabelCounts;
  /** Share of the kills that were true positives, each unlabelled kill counted by its probability. */
  readonly truePositiveRate: number;
  /** Share of true positives whose signals look like a false alarm's: signals never lower the odds below this factor. */
  readonly quietShare: number;
  /** Its 95 % interval (Wilson, over the expected counts and the prior's). */
  readonly quietShareInterval: { readonly lower: number; readonly upper: number };
  /** The chance that a resurrected false positive is killed again inside the re-kill window anyway (Smith's rate per module). */
  readonly chanceReKill: number;
  /** Per bucket, indexed as KILL_REASONS, SEVERITIES, deciles, deciles, and [no alert closed as a false positive, some]. */
  readonly killReason: readonly BucketEvidence[];
  readonly severity: readonly BucketEvidence[];
  readonly smithConfidence: readonly BucketEvidence[];
  readonly siemRisk: readonly BucketEvidence[];
  readonly siemClosedAlerts: readonly BucketEvidence[];
  /** How many labels the fleet's rate counts for in a module's estimate: learnt from how much the modules differ. */
  readonly modulePriorLabels: number;
  /** Each module's unlabelled kills and their expected true positives (by the signals alone, at the fleet's rate). */
  readonly modules: ReadonlyMap<string, ExpectedCounts>;
}

/** The decile of a value in [0, 1]: 0 for [0, 0.1) … 9 for [0.9, 1]; the store buckets the same way. */
export function decile(value: number): number {
  if (!(value > 0)) return 0;
  return Math.min(9, Math.floor(value * 10));
}

/** Ln likelihood ratios of one kill's signals, each 0 when the signal is absent or switched off (weight 0). */
export interface KillEvidence {
  readonly killReason: number;
  readonly severity: number;
  readonly smithConfidence: number;
  /** Risk decile and closed alerts together; null when threat intel did not answer. */
  readonly siem: number | null;
}

/** The buckets of one kill's signals, as the store groups them. */
export type SignalBuckets = Pick<SignalCount, 'killReason' | 'severity' | 'confidence' | 'siem'>;

/** The buckets of a kill's report and threat-intel answer. */
export function bucketsOf(report: KillReport, threat: ThreatLookup): SignalBuckets {
  return {
    killReason: report.killReason,
    severity: report.severity,
    confidence: decile(report.confidenceScore),
    siem: threat.status === 'answered' ? { risk: decile(threat.context.riskScore), closedAsFalsePositive: threat.context.falsePositiveCount > 0 } : null,
  };
}

/** A configured weight as it counts: 0 for one that is not a positive finite number. */
export function usableWeight(weight: number): number {
  return Number.isFinite(weight) && weight > 0 ? weight : 0;
}

/** The learned evidence of one kill's signals; a signal with weight 0 counts for nothing. */
export function killEvidence(model: SignalModel, buckets: SignalBuckets, weights: PolicyConfig['weights']): KillEvidence {
  const on = (weight: number): boolean => usableWeight(weight) > 0;
  const siem = buckets.siem;
  return {
    killReason: on(weights.kill_reason) ? (model.killReason[REASON_INDEX[buckets.killReason]]?.logRatio ?? 0) : 0,
    severity: on(weights.severity) ? (model.severity[SEVERITY_INDEX[buckets.severity]]?.logRatio ?? 0) : 0,
    smithConfidence: on(weights.smith_confidence) ? (model.smithConfidence[buckets.confidence]?.logRatio ?? 0) : 0,
    siem:
      siem === null
        ? null
        : on(weights.siem_risk_score)
          ? (model.siemRisk[siem.risk]?.logRatio ?? 0) + (model.siemClosedAlerts[siem.closedAsFalsePositive ? 1 : 0]?.logRatio ?? 0)
          : 0,
  };
}

/** ln of the likelihood ratio of a kill whose signals' ratios multiply to exp(sum): a quiet share q of compromises looks like a false alarm, so it is q + (1 − q)·exp(sum). */
export function saturatedLogRatio(sum: number, quietShare: number): number {
  return Math.log(quietShare + (1 - quietShare) * Math.exp(sum));
}

/** Index of each kill reason and severity in KILL_REASONS and SEVERITIES. */
export const REASON_INDEX = Object.fromEntries(KILL_REASONS.map((r, i) => [r, i])) as Readonly<Record<KillReason, number>>;
export const SEVERITY_INDEX = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Readonly<Record<Severity, number>>;

// Signals as the learner indexes them: kill reason, severity, confidence decile, SIEM risk decile, SIEM closed alerts.
const SIZES = [KILL_REASONS.length, SEVERITIES.length, 10, 10, 2] as const;
const OFFSETS = SIZES.map((_, i) => SIZES.slice(0, i).reduce((a, b) => a + b, 0));
const CELLS = SIZES.reduce((a, b) => a + b, 0);

/** Kills with the same signals and label, over every module. */
interface Group {
  /** Cell index per signal present. */
  readonly cells: number[];
  readonly label: SignalCount['label'];
  kills: number;
}

/**
 * Learns what each signal says from the fleet's kills (pure; the store groups the kills). A kill is a true positive that
 * shows, a quiet true positive whose signals are drawn as a false alarm's, or a false positive; each signal is independent
 * given which way the signals were drawn. Every kill counts, labelled or not: a label says which kind it was (a re-kill
 * may also be a chance kill of a false positive), an unlabelled kill counts by its signals alone. Labels exist only for kills
 * Medic did not deny, a choice made on the signals, so leaving the unlabelled kills out would bias what is learnt; with them
 * in, the maximum-likelihood estimate (expectation–maximisation) is not biased by that choice. The configured tables
 * (SEVERITY_RISK, KILL_REASON_RISK, a decile's midpoint for confidence and SIEM risk) are the prior, worth PRIOR_LABELS
 * labels of each kind shared by `risk.weights`: from the first kill on, what is learnt starts at the configured tables and moves
 * towards the labels as they arrive, with no threshold of labels to cross. Null only when there is no kill to learn from.
 */
export function learnSignalModel(sample: SignalSample, policy: PolicyConfig, window: { readonly since: string; readonly at: string }): SignalModel | null {
  const counts = sample.counts;
  const groups = new Map<string, Group>();
  const modules = new Set<string>();
  let kills = 0;
  let falsePositives = 0;
  let truePositives = 0;
  for (const row of counts) {
    const n = Number.isFinite(row.kills) && row.kills > 0 ? row.kills : 0;
    const cells = cellsOf(row);
    if (n === 0 || cells === null) continue;
    modules.add(row.module);
    kills += n;
    if (row.label === 'false_positive') falsePositives += n;
    else if (row.label !== null) truePositives += n;
    const key = `${cells.join(',')}|${row.label ?? ''}`;
    const group = groups.get(key);
    if (group) group.kills += n;
    else groups.set(key, { cells, label: row.label, kills: n });
  }
  if (kills === 0) return null;

  // Smith's rate of kills per module over the time the kills span (the window, or less on a young store).
  const start = Math.max(Date.parse(window.since), Date.parse(sample.firstDecidedAt ?? window.since));
  const windowMinutes = Math.max(policy.rekillWindowMinutes, (Date.parse(window.at) - start) / 60_000);
  const chanceReKill = 1 - Math.exp(-(kills / Math.max(1, modules.size) / windowMinutes) * policy.rekillWindowMinutes);
  const { loud: priorLoud, falseAlarm: priorFalse } = priorsOf(policy);
  const list = [...groups.values()];
  let thetaLoud = normalised(priorLoud);
  let thetaFalse = normalised(priorFalse);
  let wLoud = 0.15;
  let wQuiet = 0.015;
  let wFalse = 1 - wLoud - wQuiet;
  let nLoudFinal = 0;
  let nQuietFinal = 0;
  const countLoud = new Float64Array(CELLS);
  const countFalse = new Float64Array(CELLS);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    countLoud.fill(0);
    countFalse.fill(0);
    let nLoud = 0;
    let nQuiet = 0;
    let nFalse = 0;
    for (const g of list) {
      // A chance re-kill keeps its label only when the kill behind it was no false alarm an operator approved: a true positive.
      const [loud, quiet, falseAlarm] = responsibilities(g, thetaLoud, thetaFalse, wLoud, wQuiet, wFalse, chanceReKill * (wLoud + wQuiet));
      for (const cell of g.cells) {
        countLoud[cell] = (countLoud[cell] ?? 0) + g.kills * loud;
        countFalse[cell] = (countFalse[cell] ?? 0) + g.kills * (quiet + falseAlarm);
      }
      nLoud += g.kills * loud;
      nQuiet += g.kills * quiet;
      nFalse += g.kills * falseAlarm;
    }
    const nextLoud = posterior(priorLoud, countLoud);
    const nextFalse = posterior(priorFalse, countFalse);
    const total = nLoud + nQuiet + nFalse + QUIET_PRIOR.loud + QUIET_PRIOR.quiet;
    const next = [(nLoud + QUIET_PRIOR.loud) / total, (nQuiet + QUIET_PRIOR.quiet) / total, nFalse / total] as const;
    const change = Math.max(Math.abs(next[0] - wLoud), Math.abs(next[1] - wQuiet), maxDifference(nextLoud, thetaLoud), maxDifference(nextFalse, thetaFalse));
    [wLoud, wQuiet, wFalse] = next;
    nLoudFinal = nLoud;
    nQuietFinal = nQuiet;
    thetaLoud = nextLoud;
    thetaFalse = nextFalse;
    if (change < TOLERANCE) break;
  }

  // Per bucket: the learnt ratio and the labels behind it.
  const labelled = { tp: new Float64Array(CELLS), fp: new Float64Array(CELLS) };
  for (const g of list) {
    if (g.label === null) continue;
    const into = g.label === 'false_positive' ? labelled.fp : labelled.tp;
    for (const cell of g.cells) into[cell] = (into[cell] ?? 0) + g.kills;
  }
  const evidence = (signal: number): BucketEvidence[] =>
    Array.from({ length: SIZES[signal] ?? 0 }, (_, v) => {
      const cell = (OFFSETS[signal] ?? 0) + v;
      return { logRatio: Math.log((thetaLoud[cell] ?? 1) / (thetaFalse[cell] ?? 1)), truePositives: labelled.tp[cell] ?? 0, falsePositives: labelled.fp[cell] ?? 0 };
    });

  // Each module's unlabelled kills, counted by their signals at the fleet's rate (never by the module's own, which they feed).
  const expected = new Map<string, { kills: number; truePositives: number }>();
  for (const row of counts) {
    const cells = row.label === null ? cellsOf(row) : null;
    const n = Number.isFinite(row.kills) && row.kills > 0 ? row.kills : 0;
    if (cells === null || n === 0) continue;
    const [loud, quiet] = responsibilities({ cells, label: null, kills: n }, thetaLoud, thetaFalse, wLoud, wQuiet, wFalse, chanceReKill);
    const m = expected.get(row.module) ?? { kills: 0, truePositives: 0 };
    m.kills += n;
    m.truePositives += n * (loud + quiet);
    expected.set(row.module, m);
  }
  // Empirical Bayes: how far the modules' rates spread around the fleet's sets how strongly each is shrunk towards it.
  const perModule = new Map<string, { n: number; tp: number }>();
  for (const row of counts) {
    const n = Number.isFinite(row.kills) && row.kills > 0 ? row.kills : 0;
    const m = perModule.get(row.module) ?? { n: 0, tp: 0 };
    m.n += n;
    if (row.label === 'true_positive' || row.label === 're_killed') m.tp += n;
    perModule.set(row.module, m);
  }
  for (const [module, e] of expected) {
    const m = perModule.get(module);
    if (m) m.tp += e.truePositives;
  }

  const modulePriorLabels = priorStrength([...perModule.values()]);
  const quiet = nQuietFinal + QUIET_PRIOR.quiet;
  const quietShareInterval = wilsonInterval(quiet, quiet + nLoudFinal + QUIET_PRIOR.loud);
  return {
    learnedAt: window.at,
    modulePriorLabels,
    since: window.since,
    kills,
    labels: { falsePositives, truePositives },
    truePositiveRate: wLoud + wQuiet,
    quietShare: wQuiet / (wLoud + wQuiet),
    quietShareInterval,
    chanceReKill,
    killReason: evidence(0),
    severity: evidence(1),
    smithConfidence: evidence(2),
    siemRisk: evidence(3),
    siemClosedAlerts: evidence(4),
    modules: expected,
  };
}

/**
 * Beta–binomial method of moments: the intra-module correlation ρ from the spread of the modules' true-positive shares beyond
 * what sampling explains, as prior labels k = 1/ρ − 1, between MIN and MAX_PRIOR_LABELS.
 */
function priorStrength(modules: ReadonlyArray<{ n: number; tp: number }>): number {
  let n = 0;
  let tp = 0;
  for (const m of modules) {
    n += m.n;
    tp += m.tp;
  }
  const mean = n > 0 ? tp / n : 0;
  let spread = 0;
  let pairs = 0;
  let count = 0;
  for (const m of modules) {
    if (m.n < 1) continue;
    spread += m.n * (m.tp / m.n - mean) ** 2;
    pairs += m.n - 1;
    count += 1;
  }
  if (count < 2 || pairs <= 0 || mean <= 0 || mean >= 1) return MAX_PRIOR_LABELS;
  const rho = (spread / (mean * (1 - mean)) - count) / pairs;
  return Math.min(MAX_PRIOR_LABELS, Math.max(MIN_PRIOR_LABELS, 1 / Math.max(rho, 1e-9) - 1));
}

/** The cells of a row's signals, or null when a value is out of range (a row the store could not read). */
function cellsOf(row: SignalCount): number[] | null {
  const reason = KILL_REASONS.indexOf(row.killReason);
  const severity = SEVERITIES.indexOf(row.severity);
  if (reason < 0 || severity < 0 || !isDecile(row.confidence)) return null;
  const cells = [OFFSETS[0]! + reason, OFFSETS[1]! + severity, OFFSETS[2]! + row.confidence];
  if (row.siem !== null) {
    if (!isDecile(row.siem.risk)) return null;
    cells.push(OFFSETS[3]! + row.siem.risk, OFFSETS[4]! + (row.siem.closedAsFalsePositive ? 1 : 0));
  }
  return cells;
}

function isDecile(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 9;
}

/** P(shows, quiet, false | the group's signals and label) under the current parameters. */
function responsibilities(
  g: Group,
  thetaLoud: Float64Array,
  thetaFalse: Float64Array,
  wLoud: number,
  wQuiet: number,
  wFalse: number,
  chanceReKill: number,
): readonly [number, number, number] {
  let likeLoud = 1;
  let likeFalse = 1;
  for (const cell of g.cells) {
    likeLoud *= thetaLoud[cell] ?? 1;
    likeFalse *= thetaFalse[cell] ?? 1;
  }
  const loud = wLoud * likeLoud;
  const quiet = wQuiet * likeFalse;
  // A held resurrection was a false positive; a rejection a true positive; a re-kill a true positive or a chance kill.
  const falseAlarm = g.label === 'true_positive' ? 0 : g.label === 're_killed' ? wFalse * likeFalse * chanceReKill : wFalse * likeFalse;
  if (g.label === 'false_positive') return [0, 0, 1];
  const total = loud + quiet + falseAlarm;
  return total > 0 ? [loud / total, quiet / total, falseAlarm / total] : [0, 0, 1];
}

/** The prior pseudo-counts per cell for signals that show a compromise ("loud") and for a false alarm's. */
function priorsOf(policy: PolicyConfig): { loud: Float64Array; falseAlarm: Float64Array } {
  const w = policy.weights;
  const weights = [usableWeight(w.kill_reason), usableWeight(w.severity), usableWeight(w.smith_confidence), usableWeight(w.siem_risk_score), usableWeight(w.siem_risk_score)];
  const total = weights[0]! + weights[1]! + weights[2]! + weights[3]!;
  const tables: Array<(v: number) => number> = [
    (v) => KILL_REASON_RISK[KILL_REASONS[v]!],
    (v) => SEVERITY_RISK[SEVERITIES[v]!],
    (v) => (v + 0.5) / 10,
    (v) => (v + 0.5) / 10,
    // No configured table says what closed alerts mean: it starts neutral.
    () => 0.5,
  ];
  const loud = new Float64Array(CELLS);
  const falseAlarm = new Float64Array(CELLS);
  for (let s = 0; s < SIZES.length; s++) {
    // Every signal gets at least a token prior, so a bucket never divides by zero, even with its weight at 0 (then unused).
    const labels = Math.max(0.5, total > 0 ? (PRIOR_LABELS * weights[s]!) / total : PRIOR_LABELS / 4);
    const size = SIZES[s]!;
    let sumLoud = 0;
    let sumFalse = 0;
    for (let v = 0; v < size; v++) {
      sumLoud += tables[s]!(v) + TABLE_FLOOR;
      sumFalse += 1 - tables[s]!(v) + TABLE_FLOOR;
    }
    for (let v = 0; v < size; v++) {
      loud[OFFSETS[s]! + v] = (labels * (tables[s]!(v) + TABLE_FLOOR)) / sumLoud;
      falseAlarm[OFFSETS[s]! + v] = (labels * (1 - tables[s]!(v) + TABLE_FLOOR)) / sumFalse;
    }
  }
  return { loud, falseAlarm };
}

/** Dirichlet posterior means per signal: (prior + counts) normalised within each signal's buckets. */
function posterior(prior: Float64Array, counts: Float64Array): Float64Array {
  const out = new Float64Array(CELLS);
  for (let s = 0; s < SIZES.length; s++) {
    let total = 0;
    for (let v = 0; v < SIZES[s]!; v++) total += prior[OFFSETS[s]! + v]! + counts[OFFSETS[s]! + v]!;
    for (let v = 0; v < SIZES[s]!; v++) out[OFFSETS[s]! + v] = (prior[OFFSETS[s]! + v]! + counts[OFFSETS[s]! + v]!) / total;
  }
  return out;
}

function normalised(prior: Float64Array): Float64Array {
  return posterior(prior, new Float64Array(CELLS));
}

function maxDifference(a: Float64Array, b: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
