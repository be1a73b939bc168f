export type * from './types.js';
export { createMemoryCacheBackend, DEFAULT_MAX_ENTRIES } from './memory.js';
export { openSqliteCacheBackend, type SqliteCacheOptions } from './sqlite.js';
export { VectorBlock } from './vectors.js';
export {
  callCacheOptions,
  exactKey,
  semanticKey,
  normalizeQuery,
  normalizeText,
  wordSwap,
  stableStringify,
  type CallCacheOptions,
  type ModelRef,
  type SemanticKey,
} from './normalize.js';
export { createHitVerifier, type HitVerifier, type HitVerifierOptions, type RefusalReason, type Verdict, type WordSimilarity } from './verify.js';
export { createLexicon, loadLexicon, readLexiconFiles, type Lexicon, type LexiconFiles, type WordPos } from './lexicon.js';
export {
  cacheMiddleware,
  embedderWordSimilarity,
  DEFAULT_SEMANTIC_THRESHOLD,
  type CacheMiddlewareOptions,
  type ExactCacheConfig,
  type SemanticCacheConfig,
} from './middleware.js';
export { openRedisCacheBackend, type RedisCacheOptions } from './redis.js';
