export { SqliteOutcomeRepo } from './sqlite-outcome-repo';
export type { SqliteDatabase, SqliteOutcomeRepoOptions } from './sqlite-outcome-repo';
