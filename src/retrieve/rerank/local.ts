/**
 * The local reranker: no network, no model download. It scores the candidate
 * pool with a learned linear model over lexical, proximity and word-vector
 * features (features.ts), with weights trained by train.ts on pseudo-queries
 * cut from public corpora (weights.json).
 */
import type { Hit } from '../../core/index.js';
import { dot, loadGloveCache } from '../../embed/index.js';
import { rerankStep } from '../pipeline.js';
import type { RerankScorer, RetrievalStep, StepContext } from '../steps.js';
import { candidateFeatures, prepareQuery, type Candidate } from './features.js';
import { createLexicon, type Lexicon } from './lexicon.js';
import { scoreFeatures, validateModel, type RerankModel } from './model.js';
import shipped from './weights.json' with { type: 'json' };

export interface LocalRerankerOptions {
  /** Word statistics (IDF, word vectors). Without it every query word weighs the same and soft matches are off. */
  lexicon?: Lexicon | Promise<Lexicon>;
  /** Weights to use instead of the shipped ones (e.g. retrained on your own judgements). */
  model?: RerankModel;
  /** Compute the query–passage cosine with the pipeline's embedder (default true). */
  useVectors?: boolean;
}

export const SHIPPED_RERANK_MODEL: RerankModel = validateModel(shipped as RerankModel, 'src/retrieve/rerank/weights.json');

const lexicons = new Map<string, Promise<Lexicon>>();

/** The lexicon over the local embedder's GloVe cache in `cacheDir`; loaded once per folder and shared. */
export function loadLexicon(cacheDir: string): Promise<Lexicon> {
  let p = lexicons.get(cacheDir);
  if (!p) {
    p = loadGloveCache({ cacheDir }).then((g) => createLexicon(g.table));
    // A failed load is retried next time rather than cached.
    p.catch(() => lexicons.delete(cacheDir));
    lexicons.set(cacheDir, p);
  }
  return p;
}

export function hitCandidates(hits: Hit[], cosines?: Array<number | undefined>): Candidate[] {
  return hits.map((h, i) => {
    const cosine = cosines?.[i] ?? h.scores.vector;
    return {
      text: h.chunk.text,
      ...(h.document.title ? { title: h.document.title } : {}),
      ...(h.scores.keyword !== undefined ? { keyword: h.scores.keyword } : {}),
      ...(cosine !== undefined ? { cosine } : {}),
    };
  });
}

/** Scores for `hits` in their order (the input order is itself a feature, so pass them as ranked). */
export function scoreCandidates(query: string, candidates: Candidate[], model: RerankModel, lexicon?: Lexicon): number[] {
  return candidateFeatures(prepareQuery(query, lexicon), candidates, lexicon).map((f) => scoreFeatures(model, f));
}

export function createLocalReranker(options: LocalRerankerOptions = {}): RerankScorer {
  const model = options.model ? validateModel(options.model, 'the model option') : SHIPPED_RERANK_MODEL;
  const useVectors = options.useVectors ?? true;
  return async (query: string, hits: Hit[], ctx: StepContext) => {
    if (hits.length === 0) return [];
    const lexicon = options.lexicon ? await options.lexicon : undefined;
    let cosines: number[] | undefined;
    if (useVectors) {
      const [q, vectors] = await Promise.all([ctx.embedQuery(query), ctx.chunkVectors(hits)]);
      cosines = vectors.map((v) => (v.length === q.length ? dot(q, v) : 0));
    }
    return scoreCandidates(query, hitCandidates(hits, cosines), model, lexicon);
  };
}

/**
 * The local reranker as a pipeline step over the whole candidate pool (default 50, the
 * pool it was trained and measured on; the generic rerankStep default of 20 leaves
 * candidates 21-50 unseen).
 */
export function localRerankStep(options: LocalRerankerOptions & { top?: number } = {}): RetrievalStep {
  const { top = 50, ...rest } = options;
  return rerankStep('local-rerank', createLocalReranker(rest), { top });
}
