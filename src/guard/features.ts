/**
 * Hashed n-gram features shared by the classifier at scan time and by train.ts,
 * so the two can never disagree on how a text becomes a vector.
 * Binary presence, L2-normalised: a 3,000-character jailbreak and a one-line
 * question weigh the same, so length (a style cue of the training sources) is
 * not something the model can learn.
 */

export const FEATURE_BITS = 16;
const MASK = (1 << FEATURE_BITS) - 1;
/** Longer texts are featurised on their head and tail; the middle of a long prompt adds little and costs time. */
const HEAD = 3000;
const TAIL = 1000;

function fnv1a(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** fnv1a continued over one more character (a number) or string. */
function fnv1aStep(h: number, next: number | string): number {
  if (typeof next === 'number') return Math.imul(h ^ next, 0x01000193) >>> 0;
  for (let i = 0; i < next.length; i++) h = Math.imul(h ^ next.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const SEED_W = 0x811c9dc5;
const SEED_B = 0x9e3779b9;
const SEED_C = 0x85ebca6b;

export function featureText(text: string): string {
  const t = text.length > HEAD + TAIL ? `${text.slice(0, HEAD)} ${text.slice(-TAIL)}` : text;
  return t.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Buckets seen in the current featurize call; cleared through `seenList` afterwards (a Set cost 3× more). */
const seen = new Uint8Array(1 << FEATURE_BITS);
let seenList = new Uint32Array(4096);
let sortTmp = new Uint32Array(4096);
const radixCount = new Int32Array(257);
const WORDS = /[\p{L}\p{N}']+|[^\s\p{L}\p{N}]/gu;

/**
 * The text's unique buckets, sorted ascending, into `seenList[0, count)`; returns count. Sorted by a
 * two-byte radix sort: buckets are 16-bit, and a typed array's sort took half of the featurize time.
 */
function collect(text: string): number {
  const t = featureText(text);
  // Every text yields fewer than six features per character (padded): room for all of them up front.
  const room = 6 * (t.length + 2) + 16;
  if (seenList.length < room) {
    seenList = new Uint32Array(room);
    sortTmp = new Uint32Array(room);
  }
  const list = seenList;
  let count = 0;
  const words = t.match(WORDS) ?? [];
  // The hashes are fnv1a of the word, of "word next" and of each 3-5 character window, computed
  // in place: slicing and concatenating a string per n-gram was most of a scan's time.
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let b = fnv1a(w, SEED_W) & MASK;
    if (seen[b] === 0) {
      seen[b] = 1;
      list[count++] = b;
    }
    if (i + 1 < words.length) {
      b = fnv1aStep(fnv1aStep(fnv1a(w, SEED_B), 32), words[i + 1]!) & MASK;
      if (seen[b] === 0) {
        seen[b] = 1;
        list[count++] = b;
      }
    }
  }
  const padded = ` ${t} `;
  for (let n = 3; n <= 5; n++) {
    for (let s = 0; s + n <= padded.length; s++) {
      let h = (SEED_C + n) >>> 0;
      for (let j = s; j < s + n; j++) h = Math.imul(h ^ padded.charCodeAt(j), 0x01000193);
      const b = (h >>> 0) & MASK;
      if (seen[b] === 0) {
        seen[b] = 1;
        list[count++] = b;
      }
    }
  }
  for (let i = 0; i < count; i++) seen[list[i]!] = 0;
  // Low byte into sortTmp, then high byte back into the list: stable, so the result is sorted.
  const tmp = sortTmp;
  const c = radixCount;
  c.fill(0);
  for (let i = 0; i < count; i++) c[(list[i]! & 255) + 1]!++;
  for (let k = 1; k < 257; k++) c[k]! += c[k - 1]!;
  for (let i = 0; i < count; i++) tmp[c[list[i]! & 255]!++] = list[i]!;
  c.fill(0);
  for (let i = 0; i < count; i++) c[(tmp[i]! >>> 8) + 1]!++;
  for (let k = 1; k < 257; k++) c[k]! += c[k - 1]!;
  for (let i = 0; i < count; i++) list[c[tmp[i]! >>> 8]!++] = tmp[i]!;
  return count;
}

/** Sorted unique bucket indices of a text's word 1-2-grams and character 3-5-grams. */
export function featurize(text: string): Uint32Array {
  // Not `seenList.slice(0, collect(text))`: collect may replace seenList, and the receiver is read first.
  const count = collect(text);
  return seenList.slice(0, count);
}

/** `linearLogit(featurize(text), weights, bias)` without allocating the feature array. */
export function featureLogit(text: string, weights: Float32Array, bias: number): number {
  const count = collect(text);
  if (count === 0) return bias;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += weights[seenList[i]!]!;
  return bias + sum / Math.sqrt(count);
}

/** Logit of a linear model over binary L2-normalised features. */
export function linearLogit(features: Uint32Array, weights: Float32Array, bias: number): number {
  if (features.length === 0) return bias;
  let sum = 0;
  for (let i = 0; i < features.length; i++) sum += weights[features[i]!]!;
  return bias + sum / Math.sqrt(features.length);
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
