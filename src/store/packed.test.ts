import { describe, expect, it } from 'vitest';
import { prng } from './conformance-fixtures.js';
import { PackedVectors } from './packed.js';
import { simdModule } from './simd.js';

function randomUnit(rnd: () => number, dims: number): Float32Array {
  const v = Float32Array.from({ length: dims }, () => rnd() * 2 - 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

describe('PackedVectors', () => {
  it('compiles the SIMD kernel on this runtime', () => {
    expect(simdModule()).not.toBeNull();
    expect(new PackedVectors(8, 2).simd).toBe(true);
    expect(new PackedVectors(8, 2, false).simd).toBe(false);
  });

  for (const dims of [1, 7, 16, 33, 384]) {
    it(`SIMD and JS paths return the brute-force ranking (${dims} dims)`, () => {
      const rnd = prng(dims);
      const n = 517;
      const rows = Array.from({ length: n }, () => randomUnit(rnd, dims));
      const simd = new PackedVectors(dims, n);
      const js = new PackedVectors(dims, n, false);
      rows.forEach((v, r) => {
        simd.setRow(r, v);
        js.setRowBytes(r, new Uint8Array(v.buffer));
      });
      const q = randomUnit(rnd, dims);
      const brute = rows.map((v, r) => ({ r, s: v.reduce((acc, x, j) => acc + x * q[j]!, 0) })).sort((a, b) => b.s - a.s);
      const allowed = Uint8Array.from({ length: n }, (_, r) => (r % 3 === 0 ? 1 : 0));
      for (const index of [simd, js]) {
        const top = index.search(q, 20);
        expect(Array.from(top.rows)).toEqual(brute.slice(0, 20).map((b) => b.r));
        Array.from(top.scores).forEach((s, i) => expect(s).toBeCloseTo(brute[i]!.s, 5));
        const filtered = index.search(q, 5, allowed);
        expect(Array.from(filtered.rows)).toEqual(brute.filter((b) => b.r % 3 === 0).slice(0, 5).map((b) => b.r));
        expect(index.search(q, 10_000).rows).toHaveLength(n);
      }
    });
  }

  it('handles an empty block and k = 0', () => {
    const empty = new PackedVectors(4, 0);
    expect(empty.search(new Float32Array([1, 0, 0, 0]), 5).rows).toHaveLength(0);
    const one = new PackedVectors(4, 1);
    one.setRow(0, new Float32Array([1, 0, 0, 0]));
    expect(one.search(new Float32Array([1, 0, 0, 0]), 0).rows).toHaveLength(0);
    expect(Array.from(one.search(new Float32Array([0.5, 0, 0, 0]), 1).scores)).toEqual([0.5]);
  });
});
