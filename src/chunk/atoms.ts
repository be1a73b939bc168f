import { isAbbreviation, wordBefore } from './abbrev.js';
import { countTokens, forEachPiece, tokenCuts } from './tokenizer.js';

/**
 * How good a place to cut the boundary in front of an atom is. The packer
 * prefers the strongest boundary that keeps a chunk reasonably full, which is
 * what LangChain's separator list ("\n\n" → "\n" → " " → "") achieves by
 * recursion, but here it is decided once over a flat list of atoms.
 */
export const Break = { TOKEN: 0, WORD: 1, SENTENCE: 2, LINE: 3, PARAGRAPH: 4 } as const;
export type BreakLevel = (typeof Break)[keyof typeof Break];

/**
 * The smallest unit the packer moves: a word with the space in front of it, a
 * sentence, a fenced code block... `level` is the strength of the boundary at
 * `start`. Atoms of one range are contiguous, so a chunk is a run of atoms.
 */
export interface Atom {
  start: number;
  end: number;
  tokens: number;
  level: BreakLevel;
}

/**
 * Atoms never exceed `size - SLACK` tokens: the count of an atom is taken with
 * its leading space, and trimming that space off can cost a token or two
 * ("Mississippi" splits worse than " Mississippi").
 */
export const SLACK = 4;

// Space and newline runs are decided differently: a space belongs to the word
// after it (that is how cl100k tokenises, " word" is one token) while newlines
// belong to the text before them (".\n\n" is one token).
// Inside text without spaces (Chinese, Japanese), CJK sentence and clause punctuation are the only cut points.
const SEPARATORS = /\s+|[。！？]+[」』）》〕】"'”’]*|[，、；：]/gu;
const WHITESPACE_START = /^\s/;
const CJK_CLAUSE = /^[，、；：]$/u;
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '»']);
const LOWERCASE = /\p{Ll}/u;

function endsSentence(text: string, ws: number, we: number): boolean {
  let p = ws - 1;
  while (p > 0 && CLOSERS.has(text[p]!)) p--;
  const c = text[p];
  if (c !== '.' && c !== '!' && c !== '?') return false;
  const nextChar = text[we];
  if (nextChar !== undefined && LOWERCASE.test(nextChar)) return false;
  return c !== '.' || !isAbbreviation(wordBefore(text, p + 1));
}

/**
 * Cut `text[from, to)` into atoms. The first atom gets `firstLevel`; atoms
 * over `maxTokens` are cut between tokens as the last resort.
 */
export function atomize(text: string, from: number, to: number, maxTokens: number, firstLevel: BreakLevel): Atom[] {
  const cuts: Array<{ at: number; level: BreakLevel }> = [];
  SEPARATORS.lastIndex = from;
  for (let m = SEPARATORS.exec(text); m !== null && m.index < to; m = SEPARATORS.exec(text)) {
    const ws = m.index;
    const run = m[0];
    const we = Math.min(ws + run.length, to);
    if (!WHITESPACE_START.test(run)) {
      // CJK punctuation: a cut after it, unless whitespace follows and makes its own cut.
      if (we < to && !WHITESPACE_START.test(text[we]!) && ws > from) {
        cuts.push({ at: we, level: CJK_CLAUSE.test(run) ? Break.WORD : Break.SENTENCE });
      }
      continue;
    }
    // Leading or trailing whitespace of the range stays glued to its neighbour: no whitespace-only atoms.
    if (ws === from || we === to) continue;
    const firstNl = run.indexOf('\n');
    if (firstNl < 0) cuts.push({ at: ws, level: endsSentence(text, ws, we) ? Break.SENTENCE : Break.WORD });
    else {
      // Indentation after the last newline starts the next line, as it does for the tokenizer.
      const at = ws + run.lastIndexOf('\n') + 1;
      cuts.push({ at, level: run.indexOf('\n', firstNl + 1) >= 0 ? Break.PARAGRAPH : Break.LINE });
    }
  }

  // One tokenizer pass over the whole range: a piece's tokens go to the atom its
  // first character is in. Per-atom counts may be off by a token where a piece
  // straddles a cut ("。这" in CJK), but their sum is exact and the packer
  // re-counts every chunk anyway.
  const atoms: Atom[] = [];
  let start = from;
  let level: BreakLevel = firstLevel;
  for (const cut of cuts) {
    if (cut.at <= start) continue;
    atoms.push({ start, end: cut.at, tokens: 0, level });
    start = cut.at;
    level = cut.level;
  }
  if (to > start) atoms.push({ start, end: to, tokens: 0, level });
  let a = 0;
  forEachPiece(text.slice(from, to), (offset, tokens) => {
    const at = from + offset;
    while (atoms[a]!.end <= at) a++;
    atoms[a]!.tokens += tokens;
  });
  if (atoms.every((atom) => atom.tokens <= maxTokens)) return atoms;
  const out: Atom[] = [];
  for (const atom of atoms) {
    if (atom.tokens <= maxTokens) out.push(atom);
    else pushAtom(out, text, atom.start, atom.end, atom.level, maxTokens);
  }
  return out;
}
/** Add `text[start, end)` as one atom, or as token-cut pieces when it is too big. */
export function pushAtom(atoms: Atom[], text: string, start: number, end: number, level: BreakLevel, maxTokens: number): void {
  const tokens = countTokens(text.slice(start, end));
  if (tokens <= maxTokens) {
    atoms.push({ start, end, tokens, level });
    return;
  }
  let prevOffset = 0;
  let prevTokens = 0;
  let first = true;
  for (const cut of tokenCuts(text.slice(start, end))) {
    atoms.push({ start: start + prevOffset, end: start + cut.offset, tokens: cut.tokens - prevTokens, level: first ? level : Break.TOKEN });
    first = false;
    prevOffset = cut.offset;
    prevTokens = cut.tokens;
  }
}
