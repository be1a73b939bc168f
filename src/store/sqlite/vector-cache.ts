import type Database from 'better-sqlite3';
import { IncontextError } from '../../core/index.js';
import { PackedVectors } from '../packed.js';

/** All vectors of one (project, model); row r belongs to chunk seqs[r]. */
export interface VectorSet {
  vectors: PackedVectors;
  seqs: Float64Array;
  rowOfSeq: Map<number, number> | undefined;
  /** Filter results by normalised filter, valid as long as the set: repeated scoped searches skip the SQL. */
  masks: Map<string, Uint8Array>;
  bytes: number;
}

const MAX_MASKS = 32;
/** Re-scoring requests for a set before it is loaded into memory for them. */
export const RESCORE_LOAD_AFTER = 16;
/** What one committed write changed: chunk seqs that left, and new vectors of one model. */
export interface VectorDelta {
  removed: number[];
  model: string | undefined;
  added: Array<{ seq: number; vector: Float32Array }>;
}

/** Default memory budget for cached vectors; least recently searched sets go first. */
export const DEFAULT_VECTOR_CACHE_BYTES = 2 ** 30;

/**
 * In-memory copies of the vector table, loaded on the first search of a
 * (project, model) and patched after each of our own writes. Writes from
 * other connections (another process on the same file) are noticed through
 * PRAGMA data_version, which changes whenever someone else commits.
 * Bounded by a byte budget, so a server with many projects does not keep every
 * project's vectors in memory at once.
 */
