import BetterSqlite3 from 'better-sqlite3';
import { KILL_OUTCOMES, Prng, VERDICTS } from '@medic/domain';
import type { CalibrationSample, HistoryWindows, KillOutcome, LabelCounts, ModuleHistory, OutcomeRecord, Stats, Verdict } from '@medic/domain';
import { FIXTURE_TIME, minutesFrom, sampleRecord } from '@medic/domain/testing';
import { TempStores } from './testing/temp-stores';

const ROWS = 10_000;
const DAY = 24 * 60;
const MODULES = ['web', 'api', 'db', 'cache', 'queue'] as const;
const KINDS = ['decided', 'executing', 'success', 'confirmed', 're_killed', 'failure', 'rollback', 'observed', 'not_killed', 'already_running', 'rejected', 'approved'] as const;

function generate(): OutcomeRecord[] {
  // Seeded, so the data set is the same on every run.
  const prng = new Prng(20250301);
  const random = (): number => prng.next();
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const records: OutcomeRecord[] = [];
  for (let i = 0; i < ROWS; i++) {
    const decidedAt = minutesFrom(-Math.floor(random() * 60 * DAY));
    const completedAt = minutesFrom(Math.floor(random() * 120), decidedAt);
    const decision = pick(VERDICTS);
    const kind = pick(KINDS);
    const timeToHealthy = random() < 0.1 ? null : Math.round(random() * 5000) / 1000;
    const base = {
      killId: `kill-${i}`,
      targetModule: pick(MODULES),
      timestamp: decidedAt,
      originalDecision: decision,
      wasAutoApproved: decision === 'approve_auto',
      originalRiskScore: Math.round(random() * 1000) / 1000,
    };
    const finished = { ...base, state: 'done' as const, completedAt, containerId: `c-${i}` };
    const byKind: Record<(typeof KINDS)[number], Partial<OutcomeRecord>> = {
      decided: base,
      executing: { ...base, state: 'executing' },
      observed: { ...base, state: 'done', mode: 'observer' },
      success: { ...finished, outcomeType: 'success', timeToHealthy, healthStatus: 'healthy' },
      confirmed: { ...finished, outcomeType: 'success', timeToHealthy, healthStatus: 'healthy', confirmedAt: minutesFrom(30, completedAt) },
      re_killed: { ...finished, outcomeType: 're_killed', timeToHealthy, healthStatus: 'healthy', reKilledAt: minutesFrom(10, completedAt) },
      failure: { ...finished, outcomeType: 'failure', error: 'container_not_found', errorMessage: 'gone' },
      // A rollback's time is never "time to healthy": it must stay out of the average.
      rollback: { ...finished, outcomeType: 'rollback', timeToHealthy: 99, healthStatus: 'unhealthy', error: 'unhealthy' },
      // verify_kill restarted nothing: never a resurrection, a label or a time to healthy.
      not_killed: { ...finished, outcomeType: 'not_killed', timeToHealthy: 42, healthStatus: 'healthy' },
      already_running: { ...finished, outcomeType: 'already_running', timeToHealthy: 42, healthStatus: 'none' },
      rejected: { ...base, originalDecision: 'pending_review', wasAutoApproved: false, state: 'done', rejectedBy: 'ops', rejectedAt: minutesFrom(20, decidedAt) },
      approved: {
        ...finished,
        originalDecision: 'pending_review',
        wasAutoApproved: false,
        outcomeType: 'success',
        timeToHealthy,
        approvedBy: 'ops',
        approvedAt: minutesFrom(1, decidedAt),
      },
    };
    records.push(sampleRecord(byKind[kind]));
  }
  return records;
}

// The expected figures, computed over the records in memory, by instant rather than by text.
const ms = (iso: string): number => Date.parse(iso);
const executed = (r: OutcomeRecord): boolean => r.state === 'done' && ['success', 'failure', 'rollback', 're_killed'].includes(r.outcomeType);
const heldOnce = (r: OutcomeRecord): boolean => r.outcomeType === 'success' && r.confirmedAt !== null;
const labelled = (r: OutcomeRecord): boolean => r.wasAutoApproved && (heldOnce(r) || r.outcomeType === 're_killed' || r.outcomeType === 'rollback');

