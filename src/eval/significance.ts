/**
 * Whether two settings differ by more than chance on the same questions: a paired
 * sign-flip permutation test on per-question scores (the test IR papers use for
 * "is system A better than B"). On a few hundred questions, nDCG gaps of 0.01 are
 * usually noise; this says so instead of letting a table pick a winner by luck.
 */
import { prng } from '../core/index.js';

export interface PermutationOptions {
  /** Random sign assignments tried (default 10,000). */
  rounds?: number;
  seed?: number;
}

/**
 * Two-sided p-value that paired scores `a` and `b` (one pair per question) come from
 * settings with the same mean. 1 when they never differ; at least 1/(rounds + 1) otherwise.
 */
export function pairedPermutationTest(a: readonly number[], b: readonly number[], options: PermutationOptions = {}): number {
  if (a.length !== b.length) throw new RangeError(`paired scores need equal lengths (${a.length} vs ${b.length})`);
  const d = a.map((x, i) => x - b[i]!).filter((x) => x !== 0);
  if (d.length === 0) return 1;
  const rounds = options.rounds ?? 10_000;
  const random = prng(options.seed ?? 0x1c0e);
  const observed = Math.abs(d.reduce((s, x) => s + x, 0));
  // A tolerance, so sums equal to the observed one up to rounding count as "as extreme".
  const eps = 1e-9 * Math.max(1, observed);
  let extreme = 0;
  for (let r = 0; r < rounds; r++) {
    let sum = 0;
    for (const x of d) sum += random() < 0.5 ? -x : x;
    if (Math.abs(sum) >= observed - eps) extreme++;
  }
  return (extreme + 1) / (rounds + 1);
}
