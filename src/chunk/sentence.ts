import { isAbbreviation, wordBefore } from './abbrev.js';
import { atomize, Break, SLACK, type Atom } from './atoms.js';
import { countTokens } from './tokenizer.js';
import { pack, type Span } from './pack.js';

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const TRAILING_SPACE = /\s+$/u;

/**
 * Sentence ranges of `text` as [start, end) pairs, trailing whitespace excluded.
 * Intl.Segmenter (ICU) already keeps "3.14" and "e.g. a hammer" together but
 * breaks after "Dr." or before a capital after "e.g."; those breaks are
 * undone when the word before the break is a known abbreviation.
 */
export function sentenceRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let open: [number, number] | undefined;
  for (const seg of segmenter.segment(text)) {
    const body = seg.segment.replace(TRAILING_SPACE, '');
    if (body.length === 0) continue;
    const start = seg.index + (seg.segment.length - seg.segment.trimStart().length);
    const end = seg.index + body.length;
    if (open) open[1] = end;
    else open = [start, end];
    // Only glue when the break was a space: a newline after "Dr." is a real line end.
    const gap = seg.segment.slice(body.length);
    if (!gap.includes('\n') && isAbbreviation(wordBefore(text, end))) continue;
    ranges.push(open);
    open = undefined;
  }
  if (open) ranges.push(open);
  return ranges;
}

/** Whole sentences packed greedily; a sentence over the size is cut like the recursive splitter would. */
export function sentenceSpans(text: string, size: number, overlap: number): Span[] {
  const max = size - SLACK;
  const ranges = sentenceRanges(text);
  // Atom k runs from cut k to cut k+1. Spaces between sentences go with the next
  // sentence (" The" is one token) and newlines with the previous one.
  const cuts = ranges.map(([start], k) => {
    if (k === 0) return 0;
    const prevEnd = ranges[k - 1]![1];
    return text.slice(prevEnd, start).includes('\n') ? start : prevEnd;
  });
  cuts.push(text.length);
  const atoms: Atom[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const start = cuts[k]!;
    const end = cuts[k + 1]!;
    const tokens = countTokens(text.slice(start, end));
    if (tokens <= max) {
      atoms.push({ start, end, tokens, level: Break.SENTENCE });
      continue;
    }
    // Too long for one chunk: cut it by words, but never let those cuts outrank a sentence end.
    for (const [idx, a] of atomize(text, start, end, max, Break.SENTENCE).entries()) {
      atoms.push(idx === 0 ? a : { ...a, level: a.level === Break.TOKEN ? Break.TOKEN : Break.WORD });
    }
  }
  return pack(text, atoms, { size, overlap, minFill: 0, overlapMode: 'nearest' });
}
