import { Break, type Atom } from './atoms.js';
import { countTokens, tokenCuts } from './tokenizer.js';

export interface PackOptions {
  size: number;
  overlap: number;
  /**
   * Fraction of `size` a chunk should reach before a stronger boundary is
   * preferred over a fuller chunk. 0 packs greedily (sentence strategy); 0.5
   * stops a short title paragraph from becoming a chunk of its own.
   */
  minFill: number;
  /**
   * `within`: the overlap never exceeds `overlap` tokens and starts at the
   * strongest boundary that gives at least half of it.
   * `nearest`: the overlap is a run of whole sentences whose size is nearest to `overlap`.
   */
  overlapMode: 'within' | 'nearest';
}

/** A chunk as offsets into the text, already trimmed of surrounding whitespace. */
export interface Span {
  start: number;
  end: number;
  tokenCount: number;
}

/**
 * Packs contiguous atoms into chunks of at most `size` tokens with overlap.
 * Atom token counts are summed to choose cut points (each atom is tokenised
 * once); every emitted chunk is then counted exactly, and shrunk in the rare
 * case where tokens merge differently across an atom boundary.
 */
export function pack(text: string, atoms: readonly Atom[], opts: PackOptions): Span[] {
  const n = atoms.length;
  const prefix = new Float64Array(n + 1);
  for (let a = 0; a < n; a++) prefix[a + 1] = prefix[a]! + atoms[a]!.tokens;
  const fill = (from: number, to: number): number => prefix[to]! - prefix[from]!;

  const spans: Span[] = [];
  let i = 0;
  let prevEnd = 0;
  let j = 0;
  while (i < n) {
    if (j < i + 1) j = i + 1;
    while (j < n && fill(i, j + 1) <= opts.size) j++;
    let k = j === n ? n : chooseEnd(atoms, fill, i, Math.max(i, prevEnd), j, opts);
    let span = measure(text, atoms, i, k);
    while (span && span.tokenCount > opts.size) {
      if (k - 1 > Math.max(i, prevEnd)) k--;
      else if (i < prevEnd) i = prevEnd;
      else break;
      span = measure(text, atoms, i, k);
    }
    if (span && span.tokenCount > opts.size) spans.push(...hardSplit(text, span, opts.size));
    else if (span) spans.push(span);
    if (k >= n) break;
    const next = chooseOverlapStart(atoms, fill, i, k, opts);
    prevEnd = k;
    i = next;
  }
  return spans;
}

function chooseEnd(
  atoms: readonly Atom[],
  fill: (from: number, to: number) => number,
  i: number,
  lo: number,
  j: number,
  opts: PackOptions,
): number {
  const threshold = opts.minFill * opts.size;
  let best = j;
  let bestFull = false;
  let bestLevel = -1;
  for (let k = lo + 1; k <= j; k++) {
    const full = fill(i, k) >= threshold;
    const level = atoms[k]!.level;
    // Later candidates win ties, so equal boundaries give the fullest chunk.
    if ((full && !bestFull) || (full === bestFull && level >= bestLevel)) {
      best = k;
      bestFull = full;
      bestLevel = level;
    }
  }
  return best;
}

function chooseOverlapStart(
  atoms: readonly Atom[],
  fill: (from: number, to: number) => number,
  i: number,
  k: number,
  opts: PackOptions,
): number {
  const { overlap, size } = opts;
  if (overlap === 0) return k;
  const following = atoms[k]!.tokens;
  let best = k;
  if (opts.overlapMode === 'nearest') {
    let bestDistance = overlap;
    for (let s = k - 1; s > i; s--) {
      const ov = fill(s, k);
      if (ov + following > size || ov - overlap > bestDistance) break;
      if (atoms[s]!.level < Break.SENTENCE) continue;
      const distance = Math.abs(ov - overlap);
      if (distance < bestDistance) {
        best = s;
        bestDistance = distance;
      }
    }
    return best;
  }
  let bestRank = -1;
  for (let s = k - 1; s > i; s--) {
    const ov = fill(s, k);
    if (ov > overlap || ov + following > size) break;
    // Prefer a strong boundary once the overlap is at least half of what was asked; more overlap breaks ties.
    const rank = (ov * 2 >= overlap ? 100 : 0) + atoms[s]!.level;
    if (rank >= bestRank) {
      best = s;
      bestRank = rank;
    }
  }
  return best;
}

const SPACE = /\s/;

function measure(text: string, atoms: readonly Atom[], i: number, k: number): Span | undefined {
  let start = atoms[i]!.start;
  let end = atoms[k - 1]!.end;
  while (start < end && SPACE.test(text[start]!)) start++;
  while (end > start && SPACE.test(text[end - 1]!)) end--;
  if (end <= start) return undefined;
  return { start, end, tokenCount: countTokens(text.slice(start, end)) };
}

/** Insurance for a span the packer could not shrink: cut it between tokens. */
function hardSplit(text: string, span: Span, size: number): Span[] {
  const out: Span[] = [];
  const body = text.slice(span.start, span.end);
  let from = 0;
  let fromTokens = 0;
  let last = { offset: 0, tokens: 0 };
  for (const cut of tokenCuts(body)) {
    if (cut.tokens - fromTokens > size && last.offset > from) {
      out.push(sub(text, span.start + from, span.start + last.offset));
      from = last.offset;
      fromTokens = last.tokens;
    }
    last = cut;
  }
  if (body.length > from) out.push(sub(text, span.start + from, span.end));
  return out.filter((s) => s.end > s.start);
}

function sub(text: string, start: number, end: number): Span {
  while (start < end && SPACE.test(text[start]!)) start++;
  while (end > start && SPACE.test(text[end - 1]!)) end--;
  return { start, end, tokenCount: countTokens(text.slice(start, end)) };
}
