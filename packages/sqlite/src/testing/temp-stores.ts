import { join } from 'node:path';
import { scratchDir } from '@medic/test-support';
import { SqliteOutcomeRepo } from '../sqlite-outcome-repo';
import type { SqliteOutcomeRepoOptions } from '../sqlite-outcome-repo';

/** A temporary directory for store files; `cleanup` closes every repo opened through it and removes the directory. */
export class TempStores {
  private readonly scratch = scratchDir('medic-sqlite-');
  readonly dir = this.scratch.dir;
  private readonly repos: SqliteOutcomeRepo[] = [];
  private readonly closers: Array<() => void> = [];

  /** A path inside the directory. */
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** Opens a repo (by default on `outcomes.db` in the directory) that cleanup will close. */
  async open(options: Partial<SqliteOutcomeRepoOptions> = {}): Promise<SqliteOutcomeRepo> {
    const repo = await SqliteOutcomeRepo.open({ path: this.path('outcomes.db'), ...options });
    this.repos.push(repo);
    return repo;
  }

  /** Registers something else to close on cleanup, e.g. a raw connection. */
  onCleanup(close: () => void): void {
    this.closers.push(close);
  }

  async cleanup(): Promise<void> {
    await Promise.allSettled(this.repos.splice(0).map((r) => r.close()));
    try {
      for (const close of this.closers.splice(0)) close();
    } finally {
      this.scratch.remove();
    }
  }
}

/** A contract harness's store: a fresh file in a fresh directory, all of it removed by `cleanup`, also when opening fails. */
export async function freshStore(): Promise<{ repo: SqliteOutcomeRepo; cleanup: () => Promise<void> }> {
  const stores = new TempStores();
  try {
    return { repo: await stores.open(), cleanup: () => stores.cleanup() };
  } catch (error) {
    await stores.cleanup();
    throw error;
  }
}
