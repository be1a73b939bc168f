import { describe, expect, it } from 'vitest';
import { atomize, Break } from './atoms.js';
import { countTokens, createChunker } from './index.js';
import { cjk, expectValidPieces, guide, longText, prose } from './__fixtures__/fixtures.js';

const recursive = (size: number, overlap: number) => createChunker({ strategy: 'recursive', size, overlap });

describe('recursive splitter', () => {
  it('keeps offsets, size and coverage on prose, Markdown and a long text', () => {
    for (const [text, size, overlap] of [
      [prose, 64, 12],
      [guide, 48, 8],
      [longText, 384, 48],
      [longText, 16, 4],
    ] as const) {
      expectValidPieces(text, recursive(size, overlap).split(text), size);
    }
  });

  it('repeats up to `overlap` tokens of the previous piece, starting at a word', () => {
    const pieces = recursive(64, 12).split(prose);
    expect(pieces.length).toBeGreaterThan(5);
    for (let k = 1; k < pieces.length; k++) {
      const prev = pieces[k - 1]!;
      const cur = pieces[k]!;
      expect(cur.start).toBeLessThan(prev.end);
      expect(cur.start).toBeGreaterThan(prev.start);
      const shared = prose.slice(cur.start, prev.end);
      expect(prev.text.endsWith(shared)).toBe(true);
      // At least half the requested overlap is always available between short English words.
      expect(countTokens(shared)).toBeGreaterThanOrEqual(6);
      expect(countTokens(shared)).toBeLessThanOrEqual(13);
      expect(prose[cur.start - 1]).toMatch(/\s/);
    }
  });

  it('prefers a sentence end as the overlap start when one is close enough', () => {
    // "Some entries are terse; others run to a full page." is 12 tokens: with
    // overlap 20 that sentence beats a fuller overlap starting mid-sentence.
    const pieces = recursive(64, 20).split(prose);
    const overlaps = pieces.slice(1).map((p, k) => prose.slice(p.start, pieces[k]!.end));
    expect(overlaps).toContain('Some entries are terse; others run to a full page.');
    const sentenceStarts = pieces.slice(1).filter((p) => /[.!?"]\s+$/.test(prose.slice(0, p.start)));
    expect(sentenceStarts.length).toBeGreaterThanOrEqual(2);
  });

  it('does not overlap when overlap is 0', () => {
    const pieces = recursive(48, 0).split(longText.slice(0, 20_000));
    for (let k = 1; k < pieces.length; k++) expect(pieces[k]!.start).toBeGreaterThanOrEqual(pieces[k - 1]!.end);
  });

  it('ends pieces at sentence ends or paragraph breaks, not mid-sentence, when sentences are short', () => {
    const pieces = recursive(128, 0).split(prose);
    for (const p of pieces.slice(0, -1)) expect(p.text).toMatch(/[.!?"]$/);
  });

  it('cuts at paragraph breaks when two paragraphs fill a piece', () => {
    const paragraphs = prose.split('\n\n');
    const size = countTokens(paragraphs.slice(0, 2).join('\n\n')) + 10;
    const first = recursive(size, 0).split(prose)[0]!;
    expect(first.text).toBe(paragraphs.slice(0, 2).join('\n\n'));
  });

  it('splits a single huge word by tokens as the last resort', () => {
    const blob = Array.from({ length: 3000 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789+/'[(i * 7919) % 38]).join('');
    const text = `Attachment follows.\n\n${blob}\n\nEnd of attachment.`;
    const pieces = recursive(32, 8).split(text);
    expectValidPieces(text, pieces, 32);
    expect(pieces.length).toBeGreaterThan(20);
  });

  it('handles Chinese, Korean and Japanese text within size, cutting after CJK punctuation', () => {
    const pieces = recursive(32, 8).split(cjk);
    expectValidPieces(cjk, pieces, 32);
    const chinese = pieces.filter((p) => p.end <= cjk.indexOf('\n\n'));
    expect(chinese.length).toBeGreaterThan(3);
    for (const p of chinese) expect(p.text).toMatch(/[。，]$/);
  });

  it('returns no pieces for empty or blank text', () => {
    expect(recursive(64, 8).split('')).toEqual([]);
    expect(recursive(64, 8).split(' \n\n\t ')).toEqual([]);
  });

  it('returns one trimmed piece with exact offsets for a short text', () => {
    const text = '\n\n  A short note.  \n';
    expect(recursive(64, 8).split(text)).toEqual([
      { text: 'A short note.', start: 4, end: 17, tokenCount: countTokens('A short note.'), metadata: {} },
    ]);
  });
});

describe('recursive cut points', () => {
  it('ranks paragraph > line > sentence > word, ignoring abbreviations and decimals', () => {
    const text = 'Dr. Hays measured 3.14 units, e.g. Twice. Then she left!\nNext line.\n\nFinal paragraph.';
    const atoms = atomize(text, 0, text.length, 100, Break.PARAGRAPH);
    const levelAt = (word: string) => atoms.find((a) => text.slice(a.start, a.end).trim().startsWith(word))?.level;
    expect(levelAt('Hays')).toBe(Break.WORD);
    expect(levelAt('units')).toBe(Break.WORD);
    expect(levelAt('Twice')).toBe(Break.WORD);
    expect(levelAt('Then')).toBe(Break.SENTENCE);
    expect(levelAt('Next')).toBe(Break.LINE);
    expect(levelAt('Final')).toBe(Break.PARAGRAPH);
    expect(atoms.map((a) => text.slice(a.start, a.end)).join('')).toBe(text);
    expect(atoms.reduce((sum, a) => sum + a.tokens, 0)).toBe(countTokens(text));
  });
});
