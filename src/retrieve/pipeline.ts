/**
 * retrievePipeline: run composable steps over one request, timing each and keeping a
 * StepRecord per step for traces and `explain`. The steps share one StepContext, so a query
 * is embedded once and chunk vectors are fetched once however many steps use them.
 */
import { IncontextError, type Hit } from '../core/index.js';
import { embeddingCacheKey } from '../embed/index.js';
import { fuseHitLists, round } from './fuse.js';
import { retrieveWithVector } from './retrieve.js';
import { computeSupport, type Support, type SupportOptions } from './support.js';
import {
  withRanks,
  type PipelineDeps,
  type PipelineRequest,
  type QueryExpander,
  type RerankScorer,
  type RetrievalStep,
  type SearchOptions,
  type StepContext,
  type StepDetail,
  type StepRecord,
} from './steps.js';

export interface PipelineResult {
  /** The final hits, ranked from 1: the top k, plus any context a 'context' step added. */
  hits: Hit[];
  /** One record per step that ran, in order (the implicit first search included). */
  trace: StepRecord[];
  /** How well the top hit supports an answer, in [0, 1]; see support.ts for the calibration. */
  support: Support;
}

export interface PipelineOptions {
  support?: SupportOptions;
}

export async function retrievePipeline(
  deps: PipelineDeps,
  request: PipelineRequest,
  steps: RetrievalStep[] = [],
  options: PipelineOptions = {},
): Promise<PipelineResult> {
  checkRequest(request);
  const ordered = steps[0]?.kind === 'source' ? steps : [searchStep(), ...steps];
  const firstContext = ordered.findIndex((s) => s.kind === 'context');
  if (firstContext >= 0 && ordered.slice(firstContext).some((s) => s.kind !== 'context')) {
    throw new IncontextError('BAD_REQUEST', `Retrieval step "${ordered[firstContext]!.name}" adds context and must come after every ranking step`, {
      input: { key: 'steps' },
      hint: 'Put neighbour expansion (and other context steps) at the end of the step list.',
    });
  }
  const { ctx, setWarnings } = createStepContext(deps, request);
  const trace: StepRecord[] = [];
  let hits: Hit[] = [];
  let probability = false;
  let support: Support | undefined;
  const cut = async () => {
    hits = withRanks(hits.slice(0, request.k));
    support = await computeSupport(hits, ctx, { ...options.support, probability });
  };
  for (const step of ordered) {
    if (step.kind === 'context' && !support) await cut();
    request.signal?.throwIfAborted();
    const warnings: string[] = [];
    setWarnings(warnings);
    const started = performance.now();
    const result = await step.run(hits, ctx);
    trace.push({
      name: step.name,
      ms: round(performance.now() - started, 3),
      in: hits.length,
      out: result.hits.length,
      detail: result.detail ?? {},
      warnings,
    });
    hits = withRanks(result.hits);
    if (step.kind !== 'context') probability = result.scoreIsProbability === true;
  }
  setWarnings(undefined);
  if (!support) await cut();
  return { hits, trace, support: support! };
}

function checkRequest(r: PipelineRequest): void {
  if (typeof r.query !== 'string' || !r.query.trim()) {
    throw new IncontextError('BAD_REQUEST', 'The query is empty', { input: { key: 'query' }, hint: 'Pass a question or search terms.' });
  }
  if (!Number.isInteger(r.k) || r.k < 1) {
    throw new IncontextError('BAD_REQUEST', `k must be a positive integer, got ${String(r.k)}`, { input: { key: 'k' }, hint: 'Ask for at least one hit, e.g. k: 5.' });
  }
  if (r.candidates !== undefined && (!Number.isInteger(r.candidates) || r.candidates < 1)) {
    throw new IncontextError('BAD_REQUEST', `candidates must be a positive integer, got ${String(r.candidates)}`, {
      input: { key: 'candidates' },
      hint: 'Leave it out for the default max(50, 4k).',
    });
  }
}

