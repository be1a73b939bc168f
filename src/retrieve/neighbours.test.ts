import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Chunk } from '../core/index.js';
import type { Store } from '../store/index.js';
import { PROJECT, STORE_KINDS, openCorpus, type Corpus } from './__fixtures__/corpus.js';
import { neighbourStep } from './neighbours.js';
import { retrievePipeline } from './pipeline.js';
import { chunkPositions, type StoreWithChunkRange } from './positions.js';
import { mmrStep } from './mmr.js';

/** A store that has the method this stage asks for, implemented over the reference scan. */
function withChunkRange(store: Store, reference: ReturnType<typeof chunkPositions>): Store & StoreWithChunkRange {
  return Object.assign(Object.create(store) as Store, {
    getChunkRange: (p: string, d: string, from: number, to: number): Promise<Chunk[]> => reference.range(p, d, from, to),
  });
}

describe.each(STORE_KINDS)('neighbour expansion (%s store)', (kind) => {
  let c: Corpus;
  beforeAll(async () => {
    c = await openCorpus(kind);
  });
  afterAll(() => c.close());
  const deps = () => ({ store: c.store, embedder: c.embedder });
  // The answer sits in one sentence of a multi-chunk paragraph.
  const request = { projectId: PROJECT, query: 'Who was the Norse leader who swore fealty to King Charles III?', k: 1, filter: { collection: 'normans' } };

  it('adds the chunks before and after the hit from the same document, in document order', async () => {
    const { hits, trace } = await retrievePipeline(deps(), request, [neighbourStep({ before: 1, after: 1 })]);
    const hit = trace[0]!;
    expect(hit.out).toBeGreaterThan(1);
    const center = hits.find((h) => /Rollo/.test(h.chunk.text) && /fealty/.test(h.chunk.text))!;
    expect(center).toBeDefined();
    const idx = center.chunk.index;
    expect(idx).toBeGreaterThan(0);
    expect(hits.map((h) => h.chunk.index)).toEqual([idx - 1, idx, idx + 1]);
    expect(new Set(hits.map((h) => h.chunk.documentId)).size).toBe(1);
    expect(hits.map((h) => h.rank)).toEqual([1, 2, 3]);
    expect(trace[1]).toMatchObject({ name: 'neighbours', in: 1, out: 3, detail: { via: kind === 'sqlite' ? 'sqlite-file' : 'scan' } });
    expect(trace[1]!.detail.added).toHaveLength(2);
    // The neighbours are the stored chunks themselves (ids resolve), and their texts join up in the document.
    const stored = await c.store.getChunks(PROJECT, hits.map((h) => h.chunk.id));
    expect(stored.map((s) => s.text)).toEqual(hits.map((h) => h.chunk.text));
    const doc = await c.store.getDocument(PROJECT, center.chunk.documentId);
    expect(doc!.text.indexOf(hits[1]!.chunk.text)).toBeGreaterThan(doc!.text.indexOf(hits[0]!.chunk.text));
  });

  it('every route to chunk positions returns the same chunks', async () => {
    const first = (await retrievePipeline(deps(), request)).hits[0]!;
    const probe = async () => ({ model: c.embedder.id, vector: (await c.embedder.embed(['probe'], { kind: 'query' }))[0]! });
    const auto = chunkPositions(c.store, { probe });
    // Only what the scan route uses, so a SQLite store cannot take its file route here.
    const bare = { kind: 'bare', stats: (p: string) => c.store.stats(p), vectorSearch: (q: Parameters<Store['vectorSearch']>[0]) => c.store.vectorSearch(q) };
    const scan = chunkPositions(bare as unknown as Store, { probe });
    expect(scan.via).toBe('scan');
    expect(auto.via).toBe(kind === 'sqlite' ? 'sqlite-file' : 'scan');
    const native = chunkPositions(withChunkRange(c.store, scan), { probe });
    expect(native.via).toBe('store');
    const args = [PROJECT, first.chunk.documentId, 0, 99] as const;
    const [a, b, n] = await Promise.all([auto.range(...args), scan.range(...args), native.range(...args)]);
    expect(a.length).toBeGreaterThan(2);
    expect(a.map((x) => x.index)).toEqual(a.map((_, i) => i));
    expect(b).toEqual(a);
    expect(n).toEqual(a);
  });

  it('never duplicates a chunk, and a neighbour that is itself a hit keeps its own rank', async () => {
    const { hits, trace } = await retrievePipeline(deps(), { ...request, query: 'Rollo Normandy Charles III Viking settlement', k: 4 }, [neighbourStep({ before: 2, after: 2 })]);
    const ids = hits.map((h) => h.chunk.id);
    expect(new Set(ids).size).toBe(ids.length);
    const pool = (await retrievePipeline(deps(), { ...request, query: 'Rollo Normandy Charles III Viking settlement', k: 4 })).hits;
    for (const h of pool) expect(ids).toContain(h.chunk.id);
    // Each original hit appears before any later original hit: ranks among hits are preserved.
    const order = pool.map((h) => ids.indexOf(h.chunk.id));
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(trace[1]!.out).toBe(hits.length);
  });

  it('applies the request filter to neighbours too', async () => {
    // Only even positions may be read; every neighbour at distance 1 is odd.
    const even = { collection: 'normans', position: { in: [0, 2, 4, 6, 8, 10, 12] } };
    const { hits, trace } = await retrievePipeline(deps(), { ...request, filter: even, k: 2 }, [neighbourStep({ before: 1, after: 1 })]);
    expect(hits.every((h) => (h.chunk.metadata.position as number) % 2 === 0)).toBe(true);
    expect(trace[1]!.detail.added).toEqual([]);
    expect(trace[1]!.detail.filteredOut).toBeGreaterThan(0);
  });

  it('merges each hit with its neighbours into one hit cut from the document text', async () => {
    const plain = await retrievePipeline(deps(), request, [neighbourStep({ before: 1, after: 1 })]);
    const { hits, trace } = await retrievePipeline(deps(), request, [neighbourStep({ before: 1, after: 1, merge: true })]);
    expect(hits).toHaveLength(1);
    const [m] = hits;
    const center = plain.hits[1]!;
    expect(m!.chunk.id).toBe(center.chunk.id);
    expect(m!.chunk.metadata.mergedChunkIds).toEqual(plain.hits.map((h) => h.chunk.id));
    expect(m!.chunk.start).toBe(plain.hits[0]!.chunk.start);
    expect(m!.chunk.end).toBe(plain.hits[2]!.chunk.end);
    const doc = await c.store.getDocument(PROJECT, center.chunk.documentId);
    expect(m!.chunk.text).toBe(doc!.text.slice(m!.chunk.start, m!.chunk.end));
    for (const h of plain.hits) expect(m!.chunk.text).toContain(h.chunk.text.trim());
    expect(trace[1]!.detail).toMatchObject({ merged: true });
  });

  it('keeps each group contiguous: a run stops at another hit', async () => {
    const { hits } = await retrievePipeline(deps(), { ...request, query: 'Rollo Normandy Charles III Viking settlement', k: 4 }, [neighbourStep({ before: 3, after: 3, merge: true })]);
    // Merged spans of one document never overlap, so no text reaches the prompt twice.
    const spans = hits.map((h) => [h.chunk.documentId, h.chunk.start, h.chunk.end] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    for (let i = 1; i < spans.length; i++) if (spans[i]![0] === spans[i - 1]![0]) expect(spans[i]![1]).toBeGreaterThanOrEqual(spans[i - 1]![2]);
    expect(hits).toHaveLength(4);
  });

  it('runs after other steps on the cut top k', async () => {
    const { hits, trace } = await retrievePipeline(deps(), { ...request, k: 2 }, [mmrStep(), neighbourStep({ before: 0, after: 1 })]);
    expect(trace.map((t) => t.name)).toEqual(['search', 'mmr', 'neighbours']);
    expect(trace[2]!.in).toBe(2);
    expect(hits.length).toBeGreaterThan(2);
    expect(hits.length).toBeLessThanOrEqual(4);
  });
});
