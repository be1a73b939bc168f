/**
 * 32-bit FNV-1a over UTF-16 code units followed by murmur3's finaliser. JS
 * strings are UTF-16 on every platform, so the result is the same everywhere;
 * the finaliser spreads FNV's weak low bits, which index and sign are cut from.
 */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

export function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A deterministic pseudo-random vector (uniform in [-1, 1] per component) seeded by a word. */
export function hashedVector(word: string, dims: number): Float32Array {
  const out = new Float32Array(dims);
  let state = hash32(word) || 0x9e3779b9;
  for (let d = 0; d < dims; d++) {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[d] = ((state >>> 0) / 0xffffffff) * 2 - 1;
  }
  return out;
}
