import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncontextError, type Hit } from '../core/index.js';
import { PROJECT, STORE_KINDS, openCorpus, type Corpus } from './__fixtures__/corpus.js';
import { createStepContext, expansionStep, rerankStep, retrievePipeline, searchStep } from './pipeline.js';
import { neighbourStep } from './neighbours.js';
import { hydeStep } from './transforms.js';
import { retrieve } from './retrieve.js';
import type { RetrievalStep } from './steps.js';

describe.each(STORE_KINDS)('retrievePipeline on the docs corpus (%s store)', (kind) => {
  let c: Corpus;
  beforeAll(async () => {
    c = await openCorpus(kind);
  });
  afterAll(() => c.close());
  const deps = () => ({ store: c.store, embedder: c.embedder });
  const request = { projectId: PROJECT, query: 'How do I skip unchanged files when ingesting again?', k: 5 };

  it('without steps returns what retrieve() returns, with one timed search record', async () => {
    const { hits, trace } = await retrievePipeline(deps(), request);
    const plain = await retrieve(deps(), request);
    expect(hits.map((h) => h.chunk.id)).toEqual(plain.map((h) => h.chunk.id));
    expect(hits.map((h) => h.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(hits[0]!.chunk.text).toMatch(/unchanged/i);
    expect(trace).toHaveLength(1);
    expect(trace[0]).toMatchObject({ name: 'search', in: 0, out: 50, warnings: [], detail: { mode: 'hybrid', candidates: 50 } });
    expect(trace[0]!.ms).toBeGreaterThanOrEqual(0);
  });

  it('keeps the candidate pool between steps and cuts to k at the end', async () => {
    const seen: number[] = [];
    const spy: RetrievalStep = {
      name: 'spy',
      kind: 'refine',
      run: async (hits) => {
        seen.push(hits.length);
        return { hits: [...hits].reverse() };
      },
    };
    const { hits, trace } = await retrievePipeline(deps(), { ...request, candidates: 12 }, [spy]);
    expect(seen).toEqual([12]);
    expect(hits).toHaveLength(5);
    expect(trace.map((t) => [t.name, t.in, t.out])).toEqual([
      ['search', 0, 12],
      ['spy', 12, 12],
    ]);
    // Reversed pool: the old 12th is now first, and ranks are renumbered.
    const plain = await retrieve(deps(), { ...request, k: 12, candidates: 12 });
    expect(hits[0]!.chunk.id).toBe(plain[11]!.chunk.id);
    expect(hits[0]!.rank).toBe(1);
  });

  it('pushes the filter down into every search a step makes', async () => {
    const { hits } = await retrievePipeline(deps(), { ...request, query: 'Normans Rollo', filter: { collection: 'docs' } }, [
      expansionStep('fixed', async () => ['Norse raiders from Denmark']),
    ]);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.chunk.metadata.collection === 'docs')).toBe(true);
  });

  it('reuses chunk vectors from the store cache instead of re-embedding', async () => {
    const { ctx } = createStepContext({ store: c.store, embedder: c.raw }, request);
    const hits = await ctx.search('chunk overlap tokens', { mode: 'keyword', k: 6 });
    c.calls.texts = 0;
    const vectors = await ctx.chunkVectors(hits);
    expect(c.calls.texts).toBe(0);
    expect(vectors).toHaveLength(6);
    const [direct] = await c.raw.embed([hits[0]!.chunk.text], { kind: 'document' });
    expect(Array.from(vectors[0]!)).toEqual(Array.from(direct!));
    // A chunk whose text is not in the cache is embedded.
    c.calls.texts = 0;
    const edited: Hit = { ...hits[0]!, chunk: { ...hits[0]!.chunk, id: 'chk_edited', text: `${hits[0]!.chunk.text} (edited)` } };
    await ctx.chunkVectors([edited]);
    expect(c.calls.texts).toBe(1);
  });
});

