/**
 * The extractive answerer behind the local model: pick the sentence(s) of the
 * numbered context blocks that best answer the question, or abstain.
 *
 * Support of a sentence (what the abstain threshold is compared with):
 * - coverage: the IDF-weighted share of the question's content words it contains
 *   (IDF over the blocks' sentences plus a fixed background, so words every block
 *   repeats count little and the scale does not depend on how many blocks came),
 *   with half credit for words found only in the sentence before it or in the block
 *   title (the subject is named once, then "they"); words that only frame the
 *   question ("what country", "located") weigh less;
 * - discounted when the sentence lacks a name or number the question states, or
 *   states the opposite of a question word ("last" for "first").
 * Ranking multiplies support by the question-type cue (who/when/where/how many want
 * a person, date, place or number not already in the question), the proximity of
 * the matched words, the block's own coverage of the question, and the block's rank.
 * The best sentence answers, joined by the runner-up when it lacks the asked-for
 * kind of word; typed answers are trimmed to the phrase around the answer (trim.ts).
 */
import type { ContextBlock } from '../core/index.js';
import { answerType, isCandidate, type AnswerType } from './cues.js';
import { isContentWord, splitSentences, words, type WordToken } from './text.js';
import { trimToClause, type TrimQuestion } from './trim.js';

export interface ExtractiveOptions {
  /** Minimum support (IDF-weighted share of the question's content words) to answer at all. */
  minSupport?: number;
  /** At most this many sentences in the answer (1–3). */
  maxSentences?: number;
  /** Trim a confident answer to its most relevant clause. */
  trim?: boolean;
}

export interface ScoredSentence {
  blockIndex: number;
  rank: number;
  text: string;
  tokens: WordToken[];
  position: number;
  coverage: number;
  /** Coverage, discounted when a name or number the question states is missing here. */
  support: number;
  score: number;
  matched: Set<string>;
}

export interface ExtractiveResult {
  /** The answer text with `[n]` citation markers, or undefined when abstaining. */
  text: string | undefined;
  /** Support of the best sentence, 0–1. */
  support: number;
  type: AnswerType;
  picks: ScoredSentence[];
}

// Calibrated on SQuAD 2.0-style dev data with 1-8 blocks of context (eval-local.ts):
// about 10% of answerable questions abstain while about 30% of unanswerable ones do.
export const DEFAULT_MIN_SUPPORT = 0.4;
/** Support kept by a sentence that lacks a name/number the question states, or states its opposite. */
const ENTITY_PENALTY = 0.25;
/** The runner-up sentence joins only when it scores at least this share of the best. */
const SECOND_SENTENCE_RATIO = 0.5;
/**
 * IDF is computed as if this many unrelated sentences stood beside the context, so
 * a word's weight (and so the abstain threshold) does not swing with context size:
 * over one 5-sentence block raw IDF makes every unmatched word look decisive.
 */
const BACKGROUND = 20;
/** Score lost per place a block sits below the first. */
const RANK_DECAY = 0.05;
/** Weight of the block's own coverage of the question in a sentence's score. */
const BLOCK_WEIGHT = 0.3;
/** Weight of the matched words' proximity. */
const PROXIMITY_WEIGHT = 0.15;
/** Score kept by a sentence with nothing of the asked-for kind (no date for "when"). */
const MISSING_TYPE_FACTOR = 0.7;

interface QuestionTerm {
  stem: string;
  lower: string;
  /** Share of its IDF a match earns: less for words that only name the answer's kind. */
  weight: number;
}

// "What country ...", "which religion ...": the noun after the wh-word names the kind
// of answer and is seldom written next to it ("... Normandy, a region in France").
const TYPE_NOUN = /\b(?:what|which|whose)\s+(?:kind of\s+|type of\s+|sort of\s+)?([\p{L}]+)/giu;

// Words that frame a question ("where is X located", "what is it known for") and
// are seldom repeated by the sentence that answers it.
const SCAFFOLD = new Set(['located', 'situated', 'known', 'happen', 'happened', 'occur', 'occurred', 'take', 'took', 'place', 'used', 'considered', 'refer', 'refers', 'referred', 'mean', 'means', 'meant']);

function questionTerms(question: string): QuestionTerm[] {
  const typeNouns = new Set([...question.matchAll(TYPE_NOUN)].map((m) => m[1]!.toLowerCase()));
  for (const w of SCAFFOLD) typeNouns.add(w);
  const seen = new Map<string, QuestionTerm>();
  for (const t of words(question)) {
    if (!isContentWord(t.lower) || seen.has(t.stem)) continue;
    seen.set(t.stem, { stem: t.stem, lower: t.lower, weight: typeNouns.has(t.lower) ? 0.3 : 1 });
  }
  return [...seen.values()];
}

