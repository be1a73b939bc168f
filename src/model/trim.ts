/**
 * Trim an answering sentence to the clause that holds the answer. Long sentences
 * pack several facts; when the question wants a person, place, date or number,
 * the fact asked for is the candidate of that kind nearest the question's words,
 * and the clause around it reads as a complete short answer. Open questions
 * ("what ...?") keep the whole sentence: there is no reliable way to tell which
 * clause holds their answer, and a wrong cut loses it.
 */
import { isCandidate, type AnswerType } from './cues.js';
import { IRREGULAR, STOPWORDS, type WordToken } from './text.js';

interface Span {
  /** Token indexes, end exclusive. */
  from: number;
  to: number;
}

// A comma followed by a space (not "30,000"), semicolons, colons, brackets, dashes.
const SEPARATOR = /\s*(?:[;:()[\]]|,(?=\s)|\s[—–-]\s|—)\s*/g;
const MIN_CLAUSE_WORDS = 4;
// Lowercase words allowed inside a name: "William of Volpiano", "Roger de Tosny".
const NAME_JOINERS = new Set(['of', 'de', 'du', 'la', 'le', 'von', 'van', 'der', 'di', 'da', 'the', 'al', 'ibn', 'bin', 'y']);

/** Character ranges of the sentence's clauses; short pieces stay glued to a neighbour so lists survive. */
export function clauseRanges(text: string, tokens: WordToken[]): Array<[number, number]> {
  const cuts: Array<[number, number]> = [];
  let at = 0;
  for (const m of text.matchAll(SEPARATOR)) {
    cuts.push([at, m.index]);
    at = m.index + m[0].length;
  }
  cuts.push([at, text.length]);
  const count = (s: number, e: number) => tokens.filter((t) => t.start >= s && t.end <= e).length;
  const merged: Array<[number, number]> = [];
  for (const [s, e] of cuts) {
    const prev = merged[merged.length - 1];
    if (prev && (count(s, e) < MIN_CLAUSE_WORDS || count(prev[0], prev[1]) < MIN_CLAUSE_WORDS)) prev[1] = e;
    else merged.push([s, e]);
  }
  return merged;
}

/** Runs of candidate tokens of the wanted type that are not just the question's own words. */
export function candidateSpans(tokens: WordToken[], questionStems: Set<string>, type: AnswerType): Span[] {
  const spans: Span[] = [];
  const isCand = (i: number) => {
    const t = tokens[i]!;
    if (type === 'person' || type === 'place') {
      return /^\p{Lu}/u.test(t.text) && !(i === 0 && STOPWORDS.has(t.lower)) && !isCandidate('date', tokens, i);
    }
    return isCandidate(type, tokens, i);
  };
  let i = 0;
  while (i < tokens.length) {
    if (!isCand(i)) {
      i++;
      continue;
    }
    let j = i + 1;
    for (;;) {
      if (j < tokens.length && isCand(j) && adjacent(tokens, j)) j++;
      // Ranges and pairs of dates: "10th and 11th centuries", "1200 to 1245".
      else if (type === 'date' && /^(?:and|or|to)$/.test(tokens[j]?.lower ?? '') && j + 1 < tokens.length && isCand(j + 1)) j += 2;
      else if (
        (type === 'person' || type === 'place') &&
        NAME_JOINERS.has(tokens[j]?.lower ?? '') &&
        j + 1 < tokens.length &&
        isCand(j + 1) &&
        adjacent(tokens, j) &&
        adjacent(tokens, j + 1)
      )
        j += 2;
      else break;
    }
    // "30,000 men", "380 years": a number is an answer together with what it counts.
    if (type === 'number' && j < tokens.length && adjacent(tokens, j) && /^\p{Ll}/u.test(tokens[j]!.text) && !STOPWORDS.has(tokens[j]!.lower)) j++;
    if (tokens.slice(i, j).some((t) => !questionStems.has(t.stem) && !NAME_JOINERS.has(t.lower))) spans.push({ from: i, to: j });
    i = j;
  }
  return spans;
}

