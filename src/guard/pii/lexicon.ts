/** Shared access to compromise: its lexicon, per-term tags and single-word lookups. */
import nlp from 'compromise';
import { trimEnd } from './candidate.js';

export type Doc = ReturnType<typeof nlp>;

export interface Term {
  tags: Set<string>;
}

export interface CompromiseTerm {
  tags?: string[];
  offset?: { start: number; length: number };
}
export interface CompromiseMatch {
  text: string;
  offset?: { start: number; length: number };
  terms?: CompromiseTerm[];
}

export const LEXICON = (nlp as unknown as { model(): { one: { lexicon: Record<string, string> } } }).model().one.lexicon;

export const NOT_NAME_TAGS = ['Verb', 'Adjective', 'Adverb', 'Determiner', 'Preposition', 'Pronoun', 'Conjunction', 'Value', 'Date', 'Month', 'WeekDay', 'Place', 'Country', 'Organization', 'QuestionWord', 'Expression'];

export function termTags(doc: Doc): Map<number, Term> {
  const map = new Map<number, Term>();
  for (const s of doc.json({ offset: true }) as CompromiseMatch[]) {
    for (const t of s.terms ?? []) if (t.offset) map.set(t.offset.start, { tags: new Set(t.tags ?? []) });
  }
  return map;
}

export function knownFirstName(word: string): boolean {
  return lexicalTags(word.split(/\s+/)[0] ?? '').includes('FirstName');
}

/** Cut a compromise match at brackets, quotes and line breaks, and trim punctuation on both ends. */
export function cleanSpan(text: string, start: number, end: number): { start: number; end: number } | undefined {
  const cut = text.slice(start, end).search(/[([{"“”\n]|[.,]?['’](?=\s|$)|['’]s(?=\s|$)/);
  if (cut >= 0) end = start + cut;
  while (start < end && /[^\p{L}\p{N}]/u.test(text[start] ?? '')) start++;
  end = trimEnd(text, start, end, ' \t.,;:!?)\'"’”-');
  return end - start >= 2 ? { start, end } : undefined;
}

/** "Happy", "Great", "Sorry": capitalised after a cue but an ordinary word in lower case. */
export function commonWord(word: string): boolean {
  return lexicalTags(word).some((x) => NOT_NAME_TAGS.includes(x));
}

// Tags of single words looked up on their own; bounded so a long document cannot grow it forever.
const TAG_CACHE = new Map<string, string[]>();
export function lexicalTags(word: string): string[] {
  const key = word.toLowerCase();
  let t = TAG_CACHE.get(key);
  if (!t) {
    t = (nlp(key).json() as CompromiseMatch[])[0]?.terms?.[0]?.tags ?? [];
    if (TAG_CACHE.size > 5000) TAG_CACHE.clear();
    TAG_CACHE.set(key, t);
  }
  return t;
}

