import { describe, expect, it } from 'vitest';
import { cardPrefixKnown, checkKrRrn, ibanValid, luhnValid, ssnValid } from './checksums.js';

describe('luhnValid', () => {
  it('accepts real test card numbers and rejects a one-digit change', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('378282246310005')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('1234567812345678')).toBe(false);
  });
  it('knows issuer prefixes', () => {
    expect(cardPrefixKnown('2223000048400011')).toBe(true);
    expect(cardPrefixKnown('9111111111111111')).toBe(false);
  });
});

describe('ibanValid', () => {
  it('checks mod 97 and the country length, with or without spaces and in lower case', () => {
    expect(ibanValid('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(ibanValid('de89370400440532013000')).toBe(true);
    expect(ibanValid('GB82 WEST 1234 5698 7654 33')).toBe(false);
    // Right checksum arithmetic is not enough when the length is wrong for the country.
    expect(ibanValid('DE8937040044053201300')).toBe(false);
  });
});

describe('ssnValid', () => {
  it('rejects ranges the SSA never issues', () => {
    expect(ssnValid('123456780')).toBe(true);
    expect(ssnValid('000123456')).toBe(false);
    expect(ssnValid('666123456')).toBe(false);
    expect(ssnValid('912345678')).toBe(false);
    expect(ssnValid('123001234')).toBe(false);
    expect(ssnValid('123450000')).toBe(false);
    expect(ssnValid('078051120')).toBe(false);
  });
});

describe('checkKrRrn', () => {
  it('validates the weighted mod-11 check digit', () => {
    expect(checkKrRrn('900101-1234568')).toEqual({ dateValid: true, checksumValid: true });
    expect(checkKrRrn('050315-4234569')).toEqual({ dateValid: true, checksumValid: true });
    expect(checkKrRrn('900101-1234567').checksumValid).toBe(false);
  });
  it('checks the birth date against the century the 7th digit gives', () => {
    expect(checkKrRrn('901301-1234568').dateValid).toBe(false);
    // 29 February exists in 2000 (7th digit 3 or 4) but not in 1900 (1 or 2).
    expect(checkKrRrn('000229-3000000').dateValid).toBe(true);
    expect(checkKrRrn('000229-1000000').dateValid).toBe(false);
  });
});
