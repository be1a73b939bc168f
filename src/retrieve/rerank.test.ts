import type { RerankingModelV3, RerankingModelV4, RerankingModelV4CallOptions } from '@ai-sdk/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT, STORE_KINDS, openCorpus, type Corpus } from './__fixtures__/corpus.js';
import { llmRerankStep } from './llm-rerank.js';
import { retrievePipeline } from './pipeline.js';
import { providerRerankStep, type RerankingModelLike } from './provider-rerank.js';
import { termCoverage } from './support.js';

const request = { projectId: PROJECT, query: 'Which file types and formats can be loaded?', k: 5, candidates: 10 };
const mentionsPdf = (t: string) => /PDF|\.pdf/.test(t);

/** Passages as the listwise prompt numbered them. */
function passagesOf(prompt: string): Array<{ id: number; text: string }> {
  return [...prompt.matchAll(/^\[(\d+)\] (.*)$/gm)].map((m) => ({ id: Number(m[1]), text: m[2]! }));
}

/** A hand-made AI SDK reranking model: scores by query-term coverage, as a provider would by relevance. */
function overlapReranker(log: RerankingModelV4CallOptions[], transform?: (r: Array<{ index: number; relevanceScore: number }>) => Array<{ index: number; relevanceScore: number }>): RerankingModelV4 {
  return {
    specificationVersion: 'v4',
    provider: 'test',
    modelId: 'overlap-1',
    doRerank: async (options) => {
      log.push(options);
      if (options.documents.type !== 'text') throw new Error('text only');
      const ranking = options.documents.values
        .map((text, index) => ({ index, relevanceScore: termCoverage(options.query, text) }))
        .sort((a, b) => b.relevanceScore - a.relevanceScore)
        .slice(0, options.topN);
      return { ranking: transform ? transform(ranking) : ranking };
    },
  };
}

