/**
 * The configured retrieval pipeline of the app: the steps of `retrieve.steps`
 * (rerankers, query transforms, MMR, neighbours) after the hybrid search, then
 * parent–child collapse when chunks were made with parents. Each step becomes a
 * span under the `retrieve` span and a line of `explain`.
 */
import type { Config } from '../config/index.js';
import type { Hit } from '../core/index.js';
import type { Embedder } from '../embed/index.js';
import { collapseToParents } from '../chunk/index.js';
import { buildSteps, loadLexicon, retrievePipeline, type GenerateFn, type RerankingModelLike, type RetrievalStep, type StepRecord, type StepSpec, type Support } from '../retrieve/index.js';
import type { Store } from '../store/index.js';
import type { Filter } from '../core/index.js';
import type { SpanHandle, Tracer } from '../trace/index.js';

export interface RetrievalRun {
  hits: Hit[];
  steps: StepRecord[];
  support: Support;
}

export interface RetrievalRequest {
  projectId: string;
  query: string;
  k: number;
  mode: Config['retrieve']['mode'];
  filter?: Filter;
  signal?: AbortSignal;
}

export interface RetrievalDeps {
  config: Config;
  store: Store;
  embedder: () => Promise<Embedder>;
  /** Asks the configured model for a project; only steps that need a model call it. */
  generate: (projectId: string) => GenerateFn;
  /** Folder of the local word vectors' cache (for the local reranker and word expansion). */
  cacheDir: string;
  /** An AI SDK reranking model for the `provider-rerank` step, when `retrieve.rerankModel` is set. */
  rerankingModel?: RerankingModelLike;
}

export function createRetrieval(deps: RetrievalDeps): (request: RetrievalRequest) => Promise<RetrievalRun> {
  const r = deps.config.retrieve;
  let steps: RetrievalStep[] | undefined;
  const stepsOf = (): RetrievalStep[] => {
    const needsLexicon = r.steps.some((s) => s.type === 'local-rerank' || s.type === 'word-expansion' || s.type === 'prf-expansion');
    steps ??= buildSteps(r.steps as StepSpec[], {
      ...(needsLexicon ? { lexicon: loadLexicon(deps.cacheDir) } : {}),
      ...(deps.rerankingModel ? { rerankingModel: deps.rerankingModel } : {}),
    });
    return steps;
  };
  return async (request) => {
    const parents = deps.config.chunk.parent.enabled;
    // Children of one parent collapse into it, so fetch more to still return k parents.
    const k = parents ? request.k * 3 : request.k;
    const run = await retrievePipeline(
      { store: deps.store, embedder: await deps.embedder(), generate: deps.generate(request.projectId) },
      {
        projectId: request.projectId,
        query: request.query,
        k,
        candidates: Math.max(r.candidates, k),
        mode: request.mode,
        weights: r.weights,
        rrfK: r.rrfK,
        ...(request.filter ? { filter: request.filter } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      },
      stepsOf(),
    );
    const hits = parents ? await toParents(deps.store, request.projectId, run.hits, request.k) : run.hits;
    return { hits, steps: run.trace, support: run.support };
  };
}

/**
 * Parent–child: matched on small chunks, answered from their section. The child's id stays, so a
 * citation still points at the chunk that matched; the text is the parent's.
 */
async function toParents(store: Store, projectId: string, hits: Hit[], k: number): Promise<Hit[]> {
  const collapsed = collapseToParents(hits, (h) => h.chunk.metadata, (h) => h.document.id).slice(0, k);
  const texts = new Map<string, string>();
  const out: Hit[] = [];
  for (const { item, parent } of collapsed) {
    if (!parent) {
      out.push(item);
      continue;
    }
    let text = texts.get(item.document.id);
    if (text === undefined) {
      text = (await store.getDocument(projectId, item.document.id))?.text ?? '';
      texts.set(item.document.id, text);
    }
    const section = text.slice(parent.parentStart, parent.parentEnd);
    out.push(section ? { ...item, chunk: { ...item.chunk, text: section, start: parent.parentStart, end: parent.parentEnd, tokenCount: parent.parentTokens } } : item);
  }
  return out.map((h, i) => ({ ...h, rank: i + 1 }));
}

/** The pipeline's step records as child spans of the retrieve span, laid end to end in the time they took. */
export function recordSteps(tracer: Tracer, parent: SpanHandle, run: RetrievalRun): void {
  let at = tracer.now() - run.steps.reduce((sum, s) => sum + s.ms, 0);
  for (const s of run.steps) {
    const kind = /rerank/.test(s.name) ? 'rerank' : 'retrieval';
    const span = tracer.startSpan(s.name, kind, {
      parent,
      startTime: at,
      attributes: { in: s.in, out: s.out, ...(s.warnings.length ? { warnings: s.warnings } : {}) },
    });
    span.setOutput(s.detail);
    at += s.ms;
    span.end('ok');
  }
  parent.setAttributes({ support: run.support.score, weakSupport: run.support.weak });
}
