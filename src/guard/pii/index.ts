/**
 * PII detection and redaction, local and dependency-light (libphonenumber-js for phones,
 * compromise for its name/place lexicon and part-of-speech tags).
 *
 *   const spans = detectPii(text, { locale: 'en-US' });
 *   const { text: safe, vault } = redactPii(text, spans, 'tokenize');
 *   // ... send `safe` to the model, then:
 *   const answer = restorePii(modelAnswer, vault);
 *
 * Decisions worth knowing:
 * - Checksums decide where they exist: cards need Luhn and a known issuer prefix, IBANs mod-97 and
 *   the country length, Korean RRNs their check digit (or an RRN label in front, since numbers issued
 *   after October 2020 carry none), SSNs the SSA's issued ranges.
 * - A dotted quad after "v"/"version" is a version, a bare one ("1.2.3.4") an IP address; out-of-range
 *   octets ("192.168.1.300") are neither IP nor phone.
 * - Dates beat phones on overlap ("2021-03-04"); impossible days ("2021-02-30") are neither.
 * - "May" is a date only beside a day or year; "Apple" is never a name (compromise does not know it as
 *   one, and no cue such as "Mr." or "my name is" precedes it).
 * - Places (`gpe`) and nationalities, religions, parties (`nrp`) are detected but left out unless
 *   asked for in `labels`.
 * - Offsets are UTF-16 code units (JavaScript string indices), `end` exclusive.
 */
export * from './types.js';
export { detectPii } from './detect.js';
export { redactPii, restorePii, maskValue } from './redact.js';
export { luhnValid, ibanValid, ssnValid, checkKrRrn, type RrnCheck } from './checksums.js';
