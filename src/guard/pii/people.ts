/**
 * Person names and honorifics. compromise supplies the lexicon (first names,
 * honorifics, organisation words) and part-of-speech tags; context rules catch the names it does not
 * know ("My name is Rubija", "Dr. Szöllösy", "Faina D. Yefremova").
 */
import { type Candidate, matches, trimEnd } from './candidate.js';
import {
  type CompromiseMatch,
  type CompromiseTerm,
  type Doc,
  type Term,
  LEXICON,
  NOT_NAME_TAGS,
  cleanSpan,
  commonWord,
  knownFirstName,
  lexicalTags,
  termTags,
} from './lexicon.js';

const FUNCTION_TAGS = new Set(['Adverb', 'Determiner', 'Preposition', 'Pronoun', 'Conjunction', 'QuestionWord', 'Expression']);

const HONORIFIC =
  'Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord|Rev|Fr|Capt|Col|Gen|Sgt|Hon|Judge|Madam|Mme|Mlle|Herr|Frau|Sr|Sra|Srta';
// A name token: a capitalised word (any script with case) or an initial, with particles between.
const TOKEN = "\\p{Lu}[\\p{Ll}\\p{Lu}'’-]*\\p{L}|\\p{Lu}\\.?";
const NAME = `(?:${TOKEN})(?:[ \\t](?:(?:van|von|der|den|de|del|della|di|da|du|dos|das|ten|ter|le|la|al|bin|ibn)[ \\t])?(?:${TOKEN})){0,3}`;
const HONORIFIC_RE = new RegExp(`(?<![\\p{L}])(${HONORIFIC})(\\.?)[ \\t](${NAME})`, 'gu');

