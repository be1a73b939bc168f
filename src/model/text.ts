/**
 * The small bits of English text handling the extractive answerer needs:
 * word tokens with offsets, a light suffix stemmer, stopwords and a sentence
 * splitter that survives abbreviations. Deliberately dependency-free so the
 * local model has nothing to download or load.
 */

export interface WordToken {
  /** The word as written. */
  text: string;
  /** Lowercased. */
  lower: string;
  stem: string;
  start: number;
  end: number;
}

// Function words plus the question scaffolding ("name", "called") that says what
// kind of answer is wanted but is rarely written next to the answer itself.
export const STOPWORDS = new Set(
  (
    'a an the and or but nor so yet of in on at to for from by with without about into onto upon over under ' +
    'between among through during before after above below up down out off than then as if because while ' +
    'is are was were be been being am do does did done doing have has had having will would shall should can ' +
    'could may might must ought i me my mine we us our ours you your yours he him his she her hers it its ' +
    'they them their theirs this that these those there here what which who whom whose when where why how ' +
    'whats whos not no also just only very too more most much many some any each every all both either ' +
    'neither other another such same own one ones s t did get got make made name named called kind type ' +
    'something someone thing things'
  ).split(/\s+/),
);

/** Words that decide the expected answer type, kept apart from the content words. */
export const QUESTION_WORDS = new Set(['what', 'which', 'who', 'whom', 'whose', 'when', 'where', 'why', 'how']);

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

export function words(text: string): WordToken[] {
  const out: WordToken[] = [];
  for (const m of text.matchAll(WORD)) {
    const raw = m[0];
    // Fold accents so "Hervé" meets "Herve"; drop the possessive so "Emma's" meets "Emma".
    const lower = raw.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/['’]s$/, '');
    out.push({ text: raw, lower, stem: stem(lower), start: m.index, end: m.index + raw.length });
  }
  return out;
}

// Irregular past forms, so "fled" meets "flee" and "led" meets "lead".
export const IRREGULAR: Record<string, string> = Object.fromEntries(
  (
    'fled:flee led:lead took:take taken:take began:begin begun:begin fought:fight built:build wrote:write written:write ' +
    'gave:give given:give came:come became:become won:win held:hold sold:sell bought:buy brought:bring taught:teach ' +
    'thought:think made:make met:meet left:leave lost:lose kept:keep paid:pay said:say told:tell found:find ran:run ' +
    'fell:fall fallen:fall rose:rise risen:rise grew:grow grown:grow knew:know known:know threw:throw drove:drive ' +
    'driven:drive rode:ride struck:strike spoke:speak spoken:speak chose:choose chosen:choose broke:break broken:break ' +
    'sent:send spent:spend went:go gone:go saw:see seen:see sat:sit stood:stand hid:hide shot:shoot sought:seek ' +
    'caught:catch swore:swear sworn:swear slew:slay slain:slay overthrew:overthrow withdrew:withdraw arose:arise ' +
    'dealt:deal meant:mean felt:feel fed:feed bred:breed wed:wed bore:bear born:bear borne:bear forgave:forgive ' +
    'forbade:forbid undertook:undertake drew:draw drawn:draw flew:fly flown:fly sang:sing sung:sing ' +
    'men:man women:woman children:child people:person feet:foot teeth:tooth mice:mouse'
  )
    .split(' ')
    .map((pair) => pair.split(':') as [string, string]),
);

const STEM_CACHE = new Map<string, string>();

/**
 * A light Porter-style stemmer: enough to meet "conquered"/"conquest" no, but
 * "ruled"/"rules"/"ruling" and "centuries"/"century" yes. Numbers stay as they are.
 */
export function stem(word: string): string {
  const cached = STEM_CACHE.get(word);
  if (cached !== undefined) return cached;
  let w = IRREGULAR[word.toLowerCase()] ?? word.toLowerCase();
  if (w.length > 3 && !/^\d/.test(w)) {
    if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
    else if (w.endsWith('sses')) w = w.slice(0, -2);
    else if (w.endsWith('ss') || w.endsWith('us') || w.endsWith('is')) {
      /* keep: class, status, basis */
    } else if (w.endsWith('es') && /(?:sh|ch|x|z)es$/.test(w)) w = w.slice(0, -2);
    else if (w.endsWith('s')) w = w.slice(0, -1);
    // One suffix only, and few of them: matching question words to sentence words
    // needs the same stem for both forms far more than it needs linguistic roots.
    const suffixes: Array<[string, string]> = [
      ['ational', 'at'],
      ['ization', 'iz'],
      ['isation', 'iz'],
      ['ation', 'at'],
      ['ment', ''],
      ['ness', ''],
      ['ingly', ''],
      ['edly', ''],
      ['ing', ''],
      ['ed', ''],
      ['ly', ''],
      ['ian', 'i'],
      ['ean', ''],
      ['e', ''],
      ['y', 'i'],
    ];
    for (const [suffix, repl] of suffixes) {
      if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
        w = w.slice(0, -suffix.length) + repl;
        break;
      }
    }
    // "stopped" -> "stopp" -> "stop": undouble a final consonant left by -ed/-ing.
    if (/([bdfgmnprt])\1$/.test(w) && w !== word) w = w.slice(0, -1);
  }
  // A long-running server sees an open vocabulary: keep the cache bounded.
  if (STEM_CACHE.size > 50_000) STEM_CACHE.clear();
  STEM_CACHE.set(word, w);
  return w;
}

