/**
 * The contract of composable retrieval steps. Every technique (search, HyDE, multi-query,
 * local expansion, multi-hop, rerankers, MMR, neighbour expansion) is a `RetrievalStep`:
 * it takes the current ranked hits and returns new ones, and the pipeline times it and
 * keeps a `StepRecord` that the app turns into a trace span and `explain` output.
 *
 * Steps written in other folders (src/retrieve/rerank, src/retrieve/expand) implement
 * `RetrievalStep` directly, or hand a `RerankScorer` / `QueryExpander` to `rerankStep` /
 * `expansionStep` (pipeline.ts), which do the sorting, fusion and bookkeeping.
 */
import type { Filter, Hit } from '../core/index.js';
import type { Embedder } from '../embed/index.js';
import type { Store } from '../store/index.js';
import type { RetrieveMode } from './retrieve.js';

/**
 * A language model call, injected: retrieve sits below the model stage, so it never
 * imports a model. The app passes a function that runs the configured model (through
 * the gateway); tests pass a deterministic double.
 */
export type GenerateFn = (prompt: string, signal?: AbortSignal) => Promise<string>;

export interface PipelineDeps {
  store: Store;
  embedder: Embedder;
  /** Needed only by steps that ask a model (HyDE, multi-query, multi-hop, LLM rerank). */
  generate?: GenerateFn;
}

export interface PipelineRequest {
  projectId: string;
  query: string;
  /** Hits returned at the end of the pipeline. */
  k: number;
  /** Pool size the steps pass along before the final cut to k (default max(50, 4k)). */
  candidates?: number;
  mode?: RetrieveMode;
  weights?: { vector: number; keyword: number };
  rrfK?: number;
  /** Pushed down into the store by every search a step makes. */
  filter?: Filter;
  signal?: AbortSignal;
}

/** JSON-safe values only, so a record can go straight into a trace span or `--json` output. */
export type StepDetailValue = string | number | boolean | null | StepDetailValue[] | { [key: string]: StepDetailValue };
export type StepDetail = Record<string, StepDetailValue>;

/** What one step did; the app turns these into spans and `explain` lines. */
export interface StepRecord {
  name: string;
  /** Wall time of the step in milliseconds. */
  ms: number;
  /** Hits handed in and handed out. */
  in: number;
  out: number;
  /** Step-specific facts: queries generated, lambda, scores, rounds, ... */
  detail: StepDetail;
  /** Degradations that did not fail the request, e.g. unparseable model output and its fallback. */
  warnings: string[];
}

export interface SearchOptions {
  /** Retriever for this search (default: the request's mode). */
  mode?: RetrieveMode;
  /** How many hits (default: the request's candidate pool). */
  k?: number;
  /** Search by this vector instead of embedding the text (HyDE embeds an answer, not a query). */
  vector?: Float32Array;
}

/** What a step may use. One context per pipeline run; memoised embeddings live here. */
export interface StepContext {
  readonly deps: PipelineDeps;
  readonly request: Readonly<PipelineRequest> & { readonly candidates: number };
  /** The request's query; steps that rewrite it still see the original here. */
  readonly query: string;
  readonly signal?: AbortSignal;
  /** The base retriever (request's mode, weights, rrfK and filter) for another text. Ranks from 1. */
  search(text: string, options?: SearchOptions): Promise<Hit[]>;
  /** Query-kind embedding, memoised for the run. */
  embedQuery(text: string): Promise<Float32Array>;
  /** Document-kind embeddings of the hits' chunks: the store's embedding cache first, the embedder for misses. */
  chunkVectors(hits: Hit[]): Promise<Float32Array[]>;
  /** Calls deps.generate; throws MODEL_NOT_CONFIGURED with a hint when none was given. */
  generate(prompt: string): Promise<string>;
  /** Record a degradation on this step's record (kept, never thrown). */
  warn(message: string): void;
}

export interface StepResult {
  hits: Hit[];
  detail?: StepDetail;
  /**
   * Set by rerankers whose `hit.score` is a relevance probability in [0, 1] (a provider
   * reranker's relevanceScore, an LLM's 0-10 grade / 10): abstention support then uses it as is.
   */
  scoreIsProbability?: boolean;
}

export interface RetrievalStep {
  /** Stable name, used as the span name (`retrieve.<name>`) and in explain, e.g. 'mmr', 'hyde'. */
  readonly name: string;
  /**
   * 'source' steps produce candidates from the query; if a pipeline does not start with one,
   * the default `searchStep()` is put first. 'refine' steps reorder, fuse or filter the
   * candidate pool. 'context' steps (neighbour expansion) run after the pool is cut to k and
   * add context around the final hits; they must come last.
   */
  readonly kind: 'source' | 'refine' | 'context';
  run(hits: Hit[], ctx: StepContext): Promise<StepResult>;
}

/**
 * A reranker reduced to its essence: one relevance score per hit, higher is better, same
 * order as `hits`. `rerankStep(name, scorer)` sorts by it, keeps ties stable, re-ranks and
 * records the scores. Return `undefined` for a hit it could not score (kept after the scored
 * ones in input order).
 */
export type RerankScorer = (query: string, hits: Hit[], ctx: StepContext) => Promise<Array<number | undefined>>;

/**
 * A query transform reduced to its essence: alternative query texts for the same need.
 * `expansionStep(name, expander)` searches each and fuses them with the input by RRF.
 */
export type QueryExpander = (query: string, ctx: StepContext) => Promise<string[]>;

/** Ranks from 1 in array order; every step's output goes through this. */
export function withRanks(hits: Hit[]): Hit[] {
  return hits.map((h, i) => (h.rank === i + 1 ? h : { ...h, rank: i + 1 }));
}
