import { describe, expect, it } from 'vitest';
import { prng } from '../core/index.js';
import { VectorBlock } from './vectors.js';


function unit(rand: () => number, dims: number, bias: number): Float32Array {
  // A shared positive bias makes rows correlated, like real embeddings, so pruning is tested near its limits.
  const v = Float32Array.from({ length: dims }, () => rand() - 0.5 + bias);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function brute(rows: Map<number, Float32Array>, q: Float32Array, min: number): { id: number; score: number } | undefined {
  let best: { id: number; score: number } | undefined;
  for (const [id, v] of rows) {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * q[i]!;
    if (s >= min && (!best || s > best.score)) best = { id, score: s };
  }
  return best;
}

describe('VectorBlock', () => {
  for (const [dims, bias] of [
    [7, 0],
    [100, 0.05],
    [384, 0.02],
  ] as const) {
    it(`pruned scan finds exactly the brute-force nearest (${dims}d, bias ${bias}), with removals and a minimum`, () => {
      const rand = prng(dims);
      const block = new VectorBlock<number>(dims, 4);
      const rows = new Map<number, Float32Array>();
      for (let id = 0; id < 600; id++) {
        const v = unit(rand, dims, bias);
        block.add(id, v);
        rows.set(id, v);
        if (id % 7 === 3) {
          const gone = Math.floor(rand() * id);
          block.remove(gone);
          rows.delete(gone);
        }
      }
      expect(block.size).toBe(rows.size);
      for (let k = 0; k < 60; k++) {
        // Half the queries are near-copies of a stored row, so high thresholds have a winner.
        const q = k % 2 ? unit(rand, dims, bias) : (() => {
          const base = [...rows.values()][Math.floor(rand() * rows.size)]!;
          const noisy = base.map((x) => x + (rand() - 0.5) * 0.05);
          const n = Math.hypot(...noisy);
          return noisy.map((x) => x / n);
        })();
        for (const min of [-Infinity, 0.3, 0.9]) {
          const want = brute(rows, q, min);
          const got = block.nearest(q, undefined, min);
          expect(got?.id).toBe(want?.id);
          if (want) expect(got!.score).toBeCloseTo(want.score, 5);
        }
      }
    });
  }

  it('skips rows the caller rejects without losing the next best', () => {
    const block = new VectorBlock<string>(2);
    block.add('a', Float32Array.of(1, 0));
    block.add('b', Float32Array.of(0.8, 0.6));
    block.add('c', Float32Array.of(0, 1));
    expect(block.nearest(Float32Array.of(1, 0), (id) => id !== 'a')?.id).toBe('b');
    expect(block.nearest(Float32Array.of(1, 0), (id) => id !== 'a', 0.9)).toBeUndefined();
  });
});

describe('VectorBlock with an HNSW graph (large partitions)', () => {
  it('keeps scores exact and finds the brute-force nearest for nearly every query, through adds and removals', () => {
    const rand = prng(42);
    const dims = 64;
    // A low threshold so the graph is built at test size; the real default is ANN_FROM_ROWS.
    const block = new VectorBlock<number>(dims, 64, 500);
    const rows = new Map<number, Float32Array>();
    for (let id = 0; id < 3000; id++) {
      const v = unit(rand, dims, 0.05);
      rows.set(id, v);
      block.add(id, v);
    }
    for (let id = 0; id < 3000; id += 7) {
      block.remove(id);
      rows.delete(id);
    }
    let same = 0;
    const queries = 200;
    const kept = [...rows.keys()];
    for (let q = 0; q < queries; q++) {
      // Near-duplicates of stored rows, as a semantic cache is asked.
      const base = rows.get(kept[(q * 13) % kept.length]!)!;
      const query = unit(() => 0.5, dims, 0).map((_, i) => base[i]! + (rand() - 0.5) * 0.05);
      const n = Math.hypot(...query);
      const qv = query.map((x) => x / n);
      const want = brute(rows, qv, -Infinity)!;
      const got = block.nearest(qv)!;
      // Whatever the graph returns is re-scored exactly: never a wrong score.
      let exact = 0;
      const r = rows.get(got.id)!;
      for (let i = 0; i < dims; i++) exact += r[i]! * qv[i]!;
      expect(got.score).toBeCloseTo(exact, 5);
      expect(rows.has(got.id)).toBe(true);
      if (got.id === want.id) same++;
    }
    expect(same / queries).toBeGreaterThanOrEqual(0.97);
    expect(block.nearest(rows.get(1)!, (id) => id !== 1, 0.999)).toBeUndefined();
  });
});
