import { CompiledQuery } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { DeliveryAttempt, FailureRun, NotificationOutbox, OutboxEntry, OutcomeRecord, WebhookDeliveryState } from '@medic/domain';
import { utc } from './instants';
import { instantList } from './json-shapes';
import { RowReader } from './row-reader';
import { fromOutcomeRow, restoreEntry, storedNotifications } from './rows';
import type { StoredNotification } from './rows';
import type { Database, OutcomeRow } from './schema';

/** Runs one store operation with the repo's checks and error mapping. */
export type StoreCall = <T>(operation: string, body: () => Promise<T>) => Promise<T>;

/** A notifications row as read here. */
interface GroupRow {
  readonly id: number;
  readonly items: string;
}

// `pending > 0` is written out in every statement so SQLite uses the partial index notifications_pending.
const PENDING_GROUPS_SQL = 'select id, items from notifications where webhook = ? and pending > 0 order by id limit ?';
const GROUPS_BEFORE_SQL = 'select id, items from notifications where webhook = ? and pending > 0 and (? is null or happened_at < ?) order by id';
const GROUP_SQL = 'select id, items from notifications where id = ? and webhook = ? and pending > 0';
const UPDATE_GROUP_SQL = 'update notifications set items = ?, pending = ? where id = ?';
const RECORDS_SQL = 'select * from outcomes where kill_id in (select value from json_each(?))';
const COUNT_SQL = `insert into webhook_deliveries (webhook, sent, dropped) values (?, ?, ?)
  on conflict (webhook) do update set sent = sent + excluded.sent, dropped = dropped + excluded.dropped`;
const PENDING_COUNTS_SQL = 'select webhook, sum(pending) as n from notifications where pending > 0 group by webhook';

/**
 * The outbox half of the SQLite store (migration 005): SqliteOutcomeRepo writes the rows, this hands their notifications
 * out, oldest first, with the kill and the decision read from their records, and settles them.
 */
