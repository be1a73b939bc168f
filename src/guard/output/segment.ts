/**
 * Where the output guard may cut a text into the pieces it checks one at a time.
 *
 * The rule is prefix-determined: whether a cut falls at position p depends only on the
 * characters before p (and, for a forced cut, on the first `max` characters). So a stream
 * that arrives in any pieces is cut exactly where the whole text is, which is what makes the
 * streamed verdict and redactions equal to the non-streamed ones by construction.
 */

/** Words ending in a full stop that do not end a sentence; cutting after them would part "Dr." from the name. */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'sr', 'jr', 'vs', 'etc', 'eg', 'ie', 'no', 'nr', 'inc', 'ltd', 'co', 'corp',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'ave', 'rd', 'blvd', 'apt',
  'tel', 'ph', 'fig', 'approx', 'dept', 'mt', 'ft', 'gen', 'col', 'lt', 'sgt', 'capt', 'rev', 'hon', 'u.s', 'e.g', 'i.e', 'a.m', 'p.m',
]);

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
const isLetter = (c: string | undefined): boolean => c !== undefined && /\p{L}/u.test(c);

/** True when a whitespace at `i` ends a sentence: `[.!?]` before it (closing quotes and brackets allowed), not after an abbreviation or initial. */
function sentenceEndsBefore(text: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && /["'”’)\]]/.test(text[j]!)) j--;
  const p = text[j];
  if (p !== '.' && p !== '!' && p !== '?') return false;
  if (p !== '.') return true;
  let k = j - 1;
  while (k >= 0 && /[\p{L}.]/u.test(text[k]!)) k--;
  const word = text.slice(k + 1, j).toLowerCase();
  if (word.length === 0) return !/\d/.test(text[j - 1] ?? '');
  // A single letter is an initial ("J. Smith"); listed abbreviations keep their name or number.
  if (word.length === 1 || ABBREVIATIONS.has(word)) return false;
  return true;
}

/**
 * End (exclusive) of the first piece of `text`, or undefined while that cannot be known yet.
 * A piece ends after a line break or a CJK full stop, or after the whitespace that follows a sentence end; one
 * with neither within `max` characters is cut at the last word boundary before `max`, preferring
 * a gap between two words over one inside a number (so "+44 20 7946 0958" stays whole).
 */
export function firstCut(text: string, max: number, eof: boolean): number | undefined {
  const limit = Math.min(text.length, max);
  for (let i = 0; i < limit; i++) {
    const c = text[i]!;
    // CJK sentence ends take no space after them.
    if (c === '\n' || c === '。' || c === '！' || c === '？') return i + 1;
    if (isSpace(c) && i > 0 && sentenceEndsBefore(text, i)) return i + 1;
  }
  if (text.length >= max) return forcedCut(text, max);
  if (eof && text.length > 0) return text.length;
  return undefined;
}

function forcedCut(text: string, max: number): number {
  let anyGap = -1;
  for (let i = max - 1; i >= Math.floor(max / 2); i--) {
    if (!isSpace(text[i])) continue;
    if (anyGap < 0) anyGap = i;
    if (isLetter(text[i - 1]) || (i + 1 < max && isLetter(text[i + 1]))) return i + 1;
  }
  if (anyGap >= 0) return anyGap + 1;
  // No gap at all: cut at max, but never between the halves of a surrogate pair.
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}
