export type * from './types.js';
export { loadBuffer, loadFile, originFor, DEFAULT_MAX_BYTES } from './load.js';
export { walk, DEFAULT_EXCLUDES } from './walk.js';
export { normalizeText } from './normalize.js';
export { detect, type SourceKind } from './detect.js';
export { SUPPORTED_FORMATS } from './errors.js';
export {
  readSqlSource,
  defaultSourceName,
  syncSqlSource,
  type SqlSource,
  type SqlSourceOptions,
  type SqlSyncSink,
  type SqlSyncOptions,
  type SqlSyncReport,
} from './sql/index.js';
export * from './url/index.js';
