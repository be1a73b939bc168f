import { describe, expect, it } from 'vitest';
import { clip, parseGrade, parseNextQuery, parseQueryList, parseRanking } from './parse.js';

describe('parseQueryList', () => {
  it('reads plain lines, numbering, bullets, labels, quotes and fences, and drops lead-ins', () => {
    const reply = '```\nHere are some rewrites:\n1. "first query"\n2) second query\n- third query\nQuery 4: fourth query\n```';
    expect(parseQueryList(reply, 10)).toEqual(['first query', 'second query', 'third query', 'fourth query']);
  });
  it('reads JSON arrays and {queries}', () => {
    expect(parseQueryList('["a b", "c d", 3]', 5)).toEqual(['a b', 'c d']);
    expect(parseQueryList('{"queries": ["x y", "x y", "z w"]}', 5)).toEqual(['x y', 'z w']);
  });
  it('caps at max and ignores blanks', () => {
    expect(parseQueryList('one one\n\n two two \nthree three', 2)).toEqual(['one one', 'two two']);
    expect(parseQueryList('', 3)).toEqual([]);
  });
});

describe('parseRanking', () => {
  it('reads RankGPT-style orders and drops repeats and out-of-range ids', () => {
    expect(parseRanking('[3] > [1] > [3] > [9] > [2]', 4)).toEqual([2, 0, 1]);
  });
  it('prefers bracketed ids over numbers in prose', () => {
    expect(parseRanking('The top 2 passages are [4] > [1]', 5)).toEqual([3, 0]);
  });
  it('reads bare lists and JSON', () => {
    expect(parseRanking('2, 1, 3', 3)).toEqual([1, 0, 2]);
    expect(parseRanking('{"ranking": [2, "1"]}', 3)).toEqual([1, 0]);
    expect(parseRanking('[2, 1]', 3)).toEqual([1, 0]);
  });
  it('returns nothing for prose without ids', () => {
    expect(parseRanking('I cannot rank these passages.', 3)).toEqual([]);
  });
});

describe('parseGrade', () => {
  it('reads grades in several shapes', () => {
    expect(parseGrade('7', 10)).toBe(7);
    expect(parseGrade('Score: **8**/10', 10)).toBe(8);
    expect(parseGrade('Relevance = 6.5', 10)).toBe(6.5);
    expect(parseGrade('{"score": 3}', 10)).toBe(3);
    expect(parseGrade('I would say 9 out of 10.', 10)).toBe(9);
  });
  it('refuses out-of-range or missing numbers', () => {
    expect(parseGrade('42', 10)).toBeUndefined();
    expect(parseGrade('very relevant', 10)).toBeUndefined();
    expect(parseGrade('-3', 10)).toBe(3);
  });
});

describe('parseNextQuery', () => {
  it('reads DONE in its usual forms', () => {
    expect(parseNextQuery('DONE')).toEqual({ done: true });
    expect(parseNextQuery('done.')).toEqual({ done: true });
    expect(parseNextQuery('Next query: DONE')).toEqual({ done: true });
  });
  it('reads a query, labelled or on the first line', () => {
    expect(parseNextQuery('Next query: "Rollo Charles III treaty"')).toEqual({ done: false, query: 'Rollo Charles III treaty' });
    expect(parseNextQuery('\nwho founded Normandy\nbecause ...')).toEqual({ done: false, query: 'who founded Normandy' });
    expect(parseNextQuery('   ')).toBeUndefined();
  });
});

describe('clip', () => {
  it('cuts at a word boundary and collapses whitespace', () => {
    expect(clip('alpha  beta\ngamma', 100)).toBe('alpha beta gamma');
    expect(clip('alpha beta gamma delta', 12)).toBe('alpha beta …');
  });
});
