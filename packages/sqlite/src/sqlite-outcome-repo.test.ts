import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import {
  decisionFacts,
  notificationOf,
  VERDICTS,
  GUARD_CODES,
  CONTAINER_HEALTH_VALUES,
  MedicError,
  KILL_OUTCOMES,
  RECORD_STATES,
  FAILURE_REASONS,
  RISK_LEVELS,
} from '@medic/domain';
import type { Calibration, OutcomeRecord, Rejection } from '@medic/domain';
import { FIXTURE_TIME, minutesFrom, sampleRecord, sampleReport } from '@medic/domain/testing';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import type { Migration } from 'kysely';
import { MIGRATIONS, MIGRATION_001_ENUMS } from './migrations';
import { SqliteOutcomeRepo } from './sqlite-outcome-repo';
import { TempStores } from './testing/temp-stores';

let stores: TempStores;
beforeEach(() => {
  stores = new TempStores();
});
afterEach(() => stores.cleanup());

/** A raw better-sqlite3 connection on the store file, closed on cleanup. */
function rawConnection(path: string, options: BetterSqlite3.Options = {}): BetterSqlite3.Database {
  const db = new BetterSqlite3(path, options);
  stores.onCleanup(() => db.close());
  return db;
}

const doneSuccess = (killId: string, overrides: Partial<OutcomeRecord> = {}): OutcomeRecord =>
  sampleRecord({
    killId,
    state: 'done',
    outcomeType: 'success',
    originalDecision: 'approve_auto',
    wasAutoApproved: true,
    timeToHealthy: 1.25,
    healthStatus: 'healthy',
    containerId: `c-${killId}`,
    completedAt: minutesFrom(1),
    threatContext: {
      status: 'answered',
      context: { riskScore: 0.1, alertCount: 2, openCount: 0, falsePositiveCount: 2, indicators: ['x'], recommendation: 'allow', lookbackHours: 24 },
    },
    ...overrides,
  });

const rejection = (deliveryId: string): Rejection => ({
  deliveryId,
  killId: null,
  field: 'severity',
  rule: 'enum',
  reason: 'severity must be one of critical, high, medium, low, info',
  raw: { payload: '{"severity":"spicy"}' },
  rejectedAt: FIXTURE_TIME,
});

const calibration: Calibration = {
  calibratedAt: FIXTURE_TIME,
  previousMaxScore: 0.3,
  nextMaxScore: 0.35,
  direction: 'up',
  samples: 80,
  successes: 80,
  successRate: 1,
  wilsonLower: 0.9542,
  wilsonUpper: 1,
  evidenceSince: minutesFrom(-30 * 24 * 60),
  reKilled: 0,
  truePositives: 900,
  labelled: 150,
  harmLower: 0.0031,
  harmPoint: 0.0037,
  harmUpper: 0.0042,
  maxHarmRate: 0.005,
  reason: 'Wilson lower bound 0.954 is at least 0.95: one step up',
};

async function expectCorrupt(promise: Promise<unknown>, column: string): Promise<void> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MedicError);
  expect((error as MedicError).code).toBe('store_corrupt');
  expect((error as MedicError).message).toContain(`column ${column} `);
}

