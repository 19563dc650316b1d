import { VERDICTS, round } from '@medic/domain';
import type { Verdict } from '@medic/domain';
import type { KillSignals } from './smith';
import type { ArmReport, PeriodRow } from './types';
import { DAY, MINUTE } from './units';

/** What the simulator knows about one kill (Medic never sees `truePositive`). */
export interface Kill {
  readonly killId: string;
  readonly module: string;
  readonly at: number;
  readonly truePositive: boolean;
  readonly reKill: boolean;
  readonly decision: Verdict;
  readonly autoResurrected: boolean;
  /** What Smith reported and the SIEM answered: the signals Medic saw. */
  readonly signals: KillSignals;
  /** Modules running just before the kill (Smith picks among them). */
  readonly runningModules: number;
  recoveredAt: number | null;
}

/** Day, week and whole-run rows of one arm, from its kills and the ceiling in force each day. */
export function periods(kills: readonly Kill[], maxScoreByDay: readonly number[], days: number): Pick<ArmReport, 'weeks' | 'days' | 'total'> {
  const dayOf = (k: Kill) => Math.floor(k.at / DAY);
  const row = (period: number, first: number, last: number): PeriodRow =>
    summarize(
      kills.filter((k) => dayOf(k) >= first && dayOf(k) <= last),
      period,
      first,
      last,
      maxScoreByDay[last] ?? Number.NaN,
    );
  const weeks = Array.from({ length: Math.ceil(days / 7) }, (_, w) => row(w + 1, w * 7, Math.min(days, w * 7 + 7) - 1));
  return {
    weeks,
    days: Array.from({ length: days }, (_, d) => row(d + 1, d, d)),
    total: row(0, 0, days - 1),
  };
}

function summarize(kills: readonly Kill[], period: number, first: number, last: number, maxScore: number): PeriodRow {
  const fp = kills.filter((k) => !k.truePositive);
  const tp = kills.filter((k) => k.truePositive);
  const fpAuto = fp.filter((k) => k.autoResurrected).length;
  const tpAuto = tp.filter((k) => k.autoResurrected).length;
  const downtimes = fp.filter((k) => k.recoveredAt !== null).map((k) => ((k.recoveredAt ?? 0) - k.at) / MINUTE);
  const decisions = Object.fromEntries(VERDICTS.map((d) => [d, kills.filter((k) => k.decision === d).length])) as Record<Verdict, number>;
  return {
    period,
    firstDay: first + 1,
    lastDay: last + 1,
    kills: kills.length,
    falsePositiveKills: fp.length,
    truePositiveKills: tp.length,
    reKills: kills.filter((k) => k.reKill).length,
    decisions,
    falsePositivesAutoResurrected: fpAuto,
    falsePositiveAutoShare: share(fpAuto, fp.length),
    truePositivesAutoResurrected: tpAuto,
    truePositiveAutoShare: share(tpAuto, tp.length),
    medianFalsePositiveDowntimeMinutes: downtimes.length === 0 ? null : round(median(downtimes), 2),
    autoApproveMaxScore: maxScore,
  };
}

function share(part: number, whole: number): number | null {
  return whole === 0 ? null : round(part / whole, 4);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
