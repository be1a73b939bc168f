import { ndcgAt } from '../bm25.js';
import { mean } from '../lib.js';
import type { IrDataset } from './data.js';

export interface Quality {
  hit1: number;
  hit5: number;
  hit10: number;
  mrr: number;
  ndcg10: number;
  recall10: number;
}

/** Ranked document ids per query (duplicates from several chunks of one document already removed). */
export function quality(ds: IrDataset, ranked: string[][]): Quality {
  const per = ds.queries.map((q, i) => {
    const rel = ds.qrels.get(q.id) ?? new Map<string, number>();
    const r = ranked[i] ?? [];
    const first = r.findIndex((id) => (rel.get(id) ?? 0) > 0);
    const relevant = [...rel.values()].filter((g) => g > 0).length;
    const found = r.slice(0, 10).filter((id) => (rel.get(id) ?? 0) > 0).length;
    return {
      hit1: first === 0 ? 1 : 0,
      hit5: first >= 0 && first < 5 ? 1 : 0,
      hit10: first >= 0 && first < 10 ? 1 : 0,
      mrr: first >= 0 ? 1 / (first + 1) : 0,
      ndcg10: ndcgAt(r, rel, 10),
      recall10: relevant ? found / relevant : 0,
    };
  });
  const avg = (k: keyof Quality) => mean(per.map((p) => p[k]));
  return { hit1: avg('hit1'), hit5: avg('hit5'), hit10: avg('hit10'), mrr: avg('mrr'), ndcg10: avg('ndcg10'), recall10: avg('recall10') };
}

/** Chunk-level hits → document ids in first-seen order (a document ranks by its best chunk). */
export function docIds(ids: string[]): string[] {
  return [...new Set(ids)];
}
