/**
 * SIF sentence vectors over the cached GloVe table: weighted mean of word vectors
 * with weight a/(a + p(w)), optional removal of the common component, then L2
 * normalisation. Words outside the table fall back to known stems or compound
 * halves, and last to a deterministic pseudo-random vector so that the same rare
 * word or number in a query and a passage still pulls them together.
 */
import { hashedVector } from '../hash.js';
import { normalize } from '../normalize.js';
import { rawTokens, splitToken } from '../tokenize.js';
import type { GloveTable } from './format.js';
import { SIF_A, sifWeight, sifWeights, zipfProbability } from './weights.js';

export interface SifSettings {
  a: number;
  removeCommonComponent: boolean;
  /** Try stems and compound halves for words outside the table. */
  subwordFallback: boolean;
  /** Give still-unknown words (and numbers) a hashed vector; 0 turns it off. Relative to a typical word's norm. */
  hashedOovScale: number;
}

export const DEFAULT_SIF: SifSettings = { a: SIF_A, removeCommonComponent: true, subwordFallback: true, hashedOovScale: 1 };

const SUFFIXES = ['s', 'es', 'ed', 'd', 'ing', 'ly', 'er', 'ers', 'ness', 'ment', 'ments', 'ation', 'ations', 'ity', 'al', 'ic'];
// A rare word gets the weight of a word this far down the frequency list.
const OOV_RANK = 200_000;

/** One weighted contribution: a row of the table or an explicit vector. */
type Term = { row: number; weight: number } | { vector: Float32Array; weight: number };

export class SifModel {
  readonly dims: number;
  private readonly index = new Map<string, number>();
  private readonly weights: Float32Array;
  private readonly oovWeight: number;
  private readonly oovNorm: number;
  private readonly resolved = new Map<string, Term[]>();

  constructor(
    private readonly table: GloveTable,
    private readonly settings: SifSettings = DEFAULT_SIF,
  ) {
    this.dims = table.dims;
    table.words.forEach((w, i) => {
      if (!this.index.has(w)) this.index.set(w, i);
    });
    this.weights = sifWeights(table.words.length, table.sourceSize, settings.a);
    this.oovWeight = sifWeight(zipfProbability(OOV_RANK, table.sourceSize), settings.a);
    this.oovNorm = typicalNorm(table) * settings.hashedOovScale;
  }

  embed(text: string): Float32Array {
    const { dims, table } = this;
    const out = new Float32Array(dims);
    let total = 0;
    for (const token of rawTokens(text)) {
      for (const term of this.terms(token)) {
        if ('row' in term) {
          const scale = table.scales[term.row]! * term.weight;
          const base = term.row * dims;
          for (let d = 0; d < dims; d++) out[d] = out[d]! + table.vectors[base + d]! * scale;
        } else {
          for (let d = 0; d < dims; d++) out[d] = out[d]! + term.vector[d]! * term.weight;
        }
        total += term.weight;
      }
    }
    if (total === 0) return out;
    // The mean's 1/total does not change the direction, but keeps the common-component projection honest.
    for (let d = 0; d < dims; d++) out[d] = out[d]! / total;
    const pc = table.principalComponent;
    if (this.settings.removeCommonComponent && pc) {
      let proj = 0;
      for (let d = 0; d < dims; d++) proj += out[d]! * pc[d]!;
      for (let d = 0; d < dims; d++) out[d] = out[d]! - proj * pc[d]!;
    }
    return normalize(out);
  }

  /** The weighted terms of one raw token, memoised: texts repeat words heavily. */
  private terms(token: string): Term[] {
    let terms = this.resolved.get(token);
    if (terms) return terms;
    const row = this.index.get(token);
    if (row !== undefined) terms = [{ row, weight: this.weights[row]! }];
    else terms = splitToken(token).flatMap((w) => this.wordTerms(w));
    if (this.resolved.size > 200_000) this.resolved.clear();
    this.resolved.set(token, terms);
    return terms;
  }

  private wordTerms(word: string): Term[] {
    const row = this.index.get(word);
    if (row !== undefined) return [{ row, weight: this.weights[row]! }];
    if (this.settings.subwordFallback && !/\d/.test(word)) {
      const sub = this.subword(word);
      if (sub) return sub;
    }
    if (this.settings.hashedOovScale > 0) {
      const vector = hashedVector(word, this.dims);
      normalize(vector);
      for (let d = 0; d < this.dims; d++) vector[d] = vector[d]! * this.oovNorm;
      return [{ vector, weight: this.oovWeight }];
    }
    return [];
  }

  /** A known stem ("biomaterials" → "biomaterial") or two known halves ("nanoparticle" → "nano" + "particle"). */
  private subword(word: string): Term[] | undefined {
    for (const suffix of SUFFIXES) {
      if (word.length - suffix.length < 4 || !word.endsWith(suffix)) continue;
      const stem = word.slice(0, -suffix.length);
      for (const candidate of [stem, stem + 'e']) {
        const row = this.index.get(candidate);
        if (row !== undefined) return [{ row, weight: this.weights[row]! }];
      }
    }
    let best: Term[] | undefined;
    let bestScore = 0;
    for (let i = 3; i <= word.length - 3; i++) {
      const left = this.index.get(word.slice(0, i));
      const right = this.index.get(word.slice(i));
      if (left === undefined || right === undefined) continue;
      // Of several splits, prefer the one whose commoner half is rarest: short frequent fragments ("an", "the") are noise.
      const score = Math.min(left, right);
      if (score > bestScore) {
        bestScore = score;
        best = [
          { row: left, weight: this.weights[left]! / 2 },
          { row: right, weight: this.weights[right]! / 2 },
        ];
      }
    }
    return best;
  }
}

/** Median norm of mid-frequency words: the size a hashed stand-in vector should have. */
function typicalNorm(table: GloveTable): number {
  const from = Math.min(1000, table.words.length - 1);
  const to = Math.min(11_000, table.words.length);
  const norms: number[] = [];
  for (let r = Math.max(0, from); r < to; r++) {
    let s = 0;
    const base = r * table.dims;
    for (let d = 0; d < table.dims; d++) s += table.vectors[base + d]! ** 2;
    norms.push(Math.sqrt(s) * table.scales[r]!);
  }
  norms.sort((x, y) => x - y);
  return norms[Math.floor(norms.length / 2)] ?? 1;
}
