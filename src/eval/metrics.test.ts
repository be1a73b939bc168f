import { describe, expect, it } from 'vitest';
import { dcgAt, dedupeRanking, firstRelevantRank, hitAt, meanScores, ndcgAt, precisionAt, recallAt, reciprocalRank, scoreRanking } from './index.js';

// Five retrieved ids; c is highly relevant (2), e relevant (1), z relevant but never retrieved.
const ranked = ['a', 'b', 'c', 'd', 'e'];
const rel = new Map([
  ['c', 2],
  ['e', 1],
  ['z', 1],
  ['b', 0],
]);

describe('retrieval metrics, against values worked out by hand', () => {
  it('hit@k and the rank of the first relevant id (a grade of 0 is not relevant)', () => {
    expect(firstRelevantRank(ranked, rel)).toBe(3);
    expect([1, 2, 3, 5].map((k) => hitAt(ranked, rel, k))).toEqual([0, 0, 1, 1]);
    expect(firstRelevantRank(['a', 'b'], rel)).toBe(0);
  });

  it('reciprocal rank, with and without a cut-off', () => {
    expect(reciprocalRank(ranked, rel)).toBeCloseTo(1 / 3, 12);
    expect(reciprocalRank(ranked, rel, 2)).toBe(0);
    expect(reciprocalRank(['c'], rel)).toBe(1);
  });

  it('recall@k counts the relevant ids never retrieved; precision@k divides by k', () => {
    expect(recallAt(ranked, rel, 3)).toBeCloseTo(1 / 3, 12);
    expect(recallAt(ranked, rel, 5)).toBeCloseTo(2 / 3, 12);
    expect(recallAt(ranked, new Map([['b', 0]]), 5)).toBe(0);
    expect(precisionAt(ranked, rel, 5)).toBeCloseTo(0.4, 12);
    expect(precisionAt(['c'], rel, 4)).toBeCloseTo(0.25, 12);
  });

  it('nDCG uses the grade as gain and the ideal order of every judged id', () => {
    // DCG@5 = 2/log2(4) + 1/log2(6) = 1.386853; ideal [2,1,1] = 2 + 1/log2(3) + 1/2 = 3.130930.
    expect(dcgAt(ranked, rel, 5)).toBeCloseTo(1.3868528072, 9);
    expect(ndcgAt(ranked, rel, 5)).toBeCloseTo(0.4429523868, 9);
    // @2 the ideal is [2, 1]: (2/log2(3)) / (2 + 1/log2(3)).
    expect(ndcgAt(['x', 'c'], rel, 2)).toBeCloseTo(0.4796249331, 9);
    expect(ndcgAt(['c', 'e', 'z'], rel, 10)).toBeCloseTo(1, 12);
    // The order of relevant ids matters with grades: swapping c and e costs.
    expect(ndcgAt(['e', 'c', 'z'], rel, 10)).toBeLessThan(1);
    expect(ndcgAt(ranked, new Map(), 10)).toBe(0);
  });

  it('scoreRanking and meanScores give the per-query figures and their means', () => {
    const one = scoreRanking(ranked, rel);
    expect(one).toEqual({ hit1: 0, hit5: 1, hit10: 1, mrr: 1 / 3, ndcg10: expect.closeTo(0.4429523868, 9), recall10: 2 / 3 });
    const perfect = scoreRanking(['c', 'e', 'z'], rel);
    const m = meanScores([one, perfect]);
    expect(m.hit1).toBe(0.5);
    expect(m.mrr).toBeCloseTo((1 / 3 + 1) / 2, 12);
    expect(m.recall10).toBeCloseTo((2 / 3 + 1) / 2, 12);
    expect(Number.isNaN(meanScores([]).ndcg10)).toBe(true);
  });

  it('dedupeRanking keeps each document at its best chunk', () => {
    expect(dedupeRanking(['d1', 'd2', 'd1', 'd3', 'd2'])).toEqual(['d1', 'd2', 'd3']);
  });
});