function expectedStats(records: readonly OutcomeRecord[], rejections: number): Stats {
  const count = (p: (r: OutcomeRecord) => boolean): number => records.filter(p).length;
  const timed = records.filter((r) => (r.outcomeType === 'success' || r.outcomeType === 're_killed') && r.timeToHealthy !== null);
  const auto = records.filter(labelled);
  return {
    total: records.length,
    byDecision: Object.fromEntries(VERDICTS.map((d) => [d, count((r) => r.originalDecision === d)])) as Record<Verdict, number>,
    byOutcome: Object.fromEntries(KILL_OUTCOMES.map((o) => [o, count((r) => r.outcomeType === o)])) as Record<KillOutcome, number>,
    rejections,
    averageTimeToHealthy: timed.reduce((sum, r) => sum + (r.timeToHealthy ?? 0), 0) / timed.length,
    autoApproveAccuracy: auto.filter(heldOnce).length / auto.length,
    autoApproveLabelled: auto.length,
    operatorVerdicts: { approved: count((r) => r.approvedBy !== null), rejected: count((r) => r.rejectedBy !== null) },
  };
}

function expectedLabels(records: readonly OutcomeRecord[], all: readonly OutcomeRecord[], w: HistoryWindows): LabelCounts {
  const inHistory = (iso: string | null) => iso !== null && ms(iso) >= ms(w.historySince);
  const settled = (r: OutcomeRecord) => r.confirmedAt !== null || ms(r.completedAt ?? '') < ms(w.rekillSince);
  // A re-kill by a kill an operator approved is Smith's chance, and a rollback says nothing: neither is a label.
  const byChance = (r: OutcomeRecord) => all.some((c) => c.targetModule === r.targetModule && r.reKilledAt !== null && ms(c.timestamp) === ms(r.reKilledAt) && c.approvedAt !== null);
  return {
    falsePositives: records.filter((r) => executed(r) && r.outcomeType === 'success' && inHistory(r.completedAt) && settled(r)).length,
    truePositives:
      records.filter((r) => executed(r) && r.outcomeType === 're_killed' && inHistory(r.completedAt) && !byChance(r)).length +
      records.filter((r) => inHistory(r.rejectedAt)).length,
  };
}

function expectedHistory(records: readonly OutcomeRecord[], module: string, w: HistoryWindows): ModuleHistory {
  const mine = records.filter((r) => r.targetModule === module);
  const inHistory = mine.filter((r) => executed(r) && ms(r.completedAt ?? '') >= ms(w.historySince));
  // Stable sort over insertion order: equal completion times keep the first stored first.
  const unlabelled = mine
    .filter((r) => r.outcomeType === 'success' && r.confirmedAt === null && r.reKilledAt === null && ms(r.completedAt ?? '') >= ms(w.rekillSince))
    .sort((a, b) => ms(b.completedAt ?? '') - ms(a.completedAt ?? ''));
  return {
    resurrections: inHistory.length,
    held: inHistory.filter((r) => r.outcomeType === 'success').length,
    reKilled: inHistory.filter((r) => r.outcomeType === 're_killed').length,
    rolledBack: inHistory.filter((r) => r.outcomeType === 'rollback').length,
    recentResurrections: mine.filter((r) => (r.state === 'executing' || executed(r)) && ms(r.timestamp) >= ms(w.budgetSince)).length,
    unlabelledSuccesses: unlabelled.map((r) => ({ killId: r.killId, completedAt: r.completedAt ?? '' })),
    labels: expectedLabels(mine, records, w),
    fleetLabels: expectedLabels(records, records, w),
  };
}

function expectedSample(records: readonly OutcomeRecord[], since: string): CalibrationSample {
  const decided = records.filter((r) => ms(r.timestamp) >= ms(since));
  const auto = decided.filter(labelled);
  return {
    total: auto.length,
    successes: auto.filter(heldOnce).length,
    reKilled: auto.filter((r) => r.outcomeType === 're_killed').length,
    truePositives: decided.filter((r) => r.originalDecision === 'deny' || r.rejectedAt !== null || r.outcomeType === 're_killed').length,
    labelled: decided.filter((r) => labelled(r) || heldOnce(r) || r.outcomeType === 're_killed' || r.rejectedAt !== null).length,
  };
}

