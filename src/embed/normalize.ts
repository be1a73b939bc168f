/**
 * Every vector that leaves an embedder is L2-normalised, so cosine similarity
 * is a plain dot product everywhere downstream (store, retrieve, cache).
 */
import { IncontextError } from '../core/index.js';

/** L2-normalise in place and return the same array. A zero vector stays zero (there is no direction to keep). */
export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i]!;
    sum += v * v;
  }
  if (sum === 0 || !Number.isFinite(sum)) return vector;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! * inv;
  return vector;
}

/** Dot product; equals cosine similarity for normalised vectors. */
export function dot(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Cosine similarity that does not assume normalised input. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** The batch size of an embedder option, checked once for every embedder that batches. */
export function batchSizeOf(value: number | undefined, hint = 'Use e.g. 64.'): number {
  const batchSize = value ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new IncontextError('CONFIG_INVALID', `Embedding batch size must be a positive integer, got ${batchSize}`, {
      input: { key: 'embed.batchSize' },
      hint,
    });
  }
  return batchSize;
}
