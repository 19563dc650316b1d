import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Expression, SqliteDatabase as KyselySqliteDatabase, SqlBool } from 'kysely';
import { DECISION_OUTCOMES, MedicError, OUTCOME_TYPES } from '@medic/domain';
import type {
  Calibration,
  CalibrationSample,
  DecisionOutcome,
  HealthCheck,
  HistoryWindows,
  ModuleHistory,
  OutcomeRecord,
  OutcomeRepo,
  OutcomeType,
  OutcomeUpdate,
  Rejection,
  Stats,
} from '@medic/domain';
import { utc } from './instants';
import { migrateToLatest } from './migrations';
import { RowReader } from './row-reader';
import { fromCalibrationRow, fromOutcomeRow, toCalibrationRow, toOutcomeRow, toRejectionRow } from './rows';
import type { Database } from './schema';

/** The slice of a better-sqlite3 `Database` that Kysely drives; inject one to run the repo on a connection you own. */
export type SqliteDatabase = KyselySqliteDatabase;

export interface SqliteOutcomeRepoOptions {
  /** The database file; its parent directory is created when missing. Ignored when `database` is given. */
  readonly path: string;
  /** An open database to use instead of opening `path`; the repo closes it on close(). */
  readonly database?: SqliteDatabase;
  /**
   * FULL (default) syncs the WAL on every commit, so a kill acknowledged after its record is stored survives a power
   * cut (DESIGN §6). NORMAL is about 3× faster per commit (DESIGN §13) but may lose the newest commits on power loss.
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

/** Rows per INSERT statement in insertMany, well under SQLite's limit of 32,766 bound parameters (31 columns a row). */
const ROWS_PER_INSERT = 500;

/** Outcome types of an executed resurrection. */
const RESURRECTED = ['success', 'failure', 'rollback', 're_killed'] as const;
const RESURRECTED_SQL = sql.join(RESURRECTED.map((type) => sql.lit(type)));

/** The one row of the module-history query. */
interface HistoryRow {
  readonly resurrections: number;
  readonly held: number;
  readonly re_killed: number;
  readonly rolled_back: number;
  readonly recent: number;
  readonly false_positives: number;
  readonly resurrections_wrong: number;
  readonly rejected: number;
  readonly fleet_false_positives: number;
  readonly fleet_true_positives: number;
  readonly kill_id: string | null;
  readonly completed_at: string | null;
}

/** OutcomeRepo on one SQLite file through Kysely and better-sqlite3 (DESIGN §10). */
export class SqliteOutcomeRepo implements OutcomeRepo {
  private closed = false;

  private constructor(private readonly db: Kysely<Database>) {}

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

  insertMany(records: readonly OutcomeRecord[]): Promise<Array<'inserted' | 'duplicate'>> {
    return this.run('insertMany', async () => {
      // Rows are built (and their instants checked) before anything is written, so a bad record stores nothing.
      const rows = records.map(toOutcomeRow);
      if (rows.length === 0) return [];
      // One transaction, so the whole batch costs one commit (one WAL sync under synchronous FULL): DESIGN §13.
      const stored = await this.db.transaction().execute(async (trx) => {
        const killIds = new Set<string>();
        for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
          const inserted = await trx
            .insertInto('outcomes')
            .values(rows.slice(start, start + ROWS_PER_INSERT))
            .onConflict((oc) => oc.column('kill_id').doNothing())
            .returning('kill_id')
            .execute();
          for (const { kill_id } of inserted) killIds.add(kill_id);
        }
        return killIds;
      });
      // SQLite inserts the rows in order, so of records sharing a kill_id the first is the one stored.
      return records.map((r) => (stored.delete(r.killId) ? 'inserted' : 'duplicate'));
    });
  }

  insert(record: OutcomeRecord): Promise<'inserted' | 'duplicate'> {
    return this.run('insert', async () => {
      const result = await this.db
        .insertInto('outcomes')
        .values(toOutcomeRow(record))
        .onConflict((oc) => oc.column('kill_id').doNothing())
        .executeTakeFirst();
      return result.numInsertedOrUpdatedRows === 1n ? 'inserted' : 'duplicate';
    });
  }

  complete(killId: string, update: OutcomeUpdate): Promise<void> {
    return this.run('complete', async () => {
      await this.db
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
        .execute();
    });
  }

