/** Checksums that separate real identifiers from look-alike digit runs. */

export function digitsOf(s: string): string {
  return s.replace(/\D/g, '');
}

/** Luhn mod-10, used by payment cards. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Issuer prefixes of the card networks still in circulation (Visa, Mastercard incl. the 2-series,
 * Amex, Discover, JCB incl. the old 1800/2131 ranges, Diners, Maestro, UnionPay, Mir, RuPay).
 * A Luhn-valid number outside these is more likely an account or order number.
 */
export function cardPrefixKnown(digits: string): boolean {
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  if (digits.startsWith('4')) return true;
  if (p2 >= 51 && p2 <= 55) return true;
  if (p4 >= 2221 && p4 <= 2720) return true;
  if (p2 === 34 || p2 === 37) return true;
  if (p2 === 30 || p2 === 36 || p2 === 38 || p2 === 39) return true;
  if (p2 === 35) return true;
  if (p4 === 1800 || p4 === 2131) return true;
  if (p4 >= 2200 && p4 <= 2204) return true;
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return true;
  return false;
}

/** Lengths of IBANs per country (ISO 13616 registry); unknown countries fall back to 15–34. */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21,
  CR: 22, CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27,
  GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26,
  IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24,
  ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29,
  RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24,
  TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/** ISO 13616 mod-97 check of an IBAN given without separators. */
export function ibanValid(raw: string): boolean {
  const iban = raw.replace(/[\s-]/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected !== undefined ? iban.length !== expected : iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const val = code >= 65 ? String(code - 55) : ch;
    for (const d of val) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

/**
 * US SSN ranges the SSA never issues: area 000, 666 and 900–999, group 00, serial 0000,
 * plus numbers burned by advertising (078-05-1120, 219-09-9999, 123-45-6789).
 */
export function ssnValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = digits.slice(0, 3);
  const group = digits.slice(3, 5);
  const serial = digits.slice(5);
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (group === '00' || serial === '0000') return false;
  if (digits === '078051120' || digits === '219099999' || digits === '123456789') return false;
  if (/^(\d)\1{8}$/.test(digits)) return false;
  return true;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** True when year/month/day name a real calendar day. */
export function calendarDateValid(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export interface RrnCheck {
  /** The first six digits are a real birth date for the century the 7th digit names. */
  dateValid: boolean;
  /** The 13th digit matches the weighted mod-11 check digit. */
  checksumValid: boolean;
}

/**
 * Korean resident registration number YYMMDD-GNNNNNN. G encodes century and sex
 * (1–2: 1900s, 3–4: 2000s, 5–8 foreigners, 9/0: 1800s). Numbers issued since October 2020
 * have random trailing digits and no check digit, so the checksum is reported separately.
 */
export function checkKrRrn(raw: string): RrnCheck {
  const d = digitsOf(raw);
  if (d.length !== 13) return { dateValid: false, checksumValid: false };
  const g = Number(d[6]);
  const century = g === 9 || g === 0 ? 1800 : g === 1 || g === 2 || g === 5 || g === 6 ? 1900 : 2000;
  const year = century + Number(d.slice(0, 2));
  const dateValid = calendarDateValid(year, Number(d.slice(2, 4)), Number(d.slice(4, 6)));
  const weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(d[i]) * (weights[i] ?? 0);
  const check = (11 - (sum % 11)) % 10;
  return { dateValid, checksumValid: check === Number(d[12]) };
}
