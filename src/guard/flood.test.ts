import { describe, expect, it } from 'vitest';
import { mayFlood } from './heuristics.js';

/** The linear scan mayFlood replaced: every position, every period. */
function reference(t: string): boolean {
  if (t.length < 120) return false;
  for (let p = 1; p <= 40; p++) {
    const need = Math.max(12 * p, 120 - p);
    let run = 0;
    for (let i = 0; i + p < t.length; i++) {
      if (t.charCodeAt(i) === t.charCodeAt(i + p)) {
        if (++run >= need) return true;
      } else run = 0;
    }
  }
  return false;
}

describe('mayFlood', () => {
  it('answers as the full scan does on texts with runs just below, at and above every threshold', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let floods = 0;
    for (let k = 0; k < 3000; k++) {
      const unit = Array.from({ length: 1 + rand(12) }, () => 'ab ö)'[rand(5)]).join('');
      const reps = rand(40);
      const noise = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + rand(26))).join('');
      const t = `${noise(rand(200))}${unit.repeat(reps)}${unit.slice(0, rand(unit.length + 1))}${noise(rand(200))}`;
      const want = reference(t);
      if (want) floods++;
      expect(mayFlood(t)).toBe(want);
    }
    // Both answers occur often, so the comparison tests both branches.
    expect(floods).toBeGreaterThan(300);
    expect(floods).toBeLessThan(2700);
  });
});
