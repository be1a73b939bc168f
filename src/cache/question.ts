/**
 * A question read for the hit verifier: words with their capitals, question
 * words, negation, numbers, names, particles, and content words with the
 * preposition that marks each. Word lists here are English.
 */
import { foldText, splitToken } from '../embed/index.js';
import type { Lexicon } from './lexicon.js';

export const set = (s: string) => new Set(s.split(' '));
// Words that carry no topic. Question words, negators and particles are kept apart below.
export const STOP = set(
  'a an the of to in on at for from by with and or is are was were be been being am do does did done can could should would will shall may might must ' +
    'i me my mine we us our you your yours he him his she her they them their it its this that these those there here some any as about than then so ' +
    'if whether also just really very per have has had having doing one ones someone something anything thing things item items stuff ' +
    // Light and copular verbs, quantifying determiners and frame nouns: "I need help", "is it going to rain",
    // "what makes the sky look blue", "the best way / method to learn".
    'need needs going gone goes went get gets got getting seem seems look looks appear appears another other each every all both few several such ' +
    'way ways method methods approach process procedure step steps',
);
// Politeness and request wrappers: "Can you tell me…", "Quick question:", "I'd like to know…".
export const FILLER = set('tell explain know please pls hi hello hey help remind idea like quick question wondering want thanks thank possible ok okay');
export const NEGATORS = set('not no never without none nothing nobody neither nor cannot');
export const PARTICLES = set('up down on off in out into onto over under away back to from');
// "turn on"/"turn off", "zoom in"/"zoom out", "upload to"/"download from"; "on Earth"/"in the world" is no change.
export const OPPOSITE: Record<string, string> = { up: 'down', down: 'up', on: 'off', off: 'on', in: 'out', out: 'in', into: 'out', onto: 'off', over: 'under', under: 'over', to: 'from', from: 'to', away: 'back', back: 'away' };
// Prepositions that give a word its role: swapping them swaps the direction or the comparison.
export const RELATIONAL: Record<string, string> = { from: 'from', to: 'to', into: 'to', onto: 'to', toward: 'to', towards: 'to', than: 'than', before: 'before', after: 'after' };
export const MARKERS = set('from to into onto than before after toward towards in on at for with by of between');
export const AUX = set('is are was were do does did can could should would will shall may might must has have had am');
const INFORMAL: Record<string, string> = { whats: 'what', wheres: 'where', whos: 'who', hows: 'how', whens: 'when', whys: 'why', u: 'you', r: 'are', ur: 'your' };
export const QUALIFIERS = set('most least more less best worst better worse top bottom');
export const ROMAN = /^(?=[IVXLC]{2,}$)C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$/;

interface Word {
  w: string;
  /** Written with a capital inside the sentence, or all capitals: a name or an abbreviation. */
  name: boolean;
  roman: boolean;
}

const PLAIN = /^[A-Za-z0-9]+$/;
const ASCII = /^[\x00-\x7f]*$/;
const ASCII_TOKEN = /[A-Za-z0-9]+(?:['.-][A-Za-z0-9]+)*/g;
const TOKEN = /[\p{L}\p{N}]+(?:['’.-][\p{L}\p{N}]+)*/gu;

/** Nothing but spaces before `at`, back to the text's start or a sentence or clause end. */
function sentenceStart(text: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 10)) i--;
  return i < 0 || '.!?:;'.includes(text[i]!);
}

/** Words with their capitalisation; the lowercase form is what the rest compares. */
function tokenize(text: string): Word[] {
  const out: Word[] = [];
  // The Unicode pattern is several times slower; most questions are plain ASCII.
  const pattern = ASCII.test(text) ? ASCII_TOKEN : TOKEN;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const raw = m[0];
    const initial = sentenceStart(text, m.index);
    const lower = raw.toLowerCase();
    const upper = raw !== lower;
    const allCaps = upper && raw.length >= 2 && raw === raw.toUpperCase();
    const roman = (allCaps && ROMAN.test(raw)) || (raw === 'I' && !initial && out.length > 0 && out[out.length - 1]!.name);
    // Plain ASCII words (nearly all) need no folding or splitting.
    for (const w of PLAIN.test(raw) ? [lower] : splitToken(foldText(raw))) {
      const word = INFORMAL[w] ?? w;
      out.push({ w: word, name: !roman && word !== 'i' && ((upper && !initial) || allCaps), roman });
    }
  }
  return out;
}

export type QType = string;

/** The kinds of answer a question asks for; empty when only "what"/"which" (they fit any). */
function questionTypes(ws: string[]): Set<QType> {
  const out = new Set<QType>();
  let wh = false;
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    if (w === 'who' || w === 'whom' || w === 'whose') out.add('who');
    else if (w === 'when' || w === 'where' || w === 'why') out.add(w);
    else if (w === 'what' || w === 'which') wh = true;
    else if (w === 'how') {
      const next = ws[i + 1];
      if (next === 'many' || next === 'much') out.add(`how ${next}`);
      else if (next && !AUX.has(next) && !STOP.has(next) && !/\d/.test(next)) out.add(`how ${next}`);
      else out.add('how');
    }
  }
  if (!out.size && !wh && ws[0] && AUX.has(ws[0])) out.add('yes-no');
  return out;
}

