/** Detectors for identifiers with a fixed shape: most are confirmed by a checksum or a parser. */
import { isIP } from 'node:net';
import { type Candidate, before, matches, trimEnd } from './candidate.js';
import { cardPrefixKnown, checkKrRrn, digitsOf, ibanValid, luhnValid, ssnValid } from './checksums.js';

const EMAIL = /(?<![\w.%+-])[\p{L}\p{N}._%+-]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,24}(?![\p{L}\p{N}-])/gu;

export function detectEmails(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { start, end } of matches(EMAIL, text)) {
    if (text[start] === '.') continue;
    out.push({ start, end, label: 'email', score: 0.99 });
  }
  return out;
}

const URL_RE = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`{}|\\^]+/giu;

export function detectUrls(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { start, end: rawEnd } of matches(URL_RE, text)) {
    let end = trimEnd(text, start, rawEnd);
    // Keep a closing parenthesis only when the URL opened one (Wikipedia-style links).
    const s = text.slice(start, end);
    if (s.endsWith(')') && (s.match(/\(/g)?.length ?? 0) < (s.match(/\)/g)?.length ?? 0)) end--;
    if (end - start < 8) continue;
    out.push({ start, end, label: 'url', score: 0.95 });
  }
  return out;
}

/**
 * Bare domains need a real TLD. Two-letter country codes that are also common file extensions
 * (README.md, main.py, run.sh) count only with `www.` or a further label in front.
 */
const GENERIC_TLDS = new Set(
  'com net org edu gov mil int info biz io ai app dev co me tv us uk ca de fr es it nl be ch at se no dk fi pl cz sk hu ro gr pt ie eu ru ua tr il in cn jp kr tw hk sg au nz za br ar mx cl pe uy cy lt lv ee si hr rs bg is lu li mt xyz online site tech store blog cloud shop news live page'.split(' '),
);
const FILE_LIKE_TLDS = new Set('md py sh pl rs ts js cs so ps am do ml ai mk gs pm as in is it me no at be to'.split(' '));
const DOMAIN = /(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24})(?![\w@-]|\.[a-z0-9])/giu;

export function detectDomains(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { start, end, m } of matches(DOMAIN, text)) {
    const tld = (m[1] ?? '').toLowerCase();
    if (!GENERIC_TLDS.has(tld)) continue;
    const host = text.slice(start, end);
    const labels = host.split('.');
    if (labels.every((l) => /^\d+$/.test(l.replace(/[a-z]+$/i, '')))) continue;
    if (FILE_LIKE_TLDS.has(tld) && labels.length < 3 && !/^www\./i.test(host)) continue;
    // "e.g" / "U.S" / "a.m": single letters between dots are abbreviations.
    if (labels.slice(0, -1).every((l) => l.length === 1)) continue;
    out.push({ start, end, label: 'domain_name', score: labels.length >= 3 || tld.length >= 3 ? 0.75 : 0.6 });
  }
  return out;
}

const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)/g;
const IPV6 = /(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{0,4}|(?:\d{1,3}\.){3}\d{1,3})(?:%[\w.]+)?(?![\w:])/giu;

/**
 * IPv4 and IPv6, validated by node:net. A dotted quad after "version"/"v" is a version
 * number, not an address: "v1.2.3.4" is skipped, a bare "1.2.3.4" is reported.
 */
export function detectIps(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { start, end } of matches(IPV4, text)) {
    const s = text.slice(start, end);
    if (isIP(s) !== 4) continue;
    if (/(?:\bv|version|ver\.?|release|build)\s*$/i.test(before(text, start, 12))) continue;
    out.push({ start, end, label: 'ip_address', score: 0.9 });
  }
  for (const { start, end } of matches(IPV6, text)) {
    const s = text.slice(start, end);
    if (!/[0-9a-f]/i.test(s) || !s.includes('::') && s.split(':').length < 8) {
      // Times ("11:34:35") and ratios have too few groups and no "::".
      continue;
    }
    if (isIP(s.replace(/%.*$/, '')) !== 6) continue;
    out.push({ start, end, label: 'ip_address', score: 0.9 });
  }
  return out;
}

// Digits in groups with one consistent separator, or none: "4111 1111 1111 1111", "4111-1111-...", "4111111111111111".
const CARD = /(?<![\d-])\d(?:\d| (?=\d)|-(?=\d)){10,22}\d(?![\d]|-\d)/g;

export function detectCreditCards(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { start, end } of matches(CARD, text)) {
    const s = text.slice(start, end);
    const seps = new Set(s.replace(/\d/g, ''));
    if (seps.size > 1) continue;
    const d = digitsOf(s);
    if (d.length < 12 || d.length > 19) continue;
    if (!luhnValid(d) || !cardPrefixKnown(d)) continue;
    if (seps.size === 1 && !/^\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}$|^\d{4}([ -])\d{6}\2\d{4,5}$/.test(s)) continue;
    const ctx = before(text, start, 30);
    let score = d.length >= 15 ? 0.9 : 0.75;
    if (/card|visa|master|amex|cc|credit|debit|payment/.test(ctx)) score = 0.98;
    else if (/order|invoice|tracking|account|ref|id\b|#/.test(ctx)) score -= 0.3;
    out.push({ start, end, label: 'credit_card', score });
  }
  return out;
}

const IBAN = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])/g;

export function detectIbans(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { start, end: rawEnd } of matches(IBAN, text)) {
    // The greedy group may have eaten a following word ("GB82 WEST ... please"); shrink until valid.
    let end = rawEnd;
    while (end - start >= 15) {
      if (ibanValid(text.slice(start, end))) {
        out.push({ start, end, label: 'iban', score: 0.97 });
        break;
      }
      const sp = text.lastIndexOf(' ', end - 1);
      if (sp <= start) break;
      end = sp;
    }
  }
  return out;
}

const SSN = /(?<![\d-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d]|-\d)/g;
const SSN_CONTEXT = /ssn|social security|social sec|ss#|ss no|tax id|\bitin\b|\btin\b/;

export function detectSsns(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { start, end, m } of matches(SSN, text)) {
    const d = (m[1] ?? '') + (m[3] ?? '') + (m[4] ?? '');
    if (!ssnValid(d)) continue;
    const ctx = SSN_CONTEXT.test(before(text, start, 40));
    const sep = m[2] ?? '';
    // Nine bare digits are too common (ids, amounts) to call an SSN without context.
    if (sep === '' && !ctx) continue;
    const score = ctx ? 0.95 : sep === '-' ? 0.8 : 0.5;
    out.push({ start, end, label: 'ssn', score });
  }
  return out;
}

const RRN = /(?<![\d-])(\d{6})-?([0-9]\d{6})(?![\d]|-\d)/g;
const RRN_CONTEXT = /주민|등록번호|rrn|resident registration|resident number/;

export function detectKrRrns(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { start, end } of matches(RRN, text)) {
    const { dateValid, checksumValid } = checkKrRrn(text.slice(start, end));
    if (!dateValid) continue;
    const ctx = RRN_CONTEXT.test(before(text, start, 30));
    // Post-2020 numbers carry no check digit, so context alone may vouch for them.
    if (checksumValid) out.push({ start, end, label: 'kr_rrn', score: ctx ? 0.99 : 0.9 });
    else if (ctx) out.push({ start, end, label: 'kr_rrn', score: 0.7 });
  }
  return out;
}

const DL_CONTEXT = /(?:driver'?s?|driving)\s+licen[cs]e(?:\s+(?:number|no\.?|#|id))?(?:\s+is)?\s*[:#]?\s*$|\bdl\s*(?:#|no\.?|number)\s*[:#]?\s*$/i;
const DL_VALUE = /[A-Za-z0-9](?:[A-Za-z0-9-]{3,18})[A-Za-z0-9]/y;

/** Driver's licence numbers have no common shape across states; only a preceding label vouches for one. */
export function detectDriverLicenses(text: string): Candidate[] {
  const out: Candidate[] = [];
  const re = /licen[cs]e|\bdl\b/gi;
  for (const { end: kwEnd } of matches(re, text)) {
    const tail = text.slice(kwEnd, kwEnd + 30);
    const lead = /^(?:\s+(?:number|no\.?|#|id))?(?:\s+is)?\s*[:#]?\s*/i.exec(tail);
    const start = kwEnd + (lead?.[0].length ?? 0);
    if (!DL_CONTEXT.test(text.slice(Math.max(0, kwEnd - 30), start))) continue;
    DL_VALUE.lastIndex = start;
    const m = DL_VALUE.exec(text);
    if (!m || !/\d/.test(m[0])) continue;
    out.push({ start, end: start + m[0].length, label: 'driver_license', score: 0.8 });
  }
  return out;
}