/** The context one pipeline run shares between its steps. Exported for steps' unit tests. */
export function createStepContext(
  deps: PipelineDeps,
  request: PipelineRequest,
): { ctx: StepContext; setWarnings: (w: string[] | undefined) => void } {
  const candidates = Math.max(request.candidates ?? Math.max(50, request.k * 4), request.k);
  const queryVectors = new Map<string, Promise<Float32Array>>();
  const chunkVectors = new Map<string, Float32Array>();
  let warnings: string[] | undefined;
  const signal = request.signal;

  const embedQuery = (text: string): Promise<Float32Array> => {
    let p = queryVectors.get(text);
    if (!p) {
      p = deps.embedder.embed([text], { kind: 'query', ...(signal ? { signal } : {}) }).then(([v]) => {
        if (!v) throw new IncontextError('EMBEDDING_FAILED', `Embedder ${deps.embedder.id} returned no vector for the query`, { hint: 'Check the embedding model.' });
        return v;
      });
      // A failed embedding is not cached: the next step may retry it.
      p.catch(() => queryVectors.delete(text));
      queryVectors.set(text, p);
    }
    return p;
  };

  const ctx: StepContext = {
    deps,
    request: { ...request, candidates },
    query: request.query,
    ...(signal ? { signal } : {}),
    async search(text: string, o: SearchOptions = {}): Promise<Hit[]> {
      const mode = o.mode ?? request.mode ?? 'hybrid';
      const k = o.k ?? candidates;
      const usesVector = mode === 'vector' || (mode === 'hybrid' && (request.weights?.vector ?? 1) > 0);
      const vector = o.vector ?? (usesVector ? await embedQuery(text) : undefined);
      return retrieveWithVector(
        deps,
        {
          projectId: request.projectId,
          query: text,
          k,
          mode,
          candidates: Math.max(k, candidates),
          ...(request.weights ? { weights: request.weights } : {}),
          ...(request.rrfK !== undefined ? { rrfK: request.rrfK } : {}),
          ...(request.filter ? { filter: request.filter } : {}),
        },
        vector,
      );
    },
    embedQuery,
    async chunkVectors(hits: Hit[]): Promise<Float32Array[]> {
      const missing = [...new Map(hits.filter((h) => !chunkVectors.has(h.chunk.id)).map((h) => [h.chunk.id, h.chunk.text])).entries()];
      if (missing.length > 0) {
        // Ingest stored every chunk's vector in the embedding cache under its text hash: reuse it.
        const keys = missing.map(([, text]) => embeddingCacheKey(text, 'document'));
        const cached = await deps.store.embeddingCache.getMany(deps.embedder.id, keys);
        const toEmbed = missing.filter((_, i) => !cached.has(keys[i]!));
        missing.forEach(([id], i) => {
          const v = cached.get(keys[i]!);
          if (v) chunkVectors.set(id, v);
        });
        if (toEmbed.length > 0) {
          const vectors = await deps.embedder.embed(
            toEmbed.map(([, t]) => t),
            { kind: 'document', ...(signal ? { signal } : {}) },
          );
          toEmbed.forEach(([id], i) => {
            const v = vectors[i];
            if (!v) throw new IncontextError('EMBEDDING_FAILED', `Embedder ${deps.embedder.id} returned too few vectors`, { hint: 'Check the embedding model.' });
            chunkVectors.set(id, v);
          });
        }
      }
      return hits.map((h) => chunkVectors.get(h.chunk.id)!);
    },
    async generate(prompt: string): Promise<string> {
      if (!deps.generate) {
        throw new IncontextError('MODEL_NOT_CONFIGURED', 'This retrieval step needs a language model, and none was given', {
          input: { key: 'generate' },
          hint: 'Configure a model (model.default) or drop the HyDE / multi-query / multi-hop / LLM-rerank steps.',
        });
      }
      signal?.throwIfAborted();
      const out = await deps.generate(prompt, signal);
      if (typeof out !== 'string') {
        throw new IncontextError('MODEL_FAILED', `The model returned ${typeof out} instead of text`, { hint: 'The generate function must resolve to a string.' });
      }
      return out;
    },
    warn(message: string): void {
      warnings?.push(message);
    },
  };
  return {
    ctx,
    setWarnings: (w) => {
      warnings = w;
    },
  };
}

