import { describe, expect, it } from 'vitest';
import { pairedPermutationTest } from './index.js';

describe('paired permutation test', () => {
  it('identical scores are not different at all', () => {
    expect(pairedPermutationTest([1, 0, 0.5], [1, 0, 0.5])).toBe(1);
  });

  it('matches the exact test on a case small enough to enumerate', () => {
    // Differences +1, +1, +1, +1, -1: of the 32 sign patterns, those with |sum| >= 3 are
    // sum = ±5 (2 patterns) and ±3 (10 patterns): exact p = 12/32 = 0.375.
    const p = pairedPermutationTest([1, 1, 1, 1, 0], [0, 0, 0, 0, 1], { rounds: 200_000 });
    expect(p).toBeCloseTo(0.375, 2);
  });

  it('a consistent gain on many questions is significant; a coin-flip one is not', () => {
    const n = 60;
    const base = Array.from({ length: n }, (_, i) => (i % 3) / 3);
    const better = base.map((x) => x + 0.1);
    expect(pairedPermutationTest(better, base)).toBeLessThan(0.001);
    // Half the questions gain 0.1, half lose 0.1: no evidence either way.
    const mixed = base.map((x, i) => x + (i % 2 === 0 ? 0.1 : -0.1));
    expect(pairedPermutationTest(mixed, base)).toBeGreaterThan(0.5);
  });

  it('is deterministic and symmetric, and refuses unpaired input', () => {
    const a = [0.2, 0.9, 0.4, 0.7, 1, 0];
    const b = [0.1, 0.5, 0.6, 0.2, 1, 0.3];
    expect(pairedPermutationTest(a, b)).toBe(pairedPermutationTest(a, b));
    expect(pairedPermutationTest(a, b)).toBe(pairedPermutationTest(b, a));
    expect(() => pairedPermutationTest([1], [1, 2])).toThrow(RangeError);
  });
});
