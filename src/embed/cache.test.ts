import { describe, expect, it } from 'vitest';
import { sha256 } from '../core/index.js';
import { createHashingEmbedder, createMemoryEmbeddingCache, dot, embeddingCacheKey, withEmbeddingCache, type Embedder, type EmbedOptions } from './index.js';

/** Wraps the hashing embedder and records every call, so tests see exactly what was embedded. */
function countingEmbedder(options: { scale?: number } = {}): Embedder & { calls: string[][]; kinds: Array<EmbedOptions['kind']> } {
  const inner = createHashingEmbedder({ dimensions: 32 });
  const calls: string[][] = [];
  const kinds: Array<EmbedOptions['kind']> = [];
  return {
    id: 'test:counting',
    dimensions: 32,
    calls,
    kinds,
    async embed(texts, embedOptions) {
      calls.push([...texts]);
      kinds.push(embedOptions?.kind);
      const vs = await inner.embed(texts);
      // Deliberately not normalised when scaled, to check the wrapper normalises.
      return vs.map((v) => v.map((x) => x * (options.scale ?? 1)));
    },
  };
}

describe('withEmbeddingCache', () => {
  it('embeds only the texts it has not seen, and returns vectors in input order', async () => {
    const inner = countingEmbedder();
    const cache = createMemoryEmbeddingCache();
    const embedder = withEmbeddingCache(inner, cache);
    expect(embedder.id).toBe('test:counting');
    expect(embedder.dimensions).toBe(32);

    const first = await embedder.embed(['alpha', 'beta']);
    expect(inner.calls).toEqual([['alpha', 'beta']]);
    const second = await embedder.embed(['gamma', 'alpha', 'beta', 'delta']);
    expect(inner.calls).toEqual([['alpha', 'beta'], ['gamma', 'delta']]);
    expect(Array.from(second[1]!)).toEqual(Array.from(first[0]!));
    expect(Array.from(second[2]!)).toEqual(Array.from(first[1]!));
    const direct = await createHashingEmbedder({ dimensions: 32 }).embed(['gamma', 'delta']);
    expect(Array.from(second[0]!)).toEqual(Array.from(direct[0]!));
    expect(Array.from(second[3]!)).toEqual(Array.from(direct[1]!));

    await embedder.embed(['delta', 'gamma']);
    expect(inner.calls).toHaveLength(2);
  });

  it('embeds identical texts in one call only once', async () => {
    const inner = countingEmbedder();
    const embedder = withEmbeddingCache(inner, createMemoryEmbeddingCache());
    const out = await embedder.embed(['same', 'other', 'same', 'same']);
    expect(inner.calls).toEqual([['same', 'other']]);
    expect(out).toHaveLength(4);
    expect(Array.from(out[2]!)).toEqual(Array.from(out[0]!));
    // Results are separate arrays: mutating one does not change the others or the cache.
    out[0]![0] = 42;
    expect(out[2]![0]).not.toBe(42);
    const again = await embedder.embed(['same']);
    expect(again[0]![0]).not.toBe(42);
  });

  it('splits misses into batches of batchSize', async () => {
    const inner = countingEmbedder();
    const embedder = withEmbeddingCache(inner, createMemoryEmbeddingCache(), { batchSize: 3 });
    const texts = Array.from({ length: 8 }, (_, i) => `text ${i}`);
    await embedder.embed(texts);
    expect(inner.calls.map((c) => c.length)).toEqual([3, 3, 2]);
    expect(inner.calls.flat()).toEqual(texts);
  });

  it('stores under the embedder id and sha256 of the text', async () => {
    const cache = createMemoryEmbeddingCache();
    await withEmbeddingCache(countingEmbedder(), cache).embed(['hello']);
    const stored = await cache.getMany('test:counting', [sha256('hello')]);
    expect(stored.size).toBe(1);
    expect((await cache.getMany('other-model', [sha256('hello')])).size).toBe(0);
  });

  it('keeps query and document vectors of the same text apart', async () => {
    const inner = countingEmbedder();
    const embedder = withEmbeddingCache(inner, createMemoryEmbeddingCache());
    await embedder.embed(['what is sif'], { kind: 'document' });
    await embedder.embed(['what is sif'], { kind: 'query' });
    await embedder.embed(['what is sif'], { kind: 'query' });
    expect(inner.kinds).toEqual(['document', 'query']);
    expect(embeddingCacheKey('x', 'query')).not.toBe(embeddingCacheKey('x', 'document'));
    expect(embeddingCacheKey('x', undefined)).toBe(sha256('x'));
  });

  it('normalises what the wrapped embedder returns', async () => {
    const embedder = withEmbeddingCache(countingEmbedder({ scale: 7 }), createMemoryEmbeddingCache());
    const [v] = await embedder.embed(['some words here']);
    expect(dot(v!, v!)).toBeCloseTo(1, 5);
  });

  it('keeps the batches that finished when a later batch fails', async () => {
    const cache = createMemoryEmbeddingCache();
    let calls = 0;
    const flaky: Embedder = {
      id: 'test:flaky',
      dimensions: 2,
      embed(texts) {
        calls++;
        if (calls === 2) return Promise.reject(new Error('upstream down'));
        return Promise.resolve(texts.map(() => Float32Array.from([1, 0])));
      },
    };
    const embedder = withEmbeddingCache(flaky, cache, { batchSize: 2 });
    await expect(embedder.embed(['a', 'b', 'c', 'd'])).rejects.toThrow('upstream down');
    expect(cache.size()).toBe(2);
  });

  it('rejects an embedder that returns the wrong number of vectors', async () => {
    const broken: Embedder = { id: 'test:broken', dimensions: 2, embed: () => Promise.resolve([Float32Array.from([1, 0])]) };
    await expect(withEmbeddingCache(broken, createMemoryEmbeddingCache()).embed(['a', 'b'])).rejects.toMatchObject({ code: 'EMBEDDING_FAILED' });
  });
});
