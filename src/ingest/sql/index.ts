export { readSqlSource, defaultSourceName, type SqlSource, type SqlSourceOptions } from './source.js';
export { syncSqlSource, type SqlSyncSink, type SqlSyncOptions, type SqlSyncReport } from './sync.js';
