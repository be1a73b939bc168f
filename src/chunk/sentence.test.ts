import { describe, expect, it } from 'vitest';
import { countTokens, createChunker, sentenceRanges } from './index.js';
import { cjk, expectValidPieces, longText, prose } from './__fixtures__/fixtures.js';

const sentence = (size: number, overlap: number) => createChunker({ strategy: 'sentence', size, overlap });
const sentencesOf = (text: string) => sentenceRanges(text).map(([s, e]) => text.slice(s, e));

describe('sentence segmentation', () => {
  it('does not break after abbreviations, initials or inside decimals', () => {
    expect(sentencesOf('Dr. Smith went home. He slept.')).toEqual(['Dr. Smith went home.', 'He slept.']);
    expect(sentencesOf('Use a runtime, e.g. Node. Then stop.')).toEqual(['Use a runtime, e.g. Node.', 'Then stop.']);
    expect(sentencesOf('Pi is 3.14 roughly. It costs $3.50 today.')).toEqual(['Pi is 3.14 roughly.', 'It costs $3.50 today.']);
    expect(sentencesOf('Mr. and Mrs. Jones met Prof. Hays (i.e. the historian). J. R. Hays wrote it.')).toEqual([
      'Mr. and Mrs. Jones met Prof. Hays (i.e. the historian).',
      'J. R. Hays wrote it.',
    ]);
  });

  it('finds the sentences of the prose fixture', () => {
    const sentences = sentencesOf(prose);
    expect(sentences).toContain(
      'Dr. Eleanor Hays, who studied the station\'s logbooks in the 1970s, found that the keepers recorded the weather with remarkable care.',
    );
    expect(sentences).toContain(
      'They noted wind speed, visibility, and the state of the sea, e.g. whether the swell came from the north or the west, four times a day.',
    );
    expect(sentences.some((s) => s.startsWith('14 and a little more'))).toBe(false);
    expect(sentences).toHaveLength(22);
  });

  it('splits Chinese and Japanese at full-width sentence marks and Korean at periods', () => {
    const sentences = sentencesOf(cjk);
    expect(sentences[0]).toBe('灯塔于一八七〇年十二月一日首次点亮。');
    expect(sentences).toContain('등대는 1870년 12월 1일 저녁에 처음 불을 밝혔습니다.');
    expect(sentences.at(-1)).toBe('レンズはフランス製の一等フレネルレンズで、分解してホーン岬を回って運ばれ、牛車で崖の上まで引き上げられた。');
  });
});

describe('sentence splitter', () => {
  it('keeps offsets, size and coverage', () => {
    for (const [text, size, overlap] of [
      [prose, 64, 12],
      [longText, 256, 32],
      [cjk, 24, 6],
    ] as const) {
      expectValidPieces(text, sentence(size, overlap).split(text), size);
    }
  });

  it('ends and starts every piece at a sentence boundary', () => {
    const bounds = sentenceRanges(prose);
    const starts = new Set(bounds.map(([s]) => s));
    const ends = new Set(bounds.map(([, e]) => e));
    const pieces = sentence(64, 12).split(prose);
    expect(pieces.length).toBeGreaterThan(5);
    for (const p of pieces) {
      expect(starts.has(p.start)).toBe(true);
      expect(ends.has(p.end)).toBe(true);
    }
  });

  it('packs as many whole sentences as fit', () => {
    const bounds = sentenceRanges(prose);
    for (const p of sentence(64, 0).split(prose).slice(0, -1)) {
      const next = bounds.find(([s]) => s >= p.end)!;
      expect(countTokens(prose.slice(p.start, next[1]))).toBeGreaterThan(64);
    }
  });

  it('overlaps by whole sentences, as many as come nearest to the overlap', () => {
    const pieces = sentence(64, 12).split(prose);
    const overlaps = pieces.slice(1).map((p, k) => (p.start < pieces[k]!.end ? prose.slice(p.start, pieces[k]!.end) : ''));
    // A 12-token sentence is repeated; sentences of 25+ tokens are closer to 0 than to 12 and are not.
    expect(overlaps).toContain('Some entries are terse; others run to a full page.');
    expect(overlaps).toContain('');
    for (const shared of overlaps.filter(Boolean)) expect(sentencesOf(prose)).toContain(shared);
  });

  it('cuts a sentence longer than the size by words', () => {
    const long = `Short one. ${Array.from({ length: 80 }, (_, i) => `clause ${i}`).join(', ')}. Short two.`;
    const pieces = sentence(32, 0).split(long);
    expectValidPieces(long, pieces, 32);
    expect(pieces[0]!.text.startsWith('Short one.')).toBe(true);
    expect(pieces.at(-1)!.text.endsWith('Short two.')).toBe(true);
    expect(pieces.length).toBeGreaterThan(5);
  });

  it('returns no pieces for blank text', () => {
    expect(sentence(32, 0).split('\n \n')).toEqual([]);
  });
});
