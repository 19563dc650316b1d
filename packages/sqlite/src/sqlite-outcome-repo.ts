import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, sql } from 'kysely';
import type { Expression, SqliteDatabase as KyselySqliteDatabase, SqlBool, Transaction } from 'kysely';
import { VERDICTS, KILL_REASONS, MedicError, KILL_OUTCOMES, SEVERITIES } from '@medic/domain';
import type {
  BatchWrite,
  Calibration,
  CalibrationSample,
  Verdict,
  DependencyStatus,
  HistoryWindows,
  ModuleHistory,
  OutcomeRecord,
  OutcomeRepo,
  KillOutcome,
  OutcomeUpdate,
  QueuedNotification,
  Redecision,
  ResurrectionRef,
  SignalCount,
  SignalLabel,
  SignalSample,
  Stats,
} from '@medic/domain';
import { utc } from './instants';
import { migrateToLatest } from './migrations';
import { RowReader } from './row-reader';
import {
  NOTIFICATION_COLUMNS,
  OUTCOME_COLUMNS,
  REJECTION_COLUMNS,
  fromCalibrationRow,
  fromOutcomeRow,
  notificationRowValues,
  pushOutcomeRowValues,
  pushRejectionRowValues,
  toCalibrationRow,
} from './rows';
import type { Database, OutcomeRow } from './schema';
import { SqliteNotificationOutbox } from './sqlite-notification-outbox';

/** The slice of a better-sqlite3 `Database` that Kysely drives; inject one to run the repo on a connection you own. */
export type SqliteDatabase = KyselySqliteDatabase;

