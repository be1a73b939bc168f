import { queryTerms, words } from '../text.js';
import { porterStem } from './porter.js';

const K1 = 1.2;
const B = 0.75;

export function analyze(text: string): string[] {
  return words(text).map(porterStem);
}

/**
 * An incremental BM25 index over string keys (chunk ids): postings per stemmed
 * term plus document lengths, updated on add/remove so searches never rebuild.
 */
export class Bm25Index {
  private readonly postings = new Map<string, Map<string, number>>();
  private readonly lengths = new Map<string, number>();
  private totalLength = 0;

  add(key: string, text: string): void {
    const terms = analyze(text);
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) {
      let list = this.postings.get(t);
      if (!list) this.postings.set(t, (list = new Map()));
      list.set(key, n);
    }
    this.lengths.set(key, terms.length);
    this.totalLength += terms.length;
  }

  remove(key: string, text: string): void {
    const length = this.lengths.get(key);
    if (length === undefined) return;
    for (const t of new Set(analyze(text))) {
      const list = this.postings.get(t);
      list?.delete(key);
      if (list?.size === 0) this.postings.delete(t);
    }
    this.lengths.delete(key);
    this.totalLength -= length;
  }

  /** Scores of every key matching at least one query term (OR semantics, like the SQLite store). */
  search(query: string, accept: (key: string) => boolean): Map<string, number> {
    const scores = new Map<string, number>();
    const n = this.lengths.size;
    if (n === 0) return scores;
    const avg = this.totalLength / n;
    const terms = new Set(queryTerms(query).map(porterStem));
    for (const term of terms) {
      const list = this.postings.get(term);
      if (!list) continue;
      // The same IDF as FTS5's bm25(): log((N - n + 0.5) / (n + 0.5)), floored to stay positive.
      const idf = Math.max(1e-6, Math.log((n - list.size + 0.5) / (list.size + 0.5)));
      for (const [key, tf] of list) {
        if (!accept(key)) continue;
        const len = this.lengths.get(key) ?? 0;
        const s = (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * len) / avg));
        scores.set(key, (scores.get(key) ?? 0) + s);
      }
    }
    return scores;
  }
}
