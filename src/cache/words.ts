/** Word-level tests of the hit verifier: same stem, opposite prefixes, qualifiers. */
import type { Lexicon } from './lexicon.js';
import { QUALIFIERS, set } from './question.js';

/** Same word up to inflection or derivation: "renewing"/"renew", "politely"/"polite", "organize"/"organise". */
export function sameStem(a: string, b: string, lexicon: Lexicon): boolean {
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
export function prefixAntonym(a: string, b: string): boolean {
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

export function isQualifier(w: string, lexicon: Lexicon): boolean {
  if (QUALIFIERS.has(w)) return true;
  // A superlative or comparative: the base form is an adjective ("cheapest" → "cheap").
  if (/(?:est|er)$/.test(w)) {
    const adj = lexicon.lemmas(w).get('a');
    if (adj?.some((f) => f !== w)) return true;
  }
  return false;
}

