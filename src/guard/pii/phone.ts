/** Phone numbers: a permissive candidate pattern, then libphonenumber-js decides. */
import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import { type Candidate, before, matches } from './candidate.js';

// Digit groups joined by single spaces, dots, dashes or slashes, an optional +CC, (area) and extension.
const CANDIDATE =
  /(?<![\w+.\-/])(?:\+|00)?(?:\(\s?\d{1,4}\s?\)|\d{1,5})(?:[ .\-/]?(?:\(\s?\d{1,4}\s?\)|\d{1,6})){1,6}(?:\s?(?:x|ext\.?|extension|#)\s?\d{1,6})?(?![\w]|[.\-/]\d)/gi;
const CONTEXT = /(?:phone|tel\b|tel\.|telephone|mobile|cell|call|fax|sms|text(?:ed)? me|whatsapp|contact|reach|dial|answer(?:ing|s)?|number|messages? to|registered|전화|휴대폰|연락처)[^.\n]{0,25}(?:\n\s*)?$/i;
// "(37) 788-063-Office", "416 60 039 fax": the label may follow the number.
const CONTEXT_AFTER = /^\s?[-(,]?\s?(?:office|fax|mobile|cell|home|work|tel|phone|desk|direct)\b/i;

/** Countries tried, in order, when a number carries no + prefix and the locale names none. */
const FALLBACK_COUNTRIES: CountryCode[] = ['US', 'KR', 'GB'];

export function countryOf(locale: string | undefined): CountryCode | undefined {
  const region = locale?.split(/[-_]/)[1]?.toUpperCase();
  return region !== undefined && isSupportedCountry(region) ? region : undefined;
}

export function detectPhones(text: string, locale?: string): Candidate[] {
  const out: Candidate[] = [];
  const home = countryOf(locale);
  const countries = home ? [home, ...FALLBACK_COUNTRIES.filter((c) => c !== home)] : FALLBACK_COUNTRIES;
  for (const { start, end } of matches(CANDIDATE, text)) {
    const s = text.slice(start, end);
    const digits = s.replace(/\D/g, '');
    const core = s.replace(/\s?(?:x|ext\.?|extension|#)\s?\d{1,6}$/i, '').replace(/\D/g, '');
    if (core.length < 7 || core.length > 15) continue;
    const hasSep = /[ .\-/()]/.test(s.trim());
    const international = s.startsWith('+') || s.startsWith('00');
    const ctx = CONTEXT.test(before(text, start, 40)) || CONTEXT_AFTER.test(text.slice(end, end + 12));
    // Bare digit runs are ids and amounts unless something says "phone".
    if (!hasSep && !international && !ctx) continue;
    // Decimal numbers and dotted versions ("3.14159", "10.0.1") are not phones.
    if (/^\d+\.\d+$/.test(s)) continue;
    // Dotted quads are IP addresses (valid or not), and year-first or year-last triples are dates.
    if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(s)) continue;
    if (/^(?:1[89]|20)\d{2}([-/.])\d{1,2}\1\d{1,2}$|^\d{1,2}([-/.])\d{1,2}\2(?:1[89]|20)\d{2}$/.test(s)) continue;
    let score = 0;
    if (international) {
      const p = parsePhoneNumberFromString(s.replace(/^00/, '+'));
      if (p?.isValid()) score = 0.9;
      else if (p?.isPossible()) score = 0.6;
    } else {
      for (const [i, c] of countries.entries()) {
        const p = parsePhoneNumberFromString(s, c);
        if (p?.isValid()) {
          // Valid only under a guessed foreign plan: weaker than a street number beside it.
          score = i === 0 ? 0.85 : 0.55;
          break;
        }
      }
    }
    if (ctx) score = Math.max(score + 0.1, 0.6);
    if (score === 0) continue;
    // A number of 7–8 digits without context is as often a code or a count as a phone.
    if (!ctx && !international && digits.length < 9) score -= 0.25;
    if (score < 0.4) continue;
    out.push({ start, end, label: 'phone', score: Math.min(score, 0.99) });
  }
  return out;
}
