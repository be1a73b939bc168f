import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filterTests } from './conformance-filters.js';
import { MODEL, PASSAGES, TOPICS, axis, makeEntry, topicEntries } from './conformance-fixtures.js';
import { searchTests } from './conformance-search.js';
import type { Store } from './types.js';
import { rejectedError as rejection } from '../testing/index.js';

export { MODEL, PASSAGES, makeEntry, topicEntries } from './conformance-fixtures.js';

const P = 'proj';


export async function seedTopics(store: Store, projectId = P): Promise<void> {
  for (const { origin, entry } of topicEntries(projectId)) await store.replaceOrigin(projectId, origin, [entry]);
}

async function keywordIds(store: Store, query: string, projectId = P): Promise<string[]> {
  return (await store.keywordSearch({ projectId, query, k: 50 })).map((h) => h.chunk.id);
}

async function vectorIds(store: Store, vector: Float32Array, projectId = P, model = MODEL): Promise<string[]> {
  return (await store.vectorSearch({ projectId, model, vector, k: 50 })).map((h) => h.chunk.id);
}

/**
 * The one test suite every Store backend must pass. `open` is called before
 * each test and must return an empty store; `cleanup` runs after each test,
 * once the store is closed.
 */
export function runStoreConformance(name: string, open: () => Promise<Store> | Store, cleanup?: () => void): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
      cleanup?.();
    });

    describe('documents and chunks', () => {
      it('stores documents exactly and reports chunkCount', async () => {
        const entry = makeEntry(P, 'notes/volcano.md', {
          id: 'doc-v',
          texts: [PASSAGES.volcano, PASSAGES.jazz],
          vectors: [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]],
          metadata: { lang: 'en', year: 2024, reviewed: false, editor: null, tags: ['geo', 'earth'] },
          chunkMetadata: [{ headingPath: ['Volcanoes'] }, {}],
          title: 'Volcanoes and jazz',
          format: 'markdown',
        });
        await store.replaceOrigin(P, 'notes/volcano.md', [entry]);
        expect(await store.getDocument(P, 'doc-v')).toEqual({ ...entry.document, chunkCount: 2 });
        expect(await store.getChunks(P, ['doc-v#1', 'missing', 'doc-v#0'])).toEqual([entry.chunks[1], entry.chunks[0]]);
        expect(await store.getDocument(P, 'nope')).toBeUndefined();
        // By position, for neighbour expansion: in index order, clipped to what exists, one project only.
        expect(await store.getChunkRange(P, 'doc-v', 0, 5)).toEqual([entry.chunks[0], entry.chunks[1]]);
        expect(await store.getChunkRange(P, 'doc-v', 1, 1)).toEqual([entry.chunks[1]]);
        expect(await store.getChunkRange(P, 'doc-v', 2, 9)).toEqual([]);
        expect(await store.getChunkRange('another-project', 'doc-v', 0, 5)).toEqual([]);
      });

      it('omits title when the document has none (no title: undefined)', async () => {
        await store.replaceOrigin(P, 'a.txt', [makeEntry(P, 'a.txt', { id: 'a', texts: ['Plain text without a title.'] })]);
        const doc = await store.getDocument(P, 'a');
        expect(doc && 'title' in doc).toBe(false);
        const [hit] = await store.keywordSearch({ projectId: P, query: 'plain', k: 1 });
        expect(hit && 'title' in hit.document).toBe(false);
      });

      it('lists documents ordered by source then id, with limit and offset', async () => {
        await seedTopics(store);
        const all = await store.listDocuments(P);
        expect(all.map((d) => d.source)).toEqual(TOPICS.map((t) => `${t}.md`).sort());
        expect(all.every((d) => d.chunkCount === 1 && d.text.length > 0)).toBe(true);
        const pages = [...(await store.listDocuments(P, { limit: 4 })), ...(await store.listDocuments(P, { limit: 4, offset: 4 }))];
        expect(pages.map((d) => d.id)).toEqual(all.map((d) => d.id));
        expect(await store.listDocuments(P, { offset: 10 })).toEqual([]);
        expect(await store.listDocuments('empty-project')).toEqual([]);
        expect(await store.listDocuments(P, { limit: 0 })).toEqual([]);
        expect((await rejection(store.listDocuments(P, { limit: -1 }))).code).toBe('BAD_REQUEST');
        expect((await rejection(store.listDocuments(P, { offset: 1.5 }))).code).toBe('BAD_REQUEST');
      });

      it('counts documents, chunks and origins per project', async () => {
        await seedTopics(store);
        await store.replaceOrigin(P, 'two.md', [
          makeEntry(P, 'two.md', { id: 't1', texts: ['first half', 'second half'], vectors: [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]] }),
          makeEntry(P, 'two.md', { id: 't2', texts: ['another record'], vectors: [[0, 0, 1, 0, 0, 0]] }),
        ]);
        expect(await store.stats(P)).toEqual({ documents: 8, chunks: 9, origins: 7 });
        expect(await store.stats('other')).toEqual({ documents: 0, chunks: 0, origins: 0 });
      });
    });

    describe('replaceOrigin', () => {
      it('replaces everything of the origin: old documents, chunks, vectors and FTS entries are gone', async () => {
        await store.replaceOrigin(P, 'doc.md', [
          makeEntry(P, 'doc.md', { id: 'old-1', texts: [PASSAGES.volcano, PASSAGES.tcp], vectors: [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]] }),
          makeEntry(P, 'doc.md', { id: 'old-2', texts: [PASSAGES.jazz], vectors: [[0, 0, 1, 0, 0, 0]] }),
        ]);
        expect(await keywordIds(store, 'magma')).toEqual(['old-1#0']);
        await store.replaceOrigin(P, 'doc.md', [makeEntry(P, 'doc.md', { id: 'new-1', texts: [PASSAGES.sourdough], vectors: [[0, 0, 0, 1, 0, 0]], contentHash: 'h2' })]);
        expect(await store.getDocument(P, 'old-1')).toBeUndefined();
        expect(await store.getDocument(P, 'old-2')).toBeUndefined();
        expect(await store.getChunks(P, ['old-1#0', 'old-1#1', 'old-2#0'])).toEqual([]);
        expect(await keywordIds(store, 'magma')).toEqual([]);
        expect(await keywordIds(store, 'improvisation')).toEqual([]);
        expect(await keywordIds(store, 'sourdough')).toEqual(['new-1#0']);
        expect(await vectorIds(store, axis(0))).toEqual(['new-1#0']);
        expect(await store.listOrigins(P)).toEqual([{ origin: 'doc.md', contentHash: 'h2', documentCount: 1 }]);
        expect(await store.embeddingModels(P)).toEqual([{ model: MODEL, dimensions: 6, chunks: 1 }]);
      });

      it('keeps the same document id across re-ingest of the same origin', async () => {
        await store.replaceOrigin(P, 'x.md', [makeEntry(P, 'x.md', { id: 'x', texts: [PASSAGES.jazz] })]);
        await store.replaceOrigin(P, 'x.md', [makeEntry(P, 'x.md', { id: 'x', texts: [PASSAGES.aqueduct] })]);
        expect((await store.getDocument(P, 'x'))?.text).toBe(PASSAGES.aqueduct);
        expect(await keywordIds(store, 'bebop')).toEqual([]);
        expect(await keywordIds(store, 'aqueducts')).toEqual(['x#0']);
      });

      it('with no entries deletes the origin', async () => {
        await seedTopics(store);
        await store.replaceOrigin(P, 'jazz.md', []);
        expect(await store.getDocument(P, 'doc-jazz')).toBeUndefined();
        expect((await store.listOrigins(P)).map((o) => o.origin)).not.toContain('jazz.md');
        expect(await keywordIds(store, 'bebop')).toEqual([]);
      });

      it('rejects an entry whose vectors do not match its chunks, before touching the old rows', async () => {
        await seedTopics(store);
        const good = makeEntry(P, 'jazz.md', { id: 'new-jazz', texts: ['Swing era big bands', 'Cool jazz in the fifties'], vectors: [[1, 0, 0, 0, 0, 0]] });
        const err = await rejection(store.replaceOrigin(P, 'jazz.md', [good]));
        expect(err.code).toBe('BAD_REQUEST');
        expect(err.hint).toBeTruthy();
        expect((await store.getDocument(P, 'doc-jazz'))?.chunkCount).toBe(1);
        expect(await store.getDocument(P, 'new-jazz')).toBeUndefined();
        expect(await keywordIds(store, 'bebop')).toEqual(['doc-jazz#0']);
      });

      it('rejects vectors without a model, non-finite vectors, and chunks of another document', async () => {
        await seedTopics(store);
        const noModel = { ...makeEntry(P, 'z.md', { id: 'z', texts: ['a'], vectors: [[1, 0, 0, 0, 0, 0]] }), model: '' };
        expect((await rejection(store.replaceOrigin(P, 'z.md', [noModel]))).code).toBe('BAD_REQUEST');
        const nan = makeEntry(P, 'z.md', { id: 'z', texts: ['a'] });
        nan.vectors = [new Float32Array([Number.NaN, 1, 0, 0, 0, 0])];
        expect((await rejection(store.replaceOrigin(P, 'z.md', [nan]))).code).toBe('BAD_REQUEST');
        const stray = makeEntry(P, 'z.md', { id: 'z', texts: ['a'] });
        stray.chunks[0]!.documentId = 'doc-jazz';
        expect((await rejection(store.replaceOrigin(P, 'z.md', [stray]))).code).toBe('BAD_REQUEST');
        const wrongOrigin = makeEntry(P, 'elsewhere.md', { id: 'z', texts: ['a'] });
        expect((await rejection(store.replaceOrigin(P, 'z.md', [wrongOrigin]))).code).toBe('BAD_REQUEST');
        expect(await store.stats(P)).toEqual({ documents: 6, chunks: 6, origins: 6 });
      });

      it('a failure in the middle of the write (id owned by another origin) leaves both origins as they were', async () => {
        await seedTopics(store);
        await store.replaceOrigin(P, 'mixed.md', [makeEntry(P, 'mixed.md', { id: 'mixed-old', texts: ['Glaciers carve valleys'], vectors: [[0, 0, 0, 0, 0, 1]] })]);
        // The first entry is new and valid; the second reuses the id of a document that belongs to jazz.md.
        const batch = [
          makeEntry(P, 'mixed.md', { id: 'mixed-new', texts: ['Tides follow the moon'], vectors: [[0, 0, 0, 0, 1, 0]] }),
          makeEntry(P, 'mixed.md', { id: 'doc-jazz', texts: ['Stolen id'], vectors: [[0, 0, 0, 1, 0, 0]] }),
        ];
        const err = await rejection(store.replaceOrigin(P, 'mixed.md', batch));
        expect(err.code).toBe('STORE_FAILED');
        expect(await store.getDocument(P, 'mixed-new')).toBeUndefined();
        expect((await store.getDocument(P, 'mixed-old'))?.chunkCount).toBe(1);
        expect((await store.getDocument(P, 'doc-jazz'))?.text).toBe(PASSAGES.jazz);
        expect(await keywordIds(store, 'glaciers')).toEqual(['mixed-old#0']);
        expect(await keywordIds(store, 'tides')).toEqual([]);
        expect(await vectorIds(store, axis(5))).toContain('mixed-old#0');
        // A chunk id owned by another origin fails the same way.
        const chunkThief = makeEntry(P, 'mixed.md', { id: 'mixed-3', texts: ['x'] });
        chunkThief.chunks[0]!.id = 'doc-tcp#0';
        expect((await rejection(store.replaceOrigin(P, 'mixed.md', [chunkThief]))).code).toBe('STORE_FAILED');
        expect(await keywordIds(store, 'glaciers')).toEqual(['mixed-old#0']);
        expect((await store.getChunks(P, ['doc-tcp#0']))[0]?.text).toBe(PASSAGES.tcp);
        // And the store keeps working afterwards.
        await store.replaceOrigin(P, 'mixed.md', [batch[0]!]);
        expect(await keywordIds(store, 'tides')).toEqual(['mixed-new#0']);
      });

      it('rejects vectors whose dimensions differ from the stored ones of the same model', async () => {
        await seedTopics(store);
        await store.replaceOrigin(P, 'wide.md', [makeEntry(P, 'wide.md', { id: 'narrow', texts: ['six numbers'] })]);
        const wide = makeEntry(P, 'wide.md', { id: 'wide', texts: ['eight numbers'], vectors: [[1, 0, 0, 0, 0, 0, 0, 0]] });
        expect((await rejection(store.replaceOrigin(P, 'wide.md', [wide]))).code).toBe('BAD_REQUEST');
        expect(await store.getDocument(P, 'wide')).toBeUndefined();
        expect((await store.getDocument(P, 'narrow'))?.chunkCount).toBe(1);
        expect(await keywordIds(store, 'six')).toEqual(['narrow#0']);
        // Re-embedding a whole origin that is the only user of the model may change size.
        const solo = makeEntry(P, 's.md', { id: 's', texts: ['solo'], vectors: [[1, 0, 0]], model: 'solo-model' });
        await store.replaceOrigin(P, 's.md', [solo]);
        await store.replaceOrigin(P, 's.md', [makeEntry(P, 's.md', { id: 's', texts: ['solo'], vectors: [[1, 0, 0, 0]], model: 'solo-model' })]);
        expect((await store.embeddingModels(P)).find((m) => m.model === 'solo-model')).toEqual({ model: 'solo-model', dimensions: 4, chunks: 1 });
      });
    });

    describe('origins and deletes', () => {
      it('lists origins with their content hash and document count', async () => {
        await store.replaceOrigin(P, 'b.csv', [
          makeEntry(P, 'b.csv', { id: 'b#row=1', texts: ['row one'], contentHash: 'csvhash' }),
          makeEntry(P, 'b.csv', { id: 'b#row=2', texts: ['row two'], contentHash: 'csvhash' }),
        ]);
        await store.replaceOrigin(P, 'a.md', [makeEntry(P, 'a.md', { id: 'a', texts: ['alpha'], contentHash: 'ahash' })]);
        await store.replaceOrigin(P, 'mixed', [
          makeEntry(P, 'mixed', { id: 'm2', texts: ['m two'], contentHash: 'h-two' }),
          makeEntry(P, 'mixed', { id: 'm1', texts: ['m one'], contentHash: 'h-one' }),
        ]);
        const origins = await store.listOrigins(P);
        expect(origins.slice(0, 2)).toEqual([
          { origin: 'a.md', contentHash: 'ahash', documentCount: 1 },
          { origin: 'b.csv', contentHash: 'csvhash', documentCount: 2 },
        ]);
        const mixed = origins[2]!;
        expect(mixed.origin).toBe('mixed');
        expect(mixed.documentCount).toBe(2);
        expect(mixed.contentHash).toMatch(/^[0-9a-f]{64}$/);
      });

      it('deleteOrigin removes documents, chunks, vectors and FTS entries and returns the count', async () => {
        await seedTopics(store);
        expect(await store.deleteOrigin(P, 'volcano.md')).toBe(1);
        expect(await store.deleteOrigin(P, 'volcano.md')).toBe(0);
        expect(await store.deleteOrigin(P, 'never-there.md')).toBe(0);
        expect(await store.getDocument(P, 'doc-volcano')).toBeUndefined();
        expect(await store.getChunks(P, ['doc-volcano#0'])).toEqual([]);
        expect(await keywordIds(store, 'magma lava')).toEqual([]);
        expect(await vectorIds(store, axis(0))).not.toContain('doc-volcano#0');
        expect((await store.embeddingModels(P))[0]?.chunks).toBe(5);
        expect(await store.stats(P)).toEqual({ documents: 5, chunks: 5, origins: 5 });
      });

      it('deleteDocument removes one document and its chunks, vectors and FTS entries, keeping its siblings', async () => {
        await store.replaceOrigin(P, 'pair.md', [
          makeEntry(P, 'pair.md', { id: 'p1', texts: [PASSAGES.tcp, PASSAGES.aqueduct], vectors: [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]] }),
          makeEntry(P, 'pair.md', { id: 'p2', texts: [PASSAGES.photosynthesis], vectors: [[0, 0, 1, 0, 0, 0]] }),
        ]);
        expect(await store.deleteDocument(P, 'p1')).toBe(true);
        expect(await store.deleteDocument(P, 'p1')).toBe(false);
        expect(await store.getChunks(P, ['p1#0', 'p1#1', 'p2#0'])).toHaveLength(1);
        expect(await keywordIds(store, 'congestion aqueducts')).toEqual([]);
        expect(await keywordIds(store, 'chlorophyll')).toEqual(['p2#0']);
        expect(await vectorIds(store, axis(0))).toEqual(['p2#0']);
        expect(await store.listOrigins(P)).toEqual([{ origin: 'pair.md', contentHash: 'hash-of-pair.md', documentCount: 1 }]);
      });
    });

    describe('project isolation', () => {
      it('project A never sees project B: documents, chunks, hits, origins, models, stats', async () => {
        const a = makeEntry('A', 'notes.md', { id: 'doc-1', texts: [PASSAGES.volcano], vectors: [[1, 0, 0, 0, 0, 0]], contentHash: 'ha' });
        const b = makeEntry('B', 'notes.md', { id: 'doc-1', texts: [PASSAGES.jazz], vectors: [[1, 0, 0, 0, 0, 0]], contentHash: 'hb' });
        const bOnly = makeEntry('B', 'b-only.md', { id: 'doc-b', texts: [PASSAGES.tcp], vectors: [[0, 1, 0, 0, 0, 0]], model: 'b-model' });
        await store.replaceOrigin('A', 'notes.md', [a]);
        await store.replaceOrigin('B', 'notes.md', [b]);
        await store.replaceOrigin('B', 'b-only.md', [bOnly]);
        expect((await store.getDocument('A', 'doc-1'))?.text).toBe(PASSAGES.volcano);
        expect((await store.getDocument('B', 'doc-1'))?.text).toBe(PASSAGES.jazz);
        expect(await store.getDocument('A', 'doc-b')).toBeUndefined();
        expect(await store.getChunks('A', ['doc-b#0'])).toEqual([]);
        expect((await store.getChunks('A', ['doc-1#0']))[0]?.text).toBe(PASSAGES.volcano);
        expect(await keywordIds(store, 'bebop congestion', 'A')).toEqual([]);
        const hits = await store.vectorSearch({ projectId: 'A', model: MODEL, vector: axis(0), k: 10 });
        expect(hits.map((h) => [h.chunk.projectId, h.chunk.text])).toEqual([['A', PASSAGES.volcano]]);
        expect(await store.vectorSearch({ projectId: 'A', model: 'b-model', vector: axis(1), k: 10 })).toEqual([]);
        expect(await store.listOrigins('A')).toEqual([{ origin: 'notes.md', contentHash: 'ha', documentCount: 1 }]);
        expect(await store.embeddingModels('A')).toEqual([{ model: MODEL, dimensions: 6, chunks: 1 }]);
        expect(await store.deleteOrigin('A', 'b-only.md')).toBe(0);
        expect(await store.deleteDocument('A', 'doc-b')).toBe(false);
        expect(await store.deleteOrigin('A', 'notes.md')).toBe(1);
        expect((await store.getDocument('B', 'doc-1'))?.text).toBe(PASSAGES.jazz);
        expect(await keywordIds(store, 'bebop', 'B')).toEqual(['doc-1#0']);
        expect(await store.stats('B')).toEqual({ documents: 2, chunks: 2, origins: 2 });
        expect(await store.stats('A')).toEqual({ documents: 0, chunks: 0, origins: 0 });
      });
    });

    searchTests(() => store, P);

    describe('filters', () => {
      filterTests(() => store);
    });

    it('refuses reads and writes after close with STORE_FAILED, and close is idempotent', async () => {
      await seedTopics(store);
      await store.close();
      await store.close();
      expect((await rejection(store.stats(P))).code).toBe('STORE_FAILED');
      expect((await rejection(store.keywordSearch({ projectId: P, query: 'lava', k: 1 }))).code).toBe('STORE_FAILED');
      expect((await rejection(store.vectorSearch({ projectId: P, model: MODEL, vector: axis(0), k: 1 }))).code).toBe('STORE_FAILED');
      expect((await rejection(store.replaceOrigin(P, 'x.md', [makeEntry(P, 'x.md', { id: 'x', texts: ['x'] })]))).code).toBe('STORE_FAILED');
    });

    describe('embedding cache', () => {
      it('round-trips vectors by (model, text hash), model-scoped, overwritable, in bulk', async () => {
        const cache = store.embeddingCache;
        const v1 = new Float32Array([0.25, -1.5, 3.125]);
        await cache.setMany('m1', [['h1', v1], ['h2', new Float32Array([1, 2, 3])]]);
        const got = await cache.getMany('m1', ['h1', 'missing', 'h2']);
        expect([...got.keys()].sort()).toEqual(['h1', 'h2']);
        expect(Array.from(got.get('h1')!)).toEqual([0.25, -1.5, 3.125]);
        expect(got.get('h1')).toBeInstanceOf(Float32Array);
        expect((await cache.getMany('m2', ['h1'])).size).toBe(0);
        await cache.setMany('m1', [['h1', new Float32Array([9, 9, 9])]]);
        expect(Array.from((await cache.getMany('m1', ['h1'])).get('h1')!)).toEqual([9, 9, 9]);
        const many = Array.from({ length: 1203 }, (_, i): [string, Float32Array] => [`bulk-${i}`, new Float32Array([i, -i])]);
        await cache.setMany('m1', many);
        const back = await cache.getMany('m1', many.map(([h]) => h));
        expect(back.size).toBe(1203);
        expect(Array.from(back.get('bulk-1202')!)).toEqual([1202, -1202]);
        expect(await cache.getMany('m1', [])).toEqual(new Map());
      });
    });

  });
}
