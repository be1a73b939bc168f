export { createGloveEmbedder, type GloveEmbedderOptions } from './embedder.js';
export { loadGloveCache, gloveCachePath, gloveSourcePath, DEFAULT_VOCAB_SIZE, type LoadedGlove, type GloveCacheOptions } from './cache.js';
export { SifModel, DEFAULT_SIF, type SifSettings } from './sif.js';