export interface SqliteOutcomeRepoOptions {
  /** The database file; its parent directory is created when missing. Ignored when `database` is given. */
  readonly path: string;
  /** An open database to use instead of opening `path`; the repo closes it on close(). */
  readonly database?: SqliteDatabase;
  /**
   * FULL (default) syncs the WAL on every commit, so a kill acknowledged after its record is stored survives a power
   * cut. NORMAL is about 3× faster per commit but may lose the newest commits on power loss.
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

/**
 * Rows per multi-row INSERT, as powers of two so a batch of any size needs at most a handful of distinct (cached) statement
 * texts; the largest binds 64 × 31 parameters, far under SQLite's limit of 32,766.
 */
const INSERT_CHUNKS = [64, 32, 16, 8, 4, 2, 1] as const;

/** Outcome types of an executed resurrection. */
const RESURRECTED = ['success', 'failure', 'rollback', 're_killed'] as const;
const RESURRECTED_SQL = RESURRECTED.map((type) => `'${type}'`).join(', ');

/** A success counts as a false-positive label once confirmed, or once it completed before the re-kill window (one parameter). */
const SETTLED_SQL = '(confirmed_at is not null or completed_at < ?)';

/** Of the outcomes row aliased o: a re-kill by a kill an operator then approved (the module was fine and Smith killed it again by chance), so no label. */
const CHANCE_REKILL_SQL =
  "(o.outcome_type = 're_killed' and exists (select 1 from outcomes c where c.timestamp = o.re_killed_at and c.target_module = o.target_module and c.approved_at is not null))";

/**
 * One statement, so every figure comes from the same snapshot: each module's executed resurrections by outcome type in the
 * history window, with its settled successes and its re-kills by chance ('h'); its resurrections in the budget window ('b');
 * its unlabelled successes in the re-kill window ('c'); its operators' rejections in the history window ('r'); and the
 * fleet's labels, completions ('f': n re-killed but not by chance, settled successes) and rejections ('g'). Each module part
 * is a range of a partial index that holds no decided row (most rows are). Parameters: see moduleHistoryParams.
 */
const MODULE_HISTORIES_SQL = `
  select 'h' as part, target_module, outcome_type, count(*) as n,
    count(*) filter (where outcome_type = 'success' and ${SETTLED_SQL}) as settled, null as kill_id, null as completed_at, 0 as id,
    count(*) filter (where ${CHANCE_REKILL_SQL}) as chance
  from outcomes o
  where target_module in (select value from json_each(?)) and completed_at >= ? and state = 'done'
  group by target_module, outcome_type
  union all
  select 'b', target_module, null, count(*), 0, null, null, 0, 0
  from outcomes
  where target_module in (select value from json_each(?)) and state in ('executing', 'done') and timestamp >= ?
    and (state = 'executing' or outcome_type in (${RESURRECTED_SQL}))
  group by target_module
  union all
  select 'c', target_module, null, 0, 0, kill_id, completed_at, id, 0
  from outcomes
  where target_module in (select value from json_each(?)) and completed_at >= ? and state = 'done' and outcome_type = 'success'
    and re_killed_at is null and confirmed_at is null
  union all
  select 'r', target_module, null, count(*), 0, null, null, 0, 0
  from outcomes
  where target_module in (select value from json_each(?)) and rejected_at >= ?
  group by target_module
  union all
  select 'f', '', null, count(*) filter (where outcome_type = 're_killed' and not ${CHANCE_REKILL_SQL}),
    count(*) filter (where outcome_type = 'success' and ${SETTLED_SQL}), null, null, 0, 0
  from outcomes o
  where completed_at >= ? and state = 'done'
  union all
  select 'g', '', null, count(*), 0, null, null, 0, 0 from outcomes where rejected_at >= ?`;

/** One row of MODULE_HISTORIES_SQL. */
interface HistoryRow {
  readonly part: 'h' | 'b' | 'c' | 'r' | 'f' | 'g';
  readonly target_module: string;
  readonly outcome_type: string | null;
  readonly n: number;
  readonly settled: number;
  readonly kill_id: string | null;
  readonly completed_at: string | null;
  readonly id: number;
  readonly chance: number;
}

/** MODULE_HISTORIES_SQL's parameters, in the order its placeholders appear. */
function moduleHistoryParams(modules: readonly string[], windows: HistoryWindows): unknown[] {
  const wanted = JSON.stringify(modules);
  const history = utc(windows.historySince, 'historySince');
  const rekill = utc(windows.rekillSince, 'rekillSince');
  return [rekill, wanted, history, wanted, utc(windows.budgetSince, 'budgetSince'), wanted, rekill, wanted, history, rekill, history, history];
}

/** A value's decile in SQL, as decile() computes it: 0 for [0, 0.1) … 9 for [0.9, 1]. */
const decileSql = (path: string, column: string): string => `min(9, max(0, cast(json_extract(${column}, '${path}') * 10 as integer)))`;
const ANSWERED_SQL = "json_extract(threat_context, '$.status') = 'answered'";

/** The kills decided since the parameter, grouped by module, signal buckets and label (see OutcomeRepo.signalSample). */
const SIGNAL_SAMPLE_SQL = `
  select target_module as module,
    json_extract(report, '$.killReason') as kill_reason,
    json_extract(report, '$.severity') as severity,
    ${decileSql('$.confidenceScore', 'report')} as confidence,
    case when ${ANSWERED_SQL} then ${decileSql('$.context.riskScore', 'threat_context')} end as siem_risk,
    case when ${ANSWERED_SQL} then json_extract(threat_context, '$.context.falsePositiveCount') > 0 end as siem_closed,
    case when rejected_at is not null then 'true_positive'
      when outcome_type = 're_killed' then case when ${CHANCE_REKILL_SQL} then null else 're_killed' end
      when outcome_type = 'success' and confirmed_at is not null then 'false_positive' end as label,
    count(*) as kills,
    min(timestamp) as first
  from outcomes o
  where timestamp >= ?
  group by 1, 2, 3, 4, 5, 6, 7`;

/** One row of SIGNAL_SAMPLE_SQL. */
interface SignalRow {
  readonly module: string;
  readonly kill_reason: string;
  readonly severity: string;
  readonly confidence: number;
  readonly siem_risk: number | null;
  readonly siem_closed: number | null;
  readonly label: SignalLabel | null;
  readonly kills: number;
  readonly first: string;
}

const INSERTED_SQL = 'select kill_id from outcomes where id > ? and id <= ?';

const GET_MANY_SQL = 'select * from outcomes where kill_id in (select value from json_each(?))';

const RE_KILL_SQL = "update outcomes set outcome_type = 're_killed', re_killed_at = ? where kill_id = ? and outcome_type = 'success' and confirmed_at is null";

/** OutcomeRepo on one SQLite file through Kysely and better-sqlite3. */
export class SqliteOutcomeRepo implements OutcomeRepo {
  private closed = false;
  /** The notification outbox in the same file: this repo writes its entries in the transactions of the facts they report. */
  readonly outbox: SqliteNotificationOutbox;

