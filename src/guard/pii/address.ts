/**
 * Street addresses: an anchor (house number + street + suffix, a European street word + number,
 * a PO box or military address), then the unit, city, state and postal code lines that follow it.
 */
import { type Candidate, matches, trimEnd } from './candidate.js';

/** Case-insensitive letters inside a pattern that must stay case-sensitive elsewhere. */
function ci(words: string): string {
  return words.replace(/\p{L}/gu, (c) => (c.toLowerCase() === c.toUpperCase() ? c : `[${c.toLowerCase()}${c.toUpperCase()}]`));
}

const US_SUFFIX =
  'Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Alley|Crescent|Cres|Close|Row|Plaza|Pike|Loop|Path|Walk|Grove|Gardens|Heights|Mews|Ridge|Crossing|Expressway|Freeway|Route|Rte|Turnpike|Tpke|Causeway|Esplanade|Promenade|Quay|Wharf|Junction|Extension|Union|Fort|Station|Harbor|Harbour|Village|Valley|View|Hill|Hills|Park|Point|Creek|Estates|Meadows|Manor|Green|Common|Commons';
const EURO_ATTACHED =
  'vænget|stræti|stræde|gränd|backe|torget|torg|stien|vegur|plads|vejen|iela|tänav|raitti|väylä|puistotie|strasse|straße|str\\.|gasse|weg|platz|allee|ring|damm|ufer|gatan|gata|vägen|väg|vej|gade|veien|vegen|katu|tie|kuja|polku|kaari|rinne|tanya|utca|straat|laan|gracht|plein|singel|kade|ulica|aleja|ulice|náměstí|třída|cesta|sokak|caddesi';
const EURO_PREFIX =
  'Rue|Avenue|Av\\.|Boulevard|Bd|Chemin|Allée|Impasse|Place|Via|Viale|Piazza|Corso|Largo|Calle|Avenida|Av\\.|Rua|Travessa|Praça|Plaza|Paseo|Carrer|Camino|Carretera|Strada|Ulica|ul\\.|Aleja|al\\.';
const EURO_WORD = `utca|u\\.|út|tér|körút|ulica|${ci('str.|str|vej|gade|gata|tie|katu|straße|strasse|weg|gasse|platz|allee|kapu')}`;
const LATIN_PREFIX = ci('rue|avenue|av.|boulevard|bd|chemin|allée|impasse|place|quai|cours|route|via|viale|piazza|corso|calle|avenida|rua|carrer|ulica|ul.').replace(/\./g, '\\.');
const UNIT = "(?:Apt|Apartment|Suite|Ste|Unit|Flat|Fl|Floor|Room|Rm|Bldg|Building|No|#)\\.?\\s?#?\\s?[\\p{L}\\p{N}][\\p{L}\\p{N}-]{0,6}";
const W = "[\\p{Lu}\\p{N}][\\p{L}\\p{N}'’.-]*";

const US_STREET = new RegExp(
  `(?<![\\p{L}\\p{N}])\\d{1,6}[A-Za-z]?(?:-\\d{1,4})?\\s(?:[NSEW]\\.?\\s|(?:North|South|East|West|N\\.?E\\.?|N\\.?W\\.?|S\\.?E\\.?|S\\.?W\\.?)\\s)?(?:${W}\\s){0,4}?(?:${US_SUFFIX})\\.?(?![\\p{L}])(?:\\s(?:[NSEW]|NE|NW|SE|SW)\\.?(?![\\p{L}]))?`,
  'gu',
);
const EURO_STREET = new RegExp(
  [
    `(?<![\\p{L}])(?:\\p{Lu}[\\p{L}'’-]*[ \\t]){0,2}\\p{Lu}[\\p{L}'’-]*(?:${EURO_ATTACHED})\\s\\d{1,5}[A-Za-z]?(?:[-/]\\d{1,4})?\\.?(?![\\p{L}\\p{N}])`,
    `(?<![\\p{L}])(?:${EURO_PREFIX})\\s(?:[\\p{L}'’.-]+\\s){0,4}?\\d{1,5}[A-Za-z]?(?![\\p{L}\\p{N}])`,
    `(?<![\\p{L}])\\p{Lu}[\\p{L}'’-]*(?:[ \\t]\\p{L}[\\p{L}'’-]*){0,2}[ \\t](?:${EURO_WORD})[ \\t]\\d{1,5}[A-Za-z]?\\.?(?![\\p{L}\\p{N}])`,
    // "12 rue de la Paix", "5 Via Roma": number first, then a Latin street word and its name.
    `(?<![\\p{L}\\p{N}])\\d{1,5}(?:[ \\t]?(?:bis|ter))?,?[ \\t](?:${LATIN_PREFIX})(?:[ \\t](?:(?:de|la|du|des|le|les|l'|d'|del|della|di|da|do|dos|das)(?![\\p{L}])|\\p{Lu}[\\p{L}'’.-]*)){1,5}`,
  ].join('|'),
  'gu',
);
const POBOX = /(?<![\p{L}])(?:P\.?\s?O\.?\s?Box|Post(?:al)?\s+Office\s+Box|PO\s?Box)\s?#?\s?\d{1,8}/giu;
const MILITARY = /(?<![\p{L}])(?:PSC|Unit|CMR)\s\d{1,5},?\s?Box\s\d{1,5}\s*\n?\s*[AFD]PO\s(?:AA|AE|AP)\s\d{5}/gu;
const UNIT_ALONE = new RegExp(`(?<![\\p{L}])(?:Apt|Apartment|Suite|Ste)\\.?\\s#?\\d{1,5}[A-Za-z]?(?![\\p{L}\\p{N}])`, 'gu');

