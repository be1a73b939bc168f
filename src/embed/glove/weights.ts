/**
 * SIF weights (Arora, Liang, Ma 2017): a word's weight is a / (a + p(w)).
 * The package ships no word counts, only GloVe's frequency order, so p(w) is
 * estimated from the rank with Zipf's law: p(rank r, 0-based) = 1 / ((r + 1) · H_N),
 * H_N ≈ ln N + γ the harmonic number of the full vocabulary size N.
 */
// Measured on the dev sets with common-component removal: 3e-4 edged out 1e-3 and 1e-4 (the paper recommends 1e-4..1e-3).
// The cached principal component is computed with this value; the cache records it and is rebuilt when it changes.
export const SIF_A = 3e-4;
const EULER_GAMMA = 0.5772156649;

export function zipfProbability(rank: number, sourceSize: number): number {
  return 1 / ((rank + 1) * (Math.log(sourceSize) + EULER_GAMMA));
}

export function sifWeight(probability: number, a: number = SIF_A): number {
  return a / (a + probability);
}

/** SIF weights for ranks 0..count-1. */
export function sifWeights(count: number, sourceSize: number, a: number = SIF_A): Float32Array {
  const out = new Float32Array(count);
  for (let r = 0; r < count; r++) out[r] = sifWeight(zipfProbability(r, sourceSize), a);
  return out;
}
