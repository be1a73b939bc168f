/**
 * Pseudo-relevance feedback (RM3-style, Lavrenko & Croft; Abdul-Jaleel et al. 2004):
 * the top keyword hits are assumed relevant and the words they share, weighted by
 * how likely each document is (from its BM25 score) and how rare the word is,
 * become extra query terms. No model, no network.
 *
 * The store's keyword search takes natural-language text (terms OR-ed, each weighing
 * the same), so the expansion is handed back as a second query text and fused with
 * the original ranking by the pipeline; the original terms stay in it so documents
 * that match both rise.
 */
import type { Hit } from '../../core/index.js';
import { contentWords, isStopword, stem, tokenize, type Lexicon } from '../rerank/index.js';
import { fuseHitLists } from '../fuse.js';
import type { QueryExpander, RetrievalStep, StepContext } from '../steps.js';

export interface PrfOptions {
  /** Feedback documents: the top keyword hits (default 10). */
  feedbackDocs?: number;
  /** Expansion terms added to the query (default 10). */
  terms?: number;
  /** IDF source; without it terms are weighted by their feedback frequency alone (RM1). */
  lexicon?: Lexicon | Promise<Lexicon>;
}

export interface WeightedTerm {
  term: string;
  weight: number;
}

/**
 * RM1 term weights over the feedback hits: Σ_d p(t|d)·p(d|q), p(d|q) a softmax of the
 * BM25 scores, multiplied by an IDF so that words every abstract uses ("results",
 * "study") do not win on frequency alone. Query words (by stem) are excluded.
 */
export function feedbackTerms(query: string, feedback: Hit[], count: number, lexicon?: Lexicon): WeightedTerm[] {
  if (feedback.length === 0 || count <= 0) return [];
  const queryStems = new Set(contentWords(query).map(stem));
  const top = Math.max(...feedback.map((h) => h.score));
  const docWeights = feedback.map((h) => Math.exp(h.score - top));
  const norm = docWeights.reduce((a, b) => a + b, 0) || 1;
  const weights = new Map<string, number>();
  feedback.forEach((h, i) => {
    const words = tokenize(h.chunk.text).filter((t) => t.length > 2 && !isStopword(t) && !/^\d+$/.test(t));
    if (words.length === 0) return;
    const pd = docWeights[i]! / norm;
    for (const w of words) {
      if (queryStems.has(stem(w))) continue;
      weights.set(w, (weights.get(w) ?? 0) + pd / words.length);
    }
  });
  // Without a lexicon, plain RM1: a rarity estimate from the feedback documents alone would
  // punish exactly the words they share, which are the point of feedback.
  const idf = (w: string) => (lexicon ? lexicon.idf(w) : 1);
  // One term per stem ("cells" and "cell" are one expansion), the heavier spelling kept.
  const byStem = new Map<string, WeightedTerm>();
  for (const [term, w] of weights) {
    const weight = w * idf(term);
    const s = stem(term);
    const prev = byStem.get(s);
    if (!prev || prev.weight < weight) byStem.set(s, { term, weight: (prev?.weight ?? 0) + weight });
    else prev.weight += weight;
  }
  return [...byStem.values()].sort((a, b) => b.weight - a.weight || (a.term < b.term ? -1 : 1)).slice(0, count);
}

/** A QueryExpander for `expansionStep`: the query plus its feedback terms, as one text. */
export function createPrfExpander(options: PrfOptions = {}): QueryExpander {
  const feedbackDocs = options.feedbackDocs ?? 10;
  const count = options.terms ?? 10;
  return async (query: string, ctx: StepContext) => {
    const feedback = await ctx.search(query, { mode: 'keyword', k: feedbackDocs });
    const lexicon = options.lexicon ? await options.lexicon : undefined;
    const terms = feedbackTerms(query, feedback, count, lexicon);
    return terms.length === 0 ? [] : [`${query} ${terms.map((t) => t.term).join(' ')}`];
  };
}

/**
 * PRF as a whole step: feedback from the input's keyword hits (no extra search when the
 * pool came from keyword or hybrid search), the expanded query searched by keyword, and
 * the two rankings fused by RRF. Unlike a generic expansion step, every hit keeps the
 * BM25 of the ORIGINAL query as its keyword score (hits only the expansion found get
 * none), so a reranker after it reads the same signal it was trained on.
 */
export function prfStep(options: PrfOptions & { name?: string } = {}): RetrievalStep {
  const feedbackDocs = options.feedbackDocs ?? 10;
  const count = options.terms ?? 10;
  return {
    name: options.name ?? 'prf',
    kind: 'refine',
    async run(hits, ctx) {
      const withKeyword = hits.filter((h) => h.scores.keyword !== undefined).sort((a, b) => b.scores.keyword! - a.scores.keyword!);
      const feedback = withKeyword.length > 0 ? withKeyword.slice(0, feedbackDocs).map((h) => ({ ...h, score: h.scores.keyword! })) : await ctx.search(ctx.query, { mode: 'keyword', k: feedbackDocs });
      const lexicon = options.lexicon ? await options.lexicon : undefined;
      const terms = feedbackTerms(ctx.query, feedback, count, lexicon);
      if (terms.length === 0) {
        ctx.warn('prf: the feedback documents gave no expansion terms; kept the input');
        return { hits, detail: { terms: [] } };
      }
      const expanded = await ctx.search(`${ctx.query} ${terms.map((t) => t.term).join(' ')}`, { mode: 'keyword' });
      const original = new Map(hits.map((h) => [h.chunk.id, h.scores.keyword]));
      const fused = fuseHitLists([{ hits }, { hits: expanded }], ctx.request.rrfK ?? 60).map((h) => {
        const { keyword: _expandedScore, ...scores } = h.scores;
        const kw = original.get(h.chunk.id);
        return { ...h, scores: kw === undefined ? scores : { ...scores, keyword: kw } };
      });
      return {
        hits: fused.slice(0, ctx.request.candidates),
        detail: { terms: terms.map((t) => ({ term: t.term, weight: Math.round(t.weight * 1e4) / 1e4 })), feedback: feedback.length, added: fused.filter((h) => !original.has(h.chunk.id)).length },
      };
    },
  };
}
