/** Embedders turn texts into L2-normalised vectors. One interface for local and provider models. */
export interface EmbedOptions {
  /** Some models (e5, bge) embed queries differently from passages. */
  kind?: 'query' | 'document';
  signal?: AbortSignal;
}

export interface Embedder {
  /** Stable model id, part of the cache key and stored with every vector, e.g. `local:glove-sif-100d`. */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]>;
}

/** Persistent cache of embeddings keyed by (model id, sha256 of text). The store implements it. */
export interface EmbeddingCacheBackend {
  getMany(model: string, textHashes: string[]): Promise<Map<string, Float32Array>>;
  setMany(model: string, entries: Array<[textHash: string, vector: Float32Array]>): Promise<void>;
}
