/**
 * Query-side text handling shared by the keyword indexes. User queries are
 * natural language ("what's \"x\"?"), never query syntax: they are reduced to
 * bare terms so no punctuation can reach a query parser.
 */

// Function words only (content words, even common ones, can carry the answer),
// plus the fragments contractions split into ("what's" → what, s).
const STOPWORDS = new Set(
  (
    's t d ll re ve m ' +
    'a an and are as at be been being but by did do does for from had has have how i if in into is it its ' +
    'me my of on or our so than that the their them then there these they this those to was we were what ' +
    'when where which who whom whose why will with would you your'
  ).split(' '),
);

/** Lowercased, diacritics removed (as FTS5's unicode61 does), split on anything that is not a letter or digit. */
export function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Distinct query terms, stopwords dropped unless nothing else is left (so
 * "The Who" still searches for something).
 */
export function queryTerms(query: string): string[] {
  const all = [...new Set(words(query))];
  const content = all.filter((w) => !STOPWORDS.has(w));
  return content.length > 0 ? content : all;
}

/** An FTS5 MATCH expression: an OR of quoted terms, which FTS5 cannot misparse. */
export function ftsMatchExpression(query: string): string | undefined {
  const terms = queryTerms(query);
  if (terms.length === 0) return undefined;
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(' OR ');
}
