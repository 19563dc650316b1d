export { SqliteOutcomeRepo } from './sqlite-outcome-repo';
export type { SqliteDatabase, SqliteOutcomeRepoOptions } from './sqlite-outcome-repo';
export { SqliteNotificationOutbox } from './sqlite-notification-outbox';
export { inspectStore } from './inspect-store';
export type { StoreInspection } from './inspect-store';
