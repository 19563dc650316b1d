import { EMPTY_HISTORY } from '@medic/domain';
import type { BatchWrite, Calibration, HistoryWindows, KillReport, OutcomeRecord, OutcomeRepo, OutcomeUpdate, Rejection, SignalCount } from '@medic/domain';
import { FIXTURE_TIME, HOT_CONTEXT, minutesFrom, sampleRecord, sampleReport } from '@medic/domain/testing';
import { harnessPool } from './harness-pool';

/** What an OutcomeRepo implementation provides to run the shared contract: an empty store. */
export interface OutcomeRepoHarness {
  readonly repo: OutcomeRepo;
  /** Closes the store and removes what it created. */
  cleanup(): Promise<void>;
}

const DAY = 24 * 60;
const T = FIXTURE_TIME;
const at = (minutes: number): string => minutesFrom(minutes, T);

/** A finished resurrection of `module` decided at `decidedAt` and completed at `completedAt` (minutes from T). */
function done(killId: string, outcomeType: OutcomeRecord['outcomeType'], decidedAt: number, completedAt: number, extra: Partial<OutcomeRecord> = {}): OutcomeRecord {
  return sampleRecord({
    killId,
    timestamp: at(decidedAt),
    state: 'done',
    outcomeType,
    originalDecision: 'approve_auto',
    wasAutoApproved: true,
    completedAt: at(completedAt),
    timeToHealthy: outcomeType === 'success' || outcomeType === 're_killed' ? 1.5 : null,
    ...extra,
  });
}

/** A pending_review kill decided at `minutes` from T that an operator rejected five minutes later. */
function rejected(killId: string, minutes: number, extra: Partial<OutcomeRecord> = {}): OutcomeRecord {
  return sampleRecord({ killId, timestamp: at(minutes - 5), state: 'done', rejectedBy: 'ops', rejectedAt: at(minutes), ...extra });
}
/** A batch of records only. */
const records = (list: OutcomeRecord[]): BatchWrite => ({ records: list, reKills: [], rejections: [] });

const WINDOWS: HistoryWindows = { historySince: at(-30 * DAY), budgetSince: at(-60), rekillSince: at(-30) };

const rejection = (deliveryId: string, reason = 'kill_id: required'): Rejection => ({
  deliveryId,
  killId: null,
  field: 'kill_id',
  rule: 'required',
  reason,
  raw: { payload: '{}' },
  rejectedAt: T,
});

const calibration = (calibratedAt: string, nextMaxScore: number): Calibration => ({
  calibratedAt,
  previousMaxScore: 0.3,
  nextMaxScore,
  direction: nextMaxScore > 0.3 ? 'up' : nextMaxScore < 0.3 ? 'down' : 'none',
  samples: 25,
  successes: 24,
  successRate: 0.96,
  wilsonLower: 0.8046,
  wilsonUpper: 0.9929,
  evidenceSince: minutesFrom(-30 * DAY, calibratedAt),
  reKilled: 1,
  truePositives: 40,
  labelled: 60,
  harmLower: 0.0031,
  harmPoint: 0.0037,
  harmUpper: 0.128,
  maxHarmRate: 0.005,
  reason: 'lower bound 0.80 is between the limits',
});

/** Records that exercise every column: every field set, the sparsest record, and threat intel unavailable. */
function roundTripRecords(): OutcomeRecord[] {
  const full = sampleRecord({
    killId: 'kill:full.1',
    targetModule: 'payments',
    targetInstanceId: 'payments-7f3a',
    timestamp: '2025-03-01T12:00:00.123Z',
    report: sampleReport({
      killId: 'kill:full.1',
      targetModule: 'payments',
      targetInstanceId: 'payments-7f3a',
      timestamp: '2025-03-01T13:00:00+01:00',
      killReason: 'threat_detected',
      severity: 'critical',
      confidenceScore: 0.123456789,
      evidence: ['outbound to 198.51.100.7', 'ünïcödé ✓'],
      dependencies: ['db', 'cache'],
      metadata: { region: 'eu', nested: { list: [1, 'two', null, true], depth: { n: 2.5 } } },
    }),
    mode: 'live',
    state: 'done',
    outcomeType: 'success',
    originalDecision: 'approve_auto',
    originalRiskScore: 0.1234567890123,
    originalConfidence: 0.87,
    riskLevel: 'minimal',
    guard: 'restart_budget_spent',
    wasAutoApproved: true,
    reasoning: ['First "quoted" sentence.', 'Second sentence.'],
    threatContext: { status: 'answered', context: HOT_CONTEXT },
    timeToHealthy: 1.337,
    healthStatus: 'healthy',
    containerId: 'c0ffee',
    error: 'start_failed',
    errorMessage: 'first start failed, second worked',
    approvedBy: 'alice',
    approvedAt: '2025-03-01T12:01:00.000Z',
    completedAt: '2025-03-01T12:02:00.000Z',
    confirmedAt: '2025-03-01T13:00:00.000Z',
    reKilledAt: '2025-03-01T12:10:00.000Z',
  });
  const sparse = sampleRecord({ killId: 'kill-sparse', mode: 'observer', originalDecision: 'deny', guard: null, factors: [], reasoning: [] });
  const unavailable = sampleRecord({ killId: 'kill-unavailable', threatContext: { status: 'unavailable', reason: 'timed out after 2000 ms' } });
  return [full, sparse, unavailable];
}

