export type * from './types.js';
export { normalize, dot, cosine } from './normalize.js';
export { foldText, rawTokens, splitToken, words } from './tokenize.js';
export { createHashingEmbedder, hashEmbed, HASH_EMBED, type HashingEmbedderOptions } from './hashing.js';
export { fmix32 } from './hash.js';
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
export {
  applyAdapter,
  withQueryAdapter,
  identityAdapter,
  makeAdapter,
  adapterMismatch,
  adapterDrift,
  ADAPTER_FORMAT,
  ADAPTER_FORMAT_VERSION,
  type LinearAdapter,
  type AdaptedEmbedder,
  type AdapterTrainingSummary,
} from './adapter.js';
export { trainLinearAdapter, type AdapterPair, type AdapterEpoch, type TrainAdapterOptions } from './adapter-train.js';
export { serializeAdapter, parseAdapter, type ParseAdapterOptions } from './adapter-format.js';
export { inverseClozeQueries, type ClozeSource, type ClozeQuery, type ClozeOptions } from './adapter-queries.js';
