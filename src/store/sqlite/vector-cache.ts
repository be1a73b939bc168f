import type Database from 'better-sqlite3';
import { IncontextError } from '../../core/index.js';
import { PackedVectors } from '../packed.js';

/** All vectors of one (project, model); row r belongs to chunk seqs[r]. */
export interface VectorSet {
  vectors: PackedVectors;
  seqs: Float64Array;
  rowOfSeq: Map<number, number> | undefined;
}

/**
 * In-memory copies of the vector table, loaded on the first search of a
 * (project, model) and dropped on every write to that project. Writes from
 * other connections (another process on the same file) are noticed through
 * PRAGMA data_version, which changes whenever someone else commits.
 */
export class VectorCache {
  private readonly sets = new Map<string, VectorSet>();
  private dataVersion = -1;

  constructor(private readonly db: Database.Database) {}

  get(projectId: string, model: string): VectorSet | undefined {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version !== this.dataVersion) {
      this.sets.clear();
      this.dataVersion = version;
    }
    const key = `${projectId}\u0000${model}`;
    let set = this.sets.get(key);
    if (!set) {
      set = this.load(projectId, model);
      if (!set) return undefined;
      this.sets.set(key, set);
    }
    return set;
  }

  invalidate(projectId: string): void {
    for (const key of this.sets.keys()) if (key.startsWith(`${projectId}\u0000`)) this.sets.delete(key);
  }

  clear(): void {
    this.sets.clear();
  }

  /** Row mask of the chunks in `seqs` (the filter's matches), for the scan to skip the rest. */
  mask(set: VectorSet, seqs: Iterable<number>): Uint8Array {
    if (!set.rowOfSeq) {
      set.rowOfSeq = new Map();
      for (let r = 0; r < set.vectors.n; r++) set.rowOfSeq.set(set.seqs[r]!, r);
    }
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
    const head = this.db
      .prepare('SELECT count(*) AS n, max(dims) AS dims FROM vectors WHERE project_id = ? AND model = ?')
      .get(projectId, model) as { n: number; dims: number | null };
    if (head.n === 0 || head.dims === null) return undefined;
    const { n, dims } = { n: head.n, dims: head.dims };
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
    return { vectors, seqs, rowOfSeq: undefined };
  }
}
