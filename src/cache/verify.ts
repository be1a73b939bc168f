/**
 * The semantic-cache hit verifier: a candidate from the vector search is served
 * only if its stored question asks the same thing as the new one. Sentence
 * embeddings of short questions barely move when the answer changes ("Madrid to
 * Chicago" / "Chicago to Madrid", "not", "when" / "where", "Austria" /
 * "Australia"), so the two questions are compared word by word instead:
 *
 * - order: shared words that trade places or prepositions (an argument or
 *   direction swap), or move between relational prepositions (from/to/than/before/after);
 * - negation: one question negates (not, n't, no, never, without), the other does not;
 * - question word: who / when / where / why / how / how many / how much / how
 *   <adjective> / a yes-no question differ ("what" and "which" fit any of them);
 * - number: digits and Roman numerals must match exactly;
 * - name: a capitalised word (not sentence-initial) or an abbreviation on one
 *   side must appear on the other, or be the initials of words there (NYC);
 * - particle: on/off, in/out, up/down, to/from differ on both sides;
 * - word: every content word one question has and the other lacks must be a
 *   WordNet synonym of one the other has (or, for words WordNet lacks, close in
 *   the word vectors);
 * - qualifier / added: a word only one side has passes only when it names the
 *   kind of answer ("Which city is…") and is no comparative or superlative.
 *
 * Tuned on bench/cache/pairs.jsonl and __fixtures__/pairs.jsonl; measured on
 * held-out sets by `npm run bench:cache`. The word lists are English.
 */
import type { Lexicon } from './lexicon.js';
import { initialisms, OPPOSITE, parseQuestion, phrases, RELATIONAL, type ContentWord, type Parsed, type QType } from './question.js';
import { isQualifier, prefixAntonym, sameStem } from './words.js';

export type RefusalReason = 'order' | 'negation' | 'question-word' | 'number' | 'name' | 'particle' | 'word' | 'qualifier' | 'added';

export type Verdict = { ok: true } | { ok: false; reason: RefusalReason; detail: string };

export interface HitVerifier {
  /** Whether a stored question's answer may be served for the asked one. */
  verify(stored: string, asked: string): Promise<Verdict>;
}

/** Cosine similarity of two single words, or undefined when either is unknown. */
export type WordSimilarity = (a: string, b: string) => Promise<number | undefined>;

export interface HitVerifierOptions {
  lexicon: Lexicon;
  /** For words WordNet does not know (brand names, slang: "macbook", "dev"); without it such words never count as synonyms. */
  similarity?: WordSimilarity;
  /** Minimum word-vector cosine for a word WordNet lacks; default 0.6. */
  minWordSimilarity?: number;
}

/** The content word of `q` that is `w` up to inflection; the identical word first, which is nearly every word of a hit. */
function counterpart(w: string, q: Parsed, same: (x: string, y: string) => boolean): ContentWord | undefined {
  q.byWord ??= new Map(q.content.map((c) => [c.w, c]));
  return q.byWord.get(w) ?? q.content.find((c) => same(w, c.w));
}

function lowerSet(q: Parsed): Set<string> {
  q.words_ ??= new Set(q.lower);
  return q.words_;
}

const refuse = (reason: RefusalReason, detail: string): Verdict => ({ ok: false, reason, detail });

/** Words of `own` that an abbreviation in `other` spells out, and those abbreviations. */
function abbreviated(own: Parsed, other: Parsed): { words: Set<string>; abbreviations: Set<string> } {
  const words = new Set<string>();
  const abbreviations = new Set<string>();
  const candidates = other.lower.filter((w) => w.length >= 2 && w.length <= 6 && !lowerSet(own).has(w));
  if (!candidates.length) return { words, abbreviations };
  const runs = initialisms(own);
  for (const w of candidates) {
    const covered = runs.get(w);
    if (covered && covered.length >= 2) {
      abbreviations.add(w);
      for (const c of covered) words.add(c);
    }
  }
  return { words, abbreviations };
}

/** A name of `from` that `to` neither repeats (up to inflection), joins into one word ("Wi-Fi"/"wifi") nor abbreviates. */
function checkNames(from: Parsed, to: Parsed, same: (x: string, y: string) => boolean, lexicon: Lexicon): string | undefined {
  const missing = [...from.names].filter((n) => !lowerSet(to).has(n));
  if (!missing.length) return undefined;
  const spelled = abbreviated(from, to).words;
  const spelledOut = abbreviated(to, from).abbreviations;
  for (const n of missing) {
    if (spelled.has(n) || spelledOut.has(n) || to.lower.some((w) => same(n, w))) continue;
    const i = from.lower.indexOf(n);
    const [prev, next] = [from.lower[i - 1], from.lower[i + 1]];
    if (to.lower.some((w) => (next !== undefined && w === n + next) || (prev !== undefined && w === prev + n))) continue;
    // Another name for the same thing: "TV"/"television", "United States"/"USA".
    const own = phrases(from, lexicon).filter((ph) => ph.covers.includes(n));
    const theirs = phrases(to, lexicon);
    if (own.some((x) => theirs.some((y) => lexicon.synonyms(x.key, y.key)))) continue;
    return n;
  }
  return undefined;
}

