import type { CacheBackend, CacheBackendOptions, CachedResponse, CacheSizes, SemanticHit } from './types.js';
import { VectorBlock } from './vectors.js';

interface Entry {
  projectId: string;
  value: CachedResponse;
  createdAt: number;
}

interface SemanticEntry extends Entry {
  partition: string;
  query: string;
}

export const DEFAULT_MAX_ENTRIES = 10_000;

/** In-process cache backend. Map insertion order is the LRU order: a hit re-inserts. */
export function createMemoryCacheBackend(options: CacheBackendOptions = {}): CacheBackend {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const exact = new Map<string, Entry>();
  const semantic = new Map<number, SemanticEntry>();
  const blocks = new Map<string, VectorBlock<number>>();
  // One entry per (partition, query): storing the same question again replaces it.
  const byQuery = new Map<string, number>();
  let nextId = 1;

  const live = (e: Entry) => options.ttlMs === undefined || now() - e.createdAt < options.ttlMs;

  const dropSemantic = (id: number) => {
    const e = semantic.get(id);
    if (!e) return;
    semantic.delete(id);
    byQuery.delete(`${e.partition}\u0000${e.query}`);
    blocks.get(e.partition)?.remove(id);
  };

  return {
    async getExact(key) {
      const e = exact.get(key);
      if (!e) return undefined;
      exact.delete(key);
      if (!live(e)) return undefined;
      exact.set(key, e);
      return e.value;
    },
    async setExact(key, projectId, value) {
      exact.delete(key);
      exact.set(key, { projectId, value, createdAt: now() });
      while (exact.size > max) exact.delete(exact.keys().next().value!);
    },
    async searchSemantic(partition, vector, threshold): Promise<SemanticHit | undefined> {
      const block = blocks.get(partition);
      if (!block || block.dims !== vector.length) return undefined;
      const best = block.nearest(vector, (id) => live(semantic.get(id)!), threshold);
      if (!best || best.score < threshold) return undefined;
      const e = semantic.get(best.id)!;
      semantic.delete(best.id);
      semantic.set(best.id, e);
      return { value: e.value, score: best.score, query: e.query };
    },
    async setSemantic(partition, projectId, query, vector, value) {
      const previous = byQuery.get(`${partition}\u0000${query}`);
      if (previous !== undefined) dropSemantic(previous);
      const id = nextId++;
      byQuery.set(`${partition}\u0000${query}`, id);
      let block = blocks.get(partition);
      if (!block || block.dims !== vector.length) {
        block = new VectorBlock<number>(vector.length);
        blocks.set(partition, block);
      }
      block.add(id, vector);
      semantic.set(id, { partition, projectId, query, value, createdAt: now() });
      while (semantic.size > max) dropSemantic(semantic.keys().next().value!);
    },
    async clear(projectId) {
      for (const [k, e] of exact) if (projectId === undefined || e.projectId === projectId) exact.delete(k);
      for (const [id, e] of semantic) if (projectId === undefined || e.projectId === projectId) dropSemantic(id);
    },
    async size(): Promise<CacheSizes> {
      return { exact: exact.size, semantic: semantic.size };
    },
    async close() {
      exact.clear();
      semantic.clear();
      blocks.clear();
      byQuery.clear();
    },
  };
}
