/**
 * One indexed copy of a data set in incontext's SQLite store, chunked by the
 * default splitter and embedded by the local default embedder, as `ingest` would
 * store it. Built once per run and shared by every incontext configuration.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createChunker, toChunks } from '../../src/chunk/index.js';
import type { Embedder } from '../../src/embed/index.js';
import { openSqliteStore, type DocumentEntry, type SqliteStore } from '../../src/store/index.js';
import { BENCH_TMP, msSince, now } from '../lib.js';
import { docText, type IrDataset } from './data.js';

export const PROJECT = 'bench';
export const CHUNK = { size: 384, overlap: 48 };

export interface IndexedCorpus {
  store: SqliteStore;
  dir: string;
  chunks: number;
  indexMs: number;
  /** Every stored chunk with its vector, for peers that search the very same chunks. */
  pieces: Array<{ doc: string; text: string; vector: Float32Array }>;
  close(): Promise<void>;
}

export async function indexCorpus(ds: IrDataset, embedder: Embedder): Promise<IndexedCorpus> {
  const dir = join(BENCH_TMP, `retrieval-${ds.name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t = now();
  const store = openSqliteStore({ path: join(dir, 'store.db') });
  const chunker = createChunker({ strategy: 'recursive', ...CHUNK });
  const ts = new Date(0).toISOString();
  let chunks = 0;
  const stored: IndexedCorpus['pieces'] = [];
  for (const d of ds.docs) {
    const text = docText(d, ds.titled);
    const pieces = chunker.split(text);
    const rows = toChunks(pieces, { documentId: d.doc_id, projectId: PROJECT, id: (_, i) => `${d.doc_id}#${i}` });
    chunks += rows.length;
    const vectors = await embedder.embed(rows.map((c) => c.text), { kind: 'document' });
    rows.forEach((c, i) => stored.push({ doc: d.doc_id, text: c.text, vector: vectors[i]! }));
    const entry: DocumentEntry = {
      document: { id: d.doc_id, projectId: PROJECT, origin: d.doc_id, source: d.doc_id, ...(ds.titled ? { title: d.title } : {}), format: 'text', text, metadata: {}, contentHash: d.doc_id, createdAt: ts, updatedAt: ts },
      chunks: rows,
      vectors,
      model: embedder.id,
    };
    await store.replaceOrigin(PROJECT, d.doc_id, [entry]);
  }
  return {
    store,
    dir,
    chunks,
    indexMs: msSince(t),
    pieces: stored,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
