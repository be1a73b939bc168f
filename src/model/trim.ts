/**
 * Trim an answering sentence to the clause that holds the answer. Long sentences
 * pack several facts; the one asked for sits in the clause with the wanted kind
 * of word (a date for "when") next to the question's words, or, for open
 * questions, right after the clause that restates the question.
 */
import { isCandidate, type AnswerType } from './cues.js';
import { isContentWord, type WordToken } from './text.js';

interface Clause {
  start: number;
  end: number;
  tokens: WordToken[];
  matches: number;
  novel: number;
  candidate: boolean;
}

const SEPARATOR = /\s*(?:[;:()]|,|\s[—–-]\s|—)\s*/g;
const MIN_CLAUSE_WORDS = 4;

export function splitClauses(text: string, tokens: WordToken[], questionStems: Set<string>, type: AnswerType): Clause[] {
  const cuts: Array<[number, number]> = [];
  let at = 0;
  for (const m of text.matchAll(SEPARATOR)) {
    cuts.push([at, m.index]);
    at = m.index + m[0].length;
  }
  cuts.push([at, text.length]);
  // Glue short pieces to a neighbour so lists ("Denmark, Iceland and Norway") and
  // appositions stay whole.
  const merged: Array<[number, number]> = [];
  for (const [s, e] of cuts) {
    const prev = merged[merged.length - 1];
    const n = tokens.filter((t) => t.start >= s && t.end <= e).length;
    if (prev && (n < MIN_CLAUSE_WORDS || tokens.filter((t) => t.start >= prev[0] && t.end <= prev[1]).length < MIN_CLAUSE_WORDS)) prev[1] = e;
    else merged.push([s, e]);
  }
  return merged.map(([start, end]) => {
    const idx = tokens.map((t, i) => [t, i] as const).filter(([t]) => t.start >= start && t.end <= end);
    const own = idx.map(([t]) => t);
    return {
      start,
      end,
      tokens: own,
      matches: new Set(own.filter((t) => questionStems.has(t.stem)).map((t) => t.stem)).size,
      novel: own.filter((t) => isContentWord(t.lower) && !questionStems.has(t.stem)).length,
      candidate: idx.some(([t, i]) => !questionStems.has(t.stem) && isCandidate(type, tokens, i)),
    };
  });
}

export function trimToClause(tokens: WordToken[], text: string, questionStems: Set<string>, type: AnswerType): string {
  const clauses = splitClauses(text, tokens, questionStems, type);
  if (clauses.length <= 1) return text;
  const anchor = clauses.reduce((best, c, i) => (c.matches > clauses[best]!.matches ? i : best), 0);
  let from = anchor;
  let to = anchor;
  const candidates = clauses.map((c, i) => (c.candidate ? i : -1)).filter((i) => i >= 0);
  if (type !== 'other' && candidates.length > 0) {
    // The candidate clause nearest the question's words; ties go to the one after.
    const pick = candidates.reduce((best, i) => (Math.abs(i - anchor) < Math.abs(best - anchor) ? i : best));
    from = Math.min(pick, anchor);
    to = Math.max(pick, anchor);
    if (clauses[pick]!.matches > 0 || to - from > 1) from = to = pick;
  } else if (clauses[anchor]!.novel < 2 && anchor + 1 < clauses.length) {
    // The clause only restates the question: the answer follows it.
    to = anchor + 1;
  }
  const out = text.slice(clauses[from]!.start, clauses[to]!.end).trim();
  return out.length > 0 ? capitalise(out) : text;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
