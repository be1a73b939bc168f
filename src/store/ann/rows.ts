import type Database from 'better-sqlite3';
import { inSlices } from '../sqlite/rows.js';

const SLICE = 498;

/**
 * Vectors of one (project, model) read from SQLite by chunk seq, for building, catching up and
 * re-scoring. CROSS JOIN pins the order (chunks by seq first, then the vector by primary key):
 * left to itself the planner walks every vector of the model through vectors_model, which made
 * a 40-row re-score read the whole set. The unary + on c.project_id likewise keeps the planner
 * on rowid lookups by seq instead of walking the project's whole (project_id, id) index.
 */
export class VectorRows {
  private readonly statements = new Map<number, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  dims(projectId: string, model: string): number | undefined {
    return this.db.prepare('SELECT dims FROM vectors WHERE project_id = ? AND model = ? LIMIT 1').pluck().get(projectId, model) as number | undefined;
  }

  models(projectId: string): Array<{ model: string; n: number }> {
    return this.db.prepare('SELECT model, count(*) AS n FROM vectors WHERE project_id = ? GROUP BY model').all(projectId) as Array<{ model: string; n: number }>;
  }

  count(projectId: string, model: string): number {
    return this.db.prepare('SELECT count(*) FROM vectors WHERE project_id = ? AND model = ?').pluck().get(projectId, model) as number;
  }

  /** The next `limit` vectors after seq `after`, in seq order: a resumable build walks the table in pages. */
  page(projectId: string, model: string, after: number, limit: number, dims: number): { seqs: number[]; data: Float32Array; read: number; last: number | undefined } {
    const rows = this.db
      .prepare(
        `SELECT c.seq AS seq, v.vector AS vector FROM chunks c
         CROSS JOIN vectors v ON v.project_id = c.project_id AND v.chunk_id = c.id AND v.model = ?
         WHERE +c.project_id = ? AND c.seq > ? ORDER BY c.seq LIMIT ?`,
      )
      .all(model, projectId, after, limit) as Array<{ seq: number; vector: Buffer }>;
    return { ...pack(rows, dims), read: rows.length, last: rows[rows.length - 1]?.seq };
  }

  /** The current vectors of `seqs` (those that still have one for `model`). */
  bySeq(projectId: string, model: string, seqs: number[], dims: number): { seqs: number[]; data: Float32Array } {
    const rows = inSlices(seqs, SLICE, (slice) => this.bySeqStatement(slice.length).all(model, projectId, ...slice) as Array<{ seq: number; vector: Buffer }>);
    return pack(rows, dims);
  }

  /** Re-scoring asks for the same few list lengths on every search: compile each once. */
  private bySeqStatement(n: number): Database.Statement {
    let stmt = this.statements.get(n);
    if (!stmt) {
      stmt = this.db.prepare(
        `SELECT c.seq AS seq, v.vector AS vector FROM chunks c
         CROSS JOIN vectors v ON v.project_id = c.project_id AND v.chunk_id = c.id AND v.model = ?
         WHERE +c.project_id = ? AND c.seq IN (${Array.from({ length: n }, () => '?').join(',')})`,
      );
      if (this.statements.size >= 64) this.statements.clear();
      this.statements.set(n, stmt);
    }
    return stmt;
  }
}

function pack(rows: Array<{ seq: number; vector: Buffer }>, dims: number): { seqs: number[]; data: Float32Array } {
  const data = new Float32Array(rows.length * dims);
  const bytes = new Uint8Array(data.buffer);
  const seqs: number[] = [];
  for (const r of rows) {
    // A vector of another width would be a corrupt row; the exact path reports it, here it is skipped.
    if (r.vector.byteLength !== dims * 4) continue;
    bytes.set(r.vector, seqs.length * dims * 4);
    seqs.push(r.seq);
  }
  return { seqs, data: data.subarray(0, seqs.length * dims) };
}

/** Exact top-k by dot product over packed rows (a few thousand at most: filtered subsets and re-scoring). */
export function exactTop(query: Float32Array, seqs: number[], data: Float32Array, k: number): { seqs: number[]; scores: number[] } {
  const dims = query.length;
  const scored = seqs.map((seq, r) => {
    let s = 0;
    const base = r * dims;
    for (let j = 0; j < dims; j++) s += data[base + j]! * query[j]!;
    return { seq, s };
  });
  // Ties go to the older chunk, as in the exact scan.
  scored.sort((a, b) => b.s - a.s || a.seq - b.seq);
  const top = scored.slice(0, k);
  return { seqs: top.map((t) => t.seq), scores: top.map((t) => t.s) };
}
