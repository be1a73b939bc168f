export type * from './types.js';
export { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite/store.js';
export { SQLITE_SCHEMA_VERSION, migrate as runMigrations, openStageDatabase, type Migration } from './sqlite/migrations.js';
export { createMemoryStore } from './memory/store.js';
