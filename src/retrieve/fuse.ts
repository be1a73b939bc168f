import type { Hit } from '../core/index.js';
import { withRanks } from './steps.js';

export interface RankedList {
  hits: Hit[];
  /** Default 1. */
  weight?: number;
}

/**
 * Weighted reciprocal-rank fusion of ranked hit lists (the original query's, HyDE's, each
 * rewrite's, each hop's). A chunk keeps the hit object of the list it first appeared in,
 * with `score` and `scores.fused` set to the fused value. Ties keep first-seen order, so
 * the first list (the original query) wins them.
 */
export function fuseHitLists(lists: RankedList[], rrfK = 60): Hit[] {
  const byId = new Map<string, { hit: Hit; score: number; seen: number }>();
  let seen = 0;
  for (const { hits, weight = 1 } of lists) {
    if (weight <= 0) continue;
    hits.forEach((h, i) => {
      let entry = byId.get(h.chunk.id);
      if (!entry) {
        entry = { hit: h, score: 0, seen: seen++ };
        byId.set(h.chunk.id, entry);
      }
      entry.score += weight / (rrfK + i + 1);
    });
  }
  const fused = [...byId.values()].sort((a, b) => b.score - a.score || a.seen - b.seen);
  return withRanks(fused.map(({ hit, score }) => ({ ...hit, score, scores: { ...hit.scores, fused: score } })));
}

/** Min-max to [0, 1]; all-equal scores map to 1 (nothing tells them apart). */
export function minMax(values: number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  return values.map((v) => (span > 0 ? (v - lo) / span : 1));
}

/** Round for records: step details go into traces and `--json`, where 17 digits are noise. */
export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