/** Only whitespace (or a hyphen) between token j-1 and j: a comma ends a name. */
function adjacent(tokens: WordToken[], j: number): boolean {
  const a = tokens[j - 1];
  const b = tokens[j];
  return a !== undefined && b !== undefined && b.start - a.end <= 2;
}

export interface TrimQuestion {
  type: AnswerType;
  /** Question content-word stems with their weights (IDF times importance). */
  weights: Map<string, number>;
  /** "Who founded X?" wants the subject, written before the verb; "Who did X marry?" does not. */
  wantsSubject: boolean;
}

// Past this many words away, a candidate is simply "far" from a question word.
const FAR = 12;
/** Bonus for a candidate before the verb when the question wants the subject. */
const SUBJECT_BONUS = 3;
/** How far the best candidate must lead the next before a cut is made. */
const MARGIN = 2;

export function trimToClause(tokens: WordToken[], text: string, question: TrimQuestion): string {
  const { type, weights } = question;
  const questionStems = new Set(weights.keys());
  if (type === 'other') return text;
  const spans = candidateSpans(tokens, questionStems, type);
  const matchedStems = [...new Set(tokens.filter((t) => questionStems.has(t.stem)).map((t) => t.stem))];
  if (spans.length === 0 || matchedStems.length === 0) return text;
  const totalWeight = matchedStems.reduce((sum, stem) => sum + weights.get(stem)!, 0);
  // The verb the subject comes before: the first lowercase question word ("killing"),
  // since names the question repeats ("Harold II") sit anywhere.
  const lowerMatch = tokens.findIndex((t) => questionStems.has(t.stem) && /^\p{Ll}/u.test(t.text));
  const firstMatch = lowerMatch >= 0 ? lowerMatch : tokens.findIndex((t) => questionStems.has(t.stem));
  // Weighted mean distance to each matched question word, so the rare words the
  // question hinges on ("leader") pull harder than the topic every sentence shares ("Norse").
  const distance = (s: Span) =>
    matchedStems.reduce((sum, stem) => {
      let d = FAR;
      tokens.forEach((t, m) => {
        if (t.stem === stem) d = Math.min(d, m < s.from ? s.from - m : m >= s.to ? m - s.to + 1 : 0);
      });
      return sum + weights.get(stem)! * d;
    }, 0) / totalWeight;
  const score = (s: Span) => -distance(s) + spanBonus(tokens, s, type, questionStems) + (question.wantsSubject && s.to <= firstMatch ? SUBJECT_BONUS : 0);
  const ordered = [...spans].sort((a, b) => score(b) - score(a));
  const best = ordered[0]!;
  // Cut only when one candidate clearly beats the rest; a wrong cut loses the answer.
  if (ordered[1] && score(best) - score(ordered[1]) < MARGIN) return text;
  const ranges = clauseRanges(text, tokens);
  const first = ranges.findIndex(([, e]) => e >= tokens[best.from]!.start);
  const last = ranges.findIndex(([, e]) => e >= tokens[best.to - 1]!.end);
  if (first < 0 || last < 0) return text;
  const inClause = tokens.map((_, i) => i).filter((i) => tokens[i]!.start >= ranges[first]![0] && tokens[i]!.end <= ranges[last]![1]);
  const clauseLo = inClause[0]!;
  const clauseHi = inClause[inClause.length - 1]!;
  let lo = clauseLo;
  let hi = clauseHi;
  if (clauseHi - clauseLo + 1 > MAX_WORDS) {
    // Long clause: keep the answer with the question word that ties it to the
    // question when that word is close and no comma falls between ("Ethelred fled
    // to Normandy", "Bethencourt took"), else the answer with its preposition
    // ("in the 1060s", "by William the Conqueror").
    const near = nearestMatch(tokens, best, questionStems);
    const commaBetween = (a: number, b: number) => /[,;:()]/.test(text.slice(tokens[a]!.end, tokens[b]!.start));
    if (near !== undefined && near < best.from && best.from - near <= NEAR_BEFORE && !commaBetween(near, best.from)) {
      lo = near;
      hi = best.to - 1;
    } else if (near !== undefined && near >= best.to && near - best.to < NEAR_AFTER && !commaBetween(best.to - 1, near)) {
      lo = best.from;
      hi = near;
    } else {
      lo = best.from;
      hi = best.to - 1;
    }
    // Take the preposition and article the answer hangs on: "in the 1060s".
    while (lo === best.from || (lo < best.from && LEAD_INS.has(tokens[lo]!.lower))) {
      const prev = tokens[lo - 1];
      if (!prev || !LEAD_INS.has(prev.lower) || commaBetween(lo - 1, lo)) break;
      lo--;
    }
    lo = Math.max(clauseLo, lo);
    hi = Math.min(clauseHi, hi);
    // Never cut through a name.
    for (;;) {
      if (lo > clauseLo && text.slice(tokens[lo - 1]!.end, tokens[lo]!.start) === '-') lo--;
      else if (lo > clauseLo && capitalised(tokens[lo]!) && capitalised(tokens[lo - 1]!) && adjacent(tokens, lo)) lo--;
      else if (lo - 1 > clauseLo && capitalised(tokens[lo]!) && NAME_JOINERS.has(tokens[lo - 1]!.lower) && capitalised(tokens[lo - 2]!)) lo -= 2;
      else break;
    }
    for (;;) {
      if (hi < clauseHi && text.slice(tokens[hi]!.end, tokens[hi + 1]!.start) === '-') hi++;
      else if (hi < clauseHi && capitalised(tokens[hi]!) && capitalised(tokens[hi + 1]!) && adjacent(tokens, hi + 1)) hi++;
      else if (hi + 2 <= clauseHi && capitalised(tokens[hi]!) && NAME_JOINERS.has(tokens[hi + 1]!.lower) && capitalised(tokens[hi + 2]!)) hi += 2;
      else break;
    }
  }
  const start = lo === clauseLo ? ranges[first]![0] : tokens[lo]!.start;
  const end = hi === clauseHi ? ranges[last]![1] : tokens[hi]!.end;
  const out = tidy(text.slice(start, end));
  return out ? capitalise(out) : text;
}

