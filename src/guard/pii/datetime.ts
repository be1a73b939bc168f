/** Dates and times: numeric forms validated as calendar days, month and weekday names, clock times. */
import { type Candidate, before, matches } from './candidate.js';
import { calendarDateValid } from './checksums.js';

const MONTH =
  '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)';
const DAY = '(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)?';
const YEAR = "(?:1[5-9]\\d{2}|20\\d{2}|'\\d{2})(?!\\d|\\s?년)";
const TIME = '(?:[01]?\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d{1,6})?)?(?:\\s?[AaPp]\\.?[Mm]\\.?)?(?:\\s?(?:Z|UTC|GMT|[+-]\\d{2}:?\\d{2}))?';
const TIME_AMPM = '(?:1[0-2]|0?[1-9])\\s?[AaPp]\\.?[Mm]\\.?(?![A-Za-z])';
const WEEKDAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';

// Named months need a day or year beside them, so "May" alone (a name, a verb) never matches.
const NAMED = new RegExp(
  [
    `(?:${WEEKDAY},?\\s)?${MONTH}\\.?\\s${DAY}(?:,?\\s${YEAR})?`,
    `(?:${WEEKDAY},?\\s)?${DAY}\\s(?:of\\s)?${MONTH}\\.?(?:,?\\s${YEAR})?`,
    `${MONTH}\\.?,?\\s${YEAR}`,
  ].join('|'),
  'g',
);
const ISO = new RegExp(`(?<![\\d-])(\\d{4})-(\\d{2})-(\\d{2})(?:[T ]${TIME})?(?![\\d-])`, 'g');
const NUMERIC = /(?<![\d./-])(\d{1,4})([/.-])(\d{1,2})\2(\d{2,4})(?![\d]|[./-]\d)/g;
const KOREAN = /(?:\d{4}\s?년\s?)?\d{1,2}\s?월\s?\d{1,2}\s?일/g;
const CLOCK = new RegExp(`(?<![\\d:.])(?:${TIME}|${TIME_AMPM})(?![\\d:])`, 'g');
const WEEKDAY_RE = new RegExp(`\\b${WEEKDAY}s?\\b`, 'g');
const YEAR_CTX = /(?<!\d)((?:1[89]|20)\d{2})s?(?![\d,.]\d)/g;
const YEAR_BEFORE = /(?:\b(?:in|since|from|until|till|by|of|during|circa|year|born|early|late|mid|before|after|around)\s+|\b(?:c\.|ca\.)\s*)$/i;

function numericValid(a: number, b: number, c: number, sep: string, yearFirst: boolean, yLen: number): boolean {
  if (yearFirst) return calendarDateValid(a, b, c);
  // A two-digit year after dots reads like a version ("1.2.23"); demand four digits there.
  if (sep === '.' && yLen !== 4) return false;
  if (yLen === 3) return false;
  const year = yLen === 2 ? 2000 + c : c;
  return calendarDateValid(year, a, b) || calendarDateValid(year, b, a);
}

export function detectDates(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { start, end } of matches(NAMED, text)) out.push({ start, end, label: 'date_time', score: 0.9 });
  for (const c of out) c.end = dropSentenceDot(text, c.start, c.end);
  for (const { start, end, m } of matches(ISO, text)) {
    if (calendarDateValid(Number(m[1]), Number(m[2]), Number(m[3]))) out.push({ start, end, label: 'date_time', score: 0.95 });
  }
  for (const { start, end, m } of matches(NUMERIC, text)) {
    const p1 = m[1] ?? '';
    const yearFirst = p1.length === 4;
    const yLen = (m[4] ?? '').length;
    if (yearFirst && yLen > 2) continue;
    if (!yearFirst && p1.length > 2) continue;
    const ok = yearFirst
      ? numericValid(Number(p1), Number(m[3]), Number(m[4]), m[2] ?? '', true, 4)
      : numericValid(Number(p1), Number(m[3]), Number(m[4]), m[2] ?? '', false, yLen);
    if (ok) out.push({ start, end, label: 'date_time', score: m[2] === '-' && yLen === 2 ? 0.6 : 0.85 });
  }
  for (const { start, end } of matches(KOREAN, text)) out.push({ start, end, label: 'date_time', score: 0.9 });
  for (const { start, end } of matches(CLOCK, text)) {
    const s = text.slice(start, end);
    // "3:2" scores and "1:10" ratios are too short to trust without am/pm or seconds.
    if (!/[AaPp]\.?[Mm]|:\d\d:|Z|UTC|GMT/.test(s) && !/\b(?:at|by|from|until|till|around|before|after)\s*$/i.test(before(text, start, 10)) && !/^\d{2}:/.test(s)) continue;
    out.push({ start, end: dropSentenceDot(text, start, end), label: 'date_time', score: 0.75 });
  }
  for (const { start, end } of matches(WEEKDAY_RE, text)) out.push({ start, end, label: 'date_time', score: 0.6 });
  for (const { start, end, m } of matches(YEAR_CTX, text, 1)) {
    if (!YEAR_BEFORE.test(text.slice(Math.max(0, start - 12), start))) continue;
    const y = Number(m[1]);
    if (y < 1800 || y > 2100) continue;
    out.push({ start, end, label: 'date_time', score: 0.55 });
  }
  return mergeAdjacent(text, out);
}

/** "10:30 am." at the end of a sentence: the full stop is not part of the time (but "a.m." keeps its dots). */
function dropSentenceDot(text: string, start: number, end: number): number {
  const s = text.slice(start, end);
  return s.endsWith('.') && !/[AaPp]\.[Mm]\.$/.test(s) ? end - 1 : end;
}

/** "March 3, 2020 at 10:00" is one date_time, not a date and a time. */
function mergeAdjacent(text: string, spans: Candidate[]): Candidate[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Candidate[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) {
      if (s.end > last.end) last.end = s.end;
      last.score = Math.max(last.score, s.score);
      continue;
    }
    // Join a date with its time or weekday, never two dates in a list.
    const joinable = last && (/\d:\d|[AaPp]\.?[Mm]\.?$/.test(text.slice(s.start, s.end)) || new RegExp(`^${WEEKDAY}$`).test(text.slice(last.start, last.end)));
    if (last && joinable && /^(?:,?\s(?:at\s)?|\s?T\s?)$/.test(text.slice(last.end, s.start))) {
      last.end = s.end;
      last.score = Math.max(last.score, s.score);
      continue;
    }
    out.push({ ...s });
  }
  return out;
}
