/**
 * The semantic-cache hit verifier: a candidate from the vector search is served
 * only if its stored question asks the same thing as the new one. Sentence
 * embeddings of short questions barely move when the answer changes ("Madrid to
 * Chicago" / "Chicago to Madrid", "not", "when" / "where", "Austria" /
 * "Australia"), so the two questions are compared word by word instead:
 *
 * - order: shared words that swap places (an argument or direction swap) or
 *   change their relational preposition (from/to/than/before/after);
 * - negation: one question negates (not, n't, no, never, without), the other does not;
 * - question word: who / when / where / why / how / how many / how much / how
 *   <adjective> / a yes-no question differ ("what" and "which" fit any of them);
 * - number: digits and Roman numerals must match exactly;
 * - name: a capitalised word (not sentence-initial) or an abbreviation on one
 *   side must appear on the other, or be the initials of words there (NYC);
 * - particle: on/off, in/out, up/down, to/from differ on both sides;
 * - word: every content word one question has and the other lacks must be a
 *   WordNet synonym of one the other has (or, for words WordNet lacks, close in
 *   the word vectors); a word added on one side only passes unless it is a
 *   qualifier (superlative, comparative, most/least).
 */
import { foldText, splitToken } from '../embed/index.js';
import type { Lexicon } from './lexicon.js';

export type RefusalReason = 'order' | 'negation' | 'question-word' | 'number' | 'name' | 'particle' | 'word' | 'qualifier';

export type Verdict = { ok: true } | { ok: false; reason: RefusalReason; detail: string };

export interface HitVerifier {
  /** Whether a stored question's answer may be served for the asked one. */
  verify(stored: string, asked: string): Promise<Verdict>;
}

/** Cosine similarity of two single words, or undefined when either is unknown. */
export type WordSimilarity = (a: string, b: string) => Promise<number | undefined>;

export interface HitVerifierOptions {
  lexicon: Lexicon;
  /** For words WordNet does not know (brand names, slang, "wifi"); without it such words never count as synonyms. */
  similarity?: WordSimilarity;
  /** Minimum word-vector cosine for a word WordNet lacks; default 0.6. */
  minWordSimilarity?: number;
}

const set = (s: string) => new Set(s.split(' '));
// Words that carry no topic. Question words, negators and particles are kept apart below.
const STOP = set(
  'a an the of to in on at for from by with and or is are was were be been being am do does did done can could should would will shall may might must ' +
    'i me my mine we us our you your yours he him his she her they them their it its this that these those there here some any as about than then so ' +
    'if whether also just really very have has had one ones someone something anything thing things way',
);
// Politeness and request wrappers: "Can you tell me…", "Quick question:", "I'd like to know…".
const FILLER = set('tell explain know please pls hi hello hey help remind idea like quick question wondering want thanks thank possible ok okay');
const NEGATORS = set('not no never without none nothing nobody neither nor cannot');
const PARTICLES = set('up down on off in out into onto over under away back to from');
// "turn on"/"turn off", "zoom in"/"zoom out", "upload to"/"download from"; "on Earth"/"in the world" is no change.
const OPPOSITE: Record<string, string> = { up: 'down', down: 'up', on: 'off', off: 'on', in: 'out', out: 'in', into: 'out', onto: 'off', over: 'under', under: 'over', to: 'from', from: 'to', away: 'back', back: 'away' };
// Prepositions that give a word its role: swapping them swaps the direction or the comparison.
const RELATIONAL: Record<string, string> = { from: 'from', to: 'to', into: 'to', onto: 'to', toward: 'to', towards: 'to', than: 'than', before: 'before', after: 'after' };
const MARKERS = set('from to into onto than before after toward towards in on at for with by of between');
const AUX = set('is are was were do does did can could should would will shall may might must has have had am');
const INFORMAL: Record<string, string> = { whats: 'what', wheres: 'where', whos: 'who', hows: 'how', whens: 'when', whys: 'why', u: 'you', r: 'are', ur: 'your' };
const QUALIFIERS = set('most least more less best worst better worse top bottom');
const ROMAN = /^(?=[IVXLC]{2,}$)C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$/;

interface Word {
  w: string;
  /** Written with a capital inside the sentence, or all capitals: a name or an abbreviation. */
  name: boolean;
  roman: boolean;
}

