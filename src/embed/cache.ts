/**
 * Embedding cache wrapper: embeds only texts whose vectors are not cached yet,
 * in batches, and stores them. Re-ingesting a corpus where 3 of 1,000 chunks
 * changed then costs 3 embeddings, not 1,000.
 */
import { IncontextError, sha256 } from '../core/index.js';
import { batchSizeOf, normalize } from './normalize.js';
import type { Embedder, EmbeddingCacheBackend, EmbedOptions } from './types.js';

export interface EmbeddingCacheOptions {
  /** Texts per call to the wrapped embedder; default 64. */
  batchSize?: number;
}

/**
 * The cache key of a text. Queries get their own key because models with query
 * prefixes (e5, bge) embed a query differently from the same text as a passage.
 */
export function embeddingCacheKey(text: string, kind: EmbedOptions['kind']): string {
  return kind === 'query' ? sha256(`\u0000query\u0000${text}`) : sha256(text);
}

export function withEmbeddingCache(embedder: Embedder, cache: EmbeddingCacheBackend, options: EmbeddingCacheOptions = {}): Embedder {
  const batchSize = batchSizeOf(options.batchSize);
  return {
    id: embedder.id,
    get dimensions() {
      return embedder.dimensions;
    },
    async embed(texts: string[], embedOptions?: EmbedOptions): Promise<Float32Array[]> {
      const keys = texts.map((t) => embeddingCacheKey(t, embedOptions?.kind));
      const unique = new Map<string, string>();
      keys.forEach((k, i) => unique.set(k, texts[i]!));
      const found = await cache.getMany(embedder.id, [...unique.keys()]);
      const misses = [...unique.entries()].filter(([k]) => !found.has(k));
      for (let start = 0; start < misses.length; start += batchSize) {
        embedOptions?.signal?.throwIfAborted();
        const batch = misses.slice(start, start + batchSize);
        const vectors = await embedder.embed(
          batch.map(([, t]) => t),
          embedOptions,
        );
        if (vectors.length !== batch.length) {
          throw new IncontextError('EMBEDDING_FAILED', `Embedder ${embedder.id} returned ${vectors.length} vectors for ${batch.length} texts`, {
            hint: 'The embedding model or server is misbehaving; check its version and logs.',
          });
        }
        const entries = batch.map(([k], i): [string, Float32Array] => [k, normalize(vectors[i]!)]);
        // Stored per batch, so the work of finished batches survives a later failure.
        await cache.setMany(embedder.id, entries);
        for (const [k, v] of entries) found.set(k, v);
      }
      return keys.map((k) => {
        const v = found.get(k);
        if (!v) throw new IncontextError('INTERNAL', 'Embedding cache lost a vector it had just stored');
        // Each position gets its own array, so a caller mutating one result cannot corrupt another.
        return new Float32Array(v);
      });
    },
  };
}

/** In-memory EmbeddingCacheBackend for tests and short-lived processes. */
export function createMemoryEmbeddingCache(): EmbeddingCacheBackend & { size(): number } {
  const models = new Map<string, Map<string, Float32Array>>();
  return {
    getMany(model: string, textHashes: string[]): Promise<Map<string, Float32Array>> {
      const stored = models.get(model);
      const out = new Map<string, Float32Array>();
      if (stored) {
        for (const h of textHashes) {
          const v = stored.get(h);
          if (v) out.set(h, new Float32Array(v));
        }
      }
      return Promise.resolve(out);
    },
    setMany(model: string, entries: Array<[string, Float32Array]>): Promise<void> {
      let stored = models.get(model);
      if (!stored) models.set(model, (stored = new Map()));
      for (const [h, v] of entries) stored.set(h, new Float32Array(v));
      return Promise.resolve();
    },
    size(): number {
      let n = 0;
      for (const m of models.values()) n += m.size;
      return n;
    },
  };
}