  private constructor(private readonly db: Kysely<Database>) {
    this.outbox = new SqliteNotificationOutbox(db, (operation, body) => this.run(operation, body));
  }

  /** Opens (creating when needed, with 16 KiB pages) the store, sets WAL, busy timeout, synchronous and foreign keys, and migrates it. */
  static async open(options: SqliteOutcomeRepoOptions): Promise<SqliteOutcomeRepo> {
    const synchronous = options.synchronous ?? 'FULL';
    if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
      throw new MedicError('store_config', `synchronous must be FULL or NORMAL, got ${String(synchronous)}`);
    }
    let db: Kysely<Database> | undefined;
    try {
      const database = withStatementCache(options.database ?? openFile(options.path));
      db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
      // Only a new, empty file takes it (so before WAL writes the header): records of 1–3 KiB fill 4 KiB pages badly, and a
      // group commit writes a quarter as many WAL frames with 16 KiB pages (about 15% faster per kill here).
      await sql`pragma page_size = 16384`.execute(db);
      const journal = await sql<{ journal_mode: string }>`pragma journal_mode = wal`.execute(db);
      const mode = journal.rows[0]?.journal_mode;
      // An in-memory database reports "memory": it has no readers to keep apart.
      if (mode !== 'wal' && mode !== 'memory') throw new Error(`journal_mode stayed ${String(mode)} instead of wal`);
      await sql`pragma busy_timeout = 5000`.execute(db);
      // SQLite's own default (2 MB) rather than better-sqlite3's 16 MB: the file sits in the OS page cache anyway, and the
      // agent's memory stays small.
      await sql`pragma cache_size = -2000`.execute(db);
      await sql.raw(`pragma synchronous = ${synchronous}`).execute(db);
      await sql`pragma foreign_keys = on`.execute(db);
      await migrateToLatest(db);
      return new SqliteOutcomeRepo(db);
    } catch (e) {
      await db?.destroy();
      if (e instanceof MedicError) throw e;
      throw new MedicError('store_unavailable', `Cannot open the SQLite store at ${options.path}: ${messageOf(e)}`, { cause: e });
    }
  }

  insert(record: OutcomeRecord): Promise<'inserted' | 'duplicate'> {
    return this.run('insert', async () => {
      const values: unknown[] = [];
      pushOutcomeRowValues(record, values);
      // One statement is atomic on its own: no transaction, so a caller may wrap many inserts in one of its own.
      const [result] = await insertChunked(this.db, 'outcomes', OUTCOME_COLUMNS, values, 'on conflict (kill_id) do nothing');
      return result?.inserted === 1 ? 'inserted' : 'duplicate';
    });
  }

  commitBatch(batch: BatchWrite): Promise<Array<'inserted' | 'duplicate'>> {
    return this.run('commitBatch', () => this.commit(batch));
  }

