import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT, STORE_KINDS, openCorpus, type Corpus } from './__fixtures__/corpus.js';
import { neighbourStep } from './neighbours.js';
import { retrievePipeline } from './pipeline.js';
import { chunkPositions } from './positions.js';
import { mmrStep } from './mmr.js';

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
    expect(trace[1]).toMatchObject({ name: 'neighbours', in: 1, out: 3 });
    expect(trace[1]!.detail.added).toHaveLength(2);
    // The neighbours are the stored chunks themselves (ids resolve), and their texts join up in the document.
    const stored = await c.store.getChunks(PROJECT, hits.map((h) => h.chunk.id));
    expect(stored.map((s) => s.text)).toEqual(hits.map((h) => h.chunk.text));
    const doc = await c.store.getDocument(PROJECT, center.chunk.documentId);
    expect(doc!.text.indexOf(hits[1]!.chunk.text)).toBeGreaterThan(doc!.text.indexOf(hits[0]!.chunk.text));
  });

  it('reads neighbours by position through the store, in document order', async () => {
    const first = (await retrievePipeline(deps(), request)).hits[0]!;
    const range = await chunkPositions(c.store).range(PROJECT, first.chunk.documentId, 0, 99);
    expect(range.length).toBeGreaterThan(2);
    expect(range.map((x) => x.index)).toEqual(range.map((_, i) => i));
    expect(range.map((x) => x.documentId)).toEqual(range.map(() => first.chunk.documentId));
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