  markApproved(killId: string, approvedBy: string, approvedAt: string): Promise<boolean> {
    return this.run('markApproved', async () => {
      const result = await this.db
        .updateTable('outcomes')
        .set({ state: 'executing', approved_by: approvedBy, approved_at: utc(approvedAt, 'approvedAt') })
        .where('kill_id', '=', killId)
        .where('state', '=', 'decided')
        .where('original_decision', '=', 'pending_review')
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

  recent(limit: number): Promise<OutcomeRecord[]> {
    return this.run('recent', async () => {
      // SQLite reads a negative LIMIT as "no limit"; NaN asks for nothing, as slice() would.
      const n = Number.isNaN(limit) ? 0 : Math.min(Math.max(0, Math.floor(limit)), Number.MAX_SAFE_INTEGER);
      if (n === 0) return [];
      const rows = await this.db.selectFrom('outcomes').selectAll().orderBy('timestamp', 'desc').orderBy('id', 'desc').limit(n).execute();
      return rows.map(fromOutcomeRow);
    });
  }

  moduleHistory(module: string, given: HistoryWindows): Promise<ModuleHistory> {
    return this.run('moduleHistory', async () => {
      const historySince = utc(given.historySince, 'historySince');
      const budgetSince = utc(given.budgetSince, 'budgetSince');
      const rekillSince = utc(given.rekillSince, 'rekillSince');
      // Raw SQL on purpose: this runs for every kill, and building it with the query builder cost four times its execution.
      // One statement (the last success joined to the counts), so every figure comes from the same snapshot.
      // A success is a false-positive label once confirmed or completed before the re-kill window; re-kills, rollbacks and
      // operators' rejections are true-positive labels.
      const settled = sql`(confirmed_at is not null or completed_at < ${rekillSince})`;
      const { rows } = await sql<HistoryRow>`
        select c.*, r.*, f.*, l.kill_id, l.completed_at from (
          select
            count(*) filter (where state = 'done' and completed_at >= ${historySince} and outcome_type in (${RESURRECTED_SQL})) as resurrections,
            count(*) filter (where state = 'done' and completed_at >= ${historySince} and outcome_type = 'success') as held,
            count(*) filter (where state = 'done' and completed_at >= ${historySince} and outcome_type = 're_killed') as re_killed,
            count(*) filter (where state = 'done' and completed_at >= ${historySince} and outcome_type = 'rollback') as rolled_back,
            count(*) filter (where (state = 'executing' or (state = 'done' and outcome_type in (${RESURRECTED_SQL}))) and timestamp >= ${budgetSince}) as recent,
            count(*) filter (where state = 'done' and completed_at >= ${historySince} and outcome_type = 'success' and ${settled}) as false_positives,
            count(*) filter (where state = 'done' and completed_at >= ${historySince} and outcome_type in ('re_killed', 'rollback')) as resurrections_wrong
          from outcomes
          -- Only rows that can count: never a decided one (most rows are); the (target_module, state, timestamp) index skips them.
          where target_module = ${module} and (completed_at >= ${historySince} or (state in ('executing', 'done') and timestamp >= ${budgetSince}))
        ) as c cross join (
          select count(*) as rejected from outcomes where target_module = ${module} and rejected_at >= ${historySince}
        ) as r cross join (
          select
            count(*) filter (where outcome_type = 'success' and ${settled}) as fleet_false_positives,
            count(*) filter (where outcome_type in ('re_killed', 'rollback')) + (select count(*) from outcomes where rejected_at >= ${historySince})
              as fleet_true_positives
          from outcomes where completed_at >= ${historySince} and state = 'done'
        ) as f left join (
          select kill_id, completed_at from outcomes
          where target_module = ${module} and state = 'done' and outcome_type = 'success'
            and re_killed_at is null and confirmed_at is null and completed_at >= ${rekillSince}
          -- Equal completion times: the first stored wins, as the shared contract requires.
          order by completed_at desc, id asc limit 1
        ) as l on true`.execute(this.db);
      const row = rows[0];
      if (row === undefined) throw new Error('module history query returned no row');
      return {
        resurrections: row.resurrections,
        held: row.held,
        reKilled: row.re_killed,
        rolledBack: row.rolled_back,
        recentResurrections: row.recent,
        lastSuccess: row.kill_id === null || row.completed_at === null ? null : { killId: row.kill_id, completedAt: row.completed_at },
        labels: { falsePositives: row.false_positives, truePositives: row.resurrections_wrong + row.rejected },
        fleetLabels: { falsePositives: row.fleet_false_positives, truePositives: row.fleet_true_positives },
      };
    });
  }

  markReKilled(killId: string, at: string): Promise<void> {
    return this.run('markReKilled', async () => {
      await this.db
        .updateTable('outcomes')
        .set({ outcome_type: 're_killed', re_killed_at: utc(at, 'at') })
        .where('kill_id', '=', killId)
        .where('outcome_type', '=', 'success')
        .where('confirmed_at', 'is', null)
        .execute();
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
          ];
        })
        .executeTakeFirstOrThrow();
      return { total: row.total, successes: row.successes, reKilled: row.re_killed, truePositives: row.true_positives };
    });
  }

  saveRejection(rejection: Rejection): Promise<void> {
    return this.run('saveRejection', async () => {
      await this.db
        .insertInto('rejections')
        .values(toRejectionRow(rejection))
        .onConflict((oc) => oc.column('delivery_id').doNothing())
        .execute();
    });
  }

  saveCalibration(calibration: Calibration): Promise<void> {
    return this.run('saveCalibration', async () => {
      await this.db.insertInto('calibrations').values(toCalibrationRow(calibration)).execute();
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
          byDecision: countsBy<DecisionOutcome>(DECISION_OUTCOMES, decisions, 'original_decision'),
          byOutcome: countsBy<OutcomeType>(OUTCOME_TYPES, outcomes, 'outcome_type'),
          rejections: rejections.n,
          averageTimeToHealthy: totals.average_time_to_healthy,
          autoApproveAccuracy: totals.auto_labelled === 0 ? null : totals.auto_held / totals.auto_labelled,
          autoApproveLabelled: totals.auto_labelled,
          operatorVerdicts: { approved: totals.approved, rejected: totals.rejected },
        };
      }),
    );
  }

  async health(): Promise<HealthCheck> {
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
