import { describe, expect, it } from 'vitest';
import { IncontextError } from '../core/index.js';
import { MODEL, PASSAGES, TOPICS, axis, makeEntry, prng, topicEntries } from './conformance-fixtures.js';
import type { Store } from './types.js';

async function seed(store: Store, projectId: string): Promise<void> {
  for (const { origin, entry } of topicEntries(projectId)) await store.replaceOrigin(projectId, origin, [entry]);
}

/** Vector and keyword search parts of the conformance suite. */
export function searchTests(get: () => Store, P: string): void {
  describe('vector search', () => {
    it('ranks by cosine similarity, best first, and honours k', async () => {
      const store = get();
      await seed(store, P);
      // Topic i is axis i plus 0.1 of axis i+1: for axis 2 the order is tcp (1/|v|), then sourdough (0.1/|v|), then the rest at 0.
      const hits = await store.vectorSearch({ projectId: P, model: MODEL, vector: axis(2), k: 6 });
      expect(hits.map((h) => h.document.id).slice(0, 2)).toEqual(['doc-tcp', 'doc-sourdough']);
      expect(hits).toHaveLength(6);
      expect(hits[0]!.score).toBeCloseTo(1 / Math.hypot(1, 0.1), 5);
      expect(hits[1]!.score).toBeCloseTo(0.1 / Math.hypot(1, 0.1), 5);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
      expect(await store.vectorSearch({ projectId: P, model: MODEL, vector: axis(2), k: 2 })).toHaveLength(2);
      expect(await store.vectorSearch({ projectId: P, model: MODEL, vector: axis(2), k: 100 })).toHaveLength(6);
      expect(await store.vectorSearch({ projectId: P, model: MODEL, vector: axis(2), k: 0 })).toEqual([]);
    });

    it('returns the chunk and its document, and scores an unnormalised query as cosine', async () => {
      const store = get();
      await seed(store, P);
      const q = new Float32Array([0, 0, 0, 0, 3, 3]);
      const [hit] = await store.vectorSearch({ projectId: P, model: MODEL, vector: q, k: 1 });
      const expected = topicEntries(P).find((t) => t.entry.document.id === 'doc-aqueduct')!.entry;
      expect(hit!.chunk).toEqual(expected.chunks[0]);
      expect(hit!.document).toEqual({ id: 'doc-aqueduct', source: 'aqueduct.md', format: 'text', title: 'Aqueduct' });
      expect(hit!.score).toBeCloseTo(1.1 / (Math.SQRT2 * Math.hypot(1, 0.1)), 5);
    });

    it('compares only vectors of the asked model; other sizes and unknown models are handled', async () => {
      const store = get();
      await seed(store, P);
      await store.replaceOrigin(P, 'other.md', [makeEntry(P, 'other.md', { id: 'other', texts: [PASSAGES.jazz], vectors: [[1, 0, 0]], model: 'small-3d' })]);
      const small = await store.vectorSearch({ projectId: P, model: 'small-3d', vector: new Float32Array([1, 0, 0]), k: 10 });
      expect(small.map((h) => h.chunk.id)).toEqual(['other#0']);
      const big = await store.vectorSearch({ projectId: P, model: MODEL, vector: axis(0), k: 10 });
      expect(big.map((h) => h.chunk.id)).not.toContain('other#0');
      expect(big).toHaveLength(TOPICS.length);
      expect(await store.vectorSearch({ projectId: P, model: 'never-used', vector: axis(0), k: 10 })).toEqual([]);
      const err = await store.vectorSearch({ projectId: P, model: 'small-3d', vector: axis(0), k: 10 }).catch((e: unknown) => e);
      expect(IncontextError.isInstance(err) && err.code).toBe('BAD_REQUEST');
      expect(await store.embeddingModels(P)).toEqual([
        { model: 'small-3d', dimensions: 3, chunks: 1 },
        { model: MODEL, dimensions: 6, chunks: 6 },
      ]);
    });

    it('agrees with a brute-force cosine ranking on random vectors (odd dimensions, filter, ties of k)', async () => {
      const store = get();
      const rnd = prng(7);
      const dims = 37;
      const docs = Array.from({ length: 300 }, (_, i) =>
        makeEntry(P, `bulk-${i % 5}.txt`, {
          id: `b${i}`,
          texts: [`bulk record ${i}`],
          vectors: [Array.from({ length: dims }, () => rnd() * 2 - 1)],
          model: 'rand-37',
          metadata: { parity: i % 2 },
        }),
      );
      for (let o = 0; o < 5; o++) await store.replaceOrigin(P, `bulk-${o}.txt`, docs.filter((_, i) => i % 5 === o));
      const query = Float32Array.from({ length: dims }, () => rnd() * 2 - 1);
      const qn = Math.hypot(...query);
      const brute = docs
        .map((d) => ({ id: d.chunks[0]!.id, parity: d.document.metadata.parity, score: d.vectors[0]!.reduce((s, x, j) => s + x * query[j]!, 0) / qn }))
        .sort((a, b) => b.score - a.score);
      for (const k of [1, 10, 299, 300]) {
        const hits = await store.vectorSearch({ projectId: P, model: 'rand-37', vector: query, k });
        expect(hits.map((h) => h.chunk.id)).toEqual(brute.slice(0, k).map((b) => b.id));
        hits.forEach((h, i) => expect(h.score).toBeCloseTo(brute[i]!.score, 4));
      }
      const odd = await store.vectorSearch({ projectId: P, model: 'rand-37', vector: query, k: 25, filter: { parity: 1 } });
      expect(odd.map((h) => h.chunk.id)).toEqual(brute.filter((b) => b.parity === 1).slice(0, 25).map((b) => b.id));
    });

    it('applies the filter before taking the top k', async () => {
      const store = get();
      await seed(store, P);
      // The best matches for axis 0 are volcano and jazz; the filter excludes both, k=2 must still give 2 hits.
      const hits = await store.vectorSearch({ projectId: P, model: MODEL, vector: axis(0), k: 2, filter: { topic: { in: ['tcp', 'aqueduct', 'photosynthesis'] } } });
      expect(hits).toHaveLength(2);
      expect(hits.every((h) => ['tcp', 'aqueduct', 'photosynthesis'].includes(h.chunk.metadata.topic as string))).toBe(true);
      expect(await store.vectorSearch({ projectId: P, model: MODEL, vector: axis(0), k: 2, filter: { topic: 'nothing' } })).toEqual([]);
    });
  });

  describe('keyword search', () => {
    const top = async (store: Store, query: string): Promise<string | undefined> =>
      (await store.keywordSearch({ projectId: P, query, k: 3 }))[0]?.document.id;

    it('ranks the passage about the query first, with positive scores, best first', async () => {
      const store = get();
      await seed(store, P);
      expect(await top(store, 'volcano eruption lava')).toBe('doc-volcano');
      expect(await top(store, 'How does TCP react when a packet is lost?')).toBe('doc-tcp');
      expect(await top(store, 'Which gas do plants release from sunlight?')).toBe('doc-photosynthesis');
      expect(await top(store, 'Who played bebop?')).toBe('doc-jazz');
      expect(await top(store, 'How did the Romans move water with gravity?')).toBe('doc-aqueduct');
      const hits = await store.keywordSearch({ projectId: P, query: 'water and flour', k: 10 });
      expect(hits[0]!.document.id).toBe('doc-sourdough');
      expect(hits.every((h) => h.score > 0)).toBe(true);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
      expect(hits.map((h) => h.document.id)).toContain('doc-aqueduct');
      expect(await store.keywordSearch({ projectId: P, query: 'water', k: 1 })).toHaveLength(1);
    });

    it('matches word forms through stemming', async () => {
      const store = get();
      await seed(store, P);
      expect(await top(store, 'fermenting')).toBe('doc-sourdough');
      expect(await top(store, 'erupting volcano')).toBe('doc-volcano');
      expect(await top(store, 'improvised solo')).toBe('doc-jazz');
    });

    it('never throws on punctuation or query syntax in user text', async () => {
      const store = get();
      await seed(store, P);
      expect(await top(store, `what's "TCP"?`)).toBe('doc-tcp');
      expect(await top(store, 'CUBIC* NEAR(slow start) AND OR NOT')).toBe('doc-tcp');
      expect(await top(store, 'lava: "unbalanced (quote')).toBe('doc-volcano');
      expect(await top(store, 'yeast^2 -bread +crumb {dough} [oven]')).toBe('doc-sourdough');
      for (const q of ['', '   ', '!!!', '"', "''", '*', '()', 'AND', 'NOT OR', 'col:umn', '\u0000', 'émigré café']) {
        const hits = await store.keywordSearch({ projectId: P, query: q, k: 5 });
        expect(Array.isArray(hits)).toBe(true);
      }
      expect(await store.keywordSearch({ projectId: P, query: '?!', k: 5 })).toEqual([]);
      expect(await store.keywordSearch({ projectId: P, query: 'zyzzyva', k: 5 })).toEqual([]);
    });

    it('folds case and diacritics', async () => {
      const store = get();
      await store.replaceOrigin(P, 'cafe.md', [makeEntry(P, 'cafe.md', { id: 'cafe', texts: ['The Café served crème brûlée to the émigrés.'] })]);
      expect(await top(store, 'CAFE creme brulee')).toBe('cafe');
      expect(await top(store, 'café')).toBe('cafe');
    });

    it('applies the filter and k', async () => {
      const store = get();
      await seed(store, P);
      const hits = await store.keywordSearch({ projectId: P, query: 'water', k: 10, filter: { topic: { ne: 'sourdough' } } });
      expect(hits.map((h) => h.document.id).sort()).toEqual(['doc-aqueduct', 'doc-photosynthesis']);
      const dated = await store.keywordSearch({ projectId: P, query: 'water', k: 10, filter: { published: { gte: '2025-04-01' } } });
      expect(dated.map((h) => h.document.id).sort()).toEqual(['doc-aqueduct', 'doc-photosynthesis']);
      expect(await store.keywordSearch({ projectId: P, query: 'water', k: 0 })).toEqual([]);
    });
  });
}