export class SqliteNotificationOutbox implements NotificationOutbox {
  /** The row of each notification pending() handed out, until it is settled. */
  readonly #rowOf = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly run: StoreCall,
  ) {}

  pending(webhook: string, limit: number): Promise<OutboxEntry[]> {
    return this.run('pending', async () => {
      const n = Number.isNaN(limit) ? 0 : Math.min(Math.max(0, Math.floor(limit)), Number.MAX_SAFE_INTEGER);
      if (n === 0) return [];
      // Every row read has at least one pending notification, so `n` rows always hold enough.
      const { rows } = await this.db.executeQuery<GroupRow>(CompiledQuery.raw(PENDING_GROUPS_SQL, [webhook, n]));
      const taken: Array<{ row: number; item: StoredNotification }> = [];
      for (const row of rows) {
        for (const item of storedNotifications(row)) {
          if (item.state === 'pending' && taken.length < n) taken.push({ row: row.id, item });
        }
      }
      const kills = [...new Set(taken.map(({ item }) => item.kill).filter((k): k is string => k !== null))];
      const records = new Map<string, OutcomeRecord>();
      if (kills.length > 0) {
        const { rows: found } = await this.db.executeQuery<OutcomeRow>(CompiledQuery.raw(RECORDS_SQL, [JSON.stringify(kills)]));
        for (const row of found) records.set(row.kill_id, fromOutcomeRow(row));
      }
      return taken.map(({ row, item }) => {
        this.#rowOf.set(item.id, row);
        return restoreEntry(webhook, item, item.kill === null ? null : (records.get(item.kill) ?? null));
      });
    });
  }

  markSent(webhook: string, ids: readonly string[], at: string): Promise<void> {
    return this.run('markSent', async () => {
      utc(at, 'at');
      await this.settle(webhook, ids, 'sent', null);
    });
  }

  drop(webhook: string, ids: readonly string[], reason: string, at: string): Promise<number> {
    return this.run('drop', () => {
      utc(at, 'at');
      return this.settle(webhook, ids, 'dropped', reason);
    });
  }

  dropQueuedBefore(webhook: string, before: string | null, reason: string, at: string): Promise<number> {
    return this.run('dropQueuedBefore', () => {
      const bound = before === null ? null : utc(before, 'before');
      utc(at, 'at');
      return this.db.transaction().execute(async (trx) => {
        const { rows } = await trx.executeQuery<GroupRow>(CompiledQuery.raw(GROUPS_BEFORE_SQL, [webhook, bound, bound]));
        let dropped = 0;
        for (const row of rows) {
          const items = storedNotifications(row);
          let changed = false;
          for (const item of items) {
            if (item.state !== 'pending' || (bound !== null && !(item.at < bound))) continue;
            item.state = 'dropped';
            item.reason = reason;
            this.#rowOf.delete(item.id);
            changed = true;
            dropped += 1;
          }
          if (changed) await this.write(trx, row.id, items);
        }
        if (dropped > 0) await trx.executeQuery(CompiledQuery.raw(COUNT_SQL, [webhook, 0, dropped]));
        return dropped;
      });
    });
  }

  recordAttempt(webhook: string, attempt: DeliveryAttempt, keep: number): Promise<FailureRun> {
    return this.run('recordAttempt', () =>
      this.db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('webhook_deliveries').selectAll().where('webhook', '=', webhook).executeTakeFirst();
        let run: FailureRun = { count: 0, recent: [] };
        if (attempt.result === 'unreachable') {
          const previous = row ? readRun(row) : run;
          const recent = [...previous.recent, utc(attempt.at, 'at')];
          run = { count: previous.count + 1, recent: recent.slice(Math.max(0, recent.length - Math.max(1, keep))) };
        }
        const failed = attempt.result === 'delivered' ? 0 : 1;
        const lastError = failed === 1 ? attempt.error : (row?.last_error ?? null);
        await trx
          .insertInto('webhook_deliveries')
          .values({ webhook, failed_attempts: failed, failure_run: run.count, failure_run_recent: JSON.stringify(run.recent), last_error: lastError })
          .onConflict((oc) =>
            oc.column('webhook').doUpdateSet((eb) => ({
              failed_attempts: eb('failed_attempts', '+', failed),
              failure_run: run.count,
              failure_run_recent: JSON.stringify(run.recent),
              last_error: lastError,
            })),
          )
          .execute();
        return run;
      }),
    );
  }

  webhookStates(): Promise<WebhookDeliveryState[]> {
    return this.run('webhookStates', () =>
      // One transaction so the counts come from one snapshot.
      this.db.transaction().execute(async (trx) => {
        const { rows: pending } = await trx.executeQuery<{ webhook: string; n: number }>(CompiledQuery.raw(PENDING_COUNTS_SQL, []));
        const records = await trx.selectFrom('webhook_deliveries').selectAll().execute();
        const states = new Map<string, WebhookDeliveryState>();
        const empty = (webhook: string): WebhookDeliveryState => ({ webhook, pending: 0, sent: 0, dropped: 0, failedAttempts: 0, failureRun: { count: 0, recent: [] }, lastError: null });
        for (const row of records) {
          const c = new RowReader(row, `webhook_deliveries row ${row.webhook}`);
          states.set(row.webhook, {
            ...empty(row.webhook),
            sent: c.number('sent'),
            dropped: c.number('dropped'),
            failedAttempts: c.number('failed_attempts'),
            failureRun: readRun(row),
            lastError: c.textOrNull('last_error'),
          });
        }
        for (const { webhook, n } of pending) states.set(webhook, { ...(states.get(webhook) ?? empty(webhook)), pending: n });
        return [...states.values()].sort((a, b) => (a.webhook < b.webhook ? -1 : a.webhook > b.webhook ? 1 : 0));
      }),
    );
  }

  /** Moves the webhook's pending notifications among `ids` to `state`, counts them, and returns how many moved. */
  private async settle(webhook: string, ids: readonly string[], state: 'sent' | 'dropped', reason: string | null): Promise<number> {
    if (ids.length === 0) return 0;
    const wanted = new Set(ids);
    return this.db.transaction().execute(async (trx) => {
      // The rows pending() handed these out from; for any other id, every row of the webhook with something pending.
      const known = [...new Set(ids.map((id) => this.#rowOf.get(id)).filter((row): row is number => row !== undefined))];
      const rows: GroupRow[] = [];
      for (const id of known) rows.push(...(await trx.executeQuery<GroupRow>(CompiledQuery.raw(GROUP_SQL, [id, webhook]))).rows);
      if (ids.some((id) => !this.#rowOf.has(id))) {
        const { rows: all } = await trx.executeQuery<GroupRow>(CompiledQuery.raw(GROUPS_BEFORE_SQL, [webhook, null, null]));
        rows.push(...all.filter((row) => !known.includes(row.id)));
      }
      let moved = 0;
      for (const row of rows) {
        const items = storedNotifications(row);
        let changed = false;
        for (const item of items) {
          if (item.state !== 'pending' || !wanted.has(item.id)) continue;
          item.state = state;
          if (reason !== null) item.reason = reason;
          changed = true;
          moved += 1;
        }
        if (changed) await this.write(trx, row.id, items);
      }
      for (const id of ids) this.#rowOf.delete(id);
      if (moved > 0) await trx.executeQuery(CompiledQuery.raw(COUNT_SQL, [webhook, state === 'sent' ? moved : 0, state === 'dropped' ? moved : 0]));
      return moved;
    });
  }

  private async write(trx: Transaction<Database>, row: number, items: readonly StoredNotification[]): Promise<void> {
    const pending = items.reduce((n, item) => n + (item.state === 'pending' ? 1 : 0), 0);
    await trx.executeQuery(CompiledQuery.raw(UPDATE_GROUP_SQL, [JSON.stringify(items), pending, row]));
  }
}

function readRun(row: { webhook: string; failure_run: number; failure_run_recent: string }): FailureRun {
  const c = new RowReader(row, `webhook_deliveries row ${row.webhook}`);
  const recent = c.json('failure_run_recent', instantList);
  return { count: c.number('failure_run'), recent };
}