export interface Parsed {
  words: Word[];
  lower: string[];
  types: Set<QType>;
  negated: boolean;
  numbers: Set<string>;
  names: Set<string>;
  particles: Map<string, number>;
  /** Content words in order of first appearance, with the preposition that marks each. */
  content: ContentWord[];
  /** Abbreviations this question spells out ("new york city" → "nyc"), with the words each covers; built on first use. */
  initialisms?: Map<string, string[]>;
  /** Its words and the WordNet phrases of two or three of them; built on first use. */
  phrases?: Phrase[];
  /** Content words by word, and the set of all words; built on first use. */
  byWord?: Map<string, ContentWord>;
  words_?: Set<string>;
}

export interface ContentWord {
  w: string;
  marker: string | undefined;
  at: number;
}

export interface Phrase {
  key: string;
  covers: string[];
}

export function parseQuestion(text: string): Parsed {
  const words = tokenize(text);
  const lower = words.map((w) => w.w);
  const types = questionTypes(lower);
  const howWords = new Set<number>();
  lower.forEach((w, i) => {
    if (w === 'how' && i + 1 < lower.length && types.has(`how ${lower[i + 1]}`)) howWords.add(i + 1);
  });
  const numbers = new Set<string>();
  const names = new Set<string>();
  const particles = new Map<string, number>();
  const content: Parsed['content'] = [];
  const seen = new Set<string>();
  let marker: string | undefined;
  let negated = false;
  words.forEach((word, i) => {
    const w = word.w;
    if (NEGATORS.has(w)) negated = true;
    if (PARTICLES.has(w)) particles.set(w, (particles.get(w) ?? 0) + 1);
    if (word.roman || /\d/.test(w)) {
      numbers.add(word.roman ? `roman:${w}` : w);
      return;
    }
    if (word.name) names.add(w);
    if (MARKERS.has(w)) {
      marker = w;
      return;
    }
    if (STOP.has(w) || FILLER.has(w) || NEGATORS.has(w) || PARTICLES.has(w) || howWords.has(i) || w.length < 2) return;
    if (w === 'who' || w === 'whom' || w === 'whose' || w === 'what' || w === 'which' || w === 'when' || w === 'where' || w === 'why' || w === 'how' || w === 'many' || w === 'much') return;
    if (!seen.has(w)) {
      seen.add(w);
      content.push({ w, marker, at: i });
    }
    marker = undefined;
  });
  return { words, lower, types, negated, numbers, names, particles, content };
}

/**
 * Abbreviations a question spells out: initials of consecutive words ("new york city" → "nyc"),
 * "of" and "the" skipped, each with the words it covers.
 */
export function initialisms(q: Parsed): Map<string, string[]> {
  if (q.initialisms) return q.initialisms;
  const lower = q.lower;
  const out = new Map<string, string[]>();
  for (let i = 0; i < lower.length; i++) {
    let acc = '';
    const covered: string[] = [];
    for (let j = i; j < lower.length && j < i + 6; j++) {
      const w = lower[j]!;
      if ((w === 'of' || w === 'the') && j > i) continue;
      acc += w[0] ?? '';
      covered.push(w);
      if (acc.length >= 2 && !out.has(acc)) out.set(acc, [...covered]);
    }
  }
  q.initialisms = out;
  return out;
}

/**
 * The words of a question and the WordNet phrases of two or three of them ("get_rid_of",
 * "united_states"); with `only`, the units that cover at least one of those words.
 */
export function phrases(q: Parsed, lexicon: Lexicon, only?: string[]): Phrase[] {
  if (!q.phrases) {
    const all: Phrase[] = q.lower.map((w) => ({ key: w, covers: [w] }));
    for (let i = 0; i < q.lower.length; i++) {
      for (const n of [2, 3]) {
        if (i + n > q.lower.length) continue;
        const seq = q.lower.slice(i, i + n);
        const key = seq.join('_');
        if (lexicon.known(key)) all.push({ key, covers: seq });
      }
    }
    q.phrases = all;
  }
  if (!only) return q.phrases;
  const out: Phrase[] = [];
  const seen = new Set<string>();
  for (const p of q.phrases) {
    const covers = p.covers.filter((w) => only.includes(w));
    if (covers.length && !seen.has(p.key)) {
      seen.add(p.key);
      out.push({ key: p.key, covers });
    }
  }
  return out;
}
