/**
 * Feature-hashing embedder: no model files, deterministic everywhere, a few
 * microseconds a text. Lexical only (it knows "install" ~ "installation" through
 * shared character n-grams, not "car" ~ "automobile"), so it is the test and
 * fallback embedder, not a semantic one.
 */
import { IncontextError } from '../core/index.js';
import { hash32 } from './hash.js';
import { normalize } from './normalize.js';
import { words } from './tokenize.js';
import type { Embedder } from './types.js';

export interface HashingEmbedderOptions {
  /** Vector size; default 384. */
  dimensions?: number;
}

/**
 * Weights and hash seeds of the hashing embedder; exported for the guard's faster, bit-identical
 * copy of hashEmbed (src/guard/embed-fast.ts). Whole words carry more meaning than any one of
 * their n-grams; bigrams add word order. Separate seeds keep the word "the" and the trigram "the"
 * in different buckets.
 */
export const HASH_EMBED = { UNIGRAM_WEIGHT: 1, BIGRAM_WEIGHT: 0.7, NGRAM_WEIGHT: 0.35, SEED_WORD: 0x811c9dc5, SEED_BIGRAM: 0x01000193, SEED_NGRAM: 0x9e3779b9 } as const;
const { UNIGRAM_WEIGHT, BIGRAM_WEIGHT, NGRAM_WEIGHT, SEED_WORD, SEED_BIGRAM, SEED_NGRAM } = HASH_EMBED;

export function createHashingEmbedder(options: HashingEmbedderOptions = {}): Embedder {
  const dimensions = options.dimensions ?? 384;
  if (!Number.isInteger(dimensions) || dimensions < 2) {
    throw new IncontextError('CONFIG_INVALID', `Hashing embedder dimensions must be an integer >= 2, got ${dimensions}`, {
      input: { key: 'embed.dimensions' },
      hint: 'Use e.g. 256, 384 or 1024.',
    });
  }
  return {
    id: `local:hash-${dimensions}`,
    dimensions,
    embed(texts: string[]): Promise<Float32Array[]> {
      return Promise.resolve(texts.map((t) => hashEmbed(t, dimensions)));
    },
  };
}

export function hashEmbed(text: string, dimensions: number): Float32Array {
  const unigrams = new Map<string, number>();
  const bigrams = new Map<string, number>();
  const ngrams = new Map<string, number>();
  const count = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);
  const ws = words(text);
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    count(unigrams, w);
    if (i + 1 < ws.length) count(bigrams, `${w} ${ws[i + 1]!}`);
    const padded = `<${w}>`;
    for (let n = 3; n <= 5; n++) {
      for (let s = 0; s + n <= padded.length; s++) count(ngrams, padded.slice(s, s + n));
    }
  }
  const out = new Float32Array(dimensions);
  const place = (m: Map<string, number>, seed: number, weight: number) => {
    for (const [feature, tf] of m) {
      const h = hash32(feature, seed);
      // Sublinear tf: the tenth repetition of a word adds far less than the first.
      const value = weight * (1 + Math.log(tf));
      const index = (h >>> 1) % dimensions;
      out[index] = out[index]! + (h & 1 ? value : -value);
    }
  };
  place(unigrams, SEED_WORD, UNIGRAM_WEIGHT);
  place(bigrams, SEED_BIGRAM, BIGRAM_WEIGHT);
  place(ngrams, SEED_NGRAM, NGRAM_WEIGHT);
  return normalize(out);
}
