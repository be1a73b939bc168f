import type { Filter, Hit } from '../core/index.js';
import type { Embedder } from '../embed/index.js';
import type { ScoredChunk, Store } from '../store/index.js';

export type RetrieveMode = 'hybrid' | 'vector' | 'keyword';

export interface RetrieveOptions {
  projectId: string;
  query: string;
  k: number;
  mode?: RetrieveMode;
  /** Candidates taken from each retriever before fusion (default max(50, 4k)). */
  candidates?: number;
  weights?: { vector: number; keyword: number };
  /** Reciprocal-rank-fusion constant (Cormack et al. use 60). */
  rrfK?: number;
  filter?: Filter;
}

export interface RetrieveDeps {
  store: Store;
  embedder: Embedder;
}

/**
 * Weighted reciprocal-rank fusion: score(d) = Σ w_i / (rrfK + rank_i(d)).
 * Rank-based, so BM25 and cosine scales never have to be calibrated against each other.
 */
export function fuseRrf(
  lists: Array<{ weight: number; hits: ScoredChunk[]; kind: 'vector' | 'keyword' }>,
  rrfK: number,
): Array<ScoredChunk & { scores: Hit['scores'] }> {
  const byId = new Map<string, ScoredChunk & { scores: Hit['scores'] }>();
  for (const { weight, hits, kind } of lists) {
    if (weight <= 0) continue;
    hits.forEach((h, i) => {
      let entry = byId.get(h.chunk.id);
      if (!entry) {
        entry = { ...h, score: 0, scores: { fused: 0 } };
        byId.set(h.chunk.id, entry);
      }
      entry.scores[kind] = h.score;
      entry.score += weight / (rrfK + i + 1);
    });
  }
  const fused = [...byId.values()];
  for (const f of fused) f.scores.fused = f.score;
  // Ties (equal fused score) fall back to the vector score, then to chunk id for determinism.
  return fused.sort((a, b) => b.score - a.score || (b.scores.vector ?? 0) - (a.scores.vector ?? 0) || (a.chunk.id < b.chunk.id ? -1 : 1));
}

async function vectorHits(deps: RetrieveDeps, o: RetrieveOptions, n: number, given?: Float32Array): Promise<ScoredChunk[]> {
  const vector = given ?? (await deps.embedder.embed([o.query], { kind: 'query' }))[0];
  if (!vector) return [];
  return deps.store.vectorSearch({ projectId: o.projectId, model: deps.embedder.id, vector, k: n, ...(o.filter ? { filter: o.filter } : {}) });
}

function keywordHits(deps: RetrieveDeps, o: RetrieveOptions, n: number): Promise<ScoredChunk[]> {
  return deps.store.keywordSearch({ projectId: o.projectId, query: o.query, k: n, ...(o.filter ? { filter: o.filter } : {}) });
}

export async function retrieve(deps: RetrieveDeps, o: RetrieveOptions): Promise<Hit[]> {
  return retrieveWithVector(deps, o);
}

/**
 * `retrieve` with the query vector supplied by the caller: the pipeline embeds a query once
 * and reuses it, and HyDE searches by the vector of a hypothetical answer while the keyword
 * side still searches the query text.
 */
export async function retrieveWithVector(deps: RetrieveDeps, o: RetrieveOptions, vector?: Float32Array): Promise<Hit[]> {
  const mode = o.mode ?? 'hybrid';
  const n = o.candidates ?? Math.max(50, o.k * 4);
  const toHits = (list: Array<ScoredChunk & { scores?: Hit['scores'] }>, kind?: 'vector' | 'keyword'): Hit[] =>
    list.slice(0, o.k).map((h, i) => ({
      chunk: h.chunk,
      document: h.document,
      score: h.score,
      scores: h.scores ?? (kind ? { [kind]: h.score } : {}),
      rank: i + 1,
    }));
  if (mode === 'vector') return toHits(await vectorHits(deps, o, o.k, vector), 'vector');
  if (mode === 'keyword') return toHits(await keywordHits(deps, o, o.k), 'keyword');
  const weights = o.weights ?? { vector: 1, keyword: 1 };
  const [vec, kw] = await Promise.all([
    weights.vector > 0 ? vectorHits(deps, o, n, vector) : Promise.resolve([]),
    weights.keyword > 0 ? keywordHits(deps, o, n) : Promise.resolve([]),
  ]);
  return toHits(
    fuseRrf(
      [
        { weight: weights.vector, hits: vec, kind: 'vector' },
        { weight: weights.keyword, hits: kw, kind: 'keyword' },
      ],
      o.rrfK ?? 60,
    ),
  );
}
