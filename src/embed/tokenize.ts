/**
 * Word tokenisation shared by the local embedders. Lowercases, folds
 * diacritics ("café" → "cafe", the GloVe vocabulary is ASCII) and keeps
 * hyphenated, dotted and apostrophe forms together as one raw token so each
 * embedder can decide how to split them ("state-of-the-art" is one GloVe word,
 * "u.s." and "node.js" are not).
 */

const TOKEN = /[\p{L}\p{N}]+(?:['.-][\p{L}\p{N}]+)*/gu;
const APOSTROPHES = /[\u2018\u2019\u02bc`\u00b4]/g;
const DASHES = /[\u2010\u2011\u2012\u2013]/g;
const MARKS = /\p{M}+/gu;

/** Lowercased, diacritic-free text with typographic apostrophes and dashes made ASCII. */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(MARKS, '').replace(APOSTROPHES, "'").replace(DASHES, '-').toLowerCase();
}

/** Raw word tokens, e.g. "England's state-of-the-art U.S. 3.5%" → ["england's", "state-of-the-art", "u.s", "3.5"]. */
export function rawTokens(text: string): string[] {
  return foldText(text).match(TOKEN) ?? [];
}

const CLITICS: Record<string, string> = { "n't": 'not', "'re": 'are', "'ve": 'have', "'ll": 'will', "'d": 'would', "'m": 'am' };

/**
 * Split a raw token into plain words: possessives dropped ("england's" → "england"),
 * clitics expanded ("don't" → "do", "not"), hyphen and dot parts separated,
 * dotted abbreviations joined ("u.s" → "us").
 */
export function splitToken(token: string): string[] {
  const out: string[] = [];
  for (const part of token.split('-')) {
    if (part.includes('.')) {
      if (/^(?:\p{L}\.)+\p{L}$/u.test(part)) out.push(part.replaceAll('.', ''));
      else if (/^\d+(?:\.\d+)+$/.test(part)) out.push(part);
      else for (const p of part.split('.')) if (p) out.push(...splitApostrophe(p));
    } else if (part) {
      out.push(...splitApostrophe(part));
    }
  }
  return out;
}

function splitApostrophe(word: string): string[] {
  const i = word.indexOf("'");
  if (i < 0) return [word];
  if (word.endsWith("'s")) return [word.slice(0, -2)];
  for (const [clitic, expansion] of Object.entries(CLITICS)) {
    if (word.endsWith(clitic) && word.length > clitic.length) {
      const base = word.slice(0, -clitic.length);
      // "can't" → "ca" + "not": the stem of "can't"/"won't" is not its prefix.
      const fixed = base === 'ca' ? 'can' : base === 'wo' ? 'will' : base;
      return [fixed.replaceAll("'", ''), expansion];
    }
  }
  // "o'brien", "rock'n'roll": keep the letters together.
  return [word.replaceAll("'", '')];
}

/** Plain words of a text: rawTokens + splitToken. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const token of rawTokens(text)) out.push(...splitToken(token));
  return out;
}
