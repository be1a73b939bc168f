/**
 * Words ending in a period that almost never end a sentence. Both the
 * recursive splitter's sentence heuristic and the Intl.Segmenter fix-up use
 * this list, so "Dr. Smith" or "e.g. Node" is one sentence everywhere.
 * Deliberately left out: "etc.", "a.m.", "p.m.", "Inc.", "Jr." — they end
 * sentences often enough that gluing would do more harm than splitting.
 */
const ABBREVIATIONS = new Set([
  'mr.', 'mrs.', 'ms.', 'dr.', 'prof.', 'rev.', 'hon.', 'st.', 'mt.', 'sr.', 'gen.', 'col.', 'capt.', 'lt.', 'sgt.',
  'e.g.', 'i.e.', 'cf.', 'vs.', 'viz.', 'al.', 'approx.', 'ca.', 'fig.', 'figs.', 'eq.', 'no.', 'nos.', 'vol.',
  'pp.', 'p.', 'ch.', 'sec.', 'art.', 'ed.', 'eds.', 'resp.', 'dept.', 'est.',
]);

/** True when `word` (the characters before a space) is a known abbreviation or a single initial like "J.". */
export function isAbbreviation(word: string): boolean {
  // Opening brackets and quotes belong to the sentence, not to the word: "(e.g." is still "e.g.".
  const w = word.replace(/^[([{"'“‘]+/u, '');
  if (ABBREVIATIONS.has(w.toLowerCase())) return true;
  return /^\p{Lu}\.$/u.test(w);
}

/** The whitespace-delimited word that ends at `end` (exclusive). */
export function wordBefore(text: string, end: number): string {
  let s = end;
  while (s > 0 && !/\s/.test(text[s - 1]!)) s--;
  return text.slice(s, end);
}
