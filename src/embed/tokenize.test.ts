import { describe, expect, it } from 'vitest';
import { cosine, normalize, rawTokens, splitToken, words } from './index.js';

describe('tokenisation', () => {
  it('keeps hyphenated, dotted and apostrophe forms as one raw token', () => {
    expect(rawTokens("England's state-of-the-art U.S. economy grew 3.5% in 2019!")).toEqual([
      "england's",
      'state-of-the-art',
      'u.s',
      'economy',
      'grew',
      '3.5',
      'in',
      '2019',
    ]);
  });

  it('folds accents, case and typographic apostrophes and dashes', () => {
    expect(rawTokens('Café DÉJÀ-VU don’t')).toEqual(['cafe', 'deja-vu', "don't"]);
  });

  it('splits raw tokens into plain words', () => {
    expect(splitToken("england's")).toEqual(['england']);
    expect(splitToken("don't")).toEqual(['do', 'not']);
    expect(splitToken("can't")).toEqual(['can', 'not']);
    expect(splitToken("won't")).toEqual(['will', 'not']);
    expect(splitToken("they're")).toEqual(['they', 'are']);
    expect(splitToken("o'brien")).toEqual(['obrien']);
    expect(splitToken('u.s')).toEqual(['us']);
    expect(splitToken('3.5')).toEqual(['3.5']);
    expect(splitToken('node.js')).toEqual(['node', 'js']);
    expect(splitToken('glove-sif')).toEqual(['glove', 'sif']);
  });

  it('handles non-Latin scripts as words', () => {
    expect(words('Москва и 東京')).toEqual(['москва', 'и', '東京']);
  });
});

describe('normalize', () => {
  it('scales to unit length in place and leaves a zero vector alone', () => {
    const v = Float32Array.from([3, 4]);
    expect(normalize(v)).toBe(v);
    expect(Array.from(v)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(Array.from(normalize(new Float32Array(3)))).toEqual([0, 0, 0]);
  });

  it('cosine ignores length', () => {
    expect(cosine(Float32Array.from([1, 1]), Float32Array.from([5, 5]))).toBeCloseTo(1, 6);
    expect(cosine(Float32Array.from([1, 0]), Float32Array.from([0, 2]))).toBeCloseTo(0, 6);
  });
});
