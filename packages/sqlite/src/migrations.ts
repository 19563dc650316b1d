import { Migrator, sql } from 'kysely';
import type { Kysely, Migration, MigrationResultSet, RawBuilder } from 'kysely';
import { MedicError } from '@medic/domain';

/**
 * The enum values the CHECK constraints of migration 001 allow, frozen as of that migration: a migration must never
 * change once it has run somewhere. A test compares them with the domain's constants, so a new domain value fails
 * it until a migration widens the constraint.
 */
export const MIGRATION_001_ENUMS = {
  outcome_type: ['success', 'failure', 'rollback', 'undetermined', 're_killed'],
  original_decision: ['approve_auto', 'pending_review', 'deny'],
  risk_level: ['minimal', 'low', 'medium', 'high', 'critical'],
  guard: ['always_deny_module', 'high_confidence_threat', 'open_threat_alerts', 'restart_budget_spent', 'rekilled_after_resurrection'],
  health_status: ['healthy', 'none', 'unhealthy', 'starting'],
  error: ['container_not_found', 'ambiguous_target', 'not_enabled', 'docker_unavailable', 'start_failed', 'unhealthy', 'health_timeout'],
  state: ['decided', 'executing', 'done'],
  mode: ['observer', 'live'],
  direction: ['up', 'down', 'none'],
} as const;

/** `column IN ('a', 'b')` with inlined literals (DDL takes no bound parameters). */
const oneOf = (column: string, values: readonly string[]): RawBuilder<unknown> =>
  sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;

const nullOrOneOf = (column: string, values: readonly string[]): RawBuilder<unknown> =>
  sql`${sql.ref(column)} is null or ${oneOf(column, values)}`;

const isJson = (column: string): RawBuilder<unknown> => sql`json_valid(${sql.ref(column)})`;

const e = MIGRATION_001_ENUMS;

// Migrations get an untyped Kysely on purpose: they describe the schema as it was, not as `Database` says it is now.
/* eslint-disable @typescript-eslint/no-explicit-any */
const migration001: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('outcomes')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('outcome_id', 'text', (c) => c.notNull().unique())
      .addColumn('decision_id', 'text', (c) => c.notNull())
      .addColumn('kill_id', 'text', (c) => c.notNull().unique())
      .addColumn('target_module', 'text', (c) => c.notNull())
      .addColumn('target_instance_id', 'text', (c) => c.notNull())
      .addColumn('timestamp', 'text', (c) => c.notNull())
      .addColumn('outcome_type', 'text', (c) => c.notNull().check(oneOf('outcome_type', e.outcome_type)))
      .addColumn('original_decision', 'text', (c) => c.notNull().check(oneOf('original_decision', e.original_decision)))
      .addColumn('original_risk_score', 'real', (c) => c.notNull())
      .addColumn('original_confidence', 'real', (c) => c.notNull())
      .addColumn('risk_level', 'text', (c) => c.notNull().check(oneOf('risk_level', e.risk_level)))
      .addColumn('guard', 'text', (c) => c.check(nullOrOneOf('guard', e.guard)))
      .addColumn('was_auto_approved', 'integer', (c) => c.notNull().check(sql`was_auto_approved in (0, 1)`))
      .addColumn('time_to_healthy', 'real')
      .addColumn('health_status', 'text', (c) => c.check(nullOrOneOf('health_status', e.health_status)))
      .addColumn('container_id', 'text')
      .addColumn('error', 'text', (c) => c.check(nullOrOneOf('error', e.error)))
      .addColumn('error_message', 'text')
      .addColumn('state', 'text', (c) => c.notNull().check(oneOf('state', e.state)))
      .addColumn('mode', 'text', (c) => c.notNull().check(oneOf('mode', e.mode)))
      .addColumn('factors', 'text', (c) => c.notNull().check(isJson('factors')))
      .addColumn('reasoning', 'text', (c) => c.notNull().check(isJson('reasoning')))
      .addColumn('threat_context', 'text', (c) => c.notNull().check(isJson('threat_context')))
      .addColumn('report', 'text', (c) => c.notNull().check(isJson('report')))
      .addColumn('approved_by', 'text')
      .addColumn('approved_at', 'text')
      .addColumn('completed_at', 'text')
      .addColumn('confirmed_at', 'text')
      .addColumn('re_killed_at', 'text')
      .execute();
    await db.schema.createIndex('outcomes_module_timestamp').on('outcomes').columns(['target_module', 'timestamp']).execute();
    await db.schema.createIndex('outcomes_timestamp').on('outcomes').column('timestamp').execute();
    // The restart budget counts executing and done rows by decision time; decided rows (most of them) are skipped.
    await db.schema.createIndex('outcomes_module_state_timestamp').on('outcomes').columns(['target_module', 'state', 'timestamp']).execute();
    // Module history counts by completion time.
    await db.schema.createIndex('outcomes_module_completed').on('outcomes').columns(['target_module', 'completed_at']).execute();
    // confirmSuccesses only ever looks at unlabelled successes.
    await db.schema
      .createIndex('outcomes_unconfirmed_success')
      .on('outcomes')
      .column('completed_at')
      .where(sql<boolean>`outcome_type = 'success' and confirmed_at is null`)
      .execute();

    await db.schema
      .createTable('rejections')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('delivery_id', 'text', (c) => c.notNull().unique())
      .addColumn('kill_id', 'text')
      .addColumn('field', 'text', (c) => c.notNull())
      .addColumn('rule', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('raw', 'text', (c) => c.notNull().check(isJson('raw')))
      .addColumn('rejected_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('calibrations')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('calibrated_at', 'text', (c) => c.notNull())
      .addColumn('previous_max_score', 'real', (c) => c.notNull())
      .addColumn('next_max_score', 'real', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull().check(oneOf('direction', e.direction)))
      .addColumn('samples', 'integer', (c) => c.notNull())
      .addColumn('successes', 'integer', (c) => c.notNull())
      .addColumn('success_rate', 'real')
      .addColumn('wilson_lower', 'real')
      .addColumn('wilson_upper', 'real')
      .addColumn('reason', 'text', (c) => c.notNull())
      .execute();
  },
};

