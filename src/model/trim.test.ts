import { describe, expect, it } from 'vitest';
import { candidateSpans, clauseRanges, trimToClause, type TrimQuestion } from './trim.js';
import { words } from './text.js';

function question(q: string, type: TrimQuestion['type'], wantsSubject = false): TrimQuestion {
  return { type, wantsSubject, weights: new Map(words(q).filter((t) => t.lower.length > 3).map((t) => [t.stem, 1])) };
}

describe('clauseRanges', () => {
  it('keeps lists and numbers with commas whole', () => {
    const text = 'They came from Denmark, Iceland and Norway, and settled in the north of France with 30,000 men.';
    const clauses = clauseRanges(text, words(text)).map(([s, e]) => text.slice(s, e));
    expect(clauses.some((c) => c.includes('Denmark, Iceland and Norway'))).toBe(true);
    expect(clauses.some((c) => c.includes('30,000 men'))).toBe(true);
  });
});

describe('candidateSpans', () => {
  it('joins names over "of"/"the" and date ranges over "and"', () => {
    const text = 'William of Volpiano and John of Ravenna came in the 10th and 11th centuries.';
    const tokens = words(text);
    const names = candidateSpans(tokens, new Set(), 'person').map((s) => tokens.slice(s.from, s.to).map((t) => t.text).join(' '));
    expect(names).toEqual(['William of Volpiano', 'John of Ravenna']);
    const dates = candidateSpans(tokens, new Set(), 'date').map((s) => tokens.slice(s.from, s.to).map((t) => t.text).join(' '));
    expect(dates).toEqual(['10th and 11th centuries']);
  });

  it('ignores spans made only of the question\'s own words', () => {
    const text = 'The Tower of London was begun by William the Conqueror.';
    const tokens = words(text);
    const spans = candidateSpans(tokens, new Set(words('Tower London').map((t) => t.stem)), 'person');
    expect(spans.map((s) => tokens.slice(s.from, s.to).map((t) => t.text).join(' '))).toEqual(['William the Conqueror']);
  });
});

describe('trimToClause', () => {
  const trim = (text: string, q: TrimQuestion) => trimToClause(words(text), text, q);

  it('keeps the preposition a date hangs on', () => {
    const text = 'In the 1060s, Robert Crispin led the Normans of Edessa against the Turks in a long and costly campaign.';
    expect(trim(text, question('When did Robert Crispin go up against the Turks?', 'date'))).toBe('In the 1060s');
  });

  it('never cuts through a name', () => {
    const text = 'The White Tower of the Tower of London was begun by William the Conqueror in 1078, replacing an earlier timber fort.';
    const out = trim(text, question('When was the tower begun by the Conqueror?', 'date'));
    expect(out).toContain('1078');
    expect(out).not.toMatch(/^Conqueror/);
  });

  it('prefers the subject when the question asks who did something', () => {
    const text = 'In 911 Rollo founded the duchy of Normandy for King Charles of West Francia.';
    expect(trim(text, question('Who founded the duchy?', 'person', true))).toBe('Rollo founded');
  });

  it('leaves open questions whole', () => {
    const text = 'The Normans adopted the growing feudal doctrines of the rest of France and worked them into a hierarchy.';
    expect(trim(text, question('What did the Normans adopt?', 'other'))).toBe(text);
  });

  it('leaves the sentence whole when no candidate clearly wins', () => {
    // Two places, each two words from a question word: no cut.
    const text = 'Merchants from Genoa traded wool while merchants from Pisa traded wine across the whole of the sea for many years.';
    expect(trim(text, question('Where were the merchants from?', 'place'))).toBe(text);
  });

  it('drops brackets the cut left unbalanced', () => {
    const text = 'The word is Latinised variously as Nortmannus (recorded in Medieval Latin, 9th century) to mean Norseman.';
    const out = trim(text, question('When was the Latin word recorded?', 'date'));
    expect(out).toContain('9th century');
    expect(out.split('(').length).toBe(out.split(')').length);
  });
});