export interface RankedSentences {
  type: AnswerType;
  /** What trimming needs to know about the question. */
  trim: TrimQuestion;
  /** Stems of the question's content words. */
  questionStems: Set<string>;
  /** Best first. */
  ranked: ScoredSentence[];
}

/** Score every sentence of the blocks against the question, best first. */
export function rankSentences(blocks: ContextBlock[], question: string): RankedSentences {
  const type = answerType(question);
  const terms = questionTerms(question);
  const questionStems = new Set(terms.map((t) => t.stem));
  const sentences: ScoredSentence[] = [];
  const titles = new Map<number, Set<string>>();
  blocks.forEach((block, rank) => {
    titles.set(block.index, new Set(words(block.title ?? '').map((t) => t.stem)));
    splitSentences(block.text).forEach((s, position) => {
      sentences.push({ blockIndex: block.index, rank, text: s.text, tokens: words(s.text), position, coverage: 0, support: 0, score: 0, matched: new Set() });
    });
  });
  const wantsSubject = /^\s*who\s+(?!(?:did|does|do|was|is|were|are|has|had|have|will|would|can|could)\b)/i.test(question);
  const trim: TrimQuestion = { type, weights: new Map(), wantsSubject };
  if (terms.length === 0 || sentences.length === 0) return { type, trim, questionStems, ranked: [] };

  const idf = inverseDocumentFrequency(sentences);
  const maxIdf = Math.log(1 + (sentences.length + BACKGROUND + 0.5) / 0.5);
  const idfOf = (stem: string) => idf.get(stem) ?? maxIdf;
  const weightOf = (term: QuestionTerm) => term.weight * idfOf(term.stem);
  const total = terms.reduce((sum, t) => sum + weightOf(t), 0);
  for (const t of terms) trim.weights.set(t.stem, weightOf(t));

  const blockCoverage = new Map<number, number>();
  for (const block of blocks) {
    const stems = new Set(sentences.filter((s) => s.blockIndex === block.index).flatMap((s) => s.tokens.map((t) => t.stem)));
    blockCoverage.set(block.index, terms.reduce((sum, t) => sum + (stems.has(t.stem) ? weightOf(t) : 0), 0) / total);
  }

  const entities = questionEntities(question, sentences);
  // Question words whose opposite a sentence states instead ("first" asked, "last" written).
  const opposites = [...questionStems].flatMap((q) => (OPPOSITE.get(q) ?? []).map((o) => [q, o] as const));

  sentences.forEach((s, i) => {
    const stems = new Set(s.tokens.map((t) => t.stem));
    const prev = i > 0 && sentences[i - 1]!.blockIndex === s.blockIndex ? new Set(sentences[i - 1]!.tokens.map((t) => t.stem)) : undefined;
    const title = titles.get(s.blockIndex);
    let own = 0;
    let borrowed = 0;
    for (const term of terms) {
      if (stems.has(term.stem)) {
        own += weightOf(term);
        s.matched.add(term.stem);
      } else if (prev?.has(term.stem) || title?.has(term.stem)) borrowed += weightOf(term);
    }
    s.coverage = (own + 0.5 * borrowed) / total;
    const missing = entities.some((e) => !stems.has(e) && !prev?.has(e) && !title?.has(e));
    const contradicted = opposites.some(([q, o]) => !stems.has(q) && stems.has(o));
    s.support = s.coverage * (missing ? ENTITY_PENALTY : 1) * (contradicted ? ENTITY_PENALTY : 1);
    const typeFactor = type === 'other' ? 1 : hasCandidate(type, s.tokens, questionStems) ? 1 : MISSING_TYPE_FACTOR;
    const rankPrior = 1 / (1 + RANK_DECAY * s.rank);
    const blockPrior = 1 - BLOCK_WEIGHT + BLOCK_WEIGHT * (blockCoverage.get(s.blockIndex) ?? 0);
    s.score = s.support * typeFactor * (1 - PROXIMITY_WEIGHT + PROXIMITY_WEIGHT * proximity(s.tokens, s.matched)) * rankPrior * blockPrior;
  });
  return { type, trim, questionStems, ranked: [...sentences].sort((a, b) => b.score - a.score) };
}