/** Outcome types migration 002 allows in addition: what resurrection.verify_kill records when it restarts nothing. */
export const MIGRATION_002_OUTCOME_TYPES = ['not_killed', 'already_running'] as const;

/**
 * Widens the CHECK constraint of `outcomes.outcome_type`. SQLite cannot alter a constraint, so the table is rebuilt
 * the way SQLite documents (create the new table, copy, drop, rename, recreate the indices) from its own stored
 * definition: columns or values another migration added survive.
 */
const migration002: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await widenCheck(db, 'outcomes', 'outcome_type', MIGRATION_002_OUTCOME_TYPES);
  },
};

/** Operators' rejections (true-positive labels) and the evidence behind each calibration run. */
const migration003: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('outcomes').addColumn('rejected_by', 'text').execute();
    await db.schema.alterTable('outcomes').addColumn('rejected_at', 'text').execute();
    // Fleet-wide label counts read every completion and rejection inside the history window; covering, so no row is read.
    await db.schema.createIndex('outcomes_completed').on('outcomes').columns(['completed_at', 'state', 'outcome_type', 'confirmed_at']).execute();
    await db.schema.createIndex('outcomes_rejected').on('outcomes').column('rejected_at').where(sql<boolean>`rejected_at is not null`).execute();
    await db.schema
      .createIndex('outcomes_module_rejected')
      .on('outcomes')
      .columns(['target_module', 'rejected_at'])
      .where(sql<boolean>`rejected_at is not null`)
      .execute();
    // Runs stored before this migration used every label in the window: the epoch is clamped to the window's start.
    await db.schema
      .alterTable('calibrations')
      .addColumn('evidence_since', 'text', (c) => c.notNull().defaultTo('1970-01-01T00:00:00.000Z'))
      .execute();
    await db.schema.alterTable('calibrations').addColumn('re_killed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('calibrations').addColumn('true_positives', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('calibrations').addColumn('harm_upper', 'real').execute();
    await db.schema.alterTable('calibrations').addColumn('max_harm_rate', 'real').execute();
  },
};

/**
 * Most rows are decided kills that no history query reads: the indices that serve module history leave them out, so a
 * group commit of decided kills writes only the table and the kill_id, outcome_id and timestamp indices (a batch touched
 * many scattered pages of each such index, and every page touched is written to the WAL). The module+time
 * index no query uses any more goes; the few rows left executing get an index of their own.
 */