/** The base retriever as a step: the request's mode over the candidate pool. */
export function searchStep(options: SearchOptions & { name?: string } = {}): RetrievalStep {
  const { name = 'search', ...search } = options;
  return {
    name,
    kind: 'source',
    async run(_hits, ctx) {
      const hits = await ctx.search(ctx.query, search);
      return { hits, detail: { mode: search.mode ?? ctx.request.mode ?? 'hybrid', candidates: search.k ?? ctx.request.candidates } };
    },
  };
}

export interface RerankStepOptions {
  /** Only the first `top` hits are rescored (default 20); the rest keep their order behind them. */
  top?: number;
  /** The scores are relevance probabilities in [0, 1], usable as abstention support as they are. */
  scoreIsProbability?: boolean;
}

/**
 * Turn a RerankScorer into a step: sort the first `top` hits by the scorer (stable for ties),
 * put hits it could not score after the scored ones, and keep the rest of the pool behind.
 * If it scores nothing, the input order stays and a warning says so.
 */
export function rerankStep(name: string, scorer: RerankScorer, options: RerankStepOptions = {}): RetrievalStep {
  const top = options.top ?? 20;
  return {
    name,
    kind: 'refine',
    async run(hits, ctx) {
      const head = hits.slice(0, top);
      const tail = hits.slice(top);
      if (head.length === 0) return { hits, detail: { reranked: 0 } };
      const scores = await scorer(ctx.query, head, ctx);
      const scored = head.map((hit, i) => ({ hit, i, s: scores[i] })).filter((x): x is { hit: Hit; i: number; s: number } => typeof x.s === 'number' && Number.isFinite(x.s));
      if (scored.length === 0) {
        ctx.warn(`${name}: no hit could be scored; kept the input order`);
        return { hits, detail: { reranked: 0, fallback: 'input-order' } };
      }
      if (scored.length < head.length) ctx.warn(`${name}: ${head.length - scored.length} of ${head.length} hits got no score; they follow the scored ones in input order`);
      scored.sort((a, b) => b.s - a.s || a.i - b.i);
      const unscored = head.filter((_, i) => !scored.some((x) => x.i === i));
      const out = [...scored.map(({ hit, s }) => ({ ...hit, score: s })), ...unscored, ...tail];
      const detail: StepDetail = {
        reranked: scored.length,
        moves: scored.map(({ hit, i, s }) => ({ chunkId: hit.chunk.id, from: i + 1, score: round(s) })),
      };
      return { hits: out, detail, ...(options.scoreIsProbability ? { scoreIsProbability: true } : {}) };
    },
  };
}

export interface ExpansionStepOptions {
  /** Weight of the input ranking (the original query) in the fusion; each expansion weighs 1. */
  originalWeight?: number;
}

/**
 * Turn a QueryExpander into a step: search every alternative text and fuse the lists with
 * the input by RRF. Duplicates of the query and of each other are searched once.
 */
export function expansionStep(name: string, expander: QueryExpander, options: ExpansionStepOptions = {}): RetrievalStep {
  return {
    name,
    kind: 'refine',
    async run(hits, ctx) {
      const seen = new Set([normalizeQuery(ctx.query)]);
      const queries = (await expander(ctx.query, ctx)).map((q) => q.trim()).filter((q) => {
        const n = normalizeQuery(q);
        if (!n || seen.has(n)) return false;
        seen.add(n);
        return true;
      });
      if (queries.length === 0) {
        ctx.warn(`${name}: no new query; kept the input`);
        return { hits, detail: { queries: [] } };
      }
      const lists = await Promise.all(queries.map((q) => ctx.search(q)));
      const before = new Set(hits.map((h) => h.chunk.id));
      const fused = fuseHitLists([{ hits, weight: options.originalWeight ?? 1 }, ...lists.map((l) => ({ hits: l }))], ctx.request.rrfK ?? 60);
      return {
        hits: fused.slice(0, ctx.request.candidates),
        detail: { queries, found: lists.map((l) => l.length), added: fused.filter((h) => !before.has(h.chunk.id)).length },
      };
    },
  };
}

export function normalizeQuery(q: string): string {
  return q.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}
