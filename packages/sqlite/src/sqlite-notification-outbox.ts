import { CompiledQuery } from 'kysely';
import type { Kysely } from 'kysely';
import type { DeliveryAttempt, FailureRun, NotificationOutbox, OutboxEntry, WebhookDeliveryState } from '@medic/domain';
import { utc } from './instants';
import { RowReader } from './row-reader';
import { fromNotificationRow } from './rows';
import type { Database, NotificationRow } from './schema';

/** Runs one store operation with the repo's checks and error mapping. */
export type StoreCall = <T>(operation: string, body: () => Promise<T>) => Promise<T>;

// 'pending' is a literal in every statement, not a parameter, so SQLite can use the partial index notifications_pending.
const PENDING_SQL = "select * from notifications where webhook = ? and state = 'pending' order by id limit ?";
const FINISH_SQL = `update notifications set state = ?, finished_at = ?, reason = ?
  where webhook = ? and state = 'pending' and entry_id in (select value from json_each(?))`;
const FINISH_BEFORE_SQL = `update notifications set state = 'dropped', finished_at = ?, reason = ?
  where webhook = ? and state = 'pending' and (? is null or happened_at < ?)`;
const COUNT_SQL = `insert into webhook_deliveries (webhook, sent, dropped) values (?, ?, ?)
  on conflict (webhook) do update set sent = sent + excluded.sent, dropped = dropped + excluded.dropped`;
const PENDING_COUNTS_SQL = "select webhook, count(*) as n from notifications where state = 'pending' group by webhook";

/** The outbox half of the SQLite store (migration 005): SqliteOutcomeRepo writes the entries, this hands them out and settles them. */
export class SqliteNotificationOutbox implements NotificationOutbox {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly run: StoreCall,
  ) {}

  pending(webhook: string, limit: number): Promise<OutboxEntry[]> {
    return this.run('pending', async () => {
      const n = Number.isNaN(limit) ? 0 : Math.min(Math.max(0, Math.floor(limit)), Number.MAX_SAFE_INTEGER);
      if (n === 0) return [];
      const { rows } = await this.db.executeQuery<NotificationRow>(CompiledQuery.raw(PENDING_SQL, [webhook, n]));
      return rows.map(fromNotificationRow);
    });
  }

  markSent(webhook: string, ids: readonly string[], at: string): Promise<void> {
    return this.run('markSent', async () => {
      await this.finish(webhook, ids, 'sent', null, utc(at, 'at'));
    });
  }

  drop(webhook: string, ids: readonly string[], reason: string, at: string): Promise<number> {
    return this.run('drop', () => this.finish(webhook, ids, 'dropped', reason, utc(at, 'at')));
  }

  dropQueuedBefore(webhook: string, before: string | null, reason: string, at: string): Promise<number> {
    return this.run('dropQueuedBefore', async () => {
      const bound = before === null ? null : utc(before, 'before');
      const finishedAt = utc(at, 'at');
      return this.db.transaction().execute(async (trx) => {
        const result = await trx.executeQuery(CompiledQuery.raw(FINISH_BEFORE_SQL, [finishedAt, reason, webhook, bound, bound]));
        const dropped = Number(result.numAffectedRows ?? 0);
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

  /** Moves the webhook's pending entries among `ids` to `state` and counts them; returns how many moved. */
  private finish(webhook: string, ids: readonly string[], state: 'sent' | 'dropped', reason: string | null, at: string): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.executeQuery(CompiledQuery.raw(FINISH_SQL, [state, at, reason, webhook, JSON.stringify(ids)]));
      const moved = Number(result.numAffectedRows ?? 0);
      if (moved > 0) await trx.executeQuery(CompiledQuery.raw(COUNT_SQL, [webhook, state === 'sent' ? moved : 0, state === 'dropped' ? moved : 0]));
      return moved;
    });
  }
}

function readRun(row: { webhook: string; failure_run: number; failure_run_recent: string }): FailureRun {
  const c = new RowReader(row, `webhook_deliveries row ${row.webhook}`);
  const recent = c.json<string[]>('failure_run_recent', (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? null : 'is not a JSON array of instants'));
  return { count: c.number('failure_run'), recent };
}
