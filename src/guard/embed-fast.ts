/**
 * The hashing embedder's vector (`hashEmbed` of src/embed), computed for the guard's similarity signal
 * without building a string per n-gram. `hashEmbed` counts features in Maps keyed by the feature
 * string and then adds each feature's weight at the bucket of its hash, in insertion order; this
 * counts them in a table keyed by the same 32-bit hash, checks on every repeat that the stored feature
 * is the same string (so two features can never be merged), and adds the same float terms in the same
 * order, so the vector is the same to the last bit. On a true hash collision between two different
 * features it falls back to `hashEmbed` itself. embed-fast.test.ts compares the two on many texts.
 */
import { fmix32, HASH_EMBED, hashEmbed, normalize } from '../embed/index.js';

const { UNIGRAM_WEIGHT, BIGRAM_WEIGHT, NGRAM_WEIGHT, SEED_WORD, SEED_BIGRAM, SEED_NGRAM } = HASH_EMBED;
const PRIME = 0x01000193;

function fnv(text: string, h: number): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), PRIME);
  return h;
}

/**
 * Insertion-ordered counts keyed by a 32-bit hash, with a caller-supplied identity per slot. Reused
 * between calls: a scan embeds dozens of windows, and allocating Maps per window was most of the cost.
 */
class Counts {
  private mask = 1023;
  private table = new Int32Array(1024);
  keys: number[] = [];
  tf: number[] = [];
  /** Identity of each slot: a word (unigram), two words (bigram) or a padded word with a start and a length (n-gram). */
  a: string[] = [];
  b: string[] = [];
  start: number[] = [];
  len: number[] = [];
  /** Where each slot sits in the table, so a reset clears only the used cells. */
  private pos: number[] = [];
  size = 0;

  reset(): void {
    for (let s = 0; s < this.size; s++) this.table[this.pos[s]!] = 0;
    this.size = 0;
  }

  /** The slot of `key` (+1), or 0 after inserting a new one; grows the table before it gets half full. */
  find(key: number): number {
    let i = key & this.mask;
    for (;;) {
      const s = this.table[i]!;
      if (s === 0) return -1 - i;
      if (this.keys[s - 1] === key) return s;
      i = (i + 1) & this.mask;
    }
  }

  insert(at: number, key: number): number {
    const slot = this.size++;
    this.keys[slot] = key;
    this.tf[slot] = 1;
    this.table[-1 - at] = slot + 1;
    this.pos[slot] = -1 - at;
    if (this.size * 2 > this.table.length) this.grow();
    return slot;
  }

  private grow(): void {
    const cap = this.table.length * 2;
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
    for (let s = 0; s < this.size; s++) {
      let i = this.keys[s]! & this.mask;
      while (this.table[i] !== 0) i = (i + 1) & this.mask;
      this.table[i] = s + 1;
      this.pos[s] = i;
    }
  }
}

const uni = new Counts();
const bi = new Counts();
const grams = new Counts();

class Collision extends Error {}

function sameGram(p: string, s: number, n: number, q: string, t: number, m: number): boolean {
  if (n !== m) return false;
  for (let k = 0; k < n; k++) if (p.charCodeAt(s + k) !== q.charCodeAt(t + k)) return false;
  return true;
}

function place(out: Float32Array, c: Counts, weight: number, dimensions: number): void {
  for (let s = 0; s < c.size; s++) {
    const h = fmix32(c.keys[s]!);
    // Sublinear tf, exactly as hashEmbed computes it.
    const value = weight * (1 + Math.log(c.tf[s]!));
    const index = (h >>> 1) % dimensions;
    out[index] = out[index]! + (h & 1 ? value : -value);
  }
}

/**
 * `hashEmbed(text, dimensions)` for a text whose plain words (src/embed `words`) are `ws`, the same
 * vector to the last bit. `text` gives the text only to fall back to `hashEmbed` on a hash collision.
 */
export function embedWords(ws: readonly string[], dimensions: number, text: () => string): Float32Array {
  uni.reset();
  bi.reset();
  grams.reset();
  try {
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      let key = fnv(w, SEED_WORD) >>> 0;
      let at = uni.find(key);
      if (at < 0) uni.a[uni.insert(at, key)] = w;
      else if (uni.a[at - 1] === w) uni.tf[at - 1]!++;
      else throw new Collision();
      if (i + 1 < ws.length) {
        const v = ws[i + 1]!;
        key = fnv(v, Math.imul(fnv(w, SEED_BIGRAM) ^ 32, PRIME)) >>> 0;
        at = bi.find(key);
        if (at < 0) {
          const slot = bi.insert(at, key);
          bi.a[slot] = w;
          bi.b[slot] = v;
        } else if (bi.a[at - 1] === w && bi.b[at - 1] === v) bi.tf[at - 1]!++;
        else throw new Collision();
      }
      const padded = `<${w}>`;
      for (let n = 3; n <= 5; n++) {
        for (let s = 0; s + n <= padded.length; s++) {
          let h: number = SEED_NGRAM;
          for (let k = s; k < s + n; k++) h = Math.imul(h ^ padded.charCodeAt(k), PRIME);
          key = h >>> 0;
          at = grams.find(key);
          if (at < 0) {
            const slot = grams.insert(at, key);
            grams.a[slot] = padded;
            grams.start[slot] = s;
            grams.len[slot] = n;
          } else {
            const slot = at - 1;
            if (!sameGram(grams.a[slot]!, grams.start[slot]!, grams.len[slot]!, padded, s, n)) throw new Collision();
            grams.tf[slot]!++;
          }
        }
      }
    }
  } catch (e) {
    if (e instanceof Collision) return hashEmbed(text(), dimensions);
    throw e;
  }
  const out = new Float32Array(dimensions);
  place(out, uni, UNIGRAM_WEIGHT, dimensions);
  place(out, bi, BIGRAM_WEIGHT, dimensions);
  place(out, grams, NGRAM_WEIGHT, dimensions);
  return normalize(out);
}