/** The shared OutcomeRepo contract (the port docs in ports.ts), run by every implementation's own test file. */
export function outcomeRepoContract(name: string, makeHarness: () => Promise<OutcomeRepoHarness>): void {
  describe(`${name} (OutcomeRepo contract)`, () => {
    const open = harnessPool(makeHarness);
    const insertAll = async (repo: OutcomeRepo, records: OutcomeRecord[]): Promise<void> => {
      for (const r of records) expect(await repo.insert(r)).toBe('inserted');
    };

    it('returns every field of a stored record as it was inserted', async () => {
      const { repo } = await open();
      const records = roundTripRecords();
      await insertAll(repo, records);
      for (const r of records) expect(await repo.get(r.killId)).toEqual(r);
      expect(await repo.get('kill-unknown')).toBeNull();
    });

    it('stores records committed together exactly as one by one', async () => {
      const { repo } = await open();
      const list = roundTripRecords();
      expect(await repo.commitBatch(records(list))).toEqual(['inserted', 'inserted', 'inserted']);
      for (const r of list) expect(await repo.get(r.killId)).toEqual(r);
      // The newest first; sparse and unavailable share a timestamp, so the one stored later comes first, as with insert.
      expect((await repo.recent(10)).map((r) => r.killId)).toEqual(['kill:full.1', 'kill-unavailable', 'kill-sparse']);
      expect(await repo.commitBatch(records([]))).toEqual([]);
      expect(await repo.recent(10)).toHaveLength(3);
    });

    it('reports duplicates within one call and against stored records, keeping the first', async () => {
      const { repo } = await open();
      const stored = sampleRecord({ killId: 'kill-stored' });
      await insertAll(repo, [stored]);
      const first = sampleRecord({ killId: 'kill-twice', timestamp: at(1) });
      const again = sampleRecord({ killId: 'kill-twice', outcomeId: 'other', decisionId: 'other', originalDecision: 'deny', timestamp: at(2) });
      const restored = sampleRecord({ killId: 'kill-stored', outcomeId: 'other-2', decisionId: 'other-2', targetModule: 'api' });
      const fresh = sampleRecord({ killId: 'kill-fresh', timestamp: at(3) });
      expect(await repo.commitBatch(records([first, restored, again, fresh]))).toEqual(['inserted', 'duplicate', 'duplicate', 'inserted']);
      expect(await repo.get('kill-twice')).toEqual(first);
      expect(await repo.get('kill-stored')).toEqual(stored);
      expect(await repo.get('kill-fresh')).toEqual(fresh);
      expect(await repo.commitBatch(records([fresh, sampleRecord({ killId: 'kill-last', timestamp: at(4) })]))).toEqual(['duplicate', 'inserted']);
      expect(await repo.insert(first)).toBe('duplicate');
      expect((await repo.recent(10)).map((r) => r.killId)).toEqual(['kill-last', 'kill-fresh', 'kill-twice', 'kill-stored']);
    });

    it('refuses a second record with the same kill id and keeps the first', async () => {
      const { repo } = await open();
      const first = sampleRecord({ killId: 'kill-dup' });
      await insertAll(repo, [first]);
      const second = sampleRecord({ killId: 'kill-dup', outcomeId: 'other', decisionId: 'other', targetModule: 'api', originalDecision: 'deny' });
      expect(await repo.insert(second)).toBe('duplicate');
      expect(await repo.get('kill-dup')).toEqual(first);
      expect(await repo.recent(10)).toHaveLength(1);
    });

    it('completes an executing record and marks it done', async () => {
      const { repo } = await open();
      const executing = sampleRecord({ killId: 'kill-exec', state: 'executing', originalDecision: 'approve_auto', wasAutoApproved: true });
      await insertAll(repo, [executing]);
      const update: OutcomeUpdate = {
        outcomeType: 'rollback',
        timeToHealthy: null,
        healthStatus: 'unhealthy',
        containerId: 'abc123',
        error: 'unhealthy',
        errorMessage: 'health check failed',
        completedAt: at(2),
      };
      await repo.complete('kill-exec', update);
      expect(await repo.get('kill-exec')).toEqual({ ...executing, ...update, state: 'done' });
    });

    it('appends the note of an update to the reasoning', async () => {
      const { repo } = await open();
      const executing = sampleRecord({ killId: 'kill-note', state: 'executing', originalDecision: 'approve_auto', wasAutoApproved: true });
      await insertAll(repo, [executing]);
      const note = 'verify_kill: web-1 has been running since 2025-03-01T11:00:00.000Z, before the reported kill: it was not killed; nothing restarted';
      const update: OutcomeUpdate = { outcomeType: 'not_killed', timeToHealthy: null, healthStatus: 'healthy', containerId: 'abc123', error: null, errorMessage: null, completedAt: at(2), note };
      await repo.complete('kill-note', update);
      const { note: _note, ...stored } = update;
      expect(await repo.get('kill-note')).toEqual({ ...executing, ...stored, state: 'done', reasoning: [...executing.reasoning, note] });
    });

    it('replaces the decision of an executing auto-approval on redecide, and of nothing else', async () => {
      const { repo } = await open();
      const auto = sampleRecord({ killId: 'kill-auto', state: 'executing', originalDecision: 'approve_auto', wasAutoApproved: true, riskLevel: 'low', originalRiskScore: 0.3 });
      const approved = sampleRecord({ killId: 'kill-approved', state: 'executing', approvedBy: 'ops', approvedAt: at(1) });
      const decided = sampleRecord({ killId: 'kill-decided' });
      await insertAll(repo, [auto, approved, decided]);
      const factors = [{ name: 'module_criticality', value: 0.9, weight: 0.15, normalizedWeight: 0.2, contribution: 0.18, detail: 'from a label' }] as const;
      const decision = { verdict: 'deny', riskScore: 0.81, riskLevel: 'critical', confidence: 0.6, guard: null, factors: [...factors], reasoning: ['Label changed it.', 'Denied.'] } as const;
      expect(await repo.redecide('kill-auto', { decision })).toBe(true);
      expect(await repo.get('kill-auto')).toEqual({
        ...auto,
        state: 'decided',
        originalDecision: 'deny',
        originalRiskScore: 0.81,
        riskLevel: 'critical',
        originalConfidence: 0.6,
        guard: null,
        wasAutoApproved: false,
        factors,
        reasoning: ['Label changed it.', 'Denied.'],
      });
      expect(await repo.redecide('kill-approved', { decision })).toBe(false);
      expect(await repo.redecide('kill-decided', { decision })).toBe(false);
      expect(await repo.redecide('kill-unknown', { decision })).toBe(false);
      expect(await repo.get('kill-approved')).toEqual(approved);
      expect(await repo.get('kill-decided')).toEqual(decided);
    });

    it('leaves a record that is not executing unchanged on complete', async () => {
      const { repo } = await open();
      const decided = sampleRecord({ killId: 'kill-decided' });
      await insertAll(repo, [decided]);
      await repo.complete('kill-decided', { outcomeType: 'success', timeToHealthy: 1, healthStatus: 'healthy', containerId: 'x', error: null, errorMessage: null, completedAt: at(1) });
      await repo.complete('kill-unknown', { outcomeType: 'success', timeToHealthy: 1, healthStatus: 'healthy', containerId: 'x', error: null, errorMessage: null, completedAt: at(1) });
      expect(await repo.get('kill-decided')).toEqual(decided);
      expect(await repo.get('kill-unknown')).toBeNull();
    });

    it('approves only a decided pending_review record, once', async () => {
      const { repo } = await open();
      const pending = sampleRecord({ killId: 'kill-pending' });
      const denied = sampleRecord({ killId: 'kill-denied', originalDecision: 'deny' });
      const observed = sampleRecord({ killId: 'kill-observed', originalDecision: 'approve_auto', mode: 'observer' });
      await insertAll(repo, [pending, denied, observed]);
      expect(await repo.markApproved('kill-pending', 'alice', at(5))).toBe(true);
      expect(await repo.get('kill-pending')).toEqual({ ...pending, state: 'executing', approvedBy: 'alice', approvedAt: at(5) });
      expect(await repo.markApproved('kill-pending', 'bob', at(6))).toBe(false);
      expect((await repo.get('kill-pending'))?.approvedBy).toBe('alice');
      expect(await repo.markApproved('kill-denied', 'alice', at(5))).toBe(false);
      expect(await repo.markApproved('kill-observed', 'alice', at(5))).toBe(false);
      expect(await repo.markApproved('kill-unknown', 'alice', at(5))).toBe(false);
      expect(await repo.get('kill-denied')).toEqual(denied);
      expect(await repo.get('kill-observed')).toEqual(observed);
    });

    it('approves a resurrection that failed with docker_unavailable again, clearing its outcome, and no other failure', async () => {
      const { repo } = await open();
      const unreachable = done('kill-unreachable', 'failure', -10, -5, { error: 'docker_unavailable', errorMessage: 'Docker engine not reachable', timeToHealthy: null });
      const missing = done('kill-missing', 'failure', -10, -5, { error: 'container_not_found', errorMessage: 'no container' });
      const rolledBack = done('kill-rolled-back', 'rollback', -10, -5, { error: 'unhealthy' });
      await insertAll(repo, [unreachable, missing, rolledBack]);
      expect(await repo.markApproved('kill-unreachable', 'alice', at(1))).toBe(true);
      expect(await repo.get('kill-unreachable')).toEqual({
        ...unreachable,
        state: 'executing',
        outcomeType: 'undetermined',
        error: null,
        errorMessage: null,
        completedAt: null,
        healthStatus: null,
        containerId: null,
        timeToHealthy: null,
        approvedBy: 'alice',
        approvedAt: at(1),
      });
      expect(await repo.markApproved('kill-unreachable', 'bob', at(2))).toBe(false);
      expect(await repo.markApproved('kill-missing', 'alice', at(1))).toBe(false);
      expect(await repo.markApproved('kill-rolled-back', 'alice', at(1))).toBe(false);
      expect(await repo.get('kill-missing')).toEqual(missing);
      expect(await repo.get('kill-rolled-back')).toEqual(rolledBack);
    });

    it('finds stored records by kill id, leaving unknown ones out', async () => {
      const { repo } = await open();
      const list = roundTripRecords();
      await insertAll(repo, list);
      const found = await repo.getMany(['kill-unknown', list[2]!.killId, list[0]!.killId, list[0]!.killId]);
      expect(found.sort((a, b) => a.killId.localeCompare(b.killId))).toEqual([list[0], list[2]].sort((a, b) => a!.killId.localeCompare(b!.killId)));
      expect(await repo.getMany([])).toEqual([]);
    });

    it('lists the records left executing, oldest first', async () => {
      const { repo } = await open();
      const executing = (killId: string, minutes: number): OutcomeRecord =>
        sampleRecord({ killId, state: 'executing', originalDecision: 'approve_auto', wasAutoApproved: true, timestamp: at(minutes) });
      await insertAll(repo, [executing('x-later', 5), sampleRecord({ killId: 'x-decided' }), executing('x-earlier', 1), done('x-done', 'success', -3, -2)]);
      expect((await repo.listExecuting()).map((r) => r.killId)).toEqual(['x-earlier', 'x-later']);
      expect(await repo.listExecuting()).toEqual([await repo.get('x-earlier'), await repo.get('x-later')]);
    });

    it('lists the newest records first, at most limit', async () => {
      const { repo } = await open();
      await insertAll(repo, [
        sampleRecord({ killId: 'kill-b', timestamp: at(2) }),
        sampleRecord({ killId: 'kill-c', timestamp: at(3) }),
        sampleRecord({ killId: 'kill-a', timestamp: at(1) }),
      ]);
      expect((await repo.recent(2)).map((r) => r.killId)).toEqual(['kill-c', 'kill-b']);
      expect((await repo.recent(10)).map((r) => r.killId)).toEqual(['kill-c', 'kill-b', 'kill-a']);
      expect(await repo.recent(0)).toEqual([]);
    });

    it('counts each module history within its windows', async () => {
      const { repo } = await open();
      await insertAll(repo, [
        done('h-old-success', 'success', -10 * DAY, -10 * DAY, { confirmedAt: at(-10 * DAY + 30) }),
        done('h-rekilled', 're_killed', -5 * DAY, -5 * DAY, { reKilledAt: at(-5 * DAY + 10) }),
        // Re-killed by a kill an operator then approved (and that held): Smith's chance, no label; the approved one is a false positive.
        done('h-rekilled-by-chance', 're_killed', -6 * DAY, -6 * DAY, { reKilledAt: at(-6 * DAY + 10) }),
        done('h-chance-kill', 'success', -6 * DAY + 10, -6 * DAY + 40, {
          originalDecision: 'pending_review',
          wasAutoApproved: false,
          approvedBy: 'ops',
          approvedAt: at(-6 * DAY + 35),
          confirmedAt: at(-6 * DAY + 80),
        }),
        // A rollback says nothing about whether Smith was right: no label.
        done('h-rollback', 'rollback', -2 * DAY, -2 * DAY),
        done('h-failure', 'failure', -DAY, -DAY),
        done('h-too-old', 'failure', -40 * DAY, -40 * DAY),
        done('h-before-rekill', 'success', -46, -45),
        sampleRecord({ killId: 'h-executing', state: 'executing', originalDecision: 'approve_auto', wasAutoApproved: true, timestamp: at(-20) }),
        done('h-recent', 'success', -11, -10),
        done('h-newest', 'success', -3, -2),
        done('h-confirmed', 'success', -4, -3, { confirmedAt: at(-1) }),
        sampleRecord({ killId: 'h-pending', timestamp: at(-5) }),
        sampleRecord({ killId: 'h-denied', originalDecision: 'deny', timestamp: at(-4) }),
        done('h-other-module', 'success', -2, -1, { targetModule: 'web-2' }),
        // verify_kill refused these: no resurrection happened, so they count nowhere.
        done('h-not-killed', 'not_killed', -3, -3),
        done('h-came-back', 'already_running', -3, -3),
        rejected('h-rejected', -DAY),
        rejected('h-rejected-too-old', -31 * DAY),
        rejected('h-other-rejected', -3 * DAY, { targetModule: 'web-2' }),
      ]);
      const histories = await repo.moduleHistories(['web', 'we', 'web-2'], WINDOWS);
      expect([...histories.keys()].sort()).toEqual(['we', 'web', 'web-2']);
      // Labels: h-old-success, h-chance-kill and h-confirmed (confirmed) and h-before-rekill (completed before the re-kill
      // window) are false positives; h-rekilled and h-rejected true positives. h-recent and h-newest may still be re-killed.
      const fleetLabels = { falsePositives: 4, truePositives: 3 };
      expect(histories.get('web')).toEqual({
        resurrections: 10,
        held: 6,
        reKilled: 2,
        rolledBack: 1,
        recentResurrections: 5,
        unlabelledSuccesses: [
          { killId: 'h-newest', completedAt: at(-2) },
          { killId: 'h-recent', completedAt: at(-10) },
        ],
        labels: { falsePositives: 4, truePositives: 2 },
        fleetLabels,
      });
      expect(histories.get('we')).toEqual({ ...EMPTY_HISTORY, fleetLabels });
      expect(histories.get('web-2')).toEqual({
        ...EMPTY_HISTORY,
        resurrections: 1,
        held: 1,
        recentResurrections: 1,
        unlabelledSuccesses: [{ killId: 'h-other-module', completedAt: at(-1) }],
        labels: { falsePositives: 0, truePositives: 1 },
        fleetLabels,
      });
      expect(await repo.moduleHistories([], WINDOWS)).toEqual(new Map());
    });

    it('orders unlabelled successes completed at the same instant as they were stored', async () => {
      const { repo } = await open();
      await insertAll(repo, [done('tie-first', 'success', -6, -5), done('tie-second', 'success', -7, -5), done('tie-newer', 'success', -3, -1)]);
      const history = (await repo.moduleHistories(['web'], WINDOWS)).get('web');
      expect(history?.unlabelledSuccesses.map((s) => s.killId)).toEqual(['tie-newer', 'tie-first', 'tie-second']);
    });

    it('labels a success re-killed with the record of the kill that caused it, and no longer offers it', async () => {
      const { repo } = await open();
      const success = done('k-success', 'success', -11, -10);
      const failure = done('k-failure', 'failure', -6, -5);
      const confirmed = done('k-confirmed', 'success', -8, -7, { confirmedAt: at(-1) });
      await insertAll(repo, [success, failure, confirmed]);
      const cause = sampleRecord({ killId: 'k-new', timestamp: at(0) });
      const results = await repo.commitBatch({
        records: [cause],
        reKills: [
          { killId: 'k-success', at: at(0), causedBy: 'k-new' },
          { killId: 'k-failure', at: at(0), causedBy: 'k-new' },
          { killId: 'k-confirmed', at: at(0), causedBy: 'k-new' },
        ],
        rejections: [],
      });
      expect(results).toEqual(['inserted']);
      expect(await repo.get('k-success')).toEqual({ ...success, outcomeType: 're_killed', reKilledAt: at(0) });
      expect(await repo.get('k-failure')).toEqual(failure);
      expect(await repo.get('k-confirmed')).toEqual(confirmed);
      const labels = { falsePositives: 1, truePositives: 1 };
      expect((await repo.moduleHistories(['web'], WINDOWS)).get('web')).toEqual({
        ...EMPTY_HISTORY,
        resurrections: 3,
        held: 1,
        reKilled: 1,
        recentResurrections: 3,
        labels,
        fleetLabels: labels,
      });
    });

    it('applies no re-kill label whose causing record was a duplicate', async () => {
      const { repo } = await open();
      const success = done('d-success', 'success', -11, -10);
      const stored = sampleRecord({ killId: 'd-stored', timestamp: at(-1) });
      await insertAll(repo, [success, stored]);
      const again = sampleRecord({ killId: 'd-stored', outcomeId: 'other', decisionId: 'other', timestamp: at(0) });
      expect(await repo.commitBatch({ records: [again], reKills: [{ killId: 'd-success', at: at(0), causedBy: 'd-stored' }], rejections: [] })).toEqual(['duplicate']);
      expect(await repo.get('d-success')).toEqual(success);
      expect(await repo.get('d-stored')).toEqual(stored);
    });

    it('records an operator\'s rejection of a pending kill only, and keeps it from being approved afterwards', async () => {
      const { repo } = await open();
      const pending = sampleRecord({ killId: 'r-pending' });
      const denied = sampleRecord({ killId: 'r-denied', originalDecision: 'deny' });
      const approved = sampleRecord({ killId: 'r-approved' });
      await insertAll(repo, [pending, denied, approved]);
      expect(await repo.markApproved('r-approved', 'alice', at(1))).toBe(true);
      expect(await repo.markRejected('r-pending', 'bob', at(2))).toBe(true);
      expect(await repo.get('r-pending')).toEqual({ ...pending, state: 'done', rejectedBy: 'bob', rejectedAt: at(2) });
      expect(await repo.markRejected('r-pending', 'carol', at(3))).toBe(false);
      expect(await repo.markApproved('r-pending', 'carol', at(3))).toBe(false);
      expect(await repo.markRejected('r-denied', 'bob', at(3))).toBe(false);
      expect(await repo.markRejected('r-approved', 'bob', at(3))).toBe(false);
      expect(await repo.markRejected('r-unknown', 'bob', at(3))).toBe(false);
      expect(await repo.get('r-pending')).toMatchObject({ rejectedBy: 'bob', approvedBy: null });
      expect(await repo.get('r-denied')).toEqual(denied);
      expect(await repo.get('r-approved')).toMatchObject({ state: 'executing', approvedBy: 'alice', rejectedBy: null });
    });

    it('confirms the successes completed before the cut-off that were not re-killed', async () => {
      const { repo } = await open();
      const early = done('c-early', 'success', -41, -40);
      const edge = done('c-edge', 'success', -31, -30);
      const late = done('c-late', 'success', -11, -10);
      const rekilled = done('c-rekilled', 're_killed', -51, -50, { reKilledAt: at(-20) });
      const failure = done('c-failure', 'failure', -46, -45);
      const confirmed = done('c-confirmed', 'success', -61, -60, { confirmedAt: at(-5) });
      await insertAll(repo, [early, edge, late, rekilled, failure, confirmed]);
      expect(await repo.confirmSuccesses(at(-30), at(0))).toBe(1);
      expect(await repo.get('c-early')).toEqual({ ...early, confirmedAt: at(0) });
      for (const r of [edge, late, rekilled, failure, confirmed]) expect(await repo.get(r.killId)).toEqual(r);
      expect(await repo.confirmSuccesses(at(-30), at(1))).toBe(0);
    });

    it('samples labelled auto-approved resurrections decided since the given instant', async () => {
      const { repo } = await open();
      const confirmedAt = { confirmedAt: at(0) };
      await insertAll(repo, [
        done('s-held-1', 'success', -DAY, -DAY, confirmedAt),
        done('s-held-2', 'success', -2 * DAY, -2 * DAY, confirmedAt),
        done('s-unlabelled', 'success', -10, -9),
        done('s-rekilled', 're_killed', -3 * DAY, -3 * DAY, { reKilledAt: at(-3 * DAY + 5) }),
        done('s-rollback', 'rollback', -4 * DAY, -4 * DAY),
        done('s-failure', 'failure', -DAY, -DAY),
        done('s-too-old', 'success', -31 * DAY, -31 * DAY, confirmedAt),
        done('s-approved-by-hand', 'success', -DAY, -DAY, { ...confirmedAt, wasAutoApproved: false, originalDecision: 'pending_review' }),
        done('s-not-killed', 'not_killed', -DAY, -DAY),
        done('s-came-back', 'already_running', -DAY, -DAY),
        done('s-approved-rekilled', 're_killed', -DAY, -DAY, { wasAutoApproved: false, originalDecision: 'pending_review', reKilledAt: at(-DAY + 5) }),
        sampleRecord({ killId: 's-denied', originalDecision: 'deny', timestamp: at(-2 * DAY) }),
        sampleRecord({ killId: 's-pending', timestamp: at(-2 * DAY) }),
        rejected('s-rejected', -DAY),
        sampleRecord({ killId: 's-denied-too-old', originalDecision: 'deny', timestamp: at(-31 * DAY) }),
      ]);
      // True positives: s-rekilled, s-approved-rekilled, s-denied and s-rejected; harm: s-rekilled, the one auto-approved.
      // Labelled: the 4 auto-approvals, s-approved-by-hand, s-approved-rekilled and s-rejected.
      expect(await repo.calibrationSample(at(-30 * DAY))).toEqual({ total: 4, successes: 2, reKilled: 1, truePositives: 4, labelled: 7 });
      expect(await repo.calibrationSample(at(1))).toEqual({ total: 0, successes: 0, reKilled: 0, truePositives: 0, labelled: 0 });
    });

    it('groups the kills decided since the given instant by module, signal buckets and label, for learning', async () => {
      const { repo } = await open();
      const report = (killId: string, extra: Partial<KillReport> = {}) => sampleReport({ killId, killReason: 'resource_exhaustion', severity: 'low', confidenceScore: 0.34, ...extra });
      const answered = (riskScore: number, falsePositiveCount: number): OutcomeRecord['threatContext'] => ({
        status: 'answered',
        context: { riskScore, alertCount: 2, openCount: 2 - falsePositiveCount, falsePositiveCount, indicators: [], recommendation: 'allow', lookbackHours: 24 },
      });
      await insertAll(repo, [
        done('g-held-1', 'success', -2 * DAY, -2 * DAY, { report: report('g-held-1'), confirmedAt: at(0) }),
        done('g-held-2', 'success', -DAY, -DAY, { report: report('g-held-2'), confirmedAt: at(0) }),
        done('g-young', 'success', -10, -9, { report: report('g-young') }),
        done('g-rolled-back', 'rollback', -DAY, -DAY, { report: report('g-rolled-back') }),
        done('g-rekilled', 're_killed', -3 * DAY, -3 * DAY, { report: report('g-rekilled'), reKilledAt: at(-3 * DAY + 10) }),
        done('g-rekilled-by-chance', 're_killed', -4 * DAY, -4 * DAY, { report: report('g-rekilled-by-chance'), reKilledAt: at(-4 * DAY + 10) }),
        sampleRecord({ killId: 'g-chance-kill', timestamp: at(-4 * DAY + 10), approvedBy: 'ops', approvedAt: at(-4 * DAY + 20), state: 'executing' }),
        rejected('g-rejected', -DAY, {
          report: report('g-rejected', { killReason: 'threat_detected', severity: 'critical', confidenceScore: 0.95 }),
          threatContext: answered(0.34, 1),
        }),
        sampleRecord({
          killId: 'g-denied',
          originalDecision: 'deny',
          timestamp: at(-2 * DAY),
          report: report('g-denied', { killReason: 'threat_detected', severity: 'critical', confidenceScore: 1 }),
          threatContext: answered(0.91, 0),
        }),
        sampleRecord({ killId: 'g-unavailable', timestamp: at(-2 * DAY), targetModule: 'web-2', report: report('g-unavailable', { targetModule: 'web-2', confidenceScore: 0.05 }), threatContext: { status: 'unavailable', reason: 'timeout' } }),
        done('g-too-old', 'success', -91 * DAY, -91 * DAY, { report: report('g-too-old'), confirmedAt: at(0) }),
      ]);
      const sample = await repo.signalSample(at(-90 * DAY));
      expect(sample.firstDecidedAt).toBe(at(-4 * DAY));
      const key = (c: SignalCount) => `${c.module} ${c.killReason} ${c.severity} ${c.confidence} ${JSON.stringify(c.siem)} ${c.label}`;
      const low = 'resource_exhaustion low 3 null';
      expect(Object.fromEntries(sample.counts.map((c) => [key(c), c.kills]))).toEqual({
        [`web ${low} false_positive`]: 2,
        // Unlabelled: the young success (may still be re-killed), the rollback, the chance re-kill and the approved kill behind it.
        [`web ${low} null`]: 3,
        'web anomaly_behavior low 4 null null': 1,
        [`web ${low} re_killed`]: 1,
        'web threat_detected critical 9 {"risk":3,"closedAsFalsePositive":true} true_positive': 1,
        'web threat_detected critical 9 {"risk":9,"closedAsFalsePositive":false} null': 1,
        'web-2 resource_exhaustion low 0 null null': 1,
      });
      expect(await repo.signalSample(at(1))).toEqual({ firstDecidedAt: null, counts: [] });
    });

    it('stores a rejection once per delivery id, with or without records in the same commit', async () => {
      const { repo } = await open();
      await repo.commitBatch({ records: [], reKills: [], rejections: [rejection('1-0')] });
      await repo.commitBatch({ records: [], reKills: [], rejections: [rejection('1-0', 'a different reason')] });
      expect((await repo.stats()).rejections).toBe(1);
      const kept = sampleRecord({ killId: 'r-kept' });
      const results = await repo.commitBatch({
        records: [kept],
        reKills: [],
        rejections: [{ ...rejection('2-0'), killId: 'kill-hint', raw: { kill_id: 'kill-hint', severity: 'loud' } }, rejection('3-0'), rejection('2-0', 'again')],
      });
      expect(results).toEqual(['inserted']);
      expect(await repo.get('r-kept')).toEqual(kept);
      expect((await repo.stats()).rejections).toBe(3);
    });

    it('returns the newest calibration run', async () => {
      const { repo } = await open();
      expect(await repo.latestCalibration()).toBeNull();
      const newer = calibration(at(0), 0.35);
      const older = calibration(at(-DAY), 0.25);
      await repo.saveCalibration(newer);
      await repo.saveCalibration(older);
      expect(await repo.latestCalibration()).toEqual(newer);
      const newest: Calibration = { ...calibration(at(DAY), 0.3), successRate: null, wilsonLower: null, wilsonUpper: null, samples: 3, successes: 3, direction: 'none', reason: 'too few samples' };
      await repo.saveCalibration(newest);
      expect(await repo.latestCalibration()).toEqual(newest);
    });

    it('computes statistics over every record', async () => {
      const { repo } = await open();
      const empty = await repo.stats();
      expect(empty).toEqual({
        total: 0,
        byDecision: { approve_auto: 0, pending_review: 0, deny: 0 },
        byOutcome: { success: 0, failure: 0, rollback: 0, undetermined: 0, re_killed: 0, not_killed: 0, already_running: 0 },
        rejections: 0,
        averageTimeToHealthy: null,
        autoApproveAccuracy: null,
        autoApproveLabelled: 0,
        operatorVerdicts: { approved: 0, rejected: 0 },
      });
      await insertAll(repo, [
        done('st-held', 'success', -50, -49, { timeToHealthy: 2, confirmedAt: at(-10) }),
        done('st-rekilled', 're_killed', -40, -39, { timeToHealthy: 4, reKilledAt: at(-30) }),
        done('st-rollback', 'rollback', -30, -29),
        done('st-unlabelled', 'success', -20, -19, { timeToHealthy: 3 }),
        done('st-failure', 'failure', -15, -14),
        done('st-by-hand', 'success', -10, -9, { timeToHealthy: 1, confirmedAt: at(-1), wasAutoApproved: false, originalDecision: 'pending_review', approvedBy: 'alice', approvedAt: at(-10) }),
        sampleRecord({ killId: 'st-denied', originalDecision: 'deny' }),
        sampleRecord({ killId: 'st-pending' }),
        done('st-not-killed', 'not_killed', -8, -8, { healthStatus: 'healthy' }),
        done('st-came-back', 'already_running', -7, -7, { healthStatus: 'none' }),
        rejected('st-rejected', -5),
      ]);
      await repo.commitBatch({ records: [], reKills: [], rejections: [rejection('9-0')] });
      const stats = await repo.stats();
      expect(stats).toEqual({
        total: 11,
        byDecision: { approve_auto: 7, pending_review: 3, deny: 1 },
        byOutcome: { success: 3, failure: 1, rollback: 1, undetermined: 3, re_killed: 1, not_killed: 1, already_running: 1 },
        rejections: 1,
        averageTimeToHealthy: expect.closeTo(2.5, 9),
        autoApproveAccuracy: expect.closeTo(1 / 3, 9),
        autoApproveLabelled: 3,
        operatorVerdicts: { approved: 1, rejected: 1 },
      });
    });

    it('reports health up', async () => {
      const { repo } = await open();
      await expect(repo.health()).resolves.toEqual(expect.objectContaining({ status: 'up' }));
    });
  });
}
