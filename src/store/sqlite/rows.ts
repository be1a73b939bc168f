import type Database from 'better-sqlite3';
import type { Chunk, Metadata } from '../../core/index.js';
import type { ScoredChunk, StoredDocument } from '../types.js';

export interface ChunkRow {
  seq: number;
  id: string;
  project_id: string;
  document_id: string;
  idx: number;
  text: string;
  token_count: number;
  start: number;
  end: number;
  metadata: string;
}

export interface HitRow extends ChunkRow {
  d_source: string;
  d_format: string;
  d_title: string | null;
}

export interface DocumentRow {
  project_id: string;
  id: string;
  origin: string;
  source: string;
  title: string | null;
  format: string;
  text: string;
  metadata: string;
  content_hash: string;
  created_at: string;
  updated_at: string;
  chunk_count: number;
}

export const HIT_COLUMNS = 'c.*, d.source AS d_source, d.format AS d_format, d.title AS d_title';

export function toChunk(r: ChunkRow): Chunk {
  return {
    id: r.id,
    documentId: r.document_id,
    projectId: r.project_id,
    index: r.idx,
    text: r.text,
    tokenCount: r.token_count,
    start: r.start,
    end: r.end,
    metadata: JSON.parse(r.metadata) as Metadata,
  };
}

export function toHit(r: HitRow, score: number): ScoredChunk {
  return {
    chunk: toChunk(r),
    document: { id: r.document_id, source: r.d_source, format: r.d_format, ...(r.d_title === null ? {} : { title: r.d_title }) },
    score,
  };
}

export function toDocument(r: DocumentRow): StoredDocument {
  return {
    id: r.id,
    projectId: r.project_id,
    origin: r.origin,
    source: r.source,
    ...(r.title === null ? {} : { title: r.title }),
    format: r.format,
    text: r.text,
    metadata: JSON.parse(r.metadata) as Metadata,
    contentHash: r.content_hash,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    chunkCount: r.chunk_count,
  };
}

/** float32 little-endian bytes of a vector, without copying. */
export function vectorBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** A Float32Array copy of a blob (copied because blobs need not be 4-byte aligned). */
export function blobVector(b: Buffer): Float32Array {
  return new Float32Array(new Uint8Array(b).buffer);
}

/** Runs `fn` over slices of at most `size` items: SQLite caps bound parameters per statement. */
export function inSlices<T, R>(items: T[], size: number, fn: (slice: T[]) => R[]): R[] {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...fn(items.slice(i, i + size)));
  return out;
}

/** At most 500 bound parameters per statement. */
const HIT_SLICE = 499;

/** Search hits by chunk seq, in the order given, with the scores given; seqs whose chunk is gone are dropped. */
export class HitReader {
  private readonly statements = new Map<number, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  bySeq(seqs: number[], scores: number[]): ScoredChunk[] {
    const rows = new Map<number, HitRow>();
    inSlices(seqs, HIT_SLICE, (slice) => this.statement(slice.length).all(...slice) as HitRow[]).forEach((r) => rows.set(r.seq, r));
    return seqs.flatMap((seq, i) => {
      const row = rows.get(seq);
      return row ? [toHit(row, scores[i]!)] : [];
    });
  }

  /** Every search hydrates the same few list lengths (k, the candidate count): compile each once. */
  private statement(n: number): Database.Statement {
    let stmt = this.statements.get(n);
    if (!stmt) {
      stmt = this.db.prepare(
        `SELECT ${HIT_COLUMNS} FROM chunks c JOIN documents d ON d.project_id = c.project_id AND d.id = c.document_id WHERE c.seq IN (${Array.from({ length: n }, () => '?').join(',')})`,
      );
      if (this.statements.size >= 64) this.statements.clear();
      this.statements.set(n, stmt);
    }
    return stmt;
  }
}
