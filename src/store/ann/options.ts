import { IncontextError } from '../../core/index.js';
import type { AnnQuantization } from './hnsw.js';

export type AnnMode = 'auto' | 'exact' | 'ann';

/** Approximate nearest-neighbour search for large collections (HNSW through usearch). */
export interface AnnOptions {
  /**
   * 'auto' (default): exact scan below `threshold` vectors of a (project, model), HNSW at or
   * above it. 'exact': never build an index. 'ann': always search the index (built on the
   * first search, however small the collection).
   */
  mode?: AnnMode;
  /** Vectors of one (project, model) from which 'auto' switches to the index; see bench/ann. */
  threshold?: number;
  /** Folder for index files; default `<folder of the SQLite file>/ann`. */
  dir?: string;
  quantization?: AnnQuantization;
  /** HNSW edges per node (M). */
  connectivity?: number;
  /** Candidate list while inserting (efConstruction). */
  expansionAdd?: number;
  /** Candidate list while searching (ef). */
  expansionSearch?: number;
  /** Quantized indexes fetch k × rescore candidates and re-rank them with the full vectors (default by quantization: f16 2, i8 4, b1 16). */
  rescore?: number;
  /** In 'auto' mode, milliseconds one search may spend extending an index still being built (exact answers meanwhile). */
  buildBudgetMs?: number;
  /** Save the index file after this many changed vectors or a tenth of the index, whichever is more (also on close and when a build completes). */
  saveEvery?: number;
}

/**
 * Measured in bench/ann (200k × 384 clustered vectors, this 2-core machine): from about
 * this many vectors the HNSW search at recall@10 ≥ 0.95 is faster than the SIMD exact scan
 * of the same set. Below it exact search costs under a millisecond and needs no index.
 */
export const DEFAULT_ANN_THRESHOLD = 20_000;

/** Re-scoring breadth per quantization: the coarser the codes, the more candidates the full vectors must re-rank. */
export const RESCORE_DEFAULTS: Record<AnnQuantization, number> = { f32: 1, f16: 2, i8: 4, b1: 16 };

export const ANN_DEFAULTS: Required<Omit<AnnOptions, 'dir' | 'rescore'>> = {
  mode: 'auto',
  threshold: DEFAULT_ANN_THRESHOLD,
  // Measured at 200k × 384 (bench/ann): i8 builds 4.5× faster than f32 into a 3× smaller file and,
  // re-scored 4×k with the float32 vectors, keeps recall@10 at 0.995 (f32: 0.997).
  quantization: 'i8',
  connectivity: 16,
  expansionAdd: 64,
  expansionSearch: 128,
  buildBudgetMs: 100,
  saveEvery: 5000,
};

const QUANT: readonly AnnQuantization[] = ['f32', 'f16', 'i8', 'b1'];
const MODES: readonly AnnMode[] = ['auto', 'exact', 'ann'];

export function resolveAnnOptions(options: AnnOptions | undefined): Required<Omit<AnnOptions, 'dir'>> & { dir?: string } {
  const merged = { ...ANN_DEFAULTS, ...options };
  const o = { ...merged, rescore: options?.rescore ?? RESCORE_DEFAULTS[merged.quantization] ?? 1 };
  const bad = (key: string, why: string) =>
    new IncontextError('CONFIG_INVALID', `ann.${key} ${why}`, { input: { key: `store.ann.${key}` }, hint: 'Fix the value or leave it out for the default.' });
  if (!MODES.includes(o.mode)) throw bad('mode', `must be one of ${MODES.join(', ')}`);
  if (!QUANT.includes(o.quantization)) throw bad('quantization', `must be one of ${QUANT.join(', ')}`);
  for (const key of ['threshold', 'connectivity', 'expansionAdd', 'expansionSearch', 'rescore', 'saveEvery'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw bad(key, 'must be a positive integer');
  }
  if (!(o.buildBudgetMs >= 0)) throw bad('buildBudgetMs', 'must be a number ≥ 0');
  return o;
}