/** Case-insensitive letters for the cue words only: the name after them must keep its capital. */
function ci(words: string): string {
  return words.replace(/\p{L}/gu, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}
const INTRO_RE = new RegExp(
  `(?<![\\p{L}])(?:${ci(`my name is|my name's|name is|name\\?|i am|i'm|this is|call me|named|called|name:|signed,?|regards,?|sincerely,?|thanks,?|cheers,?|from:|dear|hi|hello|hey|attn:?|patient:?|user:|customer:?|directed by:?|written by:?|by`)})\\s+(${NAME})`,
  'gu',
);
const LOWER_INTRO_RE = /(?<![\p{L}])(?:name is|name:|name\?)\s+(\p{Ll}{2,}(?:\s\p{Ll}{2,})?)(?=\s*(?:[.,!?\n]|$))/gu;
const INITIAL_RE = /(?<![\p{L}])\p{Lu}\p{Ll}+\s\p{Lu}\.?\s\p{Lu}\p{Ll}+(?:[-\s]\p{Lu}\p{Ll}+)?(?![\p{L}])/gu;

const WEAK_INTROS = /^(?:i am|i'm|this is|by|hi|hello|hey|dear|named|called|thanks,?|cheers,?)$/i;
const STOP = new Set(['I', 'The', 'A', 'An', 'We', 'You', 'He', 'She', 'It', 'They', 'This', 'That', 'Here', 'There', 'Bot', 'User', 'Team', 'All', 'Everyone', 'Sir', 'Madam', 'No', 'Yes', 'Ok', 'Okay', 'Hello', 'Hi', 'Hey', 'Dear', 'Thanks', 'President']);
// Labels of forms and transcripts: "Address:" or "Q:" at the start of a line is not a speaker.
const FORM_LABELS = new Set(
  'name address phone tel mobile cell fax email e-mail mail date time when where who what why how subject note notes q a question answer bot user assistant system human customer agent client re to from cc bcc title website web url zip city state country ssn card total warning error info tip example step source summary update edit ps dob age sex gender id status type category price amount reference ref order company organization org office desk home work location place comment comments reply response input output result description education occupation born birthday experience skills hobbies nationality religion height weight language languages interests objective employer position salary department school university degree major facts fact context instruction instructions text sentence paragraph story topic task goal'.split(' '),
);

/** Walk name tokens from `start` and keep those that look like a name, stopping at the first that does not. */
function nameExtent(text: string, start: number, end: number, tags: Map<number, Term>, strict: boolean): number {
  const re = /[^\s]+/gu;
  const seg = text.slice(start, end);
  let last = start;
  let count = 0;
  for (let m = re.exec(seg); m; m = re.exec(seg)) {
    const at = start + m.index;
    const word = m[0].replace(/[.,]$/, '');
    const t = tags.get(at)?.tags;
    const personish = t?.has('Person') || t?.has('FirstName') || t?.has('LastName');
    if (STOP.has(word) || FORM_LABELS.has(word.toLowerCase())) break;
    if (strict && t && !personish && NOT_NAME_TAGS.some((x) => t.has(x))) break;
    last = at + m[0].length;
    count++;
  }
  return count === 0 ? start : trimEnd(text, start, last, ',;:!?)\'"');
}

export function detectPeople(text: string, doc: Doc): Candidate[] {
  const out: Candidate[] = [];
  const tags = termTags(doc);

  for (const { m, start } of matches(HONORIFIC_RE, text)) {
    const hon = (m[1] ?? '') + (m[2] ?? '');
    out.push({ start, end: start + hon.length, label: 'title', score: 0.85 });
    const nStart = start + (m[0].length - (m[3] ?? '').length);
    const nEnd = nameExtent(text, nStart, start + m[0].length, tags, false);
    if (nEnd > nStart) out.push({ start: nStart, end: nEnd, label: 'name', score: 0.9 });
  }
  for (const { m, start, end } of matches(INTRO_RE, text, 1)) {
    const intro = m[0].slice(0, m[0].length - (m[1] ?? '').length).trim();
    const weak = WEAK_INTROS.test(intro);
    const nEnd = nameExtent(text, start, end, tags, weak);
    if (nEnd <= start) continue;
    // "I'm Happy", "This is Great": one capitalised word after a weak cue needs compromise to agree.
    const words = text.slice(start, nEnd).split(/\s+/).length;
    const t = tags.get(start)?.tags;
    if (weak && words === 1 && !(t?.has('Person') || t?.has('FirstName') || (t?.has('ProperNoun') && !commonWord(text.slice(start, nEnd))))) continue;
    out.push({ start, end: nEnd, label: 'name', score: weak ? 0.6 : 0.85 });
  }
  for (const { start, end } of matches(LOWER_INTRO_RE, text, 1)) out.push({ start, end, label: 'name', score: 0.6 });
  out.push(...firstNameRuns(text, doc), ...speakers(text), ...unknownPairs(text, tags));
  for (const { start, end } of matches(INITIAL_RE, text)) {
    const t = tags.get(start)?.tags;
    if (t && !t.has('Person') && NOT_NAME_TAGS.some((x) => t.has(x))) continue;
    out.push({ start, end, label: 'name', score: 0.7 });
  }

  for (const p of doc.people().json({ offset: true }) as CompromiseMatch[]) {
    if (!p.offset) continue;
    const c = cleanSpan(text, p.offset.start, p.offset.start + p.offset.length);
    if (!c) continue;
    let { start } = c;
    const { end } = c;
    // compromise folds honorifics into the person; the honorific rule above owns them.
    const hon = new RegExp(`^(?:${HONORIFIC})\\.?\\s+`, 'u').exec(text.slice(start, end));
    if (hon) start += hon[0].length;
    const s = text.slice(start, end);
    // Lower-case spans ("second person", "nur Bahnhof") only when they start with a known first name.
    if (!/^\p{Lu}/u.test(s) && (/\p{Lu}/u.test(s) || !knownFirstName(s))) continue;
    if (STOP.has(s) || FORM_LABELS.has(s.toLowerCase()) || /\bbot\b/i.test(s)) continue;
    // "Alice's c": a trailing single lower-case letter is a variable, not a name part.
    if (end - start < 2 || /\s\p{Ll}$/u.test(s)) continue;
    out.push({ start, end, label: 'name', score: /\s/.test(s) ? 0.75 : 0.6 });
  }

  // "Yefremova's": the possessive is not part of the name.
  for (const c of out) if (c.label === 'name' && /['’]s$/.test(text.slice(c.start, c.end))) c.end -= 2;
  const named: Candidate[] = [];
  for (const c of out) {
    if (c.label !== 'name') {
      named.push(c);
      continue;
    }
    const cleaned = cleanSpan(text, c.start, c.end);
    if (!cleaned) continue;
    // "Then Emma Watson": a leading function word is the sentence, not the name.
    const lead = /^(\p{L}+)\s+/u.exec(text.slice(cleaned.start, cleaned.end));
    if (lead?.[1] && !knownFirstName(lead[1]) && lexicalTags(lead[1]).some((x) => FUNCTION_TAGS.has(x))) cleaned.start += lead[0].length;
    if (nameShaped(text.slice(cleaned.start, cleaned.end))) named.push({ ...c, ...cleaned });
  }
  out.length = 0;
  out.push(...named);
  out.push(...propagate(text, out));
  return out;
}

/**
 * compromise knows thousands of first names: a capitalised one starts a name, and the capitalised
 * words right after it (any script: "Sigrid Nyström", "Emmie Ström") are its surname.
 */
function firstNameRuns(text: string, doc: Doc): Candidate[] {
  const out: Candidate[] = [];
  for (const s of doc.json({ offset: true }) as { terms?: (CompromiseTerm & { text?: string; pre?: string; post?: string })[] }[]) {
    const terms = s.terms ?? [];
    for (let i = 0; i < terms.length; i++) {
      const t = terms[i];
      const tg = t?.tags ?? [];
      if (!t?.offset || !tg.includes('FirstName') || tg.includes('Honorific') || !/^\p{Lu}\p{Ll}/u.test(t.text ?? '')) continue;
      if (tg.some((x) => x === 'Month' || x === 'WeekDay' || x === 'Verb' || x === 'Place' || x === 'Organization')) continue;
      let end = t.offset.start + t.offset.length;
      let post = t.post ?? '';
      for (let j = i + 1; j < terms.length && j <= i + 3; j++) {
        const n = terms[j];
        if (!n?.offset || !/^\s+$/.test(post) || (n.pre ?? '') !== '') break;
        const nt = n.tags ?? [];
        const word = n.text ?? '';
        const initial = /^\p{Lu}\.?$/u.test(word);
        if (!initial && !/^\p{Lu}[\p{L}'’-]+$/u.test(word)) break;
        if (!nt.some((x) => x === 'Person' || x === 'LastName' || x === 'FirstName' || x === 'ProperNoun') && !initial && NOT_NAME_TAGS.some((x) => nt.includes(x))) break;
        end = n.offset.start + n.offset.length;
        post = n.post ?? '';
        i = j;
      }
      out.push({ start: t.offset.start, end: trimEnd(text, t.offset.start, end, '.,;:!?)\'"-'), label: 'name', score: 0.65 });
    }
  }
  return out;
}

// A speaker line says something: at least two words after the colon, and no second "Label:".
// Endings of English common nouns and adjectives; names like "Martinsen" or "Nishiyama" have none of them.
const COMMON_ENDING = /(?:ion|ity|ment|ness|ance|ence|ing|ism|ist|ior|ure|ogy|ics|ive|ous|ful|less|able|ible|al|ary|ery|ship|hood|ware|land|berg|burg|ton|ville|shire|ford)$/u;
const PAIR_RE = /(?<![\p{L}\p{N}.'’-])(\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?)[ ](\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?)(?![\p{L}\p{N}'’-])/gu;

// Landmark and venue words compromise's lexicon lacks: "Aquatic Pavilion" is a place, not a person.
const VENUE = new Set(
  'archipelago island islands lake river mountain mountains bay beach valley forest park museum tower bridge castle palace cathedral church temple station airport stadium hall center centre gallery theatre theater hotel restaurant cafe café bar pub market mall plaza square garden gardens zoo aquarium arena pavilion lodge resort canyon desert glacier falls harbour harbor port coast cape peninsula reef'.split(' '),
);

function unknownWord(w: string): boolean {
  const lower = w.toLowerCase();
  if (LEXICON[lower] !== undefined || VENUE.has(lower)) return false;
  // Non-Latin-1 letters ("Sörös", "Vitorović") mark foreign proper nouns even with a common ending.
  return /[^\x00-\xff]/u.test(w) || !COMMON_ENDING.test(lower);
}

/**
 * Two capitalised words that no dictionary knows ("Tomomi Nishiyama", "Irenke Sörös") are a person
 * more often than anything else: places and companies are in compromise's gazetteer or carry a
 * suffix (Inc, University) that the other rules claim first.
 */
function unknownPairs(text: string, tags: Map<number, Term>): Candidate[] {
  const out: Candidate[] = [];
  for (const { start, end, m } of matches(PAIR_RE, text)) {
    const a = m[1] ?? '';
    const b = m[2] ?? '';
    if (!unknownWord(a) || !unknownWord(b)) continue;
    const ta = tags.get(start)?.tags;
    const tb = tags.get(start + a.length + 1)?.tags;
    if ([ta, tb].some((t) => t && ['Place', 'Organization', 'Month', 'WeekDay', 'Verb', 'Adjective'].some((x) => t.has(x)))) continue;
    out.push({ start, end, label: 'name', score: 0.5 });
  }
  return out;
}

const SPEAKER_RE = /^[ \t>]*(\p{Lu}\p{Ll}+(?:[ \t]\p{Lu}\p{Ll}+)?):[ \t]*(?=["“]?\p{L}[^\n:]*?[ \t]\S)(?![^\n]*[ \t]\p{L}+:)/gmu;

/** Transcript speakers: "Nicole: Remember me?" at the start of a line, unless the word is a form label. */
function speakers(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const { start, end } of matches(SPEAKER_RE, text, 1)) {
    const word = text.slice(start, end);
    if (word.split(/\s+/).some((w) => FORM_LABELS.has(w.toLowerCase()))) continue;
    // compromise tags a word before a colon as an interjection, so judge the word on its own.
    if (commonWord(word)) continue;
    found.push({ start, end, label: 'name', score: knownFirstName(word) ? 0.7 : 0.55 });
  }
  // One "Word: some text" line is a form field as often as a speaker; a dialogue has several.
  return found.length >= 2 ? found : found.filter((c) => c.score >= 0.7);
}

/** "PhD", "ARR", "iPhone": all-capital and camel-case words are acronyms and brands, not names ("McDonald" is). */
function nameShaped(s: string): boolean {
  return s.split(/[\s-]+/).every((w) => !/^\p{Lu}{2,}$/u.test(w.replace(/[.'’]/g, '')) && !/\p{Ll}\p{Lu}/u.test(w.replace(/^(?:Mc|Mac|O'|O’|De|Di|Da|La|Le|Van|Von)/u, '')));
}

/** A surname found once ("Faina D. Yefremova") is a name wherever else it appears ("early Yefremova"). */
function propagate(text: string, found: Candidate[]): Candidate[] {
  const words = new Set<string>();
  for (const c of found) {
    if (c.label !== 'name') continue;
    for (const w of text.slice(c.start, c.end).split(/\s+/).map((x) => x.replace(/['’]s$|[.,]$/, ''))) if (w.length >= 3 && /^\p{Lu}/u.test(w) && !STOP.has(w)) words.add(w);
  }
  const out: Candidate[] = [];
  for (const w of words) {
    // "the White House" must not turn every "House" into a name.
    if (commonWord(w)) continue;
    const re = new RegExp(`(?<![\\p{L}])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}])`, 'gu');
    // Below every rule that found a name, so a repeat never splits the fuller span it came from.
    for (const { start, end } of matches(re, text)) out.push({ start, end, label: 'name', score: 0.45 });
  }
  return out;
}

