/**
 * Provider rerankers (Cohere, Voyage, Bedrock, ... through their AI SDK packages): any
 * object implementing the AI SDK's RerankingModelV4 (or V3) spec is called directly with
 * `doRerank`. Only the spec's types are imported, so this stage loads no SDK code; retries
 * and tracing of the call belong to the caller's model (or the gateway that wraps it).
 */
import type { JSONObject, RerankingModelV3, RerankingModelV4, SharedV4ProviderOptions } from '@ai-sdk/provider';
import { IncontextError } from '../core/index.js';
import { clip } from './parse.js';
import { rerankStep } from './pipeline.js';
import type { RetrievalStep } from './steps.js';

export type RerankingModelLike = RerankingModelV4 | RerankingModelV3;

export interface ProviderRerankOptions {
  /** Hits sent to the model (default 50); the rest follow unchanged. */
  top?: number;
  /** Passage length sent (default 2,000 characters; providers bill and truncate by tokens). */
  maxChars?: number;
  providerOptions?: SharedV4ProviderOptions;
}

function isRerankingModel(m: unknown): m is RerankingModelLike {
  return typeof m === 'object' && m !== null && typeof (m as { doRerank?: unknown }).doRerank === 'function';
}

export function providerRerankStep(model: RerankingModelLike, options: ProviderRerankOptions = {}): RetrievalStep {
  if (!isRerankingModel(model)) {
    throw new IncontextError('MODEL_NOT_CONFIGURED', 'The reranker is not an AI SDK reranking model', {
      input: { key: 'retrieve.rerank.model' },
      hint: 'Pass a provider reranking model, e.g. cohere.reranking("rerank-v3.5"), or use the llm or local reranker.',
    });
  }
  const name = 'provider-rerank';
  const maxChars = options.maxChars ?? 2000;
  const inner = rerankStep(
    name,
    async (query, hits, ctx) => {
      let result: Awaited<ReturnType<RerankingModelLike['doRerank']>>;
      try {
        result = await model.doRerank({
          query,
          documents: { type: 'text', values: hits.map((h) => clip(h.chunk.text, maxChars)) },
          topN: hits.length,
          ...(ctx.signal ? { abortSignal: ctx.signal } : {}),
          ...(options.providerOptions ? { providerOptions: options.providerOptions as Record<string, JSONObject> } : {}),
        });
      } catch (cause) {
        if (ctx.signal?.aborted) throw cause;
        throw new IncontextError('MODEL_FAILED', `Reranking model ${model.provider}/${model.modelId} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
          hint: 'Check the reranking provider key and model id, or drop the rerank step.',
          cause,
        });
      }
      const scores = new Array<number | undefined>(hits.length).fill(undefined);
      let invalid = 0;
      for (const r of result.ranking ?? []) {
        if (Number.isInteger(r.index) && r.index >= 0 && r.index < hits.length && Number.isFinite(r.relevanceScore) && scores[r.index] === undefined) {
          scores[r.index] = r.relevanceScore;
        } else invalid++;
      }
      if (invalid > 0) ctx.warn(`${name}: ignored ${invalid} ranking entries with a bad or repeated index or score`);
      for (const w of result.warnings ?? []) ctx.warn(`${name}: provider warning: ${JSON.stringify(w)}`);
      return scores;
    },
    { top: options.top ?? 50 },
  );
  return {
    name,
    kind: 'refine',
    async run(hits, ctx) {
      const out = await inner.run(hits, ctx);
      // Cohere-style relevance scores lie in [0, 1] and are usable as support; others are not.
      const reranked = typeof out.detail?.reranked === 'number' ? out.detail.reranked : 0;
      const top = out.hits.slice(0, reranked);
      const probability = reranked > 0 && top.every((h) => h.score >= 0 && h.score <= 1);
      return { ...out, detail: { ...out.detail, model: `${model.provider}/${model.modelId}` }, ...(probability ? { scoreIsProbability: true } : {}) };
    },
  };
}
