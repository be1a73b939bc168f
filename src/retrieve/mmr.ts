/**
 * Maximal marginal relevance (Carbonell & Goldstein, 1998): pick hits one by one,
 * each maximising  λ·relevance − (1−λ)·max similarity to the hits already picked,
 * so five near-copies of one paragraph do not fill the context.
 *
 * Unlike the common vector-store versions, relevance defaults to the pipeline's own
 * ranking (its scores min-max scaled to [0, 1]) rather than the query-embedding cosine,
 * so what keyword search, fusion or a reranker learned is not thrown away.
 */
import { IncontextError, type Hit } from '../core/index.js';
import { minMax, round } from './fuse.js';
import type { RetrievalStep } from './steps.js';

export interface MmrOptions {
  /** 1 = pure relevance, 0 = pure diversity (default 0.7). */
  lambda?: number;
  /** Hits to select (default: the request's k); the unselected follow in input order. */
  k?: number;
  /** 'score' (default): the input ranking's scores; 'query': cosine to the query embedding. */
  relevance?: 'score' | 'query';
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

/** Indices in pick order. Exported for tests and for callers with their own vectors. */
export function mmrSelect(relevance: number[], vectors: Float32Array[], k: number, lambda: number): Array<{ index: number; value: number; redundancy: number }> {
  const n = relevance.length;
  const picked: Array<{ index: number; value: number; redundancy: number }> = [];
  // Highest similarity of each candidate to any picked hit, updated as picks happen: O(n·k).
  const maxSim = new Array<number>(n).fill(-Infinity);
  const taken = new Uint8Array(n);
  for (let round_ = 0; round_ < Math.min(k, n); round_++) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      const redundancy = picked.length === 0 ? 0 : maxSim[i]!;
      const value = lambda * relevance[i]! - (1 - lambda) * redundancy;
      // Strict > keeps the earlier (better-ranked) candidate on ties.
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    taken[best] = 1;
    picked.push({ index: best, value: bestValue, redundancy: picked.length === 0 ? 0 : maxSim[best]! });
    const v = vectors[best]!;
    for (let i = 0; i < n; i++) if (!taken[i]) maxSim[i] = Math.max(maxSim[i]!, dot(v, vectors[i]!));
  }
  return picked;
}

export function mmrStep(options: MmrOptions = {}): RetrievalStep {
  const lambda = options.lambda ?? 0.7;
  if (!(lambda >= 0 && lambda <= 1)) {
    throw new IncontextError('BAD_REQUEST', `MMR lambda must be between 0 and 1, got ${String(lambda)}`, {
      input: { key: 'retrieve.mmr.lambda' },
      hint: 'Use 1 for pure relevance, 0 for pure diversity; 0.5-0.8 is usual.',
    });
  }
  return {
    name: 'mmr',
    kind: 'refine',
    async run(hits, ctx) {
      const k = options.k ?? ctx.request.k;
      if (hits.length <= 1) return { hits, detail: { lambda, k } };
      const vectors = await ctx.chunkVectors(hits);
      let relevance: number[];
      if (options.relevance === 'query') {
        const q = await ctx.embedQuery(ctx.query);
        relevance = vectors.map((v) => dot(q, v));
      } else {
        relevance = minMax(hits.map((h) => h.score));
      }
      const picked = mmrSelect(relevance, vectors, k, lambda);
      const chosen = new Set(picked.map((p) => p.index));
      const out: Hit[] = [...picked.map((p) => ({ ...hits[p.index]!, score: p.value })), ...hits.filter((_, i) => !chosen.has(i))];
      return {
        hits: out,
        detail: {
          lambda,
          k,
          relevance: options.relevance ?? 'score',
          picked: picked.map((p) => ({ chunkId: hits[p.index]!.chunk.id, from: p.index + 1, relevance: round(relevance[p.index]!), redundancy: round(p.redundancy) })),
        },
      };
    },
  };
}
