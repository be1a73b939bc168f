import type { RerankingModelV4 } from '@ai-sdk/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT, openCorpus, type Corpus } from './__fixtures__/corpus.js';
import { retrievePipeline } from './pipeline.js';
import { STEP_TYPES, buildSteps, type StepSpec } from './spec.js';
import { termCoverage } from './support.js';

const reranker: RerankingModelV4 = {
  specificationVersion: 'v4',
  provider: 'test',
  modelId: 'overlap',
  doRerank: async ({ query, documents }) => ({
    ranking: (documents.values as string[]).map((t, index) => ({ index, relevanceScore: termCoverage(query, t) })).sort((a, b) => b.relevanceScore - a.relevanceScore),
  }),
};

describe('buildSteps', () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await openCorpus('memory');
  });
  afterAll(() => c.close());

  it('builds every step type but word-expansion without resources beyond a reranking model', () => {
    const specs = STEP_TYPES.filter((t) => t !== 'word-expansion').map((type) => ({ type }) as StepSpec);
    const steps = buildSteps(specs, { rerankingModel: reranker });
    expect(steps.map((s) => s.name)).toEqual(['search', 'mmr', 'neighbours', 'hyde', 'multi-query', 'multi-hop', 'llm-rerank', 'provider-rerank', 'local-rerank', 'prf-expansion']);
  });

  it('runs a composed pipeline from plain data, one record per step', async () => {
    const generate = async (prompt: string) =>
      prompt.startsWith('Write a short passage') ? 'Incremental re-ingest keeps a content hash of every file and skips unchanged files.' : 'DONE';
    const steps = buildSteps(
      [{ type: 'hyde' }, { type: 'prf-expansion', terms: 5 }, { type: 'local-rerank', useVectors: true }, { type: 'provider-rerank', top: 20 }, { type: 'mmr', lambda: 0.6 }, { type: 'neighbours', before: 0, after: 1 }],
      { rerankingModel: reranker },
    );
    const { hits, trace, support } = await retrievePipeline({ store: c.store, embedder: c.embedder, generate }, { projectId: PROJECT, query: 'How can I avoid processing the same file twice?', k: 3 }, steps);
    expect(trace.map((t) => t.name)).toEqual(['search', 'hyde', 'prf-expansion', 'local-rerank', 'provider-rerank', 'mmr', 'neighbours']);
    expect(trace.every((t) => t.ms >= 0 && t.out > 0)).toBe(true);
    expect(trace[6]!.in).toBe(3);
    expect(hits.length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
    // MMR ran after the provider reranker, so support falls back to the features.
    expect(support.basis).toBe('features');
  });

  it('names the bad entry and the allowed types', () => {
    expect(() => buildSteps([{ type: 'mmr' }, { type: 'colbert' } as unknown as StepSpec])).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', input: { key: 'retrieve.steps[1].type' }, hint: expect.stringContaining('local-rerank') }),
    );
    expect(() => buildSteps([{ type: 'provider-rerank' }])).toThrow(expect.objectContaining({ code: 'MODEL_NOT_CONFIGURED', input: { key: 'retrieve.steps[0]' } }));
    expect(() => buildSteps([{ type: 'word-expansion' }], {}, 'steps')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', input: { key: 'steps[0]' } }));
  });
});