/** "between a crocodile and an alligator": two words joined by and/or read the same either way round. */
function coordinated(q: Parsed, s: number, t: number): boolean {
  const [lo, hi] = s < t ? [s, t] : [t, s];
  const between = q.lower.slice(lo + 1, hi).filter((w) => w !== 'a' && w !== 'an' && w !== 'the');
  return between.length === 1 && (between[0] === 'and' || between[0] === 'or');
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
    const cb = counterpart(ca.w, b, same);
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
      // "teaspoons in a tablespoon" / "tablespoons in a teaspoon": each took the other's preposition.
      const exchanged = x.a.marker === y.b.marker && y.a.marker === x.b.marker && x.a.marker !== y.a.marker;
      if (exchanged && !(coordinated(a, x.a.at, y.a.at) && coordinated(b, x.b.at, y.b.at))) return `"${x.a.w}" and "${y.a.w}" traded ${x.a.marker ?? '—'}/${y.a.marker ?? '—'}`;
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
  if (coordinated(a, x.a.at, y.a.at) && coordinated(b, x.b.at, y.b.at)) return undefined;
  const permutation = a.lower.length === b.lower.length && [...a.lower].sort().join(' ') === [...b.lower].sort().join(' ');
  const names = (a.names.has(x.a.w) || b.names.has(x.b.w)) && (a.names.has(y.a.w) || b.names.has(y.b.w));
  if (permutation || names) return `"${x.a.w}" and "${y.a.w}" swapped`;
  return undefined;
}

export function createHitVerifier(options: HitVerifierOptions): HitVerifier {
  const { lexicon } = options;
  const minSim = options.minWordSimilarity ?? 0.6;
  // Stored questions come back as candidates again and again, and their words recur: remember both.
  const parsed = new Map<string, Parsed>();
  const parse = (text: string): Parsed => {
    let p = parsed.get(text);
    if (!p) {
      if (parsed.size >= 4096) parsed.clear();
      p = parseQuestion(text);
      parsed.set(text, p);
    }
    return p;
  };
  const stems = new Map<string, boolean>();
  const same = (x: string, y: string): boolean => {
    if (x === y) return true;
    const key = x < y ? `${x}\u0000${y}` : `${y}\u0000${x}`;
    let r = stems.get(key);
    if (r === undefined) {
      if (stems.size >= 65_536) stems.clear();
      r = sameStem(x, y, lexicon);
      stems.set(key, r);
    }
    return r;
  };

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
      if (a.lower.length === b.lower.length && a.lower.every((w, i) => w === b.lower[i])) return { ok: true };
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

      // Content words one side has and the other lacks, up to inflection, compounds ("wi fi" / "wifi")
      // and abbreviations ("NYC"); nearly every hit has none, so the rest is built only when needed.
      let restA = a.content.filter((c) => !counterpart(c.w, b, same)).map((c) => c.w);
      let restB = b.content.filter((c) => !counterpart(c.w, a, same)).map((c) => c.w);
      if (restA.length || restB.length) {
        const joined = (p: Parsed) => new Set(p.content.slice(1).map((c, i) => p.content[i]!.w + c.w));
        const [ja, jb] = [joined(a), joined(b)];
        const [abA, abB] = [abbreviated(a, b), abbreviated(b, a)];
        restA = restA.filter((w) => !jb.has(w) && !abA.words.has(w) && !abB.abbreviations.has(w));
        restB = restB.filter((w) => !ja.has(w) && !abB.words.has(w) && !abA.abbreviations.has(w));
      }
      const matchedA = new Set<string>();
      const matchedB = new Set<string>();
      if (restA.length && restB.length) {
        // Single words and WordNet phrases over them: "get rid of" / "eliminate", "turn down" / "decline".
        const ua = phrases(a, lexicon, restA);
        const ub = phrases(b, lexicon, restB);
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
      const restrictive = leftA.find((w) => !answerFrame(w, a, b, same)) ?? leftB.find((w) => !answerFrame(w, b, a, same));
      if (restrictive) return refuse('added', restrictive);
      return { ok: true };
    },
  };
}

/**
 * A word only one question has may name the kind of answer ("Which city is the capital of
 * France", "What are the steps to reset my password", "In what year did…"): it follows
 * "what"/"which" and comes before the words both questions share. Anywhere else it narrows the
 * question ("How do I make vegan pancakes", "a good laptop for gaming", "file my taxes late").
 */
function answerFrame(w: string, own: Parsed, other: Parsed, same: (x: string, y: string) => boolean): boolean {
  const at = own.content.find((c) => c.w === w)?.at;
  if (at === undefined) return true;
  const wh = own.lower.findIndex((x) => x === 'what' || x === 'which');
  if (wh < 0 || wh > at) return false;
  const firstShared = own.content.find((c) => counterpart(c.w, other, same))?.at;
  return firstShared === undefined || at < firstShared;
}

/** A word that is one half of a compound the other question writes as one word ("time zone" / "timezone"). */
function halfOf(w: string, own: Parsed, other: Parsed): boolean {
  const i = own.content.findIndex((c) => c.w === w);
  const prev = own.content[i - 1]?.w;
  const next = own.content[i + 1]?.w;
  return other.content.some((c) => (prev !== undefined && c.w === prev + w) || (next !== undefined && c.w === w + next));
}