const STATES =
  'AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR|GU|VI';
// One line of the tail: a unit, "City, ST 12345", "City", "ST", "Country 12345", "75008 Paris" or a bare postal code.
const TAIL_SEGMENT = new RegExp(
  `^(?:${UNIT}(?:\\s${UNIT})?|\\p{Lu}[\\p{L}'’.-]*(?:\\s\\p{Lu}[\\p{L}'’.-]*){0,3}(?:,?\\s(?:${STATES}|\\p{Lu}{2}))?(?:,?\\s\\d{3,6}(?:-\\d{3,4})?)?|(?:${STATES})\\s\\d{5}(?:-\\d{4})?|(?:[A-Z]{1,2}-)?\\d{4,6}(?:-\\d{3,4})?(?:\\s\\p{Lu}[\\p{L}'’.-]*(?:[ -]\\p{Lu}[\\p{L}'’.-]*){0,2})?)$`,
  'u',
);

function extendTail(text: string, end: number): number {
  let pos = end;
  for (let i = 0; i < 5; i++) {
    const sep = /^(?:\s*,\s*|\s*\n\s*|\s+)/.exec(text.slice(pos));
    if (!sep) break;
    const segStart = pos + sep[0].length;
    // A segment runs to the next comma or line break.
    const rest = text.slice(segStart);
    const segLen = rest.search(/[,\n]|[.?!](?:\s|$)/);
    const seg = (segLen < 0 ? rest : rest.slice(0, segLen)).trimEnd();
    // Only a line break or comma may introduce a city; a plain space may only add a unit or zip.
    const viaSpace = !/[,\n]/.test(sep[0]);
    let candidate = viaSpace ? (/^(?:[\p{L}.#]+\s?#?[\p{N}][\p{L}\p{N}-]*|\d{5}(?:-\d{4})?)/u.exec(seg)?.[0] ?? '') : seg;
    // "DC 20500 please": the segment may run on past the postal code.
    if (candidate && !TAIL_SEGMENT.test(candidate)) candidate = /^.*?\d{4,6}(?:-\d{3,4})?(?=\s|$)/u.exec(candidate)?.[0] ?? '';
    if (!candidate || !TAIL_SEGMENT.test(candidate)) break;
    if (viaSpace && !new RegExp(`^(?:${UNIT}|\\d{5}(?:-\\d{4})?)$`, 'u').test(candidate)) break;
    if (segStart + candidate.length > end + 160) break;
    pos = segStart + candidate.length;
  }
  return pos;
}

export function detectAddresses(text: string): Candidate[] {
  const out: Candidate[] = [];
  const push = (start: number, end: number, score: number, extend = true) => {
    const e = extend ? extendTail(text, end) : end;
    out.push({ start, end: e, label: 'address', score: e > end ? Math.min(score + 0.1, 0.95) : score });
  };
  for (const { start, end } of matches(US_STREET, text)) {
    // "3 cats on the way": the words must look like a name, and the number must not be a quantity.
    const words = text.slice(start, end).split(/\s+/).slice(1);
    if (words.length < 2) continue;
    push(start, end, 0.8);
  }
  for (const { start, end } of matches(EURO_STREET, text)) push(start, trimEnd(text, start, end, ' \t,'), 0.7);
  out.push(...addressesAfterCue(text));
  for (const { start, end } of matches(POBOX, text)) push(start, end, 0.85);
  for (const { start, end } of matches(MILITARY, text)) push(start, end, 0.9, false);
  for (const { start, end } of matches(UNIT_ALONE, text)) out.push({ start, end, label: 'address', score: 0.5 });
  return unionOverlapping(out);
}

/** Findings of different address rules that overlap describe one address: report their union. */
function unionOverlapping(spans: Candidate[]): Candidate[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const out: Candidate[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) {
      last.end = Math.max(last.end, s.end);
      last.score = Math.max(last.score, s.score);
    } else out.push({ ...s });
  }
  return out;
}

const CUE = /(?:lives?|living|resides?|residing|located|situated)\s+(?:at|on|in)\s+|(?:address(?:es)?|addr\.?)(?:\s+is|\s*:|\s+(?:here\s+)?(?:they\s+)?are:?)\s+|(?:send|sent|ship|shipped|deliver|delivered|mail|mailed|moved|forward)\s+(?:it\s+|them\s+|this\s+|a\s+new\s+one\s+)?to\s+/giu;

/**
 * Text after "lives at", "my address is", "ship to": whatever follows, up to the end of the clause,
 * is an address when it carries a number and a capitalised or non-Latin word. Catches the street
 * forms the anchors do not know ("Joaquin Suarez 2906", "Μεγάλη Άμμος 184").
 */
function addressesAfterCue(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { end: start } of matches(CUE, text)) {
    const rest = text.slice(start, start + 160);
    const stop = rest.search(/[?!;"]|\n\s*\n|,\s+(?=\p{Ll})|\.(?:\s+\p{Lu}|\s*$)|,?\s+(?:and|for|after|before|in case|please|but|because|so|when|if|I|we|you)(?![\p{L}])|\s(?:is|was|are|were)\s/u);
    let chunk = stop < 0 ? rest : rest.slice(0, stop);
    chunk = chunk.replace(/[\s,.]+$/u, '');
    if (chunk.length < 5 || !/\d/.test(chunk) || !/^[\p{L}\p{N}]/u.test(chunk)) continue;
    if (!/(?:^|\s)[\p{Lu}\p{Lo}][\p{L}]+|[^\x00-\x7f]{3}/u.test(chunk)) continue;
    // "at 10 am", "on May 5": times and dates follow these verbs too.
    if (/^\d{1,2}(?::\d{2})?\s?(?:[ap]\.?m\.?|o'clock|h)\b/i.test(chunk)) continue;
    out.push({ start, end: start + chunk.length, label: 'address', score: 0.6 });
  }
  return out;
}

const UK_POSTCODE = /(?<![\p{L}\p{N}])(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})(?![\p{L}\p{N}])/gu;
const ZIP_CONTEXT = /(?:zip|postal|postcode|post code|plz|cep|우편번호)(?:\s*code)?\s*(?:is|:|#|no\.?)?\s*$/i;
const ZIP_VALUE = /[A-Z0-9]{2,5}(?:[ -][A-Z0-9]{2,4})?(?![\p{L}\p{N}])/uy;
const US_ZIP_AFTER_STATE = new RegExp(`(?<![\\p{L}])(?:${STATES}),?\\s(\\d{5}(?:-\\d{4})?)(?![\\d-])`, 'gu');

/** Postal codes: UK-shaped anywhere, US after a state, anything code-like after "ZIP:" or "postal code". */
export function detectZipCodes(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { start, end } of matches(UK_POSTCODE, text)) out.push({ start, end, label: 'zip_code', score: 0.75 });
  for (const { start, end } of matches(US_ZIP_AFTER_STATE, text, 1)) out.push({ start, end, label: 'zip_code', score: 0.7 });
  for (const { end: kwEnd } of matches(/zip|postal|postcode|post code|plz|cep|우편번호/gi, text)) {
    const lead = /^(?:\s*code)?\s*(?:is|:|#|no\.?)?\s*/i.exec(text.slice(kwEnd));
    const start = kwEnd + (lead?.[0].length ?? 0);
    if (!ZIP_CONTEXT.test(text.slice(Math.max(0, kwEnd - 20), start))) continue;
    ZIP_VALUE.lastIndex = start;
    const m = ZIP_VALUE.exec(text);
    if (!m || !/\d/.test(m[0])) continue;
    out.push({ start, end: start + m[0].length, label: 'zip_code', score: 0.85 });
  }
  return out;
}
