/**
 * Fetching a document's chunks by position, for neighbour expansion.
 *
 * The Store interface has no such method yet (getChunks takes ids, and chunk ids hash the
 * chunk text, so neighbours' ids cannot be computed). Until it does, this adapter picks the
 * best route a store offers:
 *  1. `getChunkRange(projectId, documentId, from, to)` when the store has it (the method
 *     this stage asks the store to add; see StoreWithChunkRange);
 *  2. for a SQLite store kept in a file: a short read-only connection to the same file
 *     that reads the `chunks` table through its (project_id, document_id, idx) index;
 *  3. otherwise (memory store): one exact vector scan over the whole project (k = its chunk
 *     count) that lists every chunk, grouped by document. Exact but O(chunks): fine for the
 *     in-memory store, which is meant for small collections and tests.
 */
import Database from 'better-sqlite3';
import { IncontextError, type Chunk, type Metadata } from '../core/index.js';
import type { Store } from '../store/index.js';

/** The method neighbour expansion needs from every Store backend. */
export interface StoreWithChunkRange {
  /** Chunks of one document whose index lies in [from, to], ordered by index. */
  getChunkRange(projectId: string, documentId: string, from: number, to: number): Promise<Chunk[]>;
}

export interface ChunkPositions {
  readonly via: 'store' | 'sqlite-file' | 'scan';
  range(projectId: string, documentId: string, from: number, to: number): Promise<Chunk[]>;
}

export interface ChunkPositionsOptions {
  /** Needed by the scan route: a vector of the project's embedding model, and that model's id. */
  probe?: () => Promise<{ model: string; vector: Float32Array }>;
}

function hasChunkRange(store: Store): store is Store & StoreWithChunkRange {
  return typeof (store as Partial<StoreWithChunkRange>).getChunkRange === 'function';
}

export function chunkPositions(store: Store, options: ChunkPositionsOptions = {}): ChunkPositions {
  if (hasChunkRange(store)) {
    return { via: 'store', range: (p, d, from, to) => store.getChunkRange(p, d, from, to) };
  }
  const path = (store as { path?: unknown }).path;
  if (store.kind === 'sqlite' && typeof path === 'string' && path !== ':memory:' && path !== '') return sqliteFilePositions(path);
  return scanPositions(store, options);
}

interface ChunkRow {
  id: string;
  document_id: string;
  project_id: string;
  idx: number;
  text: string;
  token_count: number;
  start: number;
  end: number;
  metadata: string;
}

function sqliteFilePositions(path: string): ChunkPositions {
  return {
    via: 'sqlite-file',
    async range(projectId, documentId, from, to) {
      let db: Database.Database | undefined;
      try {
        db = new Database(path, { readonly: true, fileMustExist: true });
        const rows = db
          .prepare('SELECT id, document_id, project_id, idx, text, token_count, start, "end", metadata FROM chunks WHERE project_id = ? AND document_id = ? AND idx BETWEEN ? AND ? ORDER BY idx')
          .all(projectId, documentId, from, to) as ChunkRow[];
        return rows.map((r) => ({
          id: r.id,
          documentId: r.document_id,
          projectId: r.project_id,
          index: r.idx,
          text: r.text,
          tokenCount: r.token_count,
          start: r.start,
          end: r.end,
          metadata: JSON.parse(r.metadata) as Metadata,
        }));
      } catch (cause) {
        throw new IncontextError('STORE_FAILED', `Could not read neighbouring chunks from ${path}`, {
          input: { path },
          hint: 'The store file may be from another version of incontext; run `incontext ingest` again, or drop the neighbours step.',
          cause,
        });
      } finally {
        db?.close();
      }
    },
  };
}

function scanPositions(store: Store, options: ChunkPositionsOptions): ChunkPositions {
  // One scan per project serves every hit of the run.
  const byProject = new Map<string, Promise<Map<string, Chunk[]>>>();
  const load = async (projectId: string): Promise<Map<string, Chunk[]>> => {
    if (!options.probe) {
      throw new IncontextError('INTERNAL', 'Neighbour expansion on this store needs a probe vector', { hint: 'Pass chunkPositions(store, { probe }).' });
    }
    const [{ model, vector }, stats] = await Promise.all([options.probe(), store.stats(projectId)]);
    const all = await store.vectorSearch({ projectId, model, vector, k: stats.chunks });
    const docs = new Map<string, Chunk[]>();
    for (const { chunk } of all) {
      let list = docs.get(chunk.documentId);
      if (!list) docs.set(chunk.documentId, (list = []));
      list.push(chunk);
    }
    for (const list of docs.values()) list.sort((a, b) => a.index - b.index);
    return docs;
  };
  return {
    via: 'scan',
    async range(projectId, documentId, from, to) {
      let p = byProject.get(projectId);
      if (!p) byProject.set(projectId, (p = load(projectId)));
      const list = (await p).get(documentId) ?? [];
      return list.filter((c) => c.index >= from && c.index <= to);
    },
  };
}