  /**
   * One transaction, so the whole batch costs one commit (one WAL sync under synchronous FULL). Raw SQL with
   * cached statements on purpose: this runs for every batch, and the query builder cost more than the statements themselves.
   * No RETURNING: a statement that inserted all its rows says so by its count, and only one that did not is looked into.
   */
  private async commit(batch: BatchWrite): Promise<Array<'inserted' | 'duplicate'>> {
    // Values are built (and their instants checked) before anything is written, so a bad record stores nothing.
    const outcomeValues: unknown[] = [];
    for (const record of batch.records) pushOutcomeRowValues(record, outcomeValues);
    const rejectionValues: unknown[] = [];
    for (const rejection of batch.rejections) pushRejectionRowValues(rejection, rejectionValues);
    const labels = batch.reKills.map((label) => ({ at: utc(label.at, 'reKills.at'), killId: label.killId, causedBy: label.causedBy }));
    const notifications = batch.notifications ?? [];
    const notificationValues = notificationRowValues(notifications);
    if (batch.records.length + labels.length + batch.rejections.length === 0) return [];
    const stored = await this.db.transaction().execute(async (trx) => {
      const killIds = new Set<string>();
      const counts = await insertChunked(trx, 'outcomes', OUTCOME_COLUMNS, outcomeValues, 'on conflict (kill_id) do nothing');
      const sizes = chunkSizes(batch.records.length);
      let from = 0;
      for (let i = 0; i < sizes.length; i++) {
        const chunk = batch.records.slice(from, from + sizes[i]!);
        from += sizes[i]!;
        const { inserted, lastId } = counts[i]!;
        if (inserted === chunk.length) {
          for (const r of chunk) killIds.add(r.killId);
          continue;
        }
        // Some were stored already (rare: a redelivery raced by another consumer). The rows this statement inserted got
        // the ids just below and up to the last one, one each.
        const { rows } = await trx.executeQuery<{ kill_id: string }>(CompiledQuery.raw(INSERTED_SQL, [lastId - inserted, lastId]));
        for (const row of rows) killIds.add(row.kill_id);
      }
      for (const { at, killId, causedBy } of labels) {
        if (killIds.has(causedBy)) await trx.executeQuery(CompiledQuery.raw(RE_KILL_SQL, [at, killId]));
      }
      await insertChunked(trx, 'rejections', REJECTION_COLUMNS, rejectionValues, 'on conflict (delivery_id) do nothing');
      // Only the notifications of records this commit inserted (a duplicate's decision was reported by whoever stored it).
      const ours = (n: QueuedNotification): boolean => n.killId !== null && killIds.has(n.killId);
      const written = notifications.every(ours) ? notificationValues : notificationRowValues(notifications.filter(ours));
      await insertChunked(trx, 'notifications', NOTIFICATION_COLUMNS, written, '');
      return killIds;
    });
    // SQLite inserts the rows in order, so of records sharing a kill_id the first is the one stored.
    return batch.records.map((r) => (stored.delete(r.killId) ? 'inserted' : 'duplicate'));
  }

