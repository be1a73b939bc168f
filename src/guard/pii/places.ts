/**
 * Places (presidio's GPE: countries, states, cities) from compromise's gazetteer. Off by default in
 * detectPii: a country or city alone rarely identifies anyone, and redacting every "France" from a
 * prompt damages the answer. Ask for `gpe` explicitly to get them.
 */
import type nlp from 'compromise';
import type { Candidate } from './candidate.js';

interface PlaceMatch {
  text: string;
  offset?: { start: number; length: number };
}

// compromise counts street names and compass phrases as places; those belong to addresses or to nobody.
const NOT_PLACE = /\d|\b(?:Street|St|Road|Rd|Avenue|Ave|Drive|Dr|Lane|Suite|Apt|Parks?|side)\b\.?$/iu;

export function detectPlaces(text: string, doc: ReturnType<typeof nlp>): Candidate[] {
  const out: Candidate[] = [];
  for (const p of doc.places().json({ offset: true }) as PlaceMatch[]) {
    if (!p.offset) continue;
    let start = p.offset.start;
    let end = start + p.offset.length;
    while (start < end && /[^\p{L}]/u.test(text[start] ?? '')) start++;
    while (end > start && /[^\p{L}.]/u.test(text[end - 1] ?? '')) end--;
    if (text[end - 1] === '.' && !/\b\p{Lu}\.$/u.test(text.slice(start, end))) end--;
    // "Southern Tunisia": the region adjective is not part of the name ("South Africa" is).
    const adj = /^(?:Southern|Northern|Eastern|Western|Central|Greater|Upper|Lower)\s+/u.exec(text.slice(start, end));
    if (adj) start += adj[0].length;
    const s = text.slice(start, end);
    // "Russian place downtown", "Hall Orchestra": lower-case words and ensembles are not place names.
    if (/\s(?!(?:de|del|la|le|di|da|do|du|des|upon|on|am|an|im|sur)\s)\p{Ll}/u.test(s) || /\b(?:Orchestra|Band|Club|Choir)\b/u.test(s)) continue;
    if (end - start < 2 || NOT_PLACE.test(s) || !/^\p{Lu}/u.test(s)) continue;
    out.push({ start, end, label: 'gpe', score: 0.6 });
  }
  return out;
}