describe('SqliteOutcomeRepo', () => {
  it('creates the file in a directory that does not exist yet, answering the plan\'s sqlite3 query', async () => {
    const path = stores.path('not', 'yet', 'there', 'outcomes.db');
    expect(existsSync(stores.path('not'))).toBe(false);
    const repo = await stores.open({ path });
    await repo.insert(doneSuccess('k-old', { timestamp: minutesFrom(-5), timeToHealthy: 9 }));
    await repo.insert(doneSuccess('k-new', { timestamp: minutesFrom(5), timeToHealthy: 1.3 }));

    expect(existsSync(path)).toBe(true);
    const reader = rawConnection(path, { readonly: true });
    const row = reader.prepare('SELECT outcome_type, original_risk_score, time_to_healthy FROM outcomes ORDER BY timestamp DESC LIMIT 1').get();
    expect(row).toEqual({ outcome_type: 'success', original_risk_score: 0.45, time_to_healthy: 1.3 });
  });

  it('sets WAL, the busy timeout, synchronous FULL by default and foreign keys on the connection it uses', async () => {
    const database = rawConnection(stores.path('injected.db'));
    await SqliteOutcomeRepo.open({ path: stores.path('injected.db'), database });
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(database.pragma('synchronous', { simple: true })).toBe(2);
    expect(database.pragma('foreign_keys', { simple: true })).toBe(1);

    const normal = rawConnection(stores.path('normal.db'));
    await SqliteOutcomeRepo.open({ path: stores.path('normal.db'), database: normal, synchronous: 'NORMAL' });
    expect(normal.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('creates a new file with 16 KiB pages and keeps the page size of an existing one', async () => {
    await stores.open({ path: stores.path('new.db') });
    expect(rawConnection(stores.path('new.db'), { readonly: true }).pragma('page_size', { simple: true })).toBe(16384);

    const existing = rawConnection(stores.path('old.db'));
    existing.exec('CREATE TABLE before_medic (x)');
    const before = existing.pragma('page_size', { simple: true }) as number;
    expect(before).not.toBe(16384);
    const repo = await stores.open({ path: stores.path('old.db') });
    await repo.insert(sampleRecord({ killId: 'k' }));
    expect(existing.pragma('page_size', { simple: true })).toBe(before);
    expect(await repo.get('k')).toEqual(sampleRecord({ killId: 'k' }));
  });

  it('stores a batch all or nothing: a record the CHECK constraints forbid stores none of the others', async () => {
    const repo = await stores.open();
    const bad = { ...sampleRecord({ killId: 'batch-bad' }), outcomeType: 'exploded' } as unknown as OutcomeRecord;
    const batch = [sampleRecord({ killId: 'batch-1' }), bad, sampleRecord({ killId: 'batch-2' })];
    await expect(repo.commitBatch({ records: batch, reKills: [], rejections: [rejection('1-0')] })).rejects.toMatchObject({ name: 'MedicError', code: 'store_error' });
    expect(await repo.recent(10)).toEqual([]);
    expect((await repo.stats()).rejections).toBe(0);
    expect(await repo.commitBatch({ records: [sampleRecord({ killId: 'batch-1' })], reKills: [], rejections: [] })).toEqual(['inserted']);
  });

  it('stores a batch all or nothing: a record with an unreadable instant stores none of the others', async () => {
    const repo = await stores.open();
    const batch = [sampleRecord({ killId: 'batch-1' }), sampleRecord({ killId: 'batch-bad', completedAt: 'yesterday' })];
    await expect(repo.commitBatch({ records: batch, reKills: [], rejections: [] })).rejects.toMatchObject({ name: 'MedicError', code: 'store_invalid_instant' });
    expect(await repo.recent(10)).toEqual([]);
  });

  it('stores a batch larger than one INSERT statement takes, with duplicates across its statements', async () => {
    const repo = await stores.open();
    const records = Array.from({ length: 1_200 }, (_, i) => sampleRecord({ killId: `many-${i}`, timestamp: minutesFrom(i) }));
    const repeated = sampleRecord({ killId: 'many-3', outcomeId: 'other', decisionId: 'other', timestamp: minutesFrom(5_000) });
    const results = await repo.commitBatch({ records: [...records, repeated], reKills: [], rejections: [] });
    expect(results.filter((r) => r === 'inserted')).toHaveLength(1_200);
    expect(results.at(-1)).toBe('duplicate');
    expect((await repo.stats()).total).toBe(1_200);
    expect(await repo.get('many-3')).toEqual(records[3]);
    expect(await repo.get('many-1199')).toEqual(records[1199]);
  });

  it('commits batches of every size with a handful of prepared statements, reused', async () => {
    const database = new BetterSqlite3(stores.path('sizes.db'));
    const prepared: string[] = [];
    const counting = new Proxy(database, {
      get: (target, key) => (key === 'prepare' ? (text: string) => (prepared.push(text), target.prepare(text)) : (Reflect.get(target, key) as unknown)),
    });
    const repo = await stores.open({ database: counting as unknown as BetterSqlite3.Database });
    const before = prepared.length;
    let n = 0;
    for (let size = 1; size <= 150; size++) {
      const batch = Array.from({ length: size }, () => sampleRecord({ killId: `size-${n++}` }));
      expect(await repo.commitBatch({ records: batch, reKills: [], rejections: [rejection(`${size}-0`)] })).toEqual(batch.map(() => 'inserted'));
    }
    // Seven chunk sizes for outcomes, one for rejections, and the transaction's begin and commit.
    expect(prepared.length - before).toBeLessThanOrEqual(10);
    expect(await repo.commitBatch({ records: [sampleRecord({ killId: 'size-0' })], reKills: [], rejections: [] })).toEqual(['duplicate']);
    expect((await repo.stats()).total).toBe(n);
    expect((await repo.stats()).rejections).toBe(150);
    expect(await repo.get(`size-${n - 1}`)).toEqual(sampleRecord({ killId: `size-${n - 1}` }));
  });

  it('storing the same rejected delivery twice keeps one row', async () => {
    const repo = await stores.open();
    await repo.commitBatch({ records: [], reKills: [], rejections: [rejection('1-0'), rejection('1-0')] });
    await repo.commitBatch({ records: [], reKills: [], rejections: [rejection('1-0'), rejection('2-0')] });
    expect((await repo.stats()).rejections).toBe(2);
  });

  it('keeps everything across close and reopen of the same file', async () => {
    const path = stores.path('keep.db');
    const repo = await stores.open({ path });
    await repo.insert(sampleRecord({ killId: 'pending' }));
    await repo.insert(sampleRecord({ killId: 'running', state: 'executing', originalDecision: 'approve_auto', wasAutoApproved: true }));
    await repo.complete('running', {
      outcomeType: 'rollback',
      timeToHealthy: null,
      healthStatus: 'unhealthy',
      containerId: 'c-1',
      error: 'unhealthy',
      errorMessage: 'health check failed',
      completedAt: minutesFrom(2),
    });
    await repo.insert(doneSuccess('held'));
    expect(await repo.markApproved('pending', 'ops', minutesFrom(3))).toBe(true);
    await repo.commitBatch({ records: [], reKills: [], rejections: [rejection('9-0')] });
    await repo.saveCalibration(calibration);
    const before = { recent: await repo.recent(10), stats: await repo.stats(), calibration: await repo.latestCalibration() };
    await repo.close();

    const again = await stores.open({ path });
    expect(await again.recent(10)).toEqual(before.recent);
    expect(await again.stats()).toEqual(before.stats);
    expect(await again.latestCalibration()).toEqual(calibration);
    expect(await again.get('running')).toMatchObject({ state: 'done', outcomeType: 'rollback', error: 'unhealthy', completedAt: minutesFrom(2) });
    expect(await again.get('pending')).toMatchObject({ state: 'executing', approvedBy: 'ops', approvedAt: minutesFrom(3) });
    expect(await again.get('held')).toEqual(doneSuccess('held'));
  });

  it('runs each migration once, however often the store is opened', async () => {
    const path = stores.path('migrate.db');
    for (let i = 0; i < 3; i++) {
      const repo = await stores.open({ path });
      await repo.insert(sampleRecord({ killId: `k${i}` }));
      await repo.close();
    }
    const raw = rawConnection(path, { readonly: true });
    expect(raw.prepare('SELECT name FROM kysely_migration ORDER BY name').all()).toEqual(Object.keys(MIGRATIONS).map((name) => ({ name })));
    expect(Object.keys(MIGRATIONS).at(-1)).toBe('007_calibration_labelled');
    expect(raw.prepare('SELECT count(*) AS n FROM outcomes').get()).toEqual({ n: 3 });
    const indices = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outcomes' AND name NOT LIKE 'sqlite_%'").all();
    expect(indices.map((r) => (r as { name: string }).name).sort()).toEqual([
      'outcomes_completed',
      'outcomes_executing',
      'outcomes_module_completed',
      'outcomes_module_rejected',
      'outcomes_module_state_timestamp',
      'outcomes_rejected',
      'outcomes_timestamp',
      'outcomes_unconfirmed_success',
    ]);
  });

  it('brings a store made before operators could reject up to date, keeping its calibration as a run without a harm budget', async () => {
    const path = stores.path('legacy.db');
    const legacy = rawConnection(path);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the schema as migration 001 left it, untyped as the migrations are.
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: legacy }) });
    await new Migrator({ db, provider: { getMigrations: async () => ({ '001_initial': MIGRATIONS['001_initial'] as Migration }) } }).migrateToLatest();
    legacy
      .prepare(
        `INSERT INTO calibrations (calibrated_at, previous_max_score, next_max_score, direction, samples, successes, success_rate, wilson_lower, wilson_upper, reason)
         VALUES ('2025-03-01T12:00:00.000Z', 0.3, 0.35, 'up', 80, 80, 1, 0.954, 1, 'old run')`,
      )
      .run();
    await db.destroy();

    const repo = await stores.open({ path });
    expect(await repo.latestCalibration()).toEqual({
      calibratedAt: '2025-03-01T12:00:00.000Z',
      previousMaxScore: 0.3,
      nextMaxScore: 0.35,
      direction: 'up',
      samples: 80,
      successes: 80,
      successRate: 1,
      wilsonLower: 0.954,
      wilsonUpper: 1,
      evidenceSince: '1970-01-01T00:00:00.000Z',
      reKilled: 0,
      truePositives: 0,
      labelled: null,
      harmLower: null,
      harmPoint: null,
      harmUpper: null,
      maxHarmRate: null,
      reason: 'old run',
    });
    await repo.insert(sampleRecord({ killId: 'after' }));
    expect(await repo.markRejected('after', 'ops', minutesFrom(1))).toBe(true);
    expect(await repo.get('after')).toMatchObject({ state: 'done', rejectedBy: 'ops', rejectedAt: minutesFrom(1) });
  });

  it('lets a second, read-only connection read a snapshot while the repo keeps writing (WAL)', async () => {
    const path = stores.path('wal.db');
    const repo = await stores.open({ path });
    await repo.insert(sampleRecord({ killId: 'a' }));

    const reader = rawConnection(path, { readonly: true });
    const count = reader.prepare('SELECT count(*) AS n FROM outcomes');
    reader.exec('BEGIN');
    expect(count.get()).toEqual({ n: 1 });
    // Under a rollback journal this commit would wait for the reader's lock and fail after the busy timeout.
    await repo.insert(sampleRecord({ killId: 'b' }));
    await repo.commitBatch({ records: [], reKills: [], rejections: [rejection('3-0')] });
    expect(count.get()).toEqual({ n: 1 });
    reader.exec('COMMIT');
    expect(count.get()).toEqual({ n: 2 });
  });

  describe('rows that fail their checks are reported as store_corrupt, naming the column', () => {
    async function corrupted(update: string): Promise<SqliteOutcomeRepo> {
      const path = stores.path('corrupt.db');
      const repo = await stores.open({ path });
      await repo.insert(doneSuccess('bad'));
      const raw = rawConnection(path);
      raw.pragma('ignore_check_constraints = ON');
      raw.prepare(`UPDATE outcomes SET ${update} WHERE kill_id = 'bad'`).run();
      return repo;
    }

    it('an unknown outcome_type', async () => {
      const repo = await corrupted("outcome_type = 'exploded'");
      await expectCorrupt(repo.get('bad'), 'outcome_type');
      await expectCorrupt(repo.recent(5), 'outcome_type');
      await expectCorrupt(repo.stats(), 'outcome_type');
    });

    it('factors that are JSON but not a list of factors', async () => {
      const repo = await corrupted(`factors = '[{"name":"smith_confidence","value":"high"}]'`);
      await expectCorrupt(repo.get('bad'), 'factors');
    });

    it('a report that is not JSON', async () => {
      const repo = await corrupted("report = '{not json'");
      await expectCorrupt(repo.get('bad'), 'report');
    });

    it('a threat context with an unknown status', async () => {
      const repo = await corrupted(`threat_context = '{"status":"maybe"}'`);
      await expectCorrupt(repo.get('bad'), 'threat_context');
    });

    it('a was_auto_approved that is not 0 or 1', async () => {
      const repo = await corrupted('was_auto_approved = 7');
      await expectCorrupt(repo.get('bad'), 'was_auto_approved');
    });
  });

  it('rejects a row the CHECK constraints forbid, as a MedicError', async () => {
    const repo = await stores.open();
    const bad = { ...sampleRecord({ killId: 'x' }), outcomeType: 'exploded' } as unknown as OutcomeRecord;
    await expect(repo.insert(bad)).rejects.toMatchObject({ name: 'MedicError', code: 'store_error' });
    expect(await repo.get('x')).toBeNull();
  });

  it("allows exactly the domain's enum values in its CHECK constraints once migrated", async () => {
    await stores.open({ path: stores.path('enums.db') });
    const raw = rawConnection(stores.path('enums.db'), { readonly: true });
    const definitions = (raw.prepare("SELECT sql FROM sqlite_master WHERE type = 'table'").all() as Array<{ sql: string }>).map((r) => r.sql).join('\n');
    const allowed = (column: string): string[] => {
      const list = new RegExp(`"${column}" in \\(([^)]*)\\)`).exec(definitions)?.[1] ?? '';
      return [...list.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? '');
    };
    expect({
      outcome_type: allowed('outcome_type'),
      original_decision: allowed('original_decision'),
      risk_level: allowed('risk_level'),
      guard: allowed('guard'),
      health_status: allowed('health_status'),
      error: allowed('error'),
      state: allowed('state'),
      mode: allowed('mode'),
      direction: allowed('direction'),
    }).toEqual({
      outcome_type: [...KILL_OUTCOMES],
      original_decision: [...VERDICTS],
      risk_level: [...RISK_LEVELS],
      guard: [...GUARD_CODES],
      health_status: [...CONTAINER_HEALTH_VALUES],
      error: [...FAILURE_REASONS],
      state: [...RECORD_STATES],
      mode: ['observer', 'live'],
      direction: ['up', 'down', 'none'],
    });
  });

  it('migration 002 keeps the rows, indices and constraints of a store made by 001, and allows the verify_kill outcomes', async () => {
    const path = stores.path('upgrade.db');
    const database = rawConnection(path);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
    const initial = new Migrator({ db, provider: { getMigrations: async () => ({ '001_initial': MIGRATIONS['001_initial']! }) } });
    expect((await initial.migrateToLatest()).error).toBeUndefined();
    database
      .prepare("INSERT INTO outcomes (outcome_id, decision_id, kill_id, target_module, target_instance_id, timestamp, outcome_type, original_decision, original_risk_score, original_confidence, risk_level, was_auto_approved, state, mode, factors, reasoning, threat_context, report) VALUES ('o', 'd', 'old-1', 'web', 'web-1', ?, 'success', 'approve_auto', 0.2, 0.6, 'low', 1, 'done', 'live', '[]', '[]', '{\"status\":\"disabled\"}', '{}')")
      .run(FIXTURE_TIME);
    expect(() => database.prepare("UPDATE outcomes SET outcome_type = 'not_killed'").run()).toThrow(/CHECK/);
    const indicesBefore = database.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outcomes' AND sql IS NOT NULL ORDER BY name").all();
    // Migration 002 alone (later ones change indices on purpose), then the store as it opens today.
    const through002 = new Migrator({
      db,
      provider: { getMigrations: async () => ({ '001_initial': MIGRATIONS['001_initial']!, '002_verify_kill_outcomes': MIGRATIONS['002_verify_kill_outcomes']! }) },
    });
    expect((await through002.migrateToLatest()).error).toBeUndefined();
    expect(database.prepare("SELECT kill_id, outcome_type FROM outcomes").all()).toEqual([{ kill_id: 'old-1', outcome_type: 'success' }]);
    expect(database.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outcomes' AND sql IS NOT NULL ORDER BY name").all()).toEqual(indicesBefore);
    const repo = await stores.open({ path });
    await repo.insert(sampleRecord({ killId: 'new-1', state: 'done', outcomeType: 'not_killed' }));
    expect((await repo.get('new-1'))?.outcomeType).toBe('not_killed');
    expect(() => database.prepare("UPDATE outcomes SET outcome_type = 'exploded'").run()).toThrow(/CHECK/);
    expect(() => database.prepare("INSERT INTO outcomes (outcome_id, decision_id, kill_id, target_module, target_instance_id, timestamp, outcome_type, original_decision, original_risk_score, original_confidence, risk_level, was_auto_approved, state, mode, factors, reasoning, threat_context, report) VALUES ('o', 'd2', 'dup-outcome-id', 'web', 'web-1', ?, 'success', 'approve_auto', 0.2, 0.6, 'low', 1, 'done', 'live', '[]', '[]', '{}', '{}')").run(FIXTURE_TIME)).toThrow(/UNIQUE/);
    expect(MIGRATION_001_ENUMS.outcome_type).toEqual(['success', 'failure', 'rollback', 'undetermined', 're_killed']);
  });

  it('keeps the notifications of one write in one row, each as what its event adds beside the kill id, the kill and decision read from the record', async () => {
    const path = stores.path('outbox.db');
    const repo = await stores.open({ path });
    const record = sampleRecord({ killId: 'k-deny', originalDecision: 'deny', report: sampleReport({ killId: 'k-deny', evidence: ['x'.repeat(150)] }) });
    const pendingRecord = sampleRecord({ killId: 'k-wait', timestamp: minutesFrom(1) });
    const deny = decisionFacts(record, 60);
    const wait = decisionFacts(pendingRecord, 60);
    if (!deny || !wait) throw new Error('both report a notification');
    await repo.commitBatch({ records: [record, pendingRecord], reKills: [], rejections: [], notifications: [{ id: 'e-deny', webhook: 'hook', ...deny }, { id: 'e-wait', webhook: 'hook', ...wait }] });
    const entries = [
      { id: 'e-deny', webhook: 'hook', notification: notificationOf(deny, record) },
      { id: 'e-wait', webhook: 'hook', notification: notificationOf(wait, pendingRecord) },
    ];
    const raw = rawConnection(path, { readonly: true });
    const rows = () => raw.prepare('SELECT webhook, happened_at, items, pending FROM notifications ORDER BY id').all() as Array<{ items: string }>;
    expect(rows()).toEqual([
      {
        webhook: 'hook',
        happened_at: FIXTURE_TIME,
        items: JSON.stringify([
          { id: 'e-deny', event: 'deny', kill: 'k-deny', at: FIXTURE_TIME, extra: null, state: 'pending' },
          { id: 'e-wait', event: 'pending_review', kill: 'k-wait', at: minutesFrom(1), extra: { expiresAt: minutesFrom(61) }, state: 'pending' },
        ]),
        pending: 2,
      },
    ]);
    expect(await repo.outbox.pending('hook', 10)).toEqual(entries);
    await repo.outbox.markSent('hook', ['e-wait'], minutesFrom(2));
    expect(await repo.outbox.pending('hook', 10)).toEqual([entries[0]]);
    // A fresh connection, which handed nothing out, settles by id too.
    const other = await stores.open({ path });
    expect(await other.outbox.drop('hook', ['e-deny'], 'gave up', minutesFrom(3))).toBe(1);
    expect(rows()).toEqual([expect.objectContaining({ pending: 0 })]);
    expect(JSON.parse(rows()[0]!.items)).toEqual([expect.objectContaining({ id: 'e-deny', state: 'dropped', reason: 'gave up' }), expect.objectContaining({ id: 'e-wait', state: 'sent' })]);
    raw.close();
  });

  it('reports health up while open and down once closed; close is idempotent', async () => {
    const repo = await stores.open();
    expect(await repo.health()).toEqual({ status: 'up' });
    await repo.close();
    await repo.close();
    expect((await repo.health()).status).toBe('down');
    await expect(repo.get('k')).rejects.toMatchObject({ code: 'store_closed' });
  });

  it('fails to open with store_unavailable when the path cannot hold a database', async () => {
    await expect(SqliteOutcomeRepo.open({ path: stores.dir })).rejects.toMatchObject({ name: 'MedicError', code: 'store_unavailable' });
  });
});