  complete(killId: string, update: OutcomeUpdate): Promise<void> {
    return this.run('complete', async () => {
      const notificationValues = notificationRowValues(update.notifications ?? []);
      await this.db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('outcomes')
          .set({
            state: 'done',
            outcome_type: update.outcomeType,
            time_to_healthy: update.timeToHealthy,
            health_status: update.healthStatus,
            container_id: update.containerId,
            error: update.error,
            error_message: update.errorMessage,
            completed_at: utc(update.completedAt, 'completedAt'),
            ...(update.note ? { reasoning: sql<string>`json_insert(reasoning, '$[#]', ${update.note})` } : {}),
          })
          .where('kill_id', '=', killId)
          .where('state', '=', 'executing')
          .executeTakeFirst();
        if (result.numUpdatedRows === 1n) await insertChunked(trx, 'notifications', NOTIFICATION_COLUMNS, notificationValues, '');
      });
    });
  }

  redecide(killId: string, redecision: Redecision): Promise<boolean> {
    return this.run('redecide', async () => {
      const notificationValues = notificationRowValues(redecision.notifications ?? []);
      const d = redecision.decision;
      return this.db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('outcomes')
          .set({
            state: 'decided',
            original_decision: d.verdict,
            original_risk_score: d.riskScore,
            original_confidence: d.confidence,
            risk_level: d.riskLevel,
            guard: d.guard,
            was_auto_approved: 0,
            factors: JSON.stringify(d.factors),
            reasoning: JSON.stringify(d.reasoning),
          })
          .where('kill_id', '=', killId)
          .where('state', '=', 'executing')
          .where('approved_by', 'is', null)
          .executeTakeFirst();
        if (result.numUpdatedRows !== 1n) return false;
        await insertChunked(trx, 'notifications', NOTIFICATION_COLUMNS, notificationValues, '');
        return true;
      });
    });
  }

  markApproved(killId: string, approvedBy: string, approvedAt: string): Promise<boolean> {
    return this.run('markApproved', async () => {
      const result = await this.db
        .updateTable('outcomes')
        .set({
          state: 'executing',
          approved_by: approvedBy,
          approved_at: utc(approvedAt, 'approvedAt'),
          outcome_type: 'undetermined',
          time_to_healthy: null,
          health_status: null,
          container_id: null,
          error: null,
          error_message: null,
          completed_at: null,
        })
        .where('kill_id', '=', killId)
        // isApprovable, as SQL.
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'decided'), eb('original_decision', '=', 'pending_review')]),
            eb.and([eb('state', '=', 'done'), eb('outcome_type', '=', 'failure'), eb('error', '=', 'docker_unavailable')]),
          ]),
        )
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    });
  }

  markRejected(killId: string, rejectedBy: string, rejectedAt: string): Promise<boolean> {
    return this.run('markRejected', async () => {
      const result = await this.db
        .updateTable('outcomes')
        .set({ state: 'done', rejected_by: rejectedBy, rejected_at: utc(rejectedAt, 'rejectedAt') })
        .where('kill_id', '=', killId)
        .where('state', '=', 'decided')
        .where('original_decision', '=', 'pending_review')
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    });
  }

  get(killId: string): Promise<OutcomeRecord | null> {
    return this.run('get', async () => {
      const row = await this.db.selectFrom('outcomes').selectAll().where('kill_id', '=', killId).executeTakeFirst();
      return row === undefined ? null : fromOutcomeRow(row);
    });
  }

  getMany(killIds: readonly string[]): Promise<OutcomeRecord[]> {
    return this.run('getMany', async () => {
      if (killIds.length === 0) return [];
      const { rows } = await this.db.executeQuery<OutcomeRow>(CompiledQuery.raw(GET_MANY_SQL, [JSON.stringify(killIds)]));
      return rows.map(fromOutcomeRow);
    });
  }

  listExecuting(): Promise<OutcomeRecord[]> {
    return this.run('listExecuting', async () => {
      // A literal, not a parameter, so SQLite can use the partial index outcomes_executing.
      const rows = await this.db.selectFrom('outcomes').selectAll().where('state', '=', sql.lit('executing')).orderBy('timestamp').orderBy('id').execute();
      return rows.map(fromOutcomeRow);
    });
  }

  recent(limit: number): Promise<OutcomeRecord[]> {
    return this.run('recent', async () => {
      // SQLite reads a negative LIMIT as "no limit"; NaN asks for nothing, as slice() would.
      const n = Number.isNaN(limit) ? 0 : Math.min(Math.max(0, Math.floor(limit)), Number.MAX_SAFE_INTEGER);
      if (n === 0) return [];
      const rows = await this.db.selectFrom('outcomes').selectAll().orderBy('timestamp', 'desc').orderBy('id', 'desc').limit(n).execute();
      return rows.map(fromOutcomeRow);
    });
  }

  moduleHistories(modules: readonly string[], given: HistoryWindows): Promise<Map<string, ModuleHistory>> {
    return this.run('moduleHistories', async () => {
      const histories = new Map<string, ModuleHistory>();
      if (modules.length === 0) return histories;
      const { rows } = await this.db.executeQuery<HistoryRow>(CompiledQuery.raw(MODULE_HISTORIES_SQL, moduleHistoryParams(modules, given)));
      type Counts = { resurrections: number; held: number; reKilled: number; rolledBack: number; recentResurrections: number };
      const byModule = new Map<string, Counts & { falsePositives: number; truePositives: number; unlabelled: HistoryRow[] }>();
      for (const module of modules) {
        byModule.set(module, { resurrections: 0, held: 0, reKilled: 0, rolledBack: 0, recentResurrections: 0, falsePositives: 0, truePositives: 0, unlabelled: [] });
      }
      const fleet = { falsePositives: 0, truePositives: 0 };
      for (const row of rows) {
        if (row.part === 'f') {
          fleet.falsePositives += row.settled;
          fleet.truePositives += row.n;
          continue;
        }
        if (row.part === 'g') {
          fleet.truePositives += row.n;
          continue;
        }
        const c = byModule.get(row.target_module);
        if (!c) continue;
        if (row.part === 'b') c.recentResurrections = row.n;
        else if (row.part === 'c') c.unlabelled.push(row);
        else if (row.part === 'r') c.truePositives += row.n;
        else if (row.outcome_type !== null && (RESURRECTED as readonly string[]).includes(row.outcome_type)) {
          c.resurrections += row.n;
          if (row.outcome_type === 'success') {
            c.held = row.n;
            c.falsePositives += row.settled;
          } else if (row.outcome_type === 're_killed') {
            c.reKilled = row.n;
            c.truePositives += row.n - row.chance;
          } else if (row.outcome_type === 'rollback') {
            c.rolledBack = row.n;
          }
        }
      }
      for (const [module, { unlabelled, falsePositives, truePositives, ...counts }] of byModule) {
        // Newest completion first; equal completion times: the first stored first, as the shared contract requires.
        unlabelled.sort((a, b) => (a.completed_at === b.completed_at ? a.id - b.id : (a.completed_at ?? '') < (b.completed_at ?? '') ? 1 : -1));
        histories.set(module, {
          ...counts,
          unlabelledSuccesses: unlabelled.map((row): ResurrectionRef => ({ killId: row.kill_id ?? '', completedAt: row.completed_at ?? '' })),
          labels: { falsePositives, truePositives },
          fleetLabels: fleet,
        });
      }
      return histories;
    });
  }

  confirmSuccesses(completedBefore: string, at: string): Promise<number> {
    return this.run('confirmSuccesses', async () => {
      const result = await this.db
        .updateTable('outcomes')
        .set({ confirmed_at: utc(at, 'at') })
        // A literal, not a parameter, so SQLite can use the partial index outcomes_unconfirmed_success.
        .where('outcome_type', '=', sql.lit('success'))
        .where('confirmed_at', 'is', null)
        .where('completed_at', '<', utc(completedBefore, 'completedBefore'))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    });
  }

  calibrationSample(since: string): Promise<CalibrationSample> {
    return this.run('calibrationSample', async () => {
      const row = await this.db
        .selectFrom('outcomes')
        .where('timestamp', '>=', utc(since, 'since'))
        .select((eb) => {
          const confirmed = eb.and([eb('outcome_type', '=', 'success'), eb('confirmed_at', 'is not', null)]);
          const auto = (e: Expression<SqlBool>) => eb.and([eb('was_auto_approved', '=', 1), e]);
          return [
            eb.fn.countAll<number>().filterWhere(auto(eb.or([confirmed, eb('outcome_type', 'in', ['re_killed', 'rollback'])]))).as('total'),
            eb.fn.countAll<number>().filterWhere(auto(confirmed)).as('successes'),
            eb.fn.countAll<number>().filterWhere(auto(eb('outcome_type', '=', 're_killed'))).as('re_killed'),
            eb.fn
              .countAll<number>()
              .filterWhere(eb.or([eb('original_decision', '=', 'deny'), eb('rejected_at', 'is not', null), eb('outcome_type', '=', 're_killed')]))
              .as('true_positives'),
            eb.fn
              .countAll<number>()
              .filterWhere(eb.or([confirmed, eb('outcome_type', '=', 're_killed'), auto(eb('outcome_type', '=', 'rollback')), eb('rejected_at', 'is not', null)]))
              .as('labelled'),
          ];
        })
        .executeTakeFirstOrThrow();
      return { total: row.total, successes: row.successes, reKilled: row.re_killed, truePositives: row.true_positives, labelled: row.labelled };
    });
  }

  signalSample(since: string): Promise<SignalSample> {
    return this.run('signalSample', async () => {
      const { rows } = await this.db.executeQuery<SignalRow>(CompiledQuery.raw(SIGNAL_SAMPLE_SQL, [utc(since, 'since')]));
      const counts: SignalCount[] = [];
      let first: string | null = null;
      for (const row of rows) {
        if (first === null || row.first < first) first = row.first;
        // Stored reports were validated; a value outside the enums would be a row written by something else, and says nothing.
        const killReason = KILL_REASONS.find((r) => r === row.kill_reason);
        const severity = SEVERITIES.find((s) => s === row.severity);
        if (killReason === undefined || severity === undefined) continue;
        counts.push({
          module: row.module,
          killReason,
          severity,
          confidence: row.confidence,
          siem: row.siem_risk === null ? null : { risk: row.siem_risk, closedAsFalsePositive: row.siem_closed === 1 },
          label: row.label,
          kills: row.kills,
        });
      }
      return { firstDecidedAt: first, counts };
    });
  }

  saveCalibration(calibration: Calibration, notifications: readonly QueuedNotification[] = []): Promise<void> {
    return this.run('saveCalibration', async () => {
      const notificationValues = notificationRowValues(notifications);
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('calibrations').values(toCalibrationRow(calibration)).execute();
        await insertChunked(trx, 'notifications', NOTIFICATION_COLUMNS, notificationValues, '');
      });
    });
  }

  latestCalibration(): Promise<Calibration | null> {
    return this.run('latestCalibration', async () => {
      const row = await this.db.selectFrom('calibrations').selectAll().orderBy('calibrated_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row === undefined ? null : fromCalibrationRow(row);
    });
  }

  stats(): Promise<Stats> {
    return this.run('stats', () =>
      // One transaction so every figure comes from the same snapshot.
      this.db.transaction().execute(async (trx) => {
        const totals = await trx
          .selectFrom('outcomes')
          .select((eb) => {
            const confirmed = eb.and([eb('outcome_type', '=', 'success'), eb('confirmed_at', 'is not', null)]);
            const autoApproved = (e: Expression<SqlBool>) => eb.and([eb('was_auto_approved', '=', 1), e]);
            return [
              eb.fn.countAll<number>().as('total'),
              eb.fn.avg<number | null>('time_to_healthy').filterWhere('outcome_type', 'in', ['success', 're_killed']).as('average_time_to_healthy'),
              eb.fn.countAll<number>().filterWhere(autoApproved(confirmed)).as('auto_held'),
              eb.fn
                .countAll<number>()
                .filterWhere(autoApproved(eb.or([confirmed, eb('outcome_type', 'in', ['re_killed', 'rollback'])])))
                .as('auto_labelled'),
              eb.fn.countAll<number>().filterWhere('approved_by', 'is not', null).as('approved'),
              eb.fn.countAll<number>().filterWhere('rejected_by', 'is not', null).as('rejected'),
            ];
          })
          .executeTakeFirstOrThrow();
        const decisions = await trx
          .selectFrom('outcomes')
          .select((eb) => ['original_decision', eb.fn.countAll<number>().as('n')])
          .groupBy('original_decision')
          .execute();
        const outcomes = await trx
          .selectFrom('outcomes')
          .select((eb) => ['outcome_type', eb.fn.countAll<number>().as('n')])
          .groupBy('outcome_type')
          .execute();
        const rejections = await trx.selectFrom('rejections').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        return {
          total: totals.total,
          byDecision: countsBy<Verdict>(VERDICTS, decisions, 'original_decision'),
          byOutcome: countsBy<KillOutcome>(KILL_OUTCOMES, outcomes, 'outcome_type'),
          rejections: rejections.n,
          averageTimeToHealthy: totals.average_time_to_healthy,
          autoApproveAccuracy: totals.auto_labelled === 0 ? null : totals.auto_held / totals.auto_labelled,
          autoApproveLabelled: totals.auto_labelled,
          operatorVerdicts: { approved: totals.approved, rejected: totals.rejected },
        };
      }),
    );
  }

  async health(): Promise<DependencyStatus> {
    if (this.closed) return { status: 'down', detail: 'store closed' };
    try {
      await sql`select 1`.execute(this.db);
      return { status: 'up' };
    } catch (e) {
      return { status: 'down', detail: messageOf(e) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
  }

  /** Runs one store operation; driver failures become MedicError "store_error", so callers see one error type. */
  private async run<T>(operation: string, body: () => Promise<T>): Promise<T> {
    if (this.closed) throw new MedicError('store_closed', `SQLite store is closed (${operation})`);
    try {
      return await body();
    } catch (e) {
      if (e instanceof MedicError) throw e;
      throw new MedicError('store_error', `SQLite ${operation} failed: ${messageOf(e)}`, { cause: e });
    }
  }
}

/** The statement sizes insertChunked uses for `rows` rows, in order. */
function chunkSizes(rows: number): number[] {
  const sizes: number[] = [];
  let remaining = rows;
  for (const size of INSERT_CHUNKS) {
    while (remaining >= size) {
      sizes.push(size);
      remaining -= size;
    }
  }
  return sizes;
}

/**
 * Inserts rows (their values flattened in `columns` order) in as few statements as the chunk sizes allow (chunkSizes);
 * `tail` follows the VALUES list (a conflict clause). Returns, per statement, how many rows it inserted and the id of the
 * last (rows skipped by the conflict clause take no id, so the inserted ones have the ids just below it).
 */
async function insertChunked(
  trx: Pick<Transaction<Database>, 'executeQuery'>,
  table: string,
  columns: readonly string[],
  values: readonly unknown[],
  tail: string,
): Promise<Array<{ inserted: number; lastId: number }>> {
  const width = columns.length;
  let offset = 0;
  const results: Array<{ inserted: number; lastId: number }> = [];
  for (const size of chunkSizes(values.length / width)) {
    const result = await trx.executeQuery(CompiledQuery.raw(insertSql(table, columns, size, tail), values.slice(offset, offset + size * width)));
    results.push({ inserted: Number(result.numAffectedRows ?? 0), lastId: Number(result.insertId ?? 0) });
    offset += size * width;
  }
  return results;
}

const insertTexts = new Map<string, string>();

/** `insert into <table> (<columns>) values (?, …), … <tail>` for `rows` rows, built once per shape. */
function insertSql(table: string, columns: readonly string[], rows: number, tail: string): string {
  const key = `${table} ${rows} ${tail}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    const row = `(${columns.map(() => '?').join(', ')})`;
    text = `insert into ${table} (${columns.join(', ')}) values ${Array.from({ length: rows }, () => row).join(', ')} ${tail}`;
    insertTexts.set(key, text);
  }
  return text;
}

/** Prepared statements kept per SQL text; beyond this many distinct texts the oldest is dropped. */
const STATEMENT_CACHE_SIZE = 100;

/**
 * The database with prepare() reusing statements by SQL text. Kysely prepares every query anew, which costs more than
 * running the small per-kill queries; a statement is safe to reuse because the driver runs each one to completion at once.
 */
function withStatementCache(database: SqliteDatabase): SqliteDatabase {
  const statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  return {
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (statement === undefined) {
        statement = database.prepare(sqlText);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string);
        statements.set(sqlText, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}

function openFile(path: string): SqliteDatabase {
  mkdirSync(dirname(path), { recursive: true });
  return new BetterSqlite3(path);
}

/** A full count per enum value (zeros included) from GROUP BY rows; an unknown value is a corrupt row. */
function countsBy<K extends string>(
  keys: readonly K[],
  rows: readonly Record<string, unknown>[],
  column: string,
): Record<K, number> {
  const counts = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const row of rows) {
    const reader = new RowReader(row, `outcomes group by ${column}`);
    counts[reader.oneOf(column, keys)] = reader.number('n');
  }
  return counts;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
