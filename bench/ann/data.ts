import { gaussian, prng } from '../lib.js';

/**
 * Seeded "random but clustered" unit vectors: points scattered around `clusters` random
 * centres, so neighbourhoods exist as they do in real embeddings (uniform random vectors
 * in 384 dimensions have none, which no index can exploit and no real corpus looks like).
 * Noise equal to the centre spread keeps the clusters overlapping, not trivially separable.
 */
export function clusteredVectors(count: number, dims: number, seed: number, clusters = 2000, centreSeed = 7): Float32Array {
  const g = gaussian(prng(centreSeed));
  const centres = new Float32Array(clusters * dims);
  for (let i = 0; i < centres.length; i++) centres[i] = g();
  const pick = prng(seed);
  const noise = gaussian(prng(seed + 1));
  const out = new Float32Array(count * dims);
  for (let i = 0; i < count; i++) {
    const c = Math.floor(pick() * clusters) * dims;
    let norm = 0;
    for (let j = 0; j < dims; j++) {
      const x = centres[c + j]! + noise();
      out[i * dims + j] = x;
      norm += x * x;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < dims; j++) out[i * dims + j] = out[i * dims + j]! * inv;
  }
  return out;
}
