import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS } from './migrations';

/** What a look at a store file found, without creating, migrating or writing anything. */
export type StoreInspection =
  | {
      readonly status: 'ready';
      readonly records: number;
      /** Migrations this Medic has that the file has not had yet: they run at the next start. */
      readonly pendingMigrations: readonly string[];
    }
  /** No file yet: the agent creates it at its first start, in `directory`, which it can. */
  | { readonly status: 'absent'; readonly directory: string }
  | { readonly status: 'unusable'; readonly reason: string };

/**
 * Looks at the store at `path` read-only: an existing file must be a SQLite database Medic made (by this version or an
 * older one) that this process may write, with its directory (WAL files live beside it); a missing file needs a
 * directory the agent can create it in.
 */
export function inspectStore(path: string): StoreInspection {
  if (!existsSync(path)) {
    const directory = nearestExisting(dirname(path));
    if (!statSync(directory).isDirectory()) return { status: 'unusable', reason: `${directory} is not a directory, so ${path} cannot be created` };
    if (!writable(directory)) return { status: 'unusable', reason: `${directory} is not writable, so ${path} cannot be created` };
    return { status: 'absent', directory };
  }
  if (!statSync(path).isFile()) return { status: 'unusable', reason: `${path} is not a file` };
  if (!writable(path) || !writable(dirname(path))) return { status: 'unusable', reason: `${path} or its directory is not writable by this user` };
  let database: BetterSqlite3.Database | null = null;
  try {
    database = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    const tables = new Set((database.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>).map((t) => t.name));
    if (!tables.has('kysely_migration')) return { status: 'unusable', reason: `${path} is a SQLite database, but not one Medic made (no migrations table)` };
    const applied = (database.prepare('select name from kysely_migration').all() as Array<{ name: string }>).map((m) => m.name);
    const unknown = applied.filter((name) => !(name in MIGRATIONS));
    if (unknown.length > 0) return { status: 'unusable', reason: `${path} was migrated by a newer Medic (${unknown.join(', ')})` };
    const records = tables.has('outcomes') ? (database.prepare('select count(*) as n from outcomes').get() as { n: number }).n : 0;
    return { status: 'ready', records, pendingMigrations: Object.keys(MIGRATIONS).filter((name) => !applied.includes(name)) };
  } catch (error) {
    return { status: 'unusable', reason: `${path} cannot be read as a SQLite database: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    database?.close();
  }
}

function nearestExisting(directory: string): string {
  let current = directory;
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) return current;
    current = parent;
  }
  return current;
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