const withCloseAverages = (s: Stats): Stats =>
  ({ ...s, averageTimeToHealthy: expect.closeTo(s.averageTimeToHealthy ?? NaN, 9), autoApproveAccuracy: expect.closeTo(s.autoApproveAccuracy ?? NaN, 9) }) as Stats;

describe('SqliteOutcomeRepo aggregates over 10,000 records', () => {
  const stores = new TempStores();
  const records = generate();
  const windows: HistoryWindows = { historySince: minutesFrom(-30 * DAY), budgetSince: minutesFrom(-3 * DAY), rekillSince: minutesFrom(-2 * DAY) };
  afterAll(() => stores.cleanup());

  it('computes statistics, module history and the calibration sample exactly, before and after labelling', async () => {
    // The repo runs on an injected connection, so the test can wrap the 10,000 inserts in one transaction for speed.
    const database = new BetterSqlite3(stores.path('aggregates.db'));
    const repo = await stores.open({ database });
    database.exec('BEGIN');
    for (const r of records) expect(await repo.insert(r)).toBe('inserted');
    database.exec('COMMIT');
    const rejections = Array.from({ length: 40 }, (_, i) => ({ deliveryId: `${i % 37}-0`, killId: null, field: 'entry', rule: 'json', reason: 'bad', raw: {}, rejectedAt: FIXTURE_TIME }));
    await repo.commitBatch({ records: [], reKills: [], rejections });

    const expected = expectedStats(records, 37);
    expect(await repo.stats()).toEqual(withCloseAverages(expected));
    expect(await repo.moduleHistories(MODULES, windows)).toEqual(new Map(MODULES.map((m) => [m, expectedHistory(records, m, windows)])));
    expect(await repo.calibrationSample(minutesFrom(-30 * DAY))).toEqual(expectedSample(records, minutesFrom(-30 * DAY)));

    // The data set must exercise every figure, or the comparisons above prove little.
    expect(Object.values(expected.byOutcome).every((n) => n > 0)).toBe(true);
    const histories = MODULES.map((m) => expectedHistory(records, m, windows));
    expect(histories.every((h) => h.held > 0 && h.reKilled > 0 && h.rolledBack > 0 && h.recentResurrections > 0 && h.unlabelledSuccesses.length > 1)).toBe(true);
    expect(histories.every((h) => h.labels.falsePositives > 0 && h.labels.truePositives > h.reKilled)).toBe(true);
    expect(expected.operatorVerdicts.approved > 0 && expected.operatorVerdicts.rejected > 0).toBe(true);
    // …and the history window must leave some of each module's resurrections out.
    expect(MODULES.every((m, i) => (histories[i]?.resurrections ?? 0) < records.filter((r) => r.targetModule === m && executed(r)).length)).toBe(true);

    // Confirm the successes older than a day, then every figure again.
    const before = minutesFrom(-DAY);
    const due = records.filter((r) => r.outcomeType === 'success' && r.confirmedAt === null && ms(r.completedAt ?? '') < ms(before));
    expect(due.length).toBeGreaterThan(0);
    expect(await repo.confirmSuccesses(before, FIXTURE_TIME)).toBe(due.length);
    const dueIds = new Set(due.map((r) => r.killId));
    const labelledRecords = records.map((r) => (dueIds.has(r.killId) ? { ...r, confirmedAt: FIXTURE_TIME } : r));
    expect(await repo.stats()).toEqual(withCloseAverages(expectedStats(labelledRecords, 37)));
    expect(await repo.moduleHistories(MODULES, windows)).toEqual(new Map(MODULES.map((m) => [m, expectedHistory(labelledRecords, m, windows)])));
    expect(await repo.calibrationSample(minutesFrom(-30 * DAY))).toEqual(expectedSample(labelledRecords, minutesFrom(-30 * DAY)));
  });
});