describe('retrievePipeline contract', () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await openCorpus('memory');
  });
  afterAll(() => c.close());
  const deps = () => ({ store: c.store, embedder: c.embedder });
  const request = { projectId: PROJECT, query: 'Which formats can I ingest?', k: 4 };

  it('refuses an empty query and a bad k with BAD_REQUEST', async () => {
    await expect(retrievePipeline(deps(), { ...request, query: '  ' })).rejects.toMatchObject({ code: 'BAD_REQUEST', input: { key: 'query' } });
    await expect(retrievePipeline(deps(), { ...request, k: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST', input: { key: 'k' } });
  });

  it('refuses a ranking step after a context step', async () => {
    const err = await retrievePipeline(deps(), request, [neighbourStep(), rerankStep('r', async (_q, hits) => hits.map(() => 1))]).catch((e: unknown) => e);
    expect(IncontextError.isInstance(err) && err.code).toBe('BAD_REQUEST');
    expect((err as IncontextError).hint).toMatch(/end of the step list/);
  });

  it('says a model is needed when a step asks for one and none was given', async () => {
    await expect(retrievePipeline(deps(), request, [hydeStep()])).rejects.toMatchObject({ code: 'MODEL_NOT_CONFIGURED', input: { key: 'generate' } });
  });

  it('stops between steps when the request is aborted', async () => {
    const controller = new AbortController();
    const ran: string[] = [];
    const abortAfter: RetrievalStep = {
      name: 'abort',
      kind: 'refine',
      run: async (hits) => {
        ran.push('abort');
        controller.abort(new Error('client went away'));
        return { hits };
      },
    };
    const never: RetrievalStep = { name: 'never', kind: 'refine', run: async (hits) => (ran.push('never'), { hits }) };
    await expect(retrievePipeline(deps(), { ...request, signal: controller.signal }, [abortAfter, never])).rejects.toThrow('client went away');
    expect(ran).toEqual(['abort']);
  });

  it('runs a given source step instead of the default search', async () => {
    const { trace, hits } = await retrievePipeline(deps(), request, [searchStep({ mode: 'keyword', name: 'bm25' })]);
    expect(trace.map((t) => t.name)).toEqual(['bm25']);
    expect(hits.every((h) => h.scores.keyword !== undefined && h.scores.vector === undefined)).toBe(true);
  });

  it('rerankStep sorts by the scorer, keeps unscored hits after scored ones, and falls back with a warning', async () => {
    const base = await retrievePipeline(deps(), { ...request, k: 6, candidates: 6 });
    const ids = base.hits.map((h) => h.chunk.id);
    // Score the 3rd and 5th only: they go first (5th higher), the rest keep their order.
    const partial = rerankStep('partial', async (_q, hits) => hits.map((_, i) => (i === 2 ? 0.5 : i === 4 ? 0.9 : undefined)));
    const r = await retrievePipeline(deps(), { ...request, k: 6, candidates: 6 }, [partial]);
    expect(r.hits.map((h) => h.chunk.id)).toEqual([ids[4], ids[2], ids[0], ids[1], ids[3], ids[5]]);
    expect(r.trace[1]!.warnings[0]).toMatch(/4 of 6 hits got no score/);
    expect(r.trace[1]!.detail.moves).toEqual([
      { chunkId: ids[4], from: 5, score: 0.9 },
      { chunkId: ids[2], from: 3, score: 0.5 },
    ]);
    const none = rerankStep('none', async (_q, hits) => hits.map(() => undefined));
    const f = await retrievePipeline(deps(), { ...request, k: 6, candidates: 6 }, [none]);
    expect(f.hits.map((h) => h.chunk.id)).toEqual(ids);
    expect(f.trace[1]!.warnings).toEqual(['none: no hit could be scored; kept the input order']);
    expect(f.trace[1]!.detail).toMatchObject({ fallback: 'input-order' });
  });

  it('expansionStep searches each new query once and fuses it with the input', async () => {
    const expander = expansionStep('fixed', async (q) => [q, q.toUpperCase(), 'Incremental re-ingest content hash', ' Incremental re-ingest content hash ']);
    const { trace, hits } = await retrievePipeline(deps(), request, [expander]);
    expect(trace[1]!.detail.queries).toEqual(['Incremental re-ingest content hash']);
    expect(hits.map((h) => h.chunk.text).join('\n')).toMatch(/SHA-256 content hash/);
    const empty = await retrievePipeline(deps(), request, [expansionStep('nothing', async () => [])]);
    expect(empty.trace[1]!.warnings).toEqual(['nothing: no new query; kept the input']);
  });
});