const migration004: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('outcomes_module_timestamp').execute();
    await db.schema.dropIndex('outcomes_module_completed').execute();
    await db.schema.dropIndex('outcomes_module_state_timestamp').execute();
    await db.schema.dropIndex('outcomes_completed').execute();
    // Module history counts by completion time; only finished rows have one.
    await db.schema
      .createIndex('outcomes_module_completed')
      .on('outcomes')
      .columns(['target_module', 'completed_at'])
      .where(sql<boolean>`completed_at is not null`)
      .execute();
    // Fleet-wide label counts read every completion inside the history window; covering, so no row is read.
    await db.schema
      .createIndex('outcomes_completed')
      .on('outcomes')
      .columns(['completed_at', 'state', 'outcome_type', 'confirmed_at'])
      .where(sql<boolean>`completed_at is not null`)
      .execute();
    // The restart budget counts executing and done rows by decision time; the query repeats this condition word for word,
    // which is how SQLite knows it may use a partial index.
    await db.schema
      .createIndex('outcomes_module_state_timestamp')
      .on('outcomes')
      .columns(['target_module', 'state', 'timestamp'])
      .where(sql<boolean>`state in ('executing', 'done')`)
      .execute();
    // listExecuting at start-up reads only the few resurrections left in flight, however large the store.
    await db.schema.createIndex('outcomes_executing').on('outcomes').column('timestamp').where(sql<boolean>`state = 'executing'`).execute();
  },
};

/**
 * The webhook outbox, written in the transaction of the facts it reports, and each webhook's record of delivery attempts.
 * One row holds what one write queued for one webhook (a whole batch of decisions: one row), and each notification in it
 * keeps only what its event adds to the record it reports; the record holds the kill and the decision and never changes
 * them. So a storm of denied kills adds a row per batch, not a row and an index entry per kill. Only rows with something
 * pending are indexed, by webhook.
 */
const migration005: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('notifications')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('webhook', 'text', (c) => c.notNull())
      .addColumn('happened_at', 'text', (c) => c.notNull())
      .addColumn('items', 'text', (c) => c.notNull().check(isJson('items')))
      .addColumn('pending', 'integer', (c) => c.notNull().check(sql`pending >= 0`))
      .execute();
    await db.schema.createIndex('notifications_pending').on('notifications').columns(['webhook', 'id']).where(sql<boolean>`pending > 0`).execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('webhook', 'text', (c) => c.primaryKey())
      .addColumn('sent', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('dropped', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failure_run', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failure_run_recent', 'text', (c) => c.notNull().defaultTo('[]').check(isJson('failure_run_recent')))
      .addColumn('last_error', 'text')
      .execute();
  },
};

/** The harm a calibration's resulting ceiling implies is stored as a point estimate with its interval (harm_upper exists). */
const migration006: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('calibrations').addColumn('harm_lower', 'real').execute();
    await db.schema.alterTable('calibrations').addColumn('harm_point', 'real').execute();
  },
};

/** A calibration keeps how many labelled kills of any verdict its sample held, the batch the harm budget moves on. */
const migration007: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('calibrations').addColumn('labelled', 'integer').execute();
  },
};

/** Every migration by name; names sort in the order they run. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001_initial': migration001,
  '002_verify_kill_outcomes': migration002,
  '003_labels_and_harm': migration003,
  '004_history_indices_skip_decided': migration004,
  '005_notification_outbox': migration005,
  '006_calibration_predicted_harm': migration006,
  '007_calibration_labelled': migration007,
};

/** Rebuilds `table` with `added` values allowed by the `column in (...)` CHECK of its stored definition. */
async function widenCheck(db: Kysely<any>, table: string, column: string, added: readonly string[]): Promise<void> {
  const { rows } = await sql<{ type: string; sql: string }>`select type, sql from sqlite_master where tbl_name = ${table} and sql is not null`.execute(db);
  const definition = rows.find((r) => r.type === 'table')?.sql;
  const check = new RegExp(`("${column}" in \\()([^)]*)(\\))`);
  const listed = definition === undefined ? null : check.exec(definition);
  if (definition === undefined || !listed) throw new MedicError('store_migration_failed', `no CHECK on ${table}.${column} to widen`);
  const values = [...(listed[2] ?? '').matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1] ?? '');
  const widened = [...values, ...added.filter((v) => !values.includes(v))].map((v) => `'${v}'`).join(', ');
  const rebuilt = definition.replace(check, `$1${widened}$3`).replace(new RegExp(`^CREATE TABLE "${table}"`), `CREATE TABLE "${table}_widened"`);
  await sql.raw(rebuilt).execute(db);
  await sql.raw(`insert into "${table}_widened" select * from "${table}"`).execute(db);
  await sql.raw(`drop table "${table}"`).execute(db);
  await sql.raw(`alter table "${table}_widened" rename to "${table}"`).execute(db);
  for (const index of rows.filter((r) => r.type === 'index')) await sql.raw(index.sql).execute(db);
}

/** Brings the schema up to date; already-applied migrations are skipped. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
  const result = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const message = result.error instanceof Error ? result.error.message : String(result.error);
    throw new MedicError('store_migration_failed', `SQLite migration ${failed} failed: ${message}`, { cause: result.error });
  }
  return result;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
