import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT, STORE_KINDS, corpusDocs, openCorpus, type Corpus } from './__fixtures__/corpus.js';
import { mmrSelect, mmrStep } from './mmr.js';
import { retrievePipeline } from './pipeline.js';

const v = (...xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs.map((x) => x / n));
};

describe('mmrSelect', () => {
  it('skips a near-duplicate of a picked item in favour of a less relevant but different one', () => {
    const vectors = [v(1, 0, 0), v(0.99, 0.1, 0), v(0, 1, 0)];
    expect(mmrSelect([1, 0.95, 0.6], vectors, 2, 0.5).map((p) => p.index)).toEqual([0, 2]);
    // Pure relevance keeps the input order; pure diversity still starts from the most relevant.
    expect(mmrSelect([1, 0.95, 0.6], vectors, 3, 1).map((p) => p.index)).toEqual([0, 1, 2]);
    expect(mmrSelect([1, 0.95, 0.6], vectors, 2, 0).map((p) => p.index)).toEqual([0, 2]);
  });

  it('reports the redundancy it paid for each pick', () => {
    const picked = mmrSelect([1, 0.9], [v(1, 0), v(1, 1)], 2, 0.7);
    expect(picked[0]!.redundancy).toBe(0);
    expect(picked[1]!.redundancy).toBeCloseTo(Math.SQRT1_2, 5);
  });
});

describe.each(STORE_KINDS)('mmrStep on real text with a duplicated document (%s store)', (kind) => {
  let c: Corpus;
  beforeAll(async () => {
    // The same page stored twice under two names: plain retrieval returns both copies.
    const docs = corpusDocs();
    const ingesting = docs.find((d) => d.source === 'docs/ingesting.md')!;
    c = await openCorpus(kind, [...docs, { ...ingesting, source: 'docs/ingesting-copy.md' }]);
  });
  afterAll(() => c.close());
  const request = { projectId: PROJECT, query: 'content hash incremental re-ingest unchanged files', k: 4 };
  const texts = (hits: Array<{ chunk: { text: string } }>) => hits.map((h) => h.chunk.text);

  it('pushes the duplicate out of the top k', async () => {
    const deps = { store: c.store, embedder: c.embedder };
    const plain = await retrievePipeline(deps, request);
    expect(texts(plain.hits)[0]).toBe(texts(plain.hits)[1]);
    const diverse = await retrievePipeline(deps, request, [mmrStep({ lambda: 0.5 })]);
    const top = texts(diverse.hits);
    expect(new Set(top).size).toBe(top.length);
    expect(top[0]).toBe(texts(plain.hits)[0]);
    const record = diverse.trace[1]!;
    expect(record).toMatchObject({ name: 'mmr', in: 50, out: 50, detail: { lambda: 0.5, k: 4, relevance: 'score' } });
    expect((record.detail.picked as unknown[]).length).toBe(4);
  });

  it('with lambda 1 keeps the input order', async () => {
    const deps = { store: c.store, embedder: c.embedder };
    const plain = await retrievePipeline(deps, request);
    const same = await retrievePipeline(deps, request, [mmrStep({ lambda: 1 })]);
    expect(same.hits.map((h) => h.chunk.id)).toEqual(plain.hits.map((h) => h.chunk.id));
  });

  it('can rank by similarity to the query embedding instead of the input scores', async () => {
    const deps = { store: c.store, embedder: c.embedder };
    const r = await retrievePipeline(deps, request, [mmrStep({ lambda: 0.6, relevance: 'query' })]);
    expect(new Set(texts(r.hits)).size).toBe(4);
    expect(r.trace[1]!.detail.relevance).toBe('query');
  });
});

describe('mmrStep options', () => {
  it('refuses a lambda outside [0, 1]', () => {
    expect(() => mmrStep({ lambda: 1.5 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', input: { key: 'retrieve.mmr.lambda' } }));
    expect(() => mmrStep({ lambda: Number.NaN })).toThrow(/between 0 and 1/);
  });
});