describe.each(STORE_KINDS)('rerankers (%s store)', (kind) => {
  let c: Corpus;
  beforeAll(async () => {
    c = await openCorpus(kind);
  });
  afterAll(() => c.close());
  const deps = (generate?: (p: string) => Promise<string>) => ({ store: c.store, embedder: c.embedder, ...(generate ? { generate } : {}) });

  describe('LLM listwise', () => {
    it('applies the order the model gives and appends the passages it left out in input order', async () => {
      const plain = await retrievePipeline(deps(), { ...request, k: 10 });
      let pdfIds: number[] = [];
      const generate = async (prompt: string) => {
        pdfIds = passagesOf(prompt)
          .filter((p) => mentionsPdf(p.text))
          .map((p) => p.id)
          .reverse();
        return `Sure. Ranking: ${pdfIds.map((i) => `[${i}]`).join(' > ')}`;
      };
      const { hits, trace } = await retrievePipeline(deps(generate), { ...request, k: 10 }, [llmRerankStep()]);
      expect(pdfIds.length).toBeGreaterThan(0);
      expect(pdfIds.length).toBeLessThan(10);
      const expected = [...pdfIds.map((i) => plain.hits[i - 1]!.chunk.id), ...plain.hits.filter((_, i) => !pdfIds.includes(i + 1)).map((h) => h.chunk.id)];
      expect(hits.map((h) => h.chunk.id)).toEqual(expected);
      expect(trace[1]!.warnings[0]).toMatch(new RegExp(`ranked ${pdfIds.length} of 10 passages`));
    });

    it('ranks a long list with a sliding window, so the best passage climbs from the bottom to the top', async () => {
      const plain = await retrievePipeline(deps(), { ...request, k: 10 });
      const best = plain.hits[9]!.chunk.text.replace(/\s+/g, ' ').slice(0, 50);
      const windows: number[] = [];
      // The model knows one thing: the passage that starts like `best` is the most relevant.
      const generate = async (prompt: string) => {
        const ps = passagesOf(prompt);
        windows.push(ps.length);
        const top = ps.find((p) => p.text.startsWith(best));
        return [...(top ? [top] : []), ...ps.filter((p) => p !== top)].map((p) => `[${p.id}]`).join(' > ');
      };
      const { hits, trace } = await retrievePipeline(deps(generate), { ...request, k: 10 }, [llmRerankStep({ top: 10, window: 4, stride: 2 })]);
      expect(windows).toEqual([4, 4, 4, 4]);
      expect(hits[0]!.chunk.id).toBe(plain.hits[9]!.chunk.id);
      // Everything else keeps its relative order.
      expect(hits.slice(1).map((h) => h.chunk.id)).toEqual(plain.hits.slice(0, 9).map((h) => h.chunk.id));
      expect(trace[1]!.warnings).toEqual([]);
    });

    it('reads a JSON ranking', async () => {
      const plain = await retrievePipeline(deps(), request);
      const { hits } = await retrievePipeline(deps(async () => '```json\n{"ranking": [3, 3, 99, 2]}\n```'), request, [llmRerankStep({ top: 5 })]);
      expect(hits.map((h) => h.chunk.id).slice(0, 2)).toEqual([plain.hits[2]!.chunk.id, plain.hits[1]!.chunk.id]);
    });

    it('keeps the input order, with the reply in a warning, when no ranking can be read', async () => {
      const plain = await retrievePipeline(deps(), request);
      const { hits, trace } = await retrievePipeline(deps(async () => 'I cannot help with ranking.'), request, [llmRerankStep()]);
      expect(hits.map((h) => h.chunk.id)).toEqual(plain.hits.map((h) => h.chunk.id));
      expect(trace[1]!.warnings).toEqual([
        'llm-rerank: no ranking could be read from the model\'s reply: "I cannot help with ranking."',
        'llm-rerank: no hit could be scored; kept the input order',
      ]);
    });
  });

  describe('LLM pointwise', () => {
    it('grades each passage, ranks by grade, and the grade becomes the abstention support', async () => {
      const plain = await retrievePipeline(deps(), { ...request, k: 8 });
      const ungradable = plain.hits[7]!;
      const prompts: string[] = [];
      const generate = async (prompt: string) => {
        prompts.push(prompt);
        const passage = /Passage: ([\s\S]*)\n\nReply/.exec(prompt)![1]!;
        if (ungradable.chunk.text.replace(/\s+/g, ' ').startsWith(passage.slice(0, 60))) return 'n/a';
        return mentionsPdf(passage) ? 'Score: **9**/10' : '{"score": 2}';
      };
      const { hits, trace, support } = await retrievePipeline(deps(generate), { ...request, k: 8 }, [llmRerankStep({ mode: 'pointwise', top: 8 })]);
      expect(prompts).toHaveLength(8);
      expect(mentionsPdf(hits[0]!.chunk.text)).toBe(true);
      expect(hits[0]!.score).toBe(0.9);
      expect(support).toMatchObject({ basis: 'reranker', score: 0.9, weak: false, chunkId: hits[0]!.chunk.id });
      // The passage without a grade goes last, and the warning quotes the reply.
      expect(hits[7]!.chunk.id).toBe(ungradable.chunk.id);
      expect(trace[1]!.warnings[0]).toBe('llm-rerank: 1 of 8 grades unreadable, e.g. "n/a"');
    });
  });

  describe('provider (AI SDK RerankingModel)', () => {
    it('sends the passages to doRerank and ranks by its relevance scores', async () => {
      const log: RerankingModelV4CallOptions[] = [];
      const controller = new AbortController();
      const { hits, trace, support } = await retrievePipeline(deps(), { ...request, signal: controller.signal }, [providerRerankStep(overlapReranker(log))]);
      expect(log).toHaveLength(1);
      expect(log[0]!.query).toBe(request.query);
      expect(log[0]!.documents.values).toHaveLength(10);
      expect(log[0]!.topN).toBe(10);
      expect(log[0]!.abortSignal).toBe(controller.signal);
      const scores = hits.map((h) => h.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(hits[0]!.score).toBe(termCoverage(request.query, hits[0]!.chunk.text));
      expect(trace[1]!.detail.model).toBe('test/overlap-1');
      expect(support.basis).toBe('reranker');
      expect(support.score).toBe(hits[0]!.score);
    });

    it('takes a V3 model too, and ignores bad indices with a warning', async () => {
      const v4 = overlapReranker([], (r) => [{ index: 42, relevanceScore: 1 }, { index: -1, relevanceScore: 1 }, ...r, { index: 0, relevanceScore: 5 }]);
      const v3: RerankingModelV3 = { specificationVersion: 'v3', provider: 'test', modelId: 'v3', doRerank: async (o) => ({ ranking: (await v4.doRerank(o)).ranking }) };
      const { trace } = await retrievePipeline(deps(), request, [providerRerankStep(v3)]);
      expect(trace[1]!.warnings).toEqual(['provider-rerank: ignored 3 ranking entries with a bad or repeated index or score']);
      expect(trace[1]!.detail.reranked).toBe(10);
    });

    it('does not treat unbounded scores as probabilities', async () => {
      const model = overlapReranker([], (r) => r.map((x) => ({ ...x, relevanceScore: x.relevanceScore * 12 - 3 })));
      const { support } = await retrievePipeline(deps(), request, [providerRerankStep(model)]);
      expect(support.basis).toBe('features');
    });

    it('turns a provider failure into MODEL_FAILED and refuses a non-model', async () => {
      const failing: RerankingModelLike = {
        specificationVersion: 'v4',
        provider: 'test',
        modelId: 'down',
        doRerank: async () => {
          throw new Error('503 Service Unavailable');
        },
      };
      await expect(retrievePipeline(deps(), request, [providerRerankStep(failing)])).rejects.toMatchObject({
        code: 'MODEL_FAILED',
        message: expect.stringContaining('test/down failed: 503'),
      });
      expect(() => providerRerankStep({} as RerankingModelLike)).toThrow(expect.objectContaining({ code: 'MODEL_NOT_CONFIGURED' }));
    });
  });
});
