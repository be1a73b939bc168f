/** Organisations: legal suffixes, employment phrases, firm-name lists and compromise's organisation tags. */
import { type Candidate, before, matches, trimEnd } from './candidate.js';
import { type CompromiseMatch, type Doc, LEXICON, cleanSpan } from './lexicon.js';

const ORG_SUFFIX =
  'Inc|Incorporated|Corp|Corporation|LLC|L\\.L\\.C\\.|Ltd|Limited|LLP|PLC|GmbH|AG|SA|S\\.A\\.|SAS|BV|NV|Oy|AB|ASA|Co|Company|Group|Holdings|Associates|Partners|Technologies|Solutions|Systems|Industries|Enterprises|Bank|Insurance|Capital|Investments|Ventures|Labs|Foundation|Institute|University|College|Hospital|Clinic|Agency|Consulting|Services|Networks|Media|Pharmaceuticals|Bioscience';
const ORG_RE = new RegExp(`(?<![\\p{L}])(?:\\p{Lu}[\\p{L}&'’.-]*[ \\t]){1,4}(?:${ORG_SUFFIX})\\.?(?![\\p{L}])`, 'gu');
// "works at Zillow", "a year at Weeks-Rivas": the object of an employment phrase is an employer.
const EMPLOYER_RE = /(?<![\p{L}])(?:work(?:s|ed|ing)?\s+(?:at|for)|employed\s+(?:at|by)|(?:a|one|two|three)\s+years?\s+at|joined|hired\s+by|intern(?:ed|ship)?\s+at)\s+(\p{Lu}[\p{L}&'’.-]*(?:[ \t]\p{Lu}[\p{L}&'’.-]*){0,3})/gu;
// "Davis, Reynolds and Williamson": the surname-list pattern law and accounting firms use.
const FIRM_RE = /(?<![\p{L}])\p{Lu}\p{Ll}+, \p{Lu}\p{Ll}+,? (?:and|&) \p{Lu}\p{Ll}+(?![\p{L}])/gu;

export function detectOrganizations(text: string, doc: Doc): Candidate[] {
  const out: Candidate[] = [];
  for (const { start, end } of matches(ORG_RE, text)) {
    let s = start;
    // Leading sentence words ("The", "At") are not part of the name.
    const lead = /^(?:The|At|For|From|With|And|In|On|By|To|Of)\s/.exec(text.slice(s, end));
    if (lead) s += lead[0].length;
    if (end - s > 3) out.push({ start: s, end: text[end - 1] === '.' && !/(?:Inc|Corp|Co|Ltd)\.$/.test(text.slice(s, end)) ? end - 1 : end, label: 'organization', score: 0.75 });
  }
  for (const { start, end, m } of matches(EMPLOYER_RE, text, 1)) {
    const name = m[1] ?? '';
    if (name.split(/\s+/).every((w) => LEXICON[w.toLowerCase()] !== undefined)) continue;
    // Keep the dot of "Inc." or "Co." but not a sentence's full stop.
    const e = /(?:Inc|Co|Corp|Ltd)\.$/.test(name) ? end : trimEnd(text, start, end, '.,;:!?\'"’-');
    out.push({ start, end: e, label: 'organization', score: 0.55 });
  }
  for (const { start, end } of matches(FIRM_RE, text)) {
    // A list of three surnames is as often people ("our founders: Eklund, Michael and Hodge"); a
    // preposition in front ("worked at", "is from") marks the firm.
    if (!/(?:\b(?:at|for|from|with|of|by|join|joined|hired|retained)\s+(?:the\s+)?)$/i.test(before(text, start, 20))) continue;
    out.push({ start, end, label: 'organization', score: 0.65 });
  }
  for (const o of doc.organizations().json({ offset: true }) as CompromiseMatch[]) {
    if (!o.offset) continue;
    const c = cleanSpan(text, o.offset.start, o.offset.start + o.offset.length);
    if (!c) continue;
    const { start, end } = c;
    const s = text.slice(start, end);
    // compromise joins genre lists ("Action & Adventure") and reads state codes and file formats
    // ("CO", "JSON") as companies.
    if (s.includes('&') && !new RegExp(`(?:${ORG_SUFFIX})$`).test(s)) continue;
    if (/^[\p{Lu}.]{1,4}$/u.test(s)) continue;
    if (/^\p{Lu}/u.test(s)) out.push({ start, end, label: 'organization', score: 0.55 });
  }
  return out;
}
