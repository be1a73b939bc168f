export * from './errors.js';
export * from './ids.js';
export * from './types.js';
export * from './filter.js';
export * from './logger.js';
export * from './rag-format.js';
