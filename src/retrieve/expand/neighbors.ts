/**
 * Nearest-word expansion from the local word vectors (the GloVe table the local
 * embedder ships): each query word brings its closest neighbours above a cosine
 * threshold ("tumor" → "tumour", "tumors", "cancer"), for vocabulary mismatch
 * without a model. Only the most frequent part of the vocabulary is searched, so
 * neighbours are real words rather than typos and rare names that sit near
 * everything in a 100-dimensional space.
 */
import { contentWords, stem, type Lexicon } from '../rerank/index.js';
import type { QueryExpander } from '../steps.js';

export interface NeighborOptions {
  lexicon: Lexicon | Promise<Lexicon>;
  /** Neighbours per query word (default 2). */
  perWord?: number;
  /** Minimum cosine of a neighbour (default 0.7). */
  minSimilarity?: number;
  /** Search only the this many most frequent words (default 50,000). */
  vocabulary?: number;
}

export function nearestWords(query: string, lexicon: Lexicon, options: Omit<NeighborOptions, 'lexicon'> = {}): Array<{ word: string; of: string; similarity: number }> {
  const perWord = options.perWord ?? 2;
  const min = options.minSimilarity ?? 0.7;
  const words = [...new Set(contentWords(query))];
  const taken = new Set(words.map(stem));
  const out: Array<{ word: string; of: string; similarity: number }> = [];
  for (const w of words) {
    const row = lexicon.row(w);
    if (row < 0 || /^\d+$/.test(w)) continue;
    let added = 0;
    for (const n of lexicon.nearest(row, perWord * 4, options.vocabulary ?? 50_000)) {
      if (added >= perWord || n.similarity < min) break;
      const s = stem(n.word);
      // A neighbour that is the same word inflected ("tumors" for "tumor") adds nothing after stemming.
      if (taken.has(s) || !/^\p{L}+$/u.test(n.word)) continue;
      taken.add(s);
      out.push({ word: n.word, of: w, similarity: n.similarity });
      added++;
    }
  }
  return out;
}

/** A QueryExpander for `expansionStep`: the query plus the neighbours of its words, as one text. */
export function createNeighborExpander(options: NeighborOptions): QueryExpander {
  return async (query: string) => {
    const lexicon = await options.lexicon;
    const extra = nearestWords(query, lexicon, options);
    return extra.length === 0 ? [] : [`${query} ${extra.map((e) => e.word).join(' ')}`];
  };
}
