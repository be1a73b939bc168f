export type * from './types.js';
export { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite/store.js';
export type { KeywordIndexStatus } from './sqlite/keyword-index.js';
export { SQLITE_SCHEMA_VERSION, migrate as runMigrations, openStageDatabase, type Migration } from './sqlite/migrations.js';
export { createMemoryStore } from './memory/store.js';
export { type AnnIndexes, type AnnIndexStatus } from './ann/manager.js';
export { ANN_DEFAULTS, DEFAULT_ANN_THRESHOLD, RESCORE_DEFAULTS, type AnnMode, type AnnOptions } from './ann/options.js';
export { HnswIndex, type AnnQuantization, type HnswMatches, type HnswParams } from './ann/hnsw.js';
export { PackedVectors } from './packed.js';