export function isContentWord(lower: string): boolean {
  return !STOPWORDS.has(lower) && !QUESTION_WORDS.has(lower) && (lower.length > 1 || /\d/.test(lower));
}

export interface Sentence {
  text: string;
  start: number;
  end: number;
}

// Tokens that end with a period without ending a sentence.
const ABBREVIATIONS = new Set(
  (
    'mr mrs ms dr prof st sr jr vs etc e.g i.e cf al fig no nos vol pp ca c approx est inc ltd co corp dept ' +
    'jan feb mar apr jun jul aug sep sept oct nov dec mt ft gen gov col capt lt sgt rev u.s u.k a.d b.c'
  ).split(/\s+/),
);

/** Fenced code blocks become spaces (offsets kept): code is context for the reader, never an answer sentence. */
function blankCode(text: string): string {
  return text.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^\1[^\n]*$|(?![\s\S]))/gm, (m) => m.replace(/[^\n]/g, ' '));
}

/** Split text into sentences with character offsets. Headings, code and questions are not answer sentences. */
export function splitSentences(original: string): Sentence[] {
  const text = blankCode(original);
  const out: Sentence[] = [];
  let start = 0;
  const boundary = /([.!?]+)(["'”’)\]]*)(\s+|$)/g;
  for (const m of text.matchAll(boundary)) {
    const end = m.index + m[1]!.length + (m[2]?.length ?? 0);
    const before = text.slice(start, m.index);
    const lastWord = /(\S+)$/u.exec(before)?.[1]?.toLowerCase() ?? '';
    const next = text.slice(m.index + m[0].length, m.index + m[0].length + 2);
    const atEnd = m.index + m[0].length >= text.length;
    if (!atEnd) {
      // "St.", "e.g.", and initials such as the "J." of "J. R. Tolkien".
      if (m[1] === '.' && (ABBREVIATIONS.has(lastWord.replace(/^[("'“‘]+/, '')) || /^\p{L}$/u.test(lastWord))) continue;
      // A sentence starts with a capital, a digit or an opening quote/bracket.
      if (!/^["'“‘([]?[\p{Lu}\d]/u.test(next)) continue;
    }
    pushSentence(out, text, start, end);
    start = m.index + m[0].length;
  }
  if (start < text.length) pushSentence(out, text, start, text.length);
  return out;
}

function pushSentence(out: Sentence[], text: string, start: number, end: number): void {
  const raw = text.slice(start, end);
  const lead = raw.length - raw.trimStart().length;
  const body = raw.trim();
  if (!body) return;
  // Blank lines, headings, list items and `field: value` record lines separate sentences even without punctuation.
  const boundary = /\n\s*\n|(?<=(?:^|\n)\s*#{1,6}\s[^\n]*)\n|\n(?=\s*(?:#{1,6}\s|[-*•+]\s|\d{1,3}[.)]\s|\||[\p{L}_][\p{L}\p{N}_ -]{0,30}:\s))/gu;
  let at = start + lead;
  const bodyEnd = start + lead + body.length;
  const pieces: Array<[number, number]> = [];
  for (const m of text.slice(at, bodyEnd).matchAll(boundary)) {
    pieces.push([at, start + lead + m.index]);
    at = start + lead + m.index + m[0].length;
  }
  pieces.push([at, bodyEnd]);
  for (const [s, e] of pieces) {
    const piece = text.slice(s, e);
    const trimmed = piece.trim();
    if (!trimmed) continue;
    // A heading line, or a question (an FAQ's own question line), is never an answer.
    if (/^#{1,6}\s/.test(trimmed) || /\?["')\]]*$/.test(trimmed)) continue;
    let from = s + (piece.length - piece.trimStart().length);
    let body = trimmed;
    // Record lines ("answer: Port 8686 ...") answer with their value, not their field name.
    const label = /^[\p{L}_][\p{L}\p{N}_ -]{0,30}:\s+/u.exec(body);
    if (label && !/^https?:/i.test(body)) {
      from += label[0].length;
      body = body.slice(label[0].length);
    }
    // A bare fragment ("topic: setup") is a field, not a sentence.
    if (!/[.!]["')\]]*$/.test(body) && body.split(/\s+/).length < 4) continue;
    out.push({ text: body, start: from, end: from + body.length });
  }
}
