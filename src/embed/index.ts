export type * from './types.js';
export { normalize, dot, cosine } from './normalize.js';
export { foldText, rawTokens, splitToken, words } from './tokenize.js';
export { createHashingEmbedder, hashEmbed, type HashingEmbedderOptions } from './hashing.js';
export {
  createGloveEmbedder,
  loadGloveCache,
  gloveCachePath,
  gloveSourcePath,
  DEFAULT_VOCAB_SIZE,
  type GloveEmbedderOptions,
  type GloveCacheOptions,
  type LoadedGlove,
  type SifSettings,
} from './glove/index.js';
export { createOnnxEmbedder, type OnnxEmbedderOptions } from './onnx.js';
export { createProviderEmbedder, type ProviderEmbedderOptions, type ProviderEmbeddingModel } from './provider.js';
export { resolveEmbedder, EMBEDDER_SPECS, type EmbedEnv, type ResolveEmbedderOptions } from './resolve.js';
export { withEmbeddingCache, createMemoryEmbeddingCache, embeddingCacheKey, type EmbeddingCacheOptions } from './cache.js';
