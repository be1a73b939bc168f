import { dedupeRanking, meanScores, scoreRanking, type RetrievalScores } from '../../src/eval/index.js';
import type { IrDataset } from './data.js';

/** The metrics live in src/eval so the bench and `incontext experiment` compute the very same figures. */
export type Quality = RetrievalScores;

/** Ranked document ids per query (duplicates from several chunks of one document already removed). */
export function quality(ds: IrDataset, ranked: string[][]): Quality {
  return meanScores(ds.queries.map((q, i) => scoreRanking(ranked[i] ?? [], ds.qrels.get(q.id) ?? new Map<string, number>())));
}

/** Chunk-level hits → document ids in first-seen order (a document ranks by its best chunk). */
export function docIds(ids: string[]): string[] {
  return dedupeRanking(ids);
}