export function extractAnswer(blocks: ContextBlock[], question: string, options: ExtractiveOptions = {}): ExtractiveResult {
  const minSupport = options.minSupport ?? DEFAULT_MIN_SUPPORT;
  const maxSentences = Math.min(3, Math.max(1, options.maxSentences ?? 2));
  const { type, trim: trimQuestion, questionStems, ranked } = rankSentences(blocks, question);
  const best = ranked[0];
  if (!best) return { text: undefined, support: 0, type, picks: [] };
  const support = best.support;
  if (support < minSupport) return { text: undefined, support, type, picks: [] };

  const picks = [best];
  // One sentence answers when it holds the kind of thing asked for (a date for
  // "when"); otherwise the runner-up joins it, since the answer is often there.
  const settled = type !== 'other' && hasCandidate(type, best.tokens, questionStems);
  for (const s of ranked.slice(1)) {
    if (settled || picks.length >= maxSentences) break;
    if (s.score < SECOND_SENTENCE_RATIO * best.score) break;
    if (picks.some((p) => sameText(p.text, s.text))) continue;
    picks.push(s);
  }
  const trim = options.trim ?? true;
  const parts = picks.map((p) => {
    const body = trim ? trimToClause(p.tokens, p.text, trimQuestion) : p.text;
    return cite(body, p.blockIndex);
  });
  return { text: parts.join(' '), support, type, picks };
}

/**
 * Names and numbers the question states ("in 1169", "Emma", "Raoulii"). A sentence
 * that lacks one is about something else: this is how questions that swap in an
 * entity the documents never connect to the fact ("When did the Frankish identity
 * emerge?") get caught. A capitalised question word the context only writes in
 * lowercase ("Who did Emma Marry?") is not a name.
 */
function questionEntities(question: string, sentences: ScoredSentence[]): string[] {
  const lowercaseInContext = new Set(sentences.flatMap((s) => s.tokens.filter((t) => /^\p{Ll}/u.test(t.text)).map((t) => t.stem)));
  const out = new Set<string>();
  words(question).forEach((t, i) => {
    if (!isContentWord(t.lower)) return;
    const name = i > 0 && /^\p{Lu}/u.test(t.text) && !lowercaseInContext.has(t.stem);
    if (name || /\d/.test(t.text)) out.add(t.stem);
  });
  return [...out];
}

const OPPOSITE = new Map<string, string[]>();
for (const pair of (
  'first:last before:after north:south east:west northern:southern eastern:western early:late earliest:latest ' +
  'increase:decrease largest:smallest most:least older:younger oldest:youngest win:lose won:lost start:end begin:end ' +
  'major:minor maximum:minimum higher:lower highest:lowest above:below inside:outside success:failure ' +
  'modern:ancient modern:medieval upper:lower inner:outer import:export imports:exports male:female more:fewer ' +
  'legal:illegal accept:reject allow:forbid true:false always:never'
).split(' ')) {
  const [a, b] = pair.split(':').map((w) => words(w)[0]!.stem) as [string, string];
  OPPOSITE.set(a, [...(OPPOSITE.get(a) ?? []), b]);
  OPPOSITE.set(b, [...(OPPOSITE.get(b) ?? []), a]);
}

function inverseDocumentFrequency(sentences: ScoredSentence[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const s of sentences) for (const stem of new Set(s.tokens.map((t) => t.stem))) df.set(stem, (df.get(stem) ?? 0) + 1);
  const n = sentences.length + BACKGROUND;
  const idf = new Map<string, number>();
  for (const [stem, f] of df) idf.set(stem, Math.log(1 + (n - f + 0.5) / (f + 0.5)));
  return idf;
}

export function hasCandidate(type: AnswerType, tokens: WordToken[], questionStems: Set<string>): boolean {
  return tokens.some((t, i) => !questionStems.has(t.stem) && isCandidate(type, tokens, i));
}

/** Matched words over the width of the smallest window holding one of each. */
function proximity(tokens: WordToken[], matched: Set<string>): number {
  if (matched.size <= 1) return 1;
  const need = matched.size;
  const counts = new Map<string, number>();
  let have = 0;
  let best = Infinity;
  let left = 0;
  for (let right = 0; right < tokens.length; right++) {
    const r = tokens[right]!.stem;
    if (matched.has(r)) {
      counts.set(r, (counts.get(r) ?? 0) + 1);
      if (counts.get(r) === 1) have++;
    }
    while (have === need) {
      best = Math.min(best, right - left + 1);
      const l = tokens[left]!.stem;
      if (matched.has(l)) {
        counts.set(l, counts.get(l)! - 1);
        if (counts.get(l) === 0) have--;
      }
      left++;
    }
  }
  return Number.isFinite(best) ? need / best : 0;
}

function sameText(a: string, b: string): boolean {
  return a.toLowerCase().replace(/\W+/g, ' ').trim() === b.toLowerCase().replace(/\W+/g, ' ').trim();
}

/** "... in 1066." + 2 -> "... in 1066 [2]." */
export function cite(text: string, index: number): string {
  const body = text.trim().replace(/[\s,;:.!?]+$/, '');
  const end = /[!?]$/.test(text.trim()) ? text.trim().slice(-1) : '.';
  return `${body} [${index}]${end}`;
}