const TOKEN = /[\p{L}\p{N}]+(?:['’.-][\p{L}\p{N}]+)*/gu;

/** Words with their capitalisation; the lowercase form is what the rest compares. */
function tokenize(text: string): Word[] {
  const out: Word[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const raw = m[0];
    const before = text.slice(0, m.index).trimEnd();
    const initial = before === '' || /[.!?:;]$/.test(before);
    const upper = /\p{Lu}/u.test(raw);
    const allCaps = upper && raw.length >= 2 && raw === raw.toUpperCase() && /\p{L}/u.test(raw);
    const roman = ROMAN.test(raw) || (raw === 'I' && !initial && out.length > 0 && out[out.length - 1]!.name);
    for (const w of splitToken(foldText(raw))) {
      const word = INFORMAL[w] ?? w;
      out.push({ w: word, name: !roman && word !== 'i' && ((upper && !initial) || allCaps), roman });
    }
  }
  return out;
}

type QType = string;

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

interface Parsed {
  words: Word[];
  lower: string[];
  types: Set<QType>;
  negated: boolean;
  numbers: Set<string>;
  names: Set<string>;
  particles: Map<string, number>;
  /** Content words in order of first appearance, with the preposition that marks each. */
  content: Array<{ w: string; marker: string | undefined; at: number }>;
}

function parse(text: string): Parsed {
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

const refuse = (reason: RefusalReason, detail: string): Verdict => ({ ok: false, reason, detail });

/** Same word up to inflection or derivation: "renewing"/"renew", "politely"/"polite", "organize"/"organise". */
function sameStem(a: string, b: string, lexicon: Lexicon): boolean {
  if (a === b) return true;
  const [x, y] = [britishToAmerican(a), britishToAmerican(b)];
  if (x === y) return true;
  let p = 0;
  while (p < x.length && p < y.length && x[p] === y[p]) p++;
  // A shared stem of 4+ letters with only suffixes left: "renewing"/"renew", "invented"/"inventor", "politely"/"polite".
  if (p >= 4 && SUFFIXES.has(x.slice(p)) && SUFFIXES.has(y.slice(p))) return true;
  const la = lexicon.lemmas(a);
  const lb = lexicon.lemmas(b);
  for (const [pos, forms] of la) if (forms.some((f) => lb.get(pos)?.includes(f))) return true;
  return false;
}

// Inflectional and neutral derivational endings; "-less"/"-ful" are left out on purpose (they oppose).
const SUFFIXES = set(' s es ed d ing ly er ers or ors est e y ies ied ion ions ation ations ment ments al ity ness ic ive');
SUFFIXES.add('');

/** "colour"/"color", "organise"/"organize", "centre"/"center". */
function britishToAmerican(w: string): string {
  return w.replace(/our(s?)$/, 'or$1').replace(/is(e|es|ed|ing|ation|ations)$/, 'iz$1').replace(/([^aeiou])re(s?)$/, '$1er$2');
}

/** "un-", "dis-", "de-": one word is the other with a negating prefix ("mute"/"unmute", "able"/"disable"). */
function prefixAntonym(a: string, b: string): boolean {
  const [s, l] = a.length <= b.length ? [a, b] : [b, a];
  for (const p of ['un', 'dis', 'de', 'non', 'in', 'im', 'il', 'ir', 'mis', 'anti']) if (l === p + s) return true;
  // Two prefixes on one stem: "increase"/"decrease", "import"/"export", "upload"/"download", "encrypt"/"decrypt".
  const pairs = [
    ['in', 'de'],
    ['im', 'ex'],
    ['in', 'ex'],
    ['up', 'down'],
    ['en', 'de'],
    ['en', 'dis'],
    ['over', 'under'],
    ['pre', 'post'],
    ['inc', 'exc'],
  ];
  for (const [x, y] of pairs) {
    if ((a.startsWith(x!) && b.startsWith(y!) && a.slice(x!.length) === b.slice(y!.length)) || (b.startsWith(x!) && a.startsWith(y!) && b.slice(x!.length) === a.slice(y!.length))) return true;
  }
  return false;
}

function isQualifier(w: string, lexicon: Lexicon): boolean {
  if (QUALIFIERS.has(w)) return true;
  // A superlative or comparative: the base form is an adjective ("cheapest" → "cheap").
  if (/(?:est|er)$/.test(w)) {
    const adj = lexicon.lemmas(w).get('a');
    if (adj?.some((f) => f !== w)) return true;
  }
  return false;
}

/**
 * Abbreviations a question spells out: initials of consecutive words ("new york city" → "nyc"),
 * "of" and "the" skipped, each with the words it covers.
 */
function initialisms(lower: string[]): Map<string, string[]> {
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
  return out;
}

/** Words of `own` that an abbreviation in `other` spells out, and those abbreviations. */
function abbreviated(own: Parsed, other: Parsed): { words: Set<string>; abbreviations: Set<string> } {
  const words = new Set<string>();
  const abbreviations = new Set<string>();
  const runs = initialisms(own.lower);
  for (const w of other.lower) {
    const covered = w.length >= 2 && w.length <= 6 && !own.lower.includes(w) ? runs.get(w) : undefined;
    if (covered && covered.length >= 2) {
      abbreviations.add(w);
      for (const c of covered) words.add(c);
    }
  }
  return { words, abbreviations };
}

/** A name of `from` that `to` neither repeats (up to inflection), joins into one word ("Wi-Fi"/"wifi") nor abbreviates. */
function checkNames(from: Parsed, to: Parsed, same: (x: string, y: string) => boolean, lexicon: Lexicon): string | undefined {
  const spelled = abbreviated(from, to).words;
  const spelledOut = abbreviated(to, from).abbreviations;
  for (const n of from.names) {
    if (to.lower.some((w) => same(n, w)) || spelled.has(n) || spelledOut.has(n)) continue;
    const i = from.lower.indexOf(n);
    const [prev, next] = [from.lower[i - 1], from.lower[i + 1]];
    if (to.lower.some((w) => (next !== undefined && w === n + next) || (prev !== undefined && w === prev + n))) continue;
    // Another name for the same thing: "TV"/"television", "United States"/"USA".
    const own = phrases(from.lower, lexicon).filter((ph) => ph.covers.includes(n));
    const theirs = phrases(to.lower, lexicon);
    if (own.some((x) => theirs.some((y) => lexicon.synonyms(x.key, y.key)))) continue;
    return n;
  }
  return undefined;
}

/**
 * Two shared words that trade roles: an argument or direction swap ("from Madrid to Chicago" /
 * "from Chicago to Madrid", "Is a sparrow bigger than a hawk" / "…a hawk bigger than a sparrow").
 * A restructured sentence moves words too ("How often should I water a cactus" / "How frequently
 * does a cactus need watering"), so a bare change of order counts only when nothing else changed:
 * the same words in another order, or two names that traded places.
 */
function checkOrder(a: Parsed, b: Parsed, same: (x: string, y: string) => boolean): string | undefined {
  const pairs: Array<{ a: Parsed['content'][number]; b: Parsed['content'][number] }> = [];
  for (const ca of a.content) {
    const cb = b.content.find((c) => same(ca.w, c.w));
    if (cb) pairs.push({ a: ca, b: cb });
  }
  const rel = (m: string | undefined) => (m === undefined ? undefined : RELATIONAL[m]);
  for (const p of pairs) {
    // "from Madrid" / "to Madrid"; "safe for cats" / "harmless to cats" is no direction change.
    const [ra, rb] = [rel(p.a.marker), rel(p.b.marker)];
    if (ra && rb && ra !== rb) return `"${p.a.w}" ${p.a.marker} → ${p.b.marker}`;
  }
  for (let i = 0; i < pairs.length; i++) {
    for (let j = i + 1; j < pairs.length; j++) {
      const [x, y] = [pairs[i]!, pairs[j]!];
      const exchanged = x.a.marker === y.b.marker && y.a.marker === x.b.marker && x.a.marker !== y.a.marker;
      if (exchanged && (rel(x.a.marker) || rel(y.a.marker))) return `"${x.a.w}" and "${y.a.w}" traded ${x.a.marker ?? '—'}/${y.a.marker ?? '—'}`;
    }
  }
  // pairs are in a's order; a transposition in b's order means two words traded places.
  const orderB = pairs.map((p) => p.b.at);
  const sorted = [...orderB].sort((x, y) => x - y);
  const moved = orderB.flatMap((v, i) => (v !== sorted[i] ? [i] : []));
  if (moved.length !== 2) return undefined;
  const [i, j] = [moved[0]!, moved[1]!];
  if (orderB[i] !== sorted[j] || orderB[j] !== sorted[i]) return undefined;
  const [x, y] = [pairs[i]!, pairs[j]!];
  const kept = (p: typeof x) => p.a.marker !== undefined && p.a.marker === p.b.marker;
  if (kept(x) && kept(y) && x.a.marker !== y.a.marker) return undefined;
  const permutation = a.lower.length === b.lower.length && [...a.lower].sort().join(' ') === [...b.lower].sort().join(' ');
  const names = (a.names.has(x.a.w) || b.names.has(x.b.w)) && (a.names.has(y.a.w) || b.names.has(y.b.w));
  if (permutation || names) return `"${x.a.w}" and "${y.a.w}" swapped`;
  return undefined;
}

export function createHitVerifier(options: HitVerifierOptions): HitVerifier {
  const { lexicon } = options;
  const minSim = options.minWordSimilarity ?? 0.6;
  const same = (x: string, y: string) => sameStem(x, y, lexicon);

  const related = async (x: string, y: string): Promise<boolean> => {
    if (prefixAntonym(x, y)) return false;
    if (lexicon.synonyms(x, y)) return true;
    if (lexicon.known(x) && lexicon.known(y)) return false;
    const s = options.similarity ? await options.similarity(x, y) : undefined;
    return s !== undefined && s >= minSim;
  };

  return {
    async verify(stored, asked) {
      const a = parse(stored);
      const b = parse(asked);
      if (a.negated !== b.negated) return refuse('negation', a.negated ? 'the stored question negates' : 'the asked question negates');
      if (a.types.size && b.types.size && ![...a.types].some((t) => b.types.has(t))) {
        const how = (s: Set<QType>) => [...s].find((t) => t.startsWith('how ') && t !== 'how many' && t !== 'how much')?.slice(4);
        const [ha, hb] = [how(a.types), how(b.types)];
        if (!(ha && hb && (await related(ha, hb)))) return refuse('question-word', `${[...a.types].join('/')} vs ${[...b.types].join('/')}`);
      }
      if (a.numbers.size !== b.numbers.size || [...a.numbers].some((n) => !b.numbers.has(n))) {
        return refuse('number', `${[...a.numbers].join(',') || '—'} vs ${[...b.numbers].join(',') || '—'}`);
      }
      const name = checkNames(a, b, same, lexicon) ?? checkNames(b, a, same, lexicon);
      if (name) return refuse('name', name);
      const onlyA = [...a.particles].filter(([p, n]) => (b.particles.get(p) ?? 0) < n).map(([p]) => p);
      const onlyB = [...b.particles].filter(([p, n]) => (a.particles.get(p) ?? 0) < n).map(([p]) => p);
      const opposed = onlyA.flatMap((x) => onlyB.filter((y) => OPPOSITE[x] === y).map((y) => `${x} vs ${y}`));
      if (opposed.length) return refuse('particle', opposed.join(', '));
      const order = checkOrder(a, b, same);
      if (order) return refuse('order', order);

      // Content words one side has and the other lacks, up to inflection and compounds ("wi fi" / "wifi").
      const joined = (p: Parsed) => new Set(p.content.slice(1).map((c, i) => p.content[i]!.w + c.w));
      const [ja, jb] = [joined(a), joined(b)];
      const [abA, abB] = [abbreviated(a, b), abbreviated(b, a)];
      const covered = (w: string, own: ReturnType<typeof abbreviated>, other: ReturnType<typeof abbreviated>) => own.words.has(w) || other.abbreviations.has(w);
      const restA = a.content.filter((c) => !b.content.some((d) => same(c.w, d.w)) && !jb.has(c.w) && !covered(c.w, abA, abB)).map((c) => c.w);
      const restB = b.content.filter((c) => !a.content.some((d) => same(c.w, d.w)) && !ja.has(c.w) && !covered(c.w, abB, abA)).map((c) => c.w);
      const matchedA = new Set<string>();
      const matchedB = new Set<string>();
      if (restA.length && restB.length) {
        // Single words and WordNet phrases over them: "get rid of" / "eliminate", "turn down" / "decline".
        const ua = phrases(a.lower, lexicon, restA);
        const ub = phrases(b.lower, lexicon, restB);
        for (const x of ua) {
          for (const y of ub) {
            if (await related(x.key, y.key)) {
              for (const w of x.covers) matchedA.add(w);
              for (const w of y.covers) matchedB.add(w);
            }
          }
        }
      }
      const leftA = restA.filter((w) => !matchedA.has(w) && !halfOf(w, a, b));
      const leftB = restB.filter((w) => !matchedB.has(w) && !halfOf(w, b, a));
      if (leftA.length && leftB.length) return refuse('word', `${leftA.join(',')} vs ${leftB.join(',')}`);
      const added = [...leftA, ...leftB].find((w) => isQualifier(w, lexicon));
      if (added) return refuse('qualifier', added);
      return { ok: true };
    },
  };
}

/**
 * The words of a question and the WordNet phrases of two or three of them ("get_rid_of",
 * "united_states"); with `only`, the units that cover at least one of those words.
 */
function phrases(lower: string[], lexicon: Lexicon, only?: string[]): Array<{ key: string; covers: string[] }> {
  const out: Array<{ key: string; covers: string[] }> = (only ?? lower).map((w) => ({ key: w, covers: [w] }));
  for (let i = 0; i < lower.length; i++) {
    for (const n of [2, 3]) {
      if (i + n > lower.length) continue;
      const seq = lower.slice(i, i + n);
      const covers = only ? seq.filter((w) => only.includes(w)) : seq;
      if (!covers.length) continue;
      const key = seq.join('_');
      if (lexicon.known(key)) out.push({ key, covers });
    }
  }
  return out;
}

/** A word that is one half of a compound the other question writes as one word ("time zone" / "timezone"). */
function halfOf(w: string, own: Parsed, other: Parsed): boolean {
  const i = own.content.findIndex((c) => c.w === w);
  const prev = own.content[i - 1]?.w;
  const next = own.content[i + 1]?.w;
  return other.content.some((c) => (prev !== undefined && c.w === prev + w) || (next !== undefined && c.w === w + next));
}
