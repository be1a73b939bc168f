import { IncontextError } from '../../core/index.js';
import { detectAddresses, detectZipCodes } from './address.js';
import type { Candidate } from './candidate.js';
import { detectDates } from './datetime.js';
import nlp from 'compromise';
import { detectAges } from './ages.js';
import { detectOrganizations } from './organizations.js';
import { detectPeople } from './people.js';
import { detectPlaces } from './places.js';
import { detectJobTitles } from './titles.js';
import { detectNrp } from './nrp.js';
import { detectPhones } from './phone.js';
import {
  detectCreditCards,
  detectDomains,
  detectDriverLicenses,
  detectEmails,
  detectIbans,
  detectIps,
  detectKrRrns,
  detectSsns,
  detectUrls,
} from './structured.js';
import { DEFAULT_PII_LABELS, type DetectPiiOptions, PII_LABELS, type PiiLabel, type PiiSpan } from './types.js';

/**
 * When two findings overlap, the more specific detector wins: a checksum beats a shape, a shape
 * beats a context rule. Scores only break ties within one priority.
 */
const PRIORITY: Record<PiiLabel, number> = {
  email: 100,
  url: 95,
  iban: 92,
  credit_card: 90,
  kr_rrn: 90,
  ssn: 85,
  ip_address: 85,
  driver_license: 80,
  date_time: 70,
  phone: 68,
  address: 60,
  zip_code: 55,
  organization: 50,
  title: 46,
  name: 45,
  age: 44,
  gpe: 42,
  nrp: 41,
  domain_name: 40,
};

const PEOPLE_LABELS: PiiLabel[] = ['name', 'organization', 'title', 'gpe'];

/** Find personal data in `text`; spans are sorted, non-overlapping, with exact character offsets. */
export function detectPii(text: string, options: DetectPiiOptions = {}): PiiSpan[] {
  if (typeof text !== 'string') {
    throw new IncontextError('BAD_REQUEST', 'detectPii expects a string', { hint: 'Pass the text to scan as a string.' });
  }
  const wanted = new Set<PiiLabel>(options.labels ?? DEFAULT_PII_LABELS);
  for (const l of wanted) {
    if (!(PII_LABELS as readonly string[]).includes(l)) {
      throw new IncontextError('BAD_REQUEST', `Unknown PII label "${String(l)}"`, {
        input: { key: 'labels' },
        hint: `Use some of: ${PII_LABELS.join(', ')}.`,
      });
    }
  }
  const has = (...ls: PiiLabel[]) => ls.some((l) => wanted.has(l));
  const cands: Candidate[] = [];
  // Every detector runs when its label is wanted or when its findings must shadow a wanted label
  // (an email's domain must not come back as a domain_name, a card number not as a phone).
  cands.push(...detectEmails(text), ...detectUrls(text), ...detectIbans(text), ...detectCreditCards(text));
  cands.push(...detectKrRrns(text), ...detectSsns(text), ...detectIps(text), ...detectDriverLicenses(text));
  cands.push(...detectDates(text), ...detectPhones(text, options.locale));
  if (has('address', 'zip_code', 'name', 'organization', 'domain_name', 'gpe')) cands.push(...detectAddresses(text), ...detectZipCodes(text));
  if (has('domain_name')) cands.push(...detectDomains(text));
  if (has('age')) cands.push(...detectAges(text));
  if (has('title')) cands.push(...detectJobTitles(text));
  if (has('nrp')) cands.push(...detectNrp(text));
  if (has(...PEOPLE_LABELS)) {
    for (const seg of segments(text)) {
      // One parse per segment serves every lexicon-based detector.
      const doc = nlp(seg.text);
      const found = [...detectPeople(seg.text, doc), ...detectOrganizations(seg.text, doc), ...detectPlaces(seg.text, doc)];
      for (const c of found) cands.push({ ...c, start: c.start + seg.offset, end: c.end + seg.offset });
    }
  }
  const min = options.minScore ?? 0;
  return resolve(cands)
    .filter((c) => wanted.has(c.label) && c.score >= min)
    .map((c) => ({ start: c.start, end: c.end, label: c.label, text: text.slice(c.start, c.end), score: round(c.score) }));
}

/** compromise slows down more than linearly on very long sentences, so long texts are parsed in pieces. */
const SEGMENT_CHARS = 4000;

/** Pieces of at most SEGMENT_CHARS, cut after a blank line, a line break or a sentence end when there is one. */
export function segments(text: string, max = SEGMENT_CHARS): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let pos = 0;
  while (text.length - pos > max) {
    const window = text.slice(pos, pos + max);
    let cut = -1;
    for (const re of [/\n\s*\n/g, /\n/g, /[.!?]\s/g, /\s/g]) {
      let last = -1;
      for (let m = re.exec(window); m; m = re.exec(window)) last = m.index + m[0].length;
      if (last > max / 2) {
        cut = last;
        break;
      }
    }
    if (cut <= 0) cut = max;
    out.push({ text: text.slice(pos, pos + cut), offset: pos });
    pos += cut;
  }
  out.push({ text: text.slice(pos), offset: pos });
  return out;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Priority first, but a weak finding (a 7-digit "phone" inside a street address) yields to a confident one. */
function rank(c: Candidate): number {
  return PRIORITY[c.label] + 40 * c.score;
}

function resolve(cands: Candidate[]): Candidate[] {
  const sorted = cands
    .filter((c) => c.end > c.start)
    .sort((a, b) => rank(b) - rank(a) || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    if (kept.some((k) => k.start < c.end && c.start < k.end)) continue;
    kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}
