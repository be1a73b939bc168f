export { readSqlSource, defaultSourceName, type SqlSource, type SqlSourceOptions } from './source.js';
