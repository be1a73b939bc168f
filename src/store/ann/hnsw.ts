import { createRequire } from 'node:module';
import type { Index, MetricKind, ScalarKind } from 'usearch';
import { IncontextError } from '../../core/index.js';

type Usearch = typeof import('usearch');
let usearch: Usearch | undefined;

/**
 * The native addon loads on first use, not when the store module is imported: a platform
 * without a usearch binary can still open stores and search them exactly.
 */
function native(): Usearch {
  if (!usearch) {
    try {
      usearch = createRequire(import.meta.url)('usearch') as Usearch;
    } catch (err) {
      throw new IncontextError('STORE_FAILED', `The ANN index needs the usearch package, which failed to load: ${(err as Error).message}`, {
        input: { key: 'store.ann.mode' },
        hint: "Reinstall dependencies (npm ci) on this platform, or set store.ann.mode to 'exact'.",
        cause: err,
      });
    }
  }
  return usearch;
}

/**
 * How vectors are kept inside the HNSW graph. `f32` keeps them whole; the others
 * shrink the index (f16 2×, i8 4×, b1 32×) and the search then re-ranks its
 * candidates with the full float32 vectors from SQLite, so scores stay exact.
 */
export type AnnQuantization = 'f32' | 'f16' | 'i8' | 'b1';

export interface HnswParams {
  dims: number;
  quantization: AnnQuantization;
  /** Edges per node (HNSW M). */
  connectivity: number;
  /** Candidate list while inserting (efConstruction). */
  expansionAdd: number;
  /** Candidate list while searching (ef); raised to k automatically for larger k. */
  expansionSearch: number;
}

export interface HnswMatches {
  keys: Float64Array;
  /** Similarity estimated by the index (cosine for f32/f16/i8; 1 − 2·hamming/dims for b1). */
  scores: Float32Array;
}

/**
 * Unit vectors: inner product is the cosine, and avoids usearch's per-pair norms.
 * i8 needs the cosine metric, because usearch scales by the norm when it casts to int8;
 * binary codes are compared by Hamming distance over the sign bits.
 */
function metricOf(q: AnnQuantization): MetricKind {
  return (q === 'b1' ? 'hamming' : q === 'i8' ? 'cos' : 'ip') as MetricKind;
}

/** usearch's ScalarKind values are these same strings. */
const scalarOf = (q: AnnQuantization) => q as ScalarKind;

/**
 * A thin, allocation-light wrapper around one usearch HNSW index whose keys are
 * chunk seqs. usearch refuses a key twice, so `upsert` removes before it adds:
 * that makes replaying the change log idempotent.
 */
/** Batches smaller than this are inserted serially. */
const SERIAL_BELOW = 1024;

export class HnswIndex {
  private index: Index;
  private readonly keyBuf = new BigUint64Array(1);

  constructor(readonly params: HnswParams) {
    this.index = HnswIndex.make(params);
  }

  private static make(p: HnswParams): Index {
    return new (native().Index)({
      dimensions: p.dims,
      metric: metricOf(p.quantization),
      quantization: scalarOf(p.quantization),
      connectivity: p.connectivity,
      expansion_add: p.expansionAdd,
      expansion_search: p.expansionSearch,
      multi: false,
    });
  }

  get size(): number {
    return this.index.size();
  }

  /** Adds or replaces rows: `vectors` holds `keys.length` rows of `dims` floats. */
  upsert(keys: ArrayLike<number>, vectors: Float32Array, threads = 0): void {
    if (keys.length === 0) return;
    const big = BigUint64Array.from(Array.from(keys, (k) => BigInt(k)));
    const present = this.index.contains(big) as boolean[];
    if (present.some(Boolean)) this.index.remove(BigUint64Array.from(big.filter((_, i) => present[i])));
    // Small batches are added on one thread: as fast, and the graph is then the same on every run
    // (rows inserted concurrently link in a varying order, and a graph built so can miss a neighbour
    // that a serial build finds).
    this.index.add(big, vectors, keys.length < SERIAL_BELOW ? 1 : threads);
  }

  /** Removes keys that are present; absent keys are ignored. Returns how many left. */
  remove(keys: ArrayLike<number>): number {
    if (keys.length === 0) return 0;
    const big = BigUint64Array.from(Array.from(keys, (k) => BigInt(k)));
    const present = this.index.contains(big) as boolean[];
    const gone = big.filter((_, i) => present[i]);
    if (gone.length > 0) this.index.remove(gone);
    return gone.length;
  }

  has(key: number): boolean {
    this.keyBuf[0] = BigInt(key);
    return (this.index.contains(this.keyBuf) as boolean[])[0] === true;
  }

  /** Up to `k` nearest keys, best first. One thread: a single query does not amortise thread start-up. */
  search(query: Float32Array, k: number): HnswMatches {
    const want = Math.min(k, this.index.size());
    if (want === 0) return { keys: new Float64Array(0), scores: new Float32Array(0) };
    const m = this.index.search(query, want, 1);
    const n = m.keys.length;
    const keys = new Float64Array(n);
    const scores = new Float32Array(n);
    const hamming = this.params.quantization === 'b1';
    let found = 0;
    for (let i = 0; i < n; i++) {
      const d = m.distances[i]!;
      // usearch pads missing results with the maximal key.
      if (m.keys[i]! === 0xffffffffffffffffn) continue;
      keys[found] = Number(m.keys[i]!);
      scores[found++] = hamming ? 1 - (2 * d) / this.params.dims : 1 - d;
    }
    return { keys: keys.subarray(0, found), scores: scores.subarray(0, found) };
  }

  save(path: string): void {
    try {
      this.index.save(path);
    } catch (err) {
      throw new IncontextError('STORE_FAILED', `Cannot write the ANN index ${path}: ${(err as Error).message}`, {
        input: { path },
        hint: 'Check free disk space and that the folder is writable; searches keep working from memory and SQLite.',
        cause: err,
      });
    }
  }

  /** Replaces the contents with the file at `path` (same params); throws if the file is damaged. */
  load(path: string): void {
    const fresh = HnswIndex.make(this.params);
    fresh.load(path);
    if (fresh.dimensions() !== this.params.dims) throw new Error(`index has ${fresh.dimensions()} dimensions, expected ${this.params.dims}`);
    this.index = fresh;
  }
}
