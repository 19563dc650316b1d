import { performance } from 'node:perf_hooks';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import type { OutcomeRecord } from '@medic/domain';
import { waitFor } from '@medic/test-support';

/** Smallest page of newest records read per poll; doubled while a page holds nothing seen before. */
const FIRST_PAGE = 8;
/** Pause between two looks at one record in finished(). */
const FINISHED_POLL_MS = 10;

/**
 * Watches the agent's SQLite file from a second connection (WAL lets it read while the agent writes) and notes when
 * each kill's record first became visible, i.e. durable. Records appear newest first in `recent()`, and a commit only
 * adds records newer than every earlier one, so the unseen records are always a prefix of the newest.
 */
export class StoreWatch {
  /** performance.now() at which each kill_id was first seen. */
  readonly seenAt = new Map<string, number>();

  private constructor(private readonly repo: SqliteOutcomeRepo) {}

  static async open(path: string): Promise<StoreWatch> {
    return new StoreWatch(await SqliteOutcomeRepo.open({ path }));
  }

  /** One poll: reads the newest records until it reaches one already seen; returns how many were new. */
  async poll(): Promise<number> {
    for (let limit = FIRST_PAGE; ; limit *= 2) {
      const page = await this.repo.recent(limit);
      const now = performance.now();
      const fresh = firstSeen(page, this.seenAt);
      if (fresh < page.length || page.length < limit) {
        for (const record of page.slice(0, fresh)) this.seenAt.set(record.killId, now);
        return fresh;
      }
    }
  }

  /** The kill's record once it is finished: done, or decided without a resurrection (which callers report as a failure). */
  finished(killId: string, timeoutMs = 60_000): Promise<OutcomeRecord> {
    return waitFor(
      `the record of ${killId} to be done`,
      async () => {
        const record = await this.repo.get(killId);
        return record && (record.state === 'done' || record.originalDecision !== 'approve_auto') ? record : undefined;
      },
      { timeoutMs, intervalMs: FINISHED_POLL_MS },
    );
  }

  close(): Promise<void> {
    return this.repo.close();
  }
}

function firstSeen(page: readonly OutcomeRecord[], seen: ReadonlyMap<string, number>): number {
  const index = page.findIndex((record) => seen.has(record.killId));
  return index === -1 ? page.length : index;
}