function capitalised(t: WordToken): boolean {
  return /^\p{Lu}/u.test(t.text);
}

/** Index of the question word closest to the span, outside it. */
function nearestMatch(tokens: WordToken[], span: Span, questionStems: Set<string>): number | undefined {
  let best: number | undefined;
  let bestD = Infinity;
  tokens.forEach((t, i) => {
    if (!questionStems.has(t.stem) || (i >= span.from && i < span.to)) return;
    const d = i < span.from ? span.from - i : i - span.to + 1;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}

const MAX_WORDS = 10;
/** A question word at most this many words before the answer is kept with it ("fled to Normandy"). */
const NEAR_BEFORE = 2;
/** ...and after it ("Bethencourt took"). */
const NEAR_AFTER = 1;
const LEAD_INS = new Set(['in', 'on', 'at', 'by', 'from', 'to', 'into', 'of', 'the', 'a', 'an', 'until', 'since', 'during', 'about', 'around', 'near', 'under', 'with', 'against', 'between', 'over', 'for', 'as', 'than', 'early', 'late', 'mid', 'first', 'second', 'half']);

// A window must not start or end on a word that needs a neighbour it lost.
const DANGLING_END = new Set([...STOPWORDS].filter((w) => !['it', 'them', 'him', 'her', 'us', 'me', 'you', 'there', 'here', 'all', 'both', 'one', 'ones'].includes(w)));
const DANGLING_START = new Set(['of', 'and', 'or', 'but', 'nor', 'so', 'yet', 'which', 'that', 'who', 'whom', 'whose', 'where', 'when', 'while', 'as', 'than', 'because', 'although']);

function tidy(fragment: string): string {
  let parts = balance(fragment.trim()).replace(/[\s,;:]+$/, '').split(/\s+/);
  while (parts.length > 1 && DANGLING_START.has(parts[0]!.toLowerCase())) parts = parts.slice(1);
  // "this, Ethelred fled ...": a lead-in cut off from what it introduced.
  const comma = parts.findIndex((p) => /,$/.test(p));
  if (comma >= 0 && comma < 2 && parts.length - comma > 2) parts = parts.slice(comma + 1);
  while (parts.length > 1 && DANGLING_END.has(parts[parts.length - 1]!.toLowerCase().replace(/[^\p{L}\p{N}]/gu, ''))) parts = parts.slice(0, -1);
  return parts.join(' ').replace(/[\s,;:]+$/, '');
}


/** Drop a bracket or quote whose partner the cut left behind. */
function balance(s: string): string {
  let out = s;
  for (const [open, close] of [['(', ')'], ['[', ']'], ['“', '”']] as const) {
    const opens = out.split(open).length - 1;
    const closes = out.split(close).length - 1;
    if (closes > opens) out = out.replace(close, '');
    else if (opens > closes) out = out.replace(new RegExp(`\\${open}(?![^${open}]*\\${close})`), '');
  }
  if ((out.split('"').length - 1) % 2 === 1) out = out.replace(/^"|"(?=[^"]*$)/, '');
  return out.replace(/\s{2,}/g, ' ').trim();
}

// Titles the question may share with the answer: "Who was the duke ...?" "Duke William".
const TITLES = new Set(
  'king queen duke duchess earl count countess pope emperor empress saint st lord lady sir prince princess bishop archbishop general president chancellor baron sultan caliph tsar czar'.split(' '),
);

const PLACE_PREPOSITIONS = new Set(['in', 'at', 'from', 'to', 'into', 'near', 'on', 'across', 'towards', 'toward', 'throughout']);

/** Type-specific evidence that a span is the kind of thing asked for. */
function spanBonus(tokens: WordToken[], span: Span, type: AnswerType, questionStems: Set<string>): number {
  let bonus = 0;
  const before = tokens.slice(Math.max(0, span.from - 2), span.from).map((t) => t.lower);
  const next = tokens[span.to];
  // "Norman army", "Italian abbots": a lone capitalised word before a common noun is an adjective.
  // ("Rollo founded", "Bethencourt took": a name before a past-tense verb is its subject.)
  const verb = next !== undefined && (/ed$/.test(next.lower) || next.lower in IRREGULAR);
  const adjective = span.to - span.from === 1 && next !== undefined && /^\p{Ll}/u.test(next.text) && !STOPWORDS.has(next.lower) && !verb;
  if ((type === 'person' || type === 'place') && adjective) bonus -= 3;
  if (type === 'place' && before.some((w) => PLACE_PREPOSITIONS.has(w))) bonus += 2;
  // The answer seldom repeats the question: "King Harold II" does not answer "Who killed Harold II?".
  const own = tokens.slice(span.from, span.to);
  if (type === 'number') {
    // "How many men": the count of the thing asked about, not a year.
    const unit = own[own.length - 1]!;
    if (own.length > 1 && questionStems.has(unit.stem)) bonus += 2;
    if (isCandidate('date', tokens, span.from)) bonus -= 2;
  } else if (own.some((t) => questionStems.has(t.stem) && !TITLES.has(t.lower))) bonus -= 2;
  // "was begun by William": the agent of a passive is who did it.
  if (type === 'person' && tokens[span.from - 1]?.lower === 'by') bonus += 1;
  if (type === 'date' && before.some((w) => w === 'in' || w === 'on' || w === 'by' || w === 'until' || w === 'since')) bonus += 1;
  return bonus;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
