/**
 * Retrieval metrics over one ranked list of ids and graded judgements, as
 * TREC/BEIR define them (pytrec_eval): gain is the grade itself, the discount
 * log2(rank + 1), the ideal ranking built from every judged id. Pure functions,
 * so the bench, the experiment command and tests all compute the same numbers.
 */

/** Graded judgements of one query: id → grade; a grade above 0 is relevant. */
export type Judgements = ReadonlyMap<string, number>;

const relevant = (rel: Judgements, id: string): boolean => (rel.get(id) ?? 0) > 0;

/** 1-based rank of the first relevant id, or 0 when none is relevant. */
export function firstRelevantRank(ranked: readonly string[], rel: Judgements): number {
  return ranked.findIndex((id) => relevant(rel, id)) + 1;
}

/** 1 when a relevant id is among the first `k`, else 0. */
export function hitAt(ranked: readonly string[], rel: Judgements, k: number): number {
  const first = firstRelevantRank(ranked, rel);
  return first > 0 && first <= k ? 1 : 0;
}

/** 1 / rank of the first relevant id (0 when none is within `k`); the mean over queries is MRR. */
export function reciprocalRank(ranked: readonly string[], rel: Judgements, k = Number.POSITIVE_INFINITY): number {
  const first = firstRelevantRank(ranked, rel);
  return first > 0 && first <= k ? 1 / first : 0;
}

/** Share of the relevant ids found in the first `k`; 0 for a query with none judged relevant. */
export function recallAt(ranked: readonly string[], rel: Judgements, k: number): number {
  const total = [...rel.values()].filter((g) => g > 0).length;
  if (total === 0) return 0;
  return ranked.slice(0, k).filter((id) => relevant(rel, id)).length / total;
}

/** Share of the first `k` places holding a relevant id (a shorter list still divides by `k`). */
export function precisionAt(ranked: readonly string[], rel: Judgements, k: number): number {
  if (k <= 0) return 0;
  return ranked.slice(0, k).filter((id) => relevant(rel, id)).length / k;
}

/** Discounted cumulative gain of the first `k` ids: grade / log2(rank + 1). */
export function dcgAt(ranked: readonly string[], rel: Judgements, k: number): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    dcg += (rel.get(id) ?? 0) / Math.log2(i + 2);
  });
  return dcg;
}

/** DCG over the DCG of the ideal order of all judged ids; 0 when nothing is judged relevant. */
export function ndcgAt(ranked: readonly string[], rel: Judgements, k: number): number {
  const dcg = dcgAt(ranked, rel, k);
  const ideal = [...rel.values()].sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((s, g, i) => s + g / Math.log2(i + 2), 0);
  return idcg === 0 ? 0 : dcg / idcg;
}

/** The figures the bench and the experiment report for one query. */
export interface RetrievalScores {
  hit1: number;
  hit5: number;
  hit10: number;
  /** Reciprocal rank over the whole list (no cut-off), so its mean is MRR. */
  mrr: number;
  ndcg10: number;
  recall10: number;
}

export const SCORE_KEYS: ReadonlyArray<keyof RetrievalScores> = ['hit1', 'hit5', 'hit10', 'mrr', 'ndcg10', 'recall10'];

export function scoreRanking(ranked: readonly string[], rel: Judgements): RetrievalScores {
  return {
    hit1: hitAt(ranked, rel, 1),
    hit5: hitAt(ranked, rel, 5),
    hit10: hitAt(ranked, rel, 10),
    mrr: reciprocalRank(ranked, rel),
    ndcg10: ndcgAt(ranked, rel, 10),
    recall10: recallAt(ranked, rel, 10),
  };
}

/** Mean of each figure over queries; NaN for an empty list, so "no queries" never reads as a score of 0. */
export function meanScores(scores: readonly RetrievalScores[]): RetrievalScores {
  const avg = (k: keyof RetrievalScores) => (scores.length === 0 ? Number.NaN : scores.reduce((s, x) => s + x[k], 0) / scores.length);
  return { hit1: avg('hit1'), hit5: avg('hit5'), hit10: avg('hit10'), mrr: avg('mrr'), ndcg10: avg('ndcg10'), recall10: avg('recall10') };
}

/** Ids in first-seen order: chunk hits → documents, each ranked by its best chunk. */
export function dedupeRanking(ids: Iterable<string>): string[] {
  return [...new Set(ids)];
}