export class VectorCache {
  private readonly sets = new Map<string, VectorSet>();
  private dataVersion = -1;
  /** Re-scoring requests per set that found it not cached (see rowsOf). */
  private readonly rescoreMisses = new Map<string, number>();
  private bytes = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly maxBytes = DEFAULT_VECTOR_CACHE_BYTES,
  ) {}

  /**
   * The cached vectors of `seqs` (those the set holds), packed `dims` floats a row;
   * undefined when the set is not cached. A set that takes at most `maxLoadBytes` is loaded
   * once it has been asked for RESCORE_LOAD_AFTER times: loading 100k vectors takes a second or
   * more, which a long-running server earns back within a few queries but a one-shot command
   * (a CLI query) never would.
   */
  rowsOf(projectId: string, model: string, seqs: number[], maxLoadBytes: number): { seqs: number[]; data: Float32Array } | undefined {
    this.checkVersion();
    const key = `${projectId}\u0000${model}`;
    if (!this.sets.has(key)) {
      const asked = (this.rescoreMisses.get(key) ?? 0) + 1;
      this.rescoreMisses.set(key, asked);
      if (asked < RESCORE_LOAD_AFTER) return undefined;
      const bytes = this.estimate(projectId, model);
      if (bytes === undefined || bytes > Math.min(maxLoadBytes, this.maxBytes)) {
        // Too large (counting it costs milliseconds at a million rows): ask again much later, it may shrink.
        this.rescoreMisses.set(key, -1024);
        return undefined;
      }
    }
    const set = this.get(projectId, model);
    if (!set) return undefined;
    set.rowOfSeq ??= rowIndex(set);
    const { dims, stride, data } = set.vectors;
    const out = new Float32Array(seqs.length * dims);
    const found: number[] = [];
    for (const seq of seqs) {
      const r = set.rowOfSeq.get(seq);
      if (r === undefined) continue;
      out.set(data.subarray(r * stride, r * stride + dims), found.length * dims);
      found.push(seq);
    }
    return { seqs: found, data: out.subarray(0, found.length * dims) };
  }

  /** Bytes the set of (project, model) would take once loaded; undefined if it has no vectors. */
  private estimate(projectId: string, model: string): number | undefined {
    const n = this.db.prepare('SELECT count(*) FROM vectors WHERE project_id = ? AND model = ?').pluck().get(projectId, model) as number;
    const dims = this.db.prepare('SELECT dims FROM vectors WHERE project_id = ? AND model = ? LIMIT 1').pluck().get(projectId, model) as number | undefined;
    return n === 0 || dims === undefined ? undefined : n * (Math.ceil(dims / 16) * 16 * 4 + 8);
  }

  private checkVersion(): void {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version !== this.dataVersion) {
      this.clear();
      this.dataVersion = version;
    }
  }

  get(projectId: string, model: string): VectorSet | undefined {
    this.checkVersion();
    const key = `${projectId}\u0000${model}`;
    let set = this.sets.get(key);
    if (set) {
      // Re-insert: Map order is the recency order eviction walks.
      this.sets.delete(key);
      this.sets.set(key, set);
      return set;
    }
    set = this.load(projectId, model);
    if (!set) return undefined;
    this.admit(key, set);
    return set;
  }

  /**
   * Patches the cached sets of a project after our own committed write, so the
   * next search does not reload every vector (seconds at 100k rows) for a
   * one-file change. Rows keep the order a fresh load would give: survivors in
   * place, new rows at the end.
   */
  apply(projectId: string, delta: VectorDelta): void {
    const gone = new Set(delta.removed);
    for (const [key, set] of [...this.sets]) {
      if (!key.startsWith(`${projectId}\u0000`)) continue;
      // Metadata may have changed with the rows: cached filter results are stale.
      set.masks.clear();
      const extra = delta.model !== undefined && key === `${projectId}\u0000${delta.model}` ? delta.added : [];
      const leaving = gone.size === 0 ? 0 : set.seqs.reduce((n, seq) => n + (gone.has(seq) ? 1 : 0), 0);
      if (leaving === 0 && extra.length === 0) continue;
      this.drop(key, set);
      const n = set.vectors.n - leaving + extra.length;
      if (n === 0) continue;
      const vectors = new PackedVectors(set.vectors.dims, n);
      const seqs = new Float64Array(n);
      let to = 0;
      for (let r = 0; r < set.vectors.n; r++) {
        if (gone.has(set.seqs[r]!)) continue;
        vectors.copyRow(set.vectors, r, to);
        seqs[to++] = set.seqs[r]!;
      }
      for (const row of extra) {
        vectors.setRow(to, row.vector);
        seqs[to++] = row.seq;
      }
      this.admit(key, { vectors, seqs, rowOfSeq: undefined, masks: new Map(), bytes: vectors.data.byteLength + seqs.byteLength });
    }
  }

  private admit(key: string, set: VectorSet): void {
    for (const [old, victim] of this.sets) {
      if (this.bytes + set.bytes <= this.maxBytes) break;
      this.drop(old, victim);
    }
    this.sets.set(key, set);
    this.bytes += set.bytes;
  }

  /** The row mask of a filter, computed by `compute` (the matching chunk seqs) once per distinct filter and set. */
  filterMask(set: VectorSet, filterKey: string, compute: () => number[]): Uint8Array {
    let mask = set.masks.get(filterKey);
    if (!mask) {
      mask = this.mask(set, compute());
      if (set.masks.size >= MAX_MASKS) set.masks.delete(set.masks.keys().next().value!);
      set.masks.set(filterKey, mask);
    }
    return mask;
  }

  invalidate(projectId: string): void {
    for (const [key, set] of this.sets) if (key.startsWith(`${projectId}\u0000`)) this.drop(key, set);
  }

  clear(): void {
    this.sets.clear();
    this.bytes = 0;
  }

  get size(): { sets: number; bytes: number } {
    return { sets: this.sets.size, bytes: this.bytes };
  }

  private drop(key: string, set: VectorSet): void {
    this.sets.delete(key);
    this.bytes -= set.bytes;
  }

  /** Row mask of the chunks in `seqs` (the filter's matches), for the scan to skip the rest. */
  private mask(set: VectorSet, seqs: Iterable<number>): Uint8Array {
    set.rowOfSeq ??= rowIndex(set);
    const allowed = new Uint8Array(set.vectors.n);
    for (const seq of seqs) {
      const r = set.rowOfSeq.get(seq);
      if (r !== undefined) allowed[r] = 1;
    }
    return allowed;
  }

  private load(projectId: string, model: string): VectorSet | undefined {
    // One read transaction: the count and the rows come from the same snapshot.
    return this.db.transaction(() => this.read(projectId, model))();
  }

  private read(projectId: string, model: string): VectorSet | undefined {
    // count(*) is answered from the index alone; max(dims) would read every vector row.
    const n = this.db.prepare('SELECT count(*) FROM vectors WHERE project_id = ? AND model = ?').pluck().get(projectId, model) as number;
    const dims = this.db.prepare('SELECT dims FROM vectors WHERE project_id = ? AND model = ? LIMIT 1').pluck().get(projectId, model) as number | undefined;
    if (n === 0 || dims === undefined) return undefined;
    const vectors = new PackedVectors(dims, n);
    const seqs = new Float64Array(n);
    // No ORDER BY: sorting 100k rows carrying blobs costs seconds; the index order is insertion order.
    const rows = this.db
      .prepare(
        `SELECT c.seq AS seq, v.vector AS vector FROM vectors v
         JOIN chunks c ON c.project_id = v.project_id AND c.id = v.chunk_id
         WHERE v.project_id = ? AND v.model = ?`,
      )
      .iterate(projectId, model) as IterableIterator<{ seq: number; vector: Buffer }>;
    let r = 0;
    for (const row of rows) {
      if (row.vector.byteLength !== dims * 4 || r >= n) {
        throw new IncontextError('STORE_FAILED', `Vector of chunk #${row.seq} (model ${model}) does not match the others (${dims} dimensions)`, {
          hint: 'The store is inconsistent; re-ingest the affected files with --force.',
        });
      }
      vectors.setRowBytes(r, row.vector);
      seqs[r] = row.seq;
      r++;
    }
    return { vectors, seqs, rowOfSeq: undefined, masks: new Map(), bytes: vectors.data.byteLength + seqs.byteLength };
  }
}

function rowIndex(set: VectorSet): Map<number, number> {
  const rows = new Map<number, number>();
  for (let r = 0; r < set.vectors.n; r++) rows.set(set.seqs[r]!, r);
  return rows;
}
