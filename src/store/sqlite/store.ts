import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { IncontextError, normalizeFilter, type Chunk } from '../../core/index.js';
import type { EmbeddingCacheBackend } from '../../embed/index.js';
import { ftsMatchExpression, queryTerms } from '../text.js';
import type { DocumentEntry, KeywordQuery, OriginState, ScoredChunk, Store, StoredDocument, StoreStats, VectorQuery } from '../types.js';
import { checkK, checkPage, checkQueryVector, dimensionMismatch, normalised, originHash, validateEntries } from '../validate.js';
import { filterToSql } from './filter-sql.js';
import { migrate } from './migrations.js';
import { HIT_COLUMNS, HitReader, blobVector, inSlices, toChunk, toDocument, toHit, vectorBlob, type ChunkRow, type DocumentRow, type HitRow } from './rows.js';
import { DEFAULT_VECTOR_CACHE_BYTES, VectorCache, type VectorDelta } from './vector-cache.js';
import { KeywordIndex, type KeywordDelta, type KeywordIndexStatus } from './keyword-index.js';
import { AnnManager, type AnnIndexes } from '../ann/manager.js';
import type { AnnOptions } from '../ann/options.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for a throwaway store. */
  path: string;
  readonly?: boolean;
  /** Memory budget for the in-memory copies of vectors (default 1 GiB); least recently searched go first. */
  vectorCacheBytes?: number;
  /** HNSW index for large collections (default 'auto': exact below a measured size). Off for ':memory:' unless `ann.dir` is set. */
  ann?: AnnOptions;
  /**
   * Keyword search from an in-memory copy of the FTS5 postings (default on): the same ranking
   * and scores as FTS5's bm25() at a fraction of the time; false keeps every query in SQL.
   * `buildBudgetMs` (default 100) is what one search may spend reading the postings while SQL
   * answers, so neither a one-shot CLI query nor the first query after another process's write
   * waits for the whole read (seconds at 100k chunks).
   */
  keywordIndex?: boolean | { buildBudgetMs?: number };
}

export interface SqliteStore extends Store {
  readonly kind: 'sqlite';
  readonly path: string;
  /** 'ok', or what PRAGMA integrity_check, the foreign keys and the FTS index report as broken. */
  integrityCheck(): string;
  /** What the vector cache holds now: (project, model) sets and their bytes. */
  vectorCacheSize(): { sets: number; bytes: number };
  /** The ANN indexes kept next to the file (undefined for ':memory:' without `ann.dir`). */
  readonly ann: AnnIndexes | undefined;
  /** The in-memory keyword index (undefined when `keywordIndex: false`): built yet, how often, and its size. */
  keywordIndexStatus(): KeywordIndexStatus | undefined;
}

// At most 500 bound parameters per statement: 499 ids plus the project or model.
const SLICE = 499;
/**
 * An ANN-sized vector set is loaded into the vector cache for re-scoring candidates if it
 * takes at most this share of the cache's budget (100k × 384-d: 154 MB of the default 1 GiB
 * would be; 1M × 384-d would not, and re-scores from SQLite).
 */
const RESCORE_SHARE = 4;
/** Like the ANN index's build budget: what one search may spend building while SQL answers. */
const DEFAULT_KEYWORD_BUILD_BUDGET_MS = 100;
/** Page cache per connection, in KiB (SQLite allocates it as pages are read, not up front). */
const PAGE_CACHE_KIB = 64 * 1024;
const DOC_COLUMNS = `d.*, (SELECT count(*) FROM chunks c WHERE c.project_id = d.project_id AND c.document_id = d.id) AS chunk_count`;
const ORIGIN_DOCS = 'SELECT id FROM documents WHERE project_id = @project AND origin = @origin';

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { path } = options;
  const readonly = options.readonly === true;
  let db: Database.Database;
  try {
    if (!readonly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { readonly, fileMustExist: readonly });
  } catch (err) {
    throw new IncontextError('STORE_FAILED', `Cannot open the store at ${path}: ${(err as Error).message}`, {
      input: { path },
      hint: readonly ? 'A read-only store must already exist; ingest something first.' : 'Check that the directory is writable.',
      cause: err,
    });
  }
  try {
    db.pragma('busy_timeout = 5000');
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    // SQLite's default page cache is 2 MiB. Re-scoring ANN candidates and hydrating hits read
    // a few hundred random rows a query; at 100k chunks (150 MB file) the default missed on
    // most of them and each miss cost a read() call: 200 rows took 2–10 ms, 1–2 ms with this.
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    migrate(db, path, undefined, readonly);
  } catch (err) {
    db.close();
    throw wrap(err, path, 'open the store');
  }
  const keywords = options.keywordIndex ?? true;
  const keywordBudget = keywords === false ? undefined : ((keywords === true ? undefined : keywords.buildBudgetMs) ?? DEFAULT_KEYWORD_BUILD_BUDGET_MS);
  return new SqliteStoreImpl(db, path, readonly, options.vectorCacheBytes, options.ann, keywordBudget);
}

function wrap(err: unknown, path: string, doing: string): IncontextError {
  if (IncontextError.isInstance(err)) return err;
  const code = (err as { code?: string }).code ?? '';
  const hint = code.startsWith('SQLITE_READONLY')
    ? 'The store was opened read-only; open it without readonly to write.'
    : code.startsWith('SQLITE_BUSY')
      ? 'Another process holds the write lock; retry when it finishes.'
      : code.startsWith('SQLITE_CONSTRAINT')
        ? 'An id in this batch already belongs to another origin of the project; ids must be unique within a project (derive them from the origin).'
      : code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')
        ? 'The file is damaged or not an incontext store; restore a backup or re-ingest into a new path.'
        : 'See the cause; if it persists, run an integrity check on the store file.';
  return new IncontextError('STORE_FAILED', `Failed to ${doing}: ${(err as Error).message}`, { input: { path }, hint, cause: err });
}

class SqliteStoreImpl implements SqliteStore {
  readonly kind = 'sqlite' as const;
  readonly embeddingCache: EmbeddingCacheBackend;
  private readonly vectors: VectorCache;
  private readonly keywords: KeywordIndex | undefined;
  private readonly hits: HitReader;
  private readonly rescoreBytes: number;
  readonly ann: AnnManager | undefined;

  constructor(
    private readonly db: Database.Database,
    readonly path: string,
    private readonly readonly: boolean,
    vectorCacheBytes: number | undefined,
    ann: AnnOptions | undefined,
    keywordBudgetMs: number | undefined,
  ) {
    this.vectors = new VectorCache(db, vectorCacheBytes);
    this.hits = new HitReader(db);
    this.rescoreBytes = (vectorCacheBytes ?? DEFAULT_VECTOR_CACHE_BYTES) / RESCORE_SHARE;
    this.keywords = keywordBudgetMs === undefined ? undefined : new KeywordIndex(db, keywordBudgetMs);
    try {
      this.ann = path === ':memory:' && ann?.dir === undefined ? undefined : new AnnManager(db, path, readonly, ann);
    } catch (err) {
      db.close();
      throw err;
    }
    this.embeddingCache = {
      getMany: async (model, hashes) => this.run('read the embedding cache', () => this.cacheGet(model, hashes)),
      setMany: async (model, entries) => this.run('write the embedding cache', () => this.cacheSet(model, entries)),
    };
  }

  private run<T>(doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw wrap(err, this.path, doing);
    }
  }

  async replaceOrigin(projectId: string, origin: string, entries: DocumentEntry[]): Promise<void> {
    const dims = validateEntries(projectId, origin, entries);
    const model = entries.find((e) => e.vectors.length > 0)?.model;
    this.committed(projectId, () => this.run(`replace origin ${origin}`, () => this.writeOrigin(projectId, origin, entries, model, dims)));
  }

  /** Runs a write and keeps the vector cache and keyword index in step: patched on success, dropped if anything went wrong. */
  private committed<T>(projectId: string, write: () => { result: T; delta: VectorDelta; texts?: KeywordDelta['added'] }): T {
    let done: { result: T; delta: VectorDelta; texts?: KeywordDelta['added'] } | undefined;
    try {
      done = write();
    } finally {
      if (done) this.vectors.apply(projectId, done.delta);
      else {
        this.vectors.invalidate(projectId);
        this.keywords?.invalidate();
      }
    }
    if (this.keywords) this.run('update the keyword index', () => this.keywords?.apply({ removed: done.delta.removed, added: done.texts ?? [] }));
    // After the commit: should this fail, ann_log still holds the change and the next search catches up.
    if (this.ann) this.run('update the ANN index', () => this.ann?.changed(projectId));
    return done.result;
  }

  private writeOrigin(
    projectId: string,
    origin: string,
    entries: DocumentEntry[],
    model: string | undefined,
    dims: number | undefined,
  ): { result: void; delta: VectorDelta; texts: KeywordDelta['added'] } {
    const db = this.db;
    const insertDoc = db.prepare(
      `INSERT INTO documents (project_id, id, origin, source, title, format, text, metadata, content_hash, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertChunk = db.prepare(
      `INSERT INTO chunks (project_id, id, document_id, idx, text, token_count, start, "end", metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertVector = db.prepare('INSERT INTO vectors (project_id, chunk_id, model, dims, vector) VALUES (?, ?, ?, ?, ?)');
    const delta: VectorDelta = { removed: [], model, added: [] };
    const texts: KeywordDelta['added'] = [];
    const write = db.transaction(() => {
      delta.removed = this.deleteOriginRows(projectId, origin).removed;
      if (model !== undefined && dims !== undefined) {
        const existing = db.prepare('SELECT dims FROM vectors WHERE project_id = ? AND model = ? LIMIT 1').pluck().get(projectId, model) as number | undefined;
        if (existing !== undefined && existing !== dims) throw dimensionMismatch(model, existing, dims);
      }
      for (const { document: d, chunks, vectors } of entries) {
        insertDoc.run(projectId, d.id, origin, d.source, d.title ?? null, d.format, d.text, JSON.stringify(d.metadata), d.contentHash, d.createdAt, d.updatedAt);
        chunks.forEach((c, i) => {
          const seq = Number(insertChunk.run(projectId, c.id, d.id, c.index, c.text, c.tokenCount, c.start, c.end, JSON.stringify(c.metadata)).lastInsertRowid);
          texts.push({ seq, projectId, text: c.text });
          const v = vectors[i];
          if (v === undefined || model === undefined) return;
          const unit = normalised(v);
          insertVector.run(projectId, c.id, model, v.length, vectorBlob(unit));
          delta.added.push({ seq, vector: unit });
        });
      }
    });
    // IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout instead of deadlocking.
    write.immediate();
    return { result: undefined, delta, texts };
  }

  private deleteOriginRows(projectId: string, origin: string): { count: number; removed: number[] } {
    const p = { project: projectId, origin };
    const removed = this.db.prepare(`SELECT seq FROM chunks WHERE project_id = @project AND document_id IN (${ORIGIN_DOCS})`).pluck().all(p) as number[];
    this.db.prepare(`DELETE FROM vectors WHERE project_id = @project AND chunk_id IN (SELECT id FROM chunks WHERE project_id = @project AND document_id IN (${ORIGIN_DOCS}))`).run(p);
    this.db.prepare(`DELETE FROM chunks WHERE project_id = @project AND document_id IN (${ORIGIN_DOCS})`).run(p);
    return { count: this.db.prepare('DELETE FROM documents WHERE project_id = @project AND origin = @origin').run(p).changes, removed };
  }

  async listOrigins(projectId: string): Promise<OriginState[]> {
    return this.run('list origins', () => {
      const rows = this.db
        .prepare('SELECT origin, count(*) AS n, min(content_hash) AS lo, max(content_hash) AS hi FROM documents WHERE project_id = ? GROUP BY origin ORDER BY origin')
        .all(projectId) as Array<{ origin: string; n: number; lo: string; hi: string }>;
      const hashes = this.db.prepare('SELECT content_hash FROM documents WHERE project_id = ? AND origin = ? ORDER BY id').pluck();
      return rows.map((r) => ({
        origin: r.origin,
        documentCount: r.n,
        contentHash: r.lo === r.hi ? r.lo : originHash(hashes.all(projectId, r.origin) as string[]),
      }));
    });
  }

  async deleteOrigin(projectId: string, origin: string): Promise<number> {
    return this.committed(projectId, () =>
      this.run(`delete origin ${origin}`, () => {
        const { count, removed } = this.db.transaction(() => this.deleteOriginRows(projectId, origin)).immediate();
        return { result: count, delta: { removed, model: undefined, added: [] } };
      }),
    );
  }

  async getDocument(projectId: string, id: string): Promise<StoredDocument | undefined> {
    return this.run('read a document', () => {
      const row = this.db.prepare(`SELECT ${DOC_COLUMNS} FROM documents d WHERE d.project_id = ? AND d.id = ?`).get(projectId, id) as DocumentRow | undefined;
      return row && toDocument(row);
    });
  }

  async listDocuments(projectId: string, options: { limit?: number; offset?: number } = {}): Promise<StoredDocument[]> {
    checkPage(options);
    return this.run('list documents', () => {
      const rows = this.db
        .prepare(`SELECT ${DOC_COLUMNS} FROM documents d WHERE d.project_id = ? ORDER BY d.source, d.id LIMIT ? OFFSET ?`)
        .all(projectId, options.limit ?? -1, options.offset ?? 0) as DocumentRow[];
      return rows.map(toDocument);
    });
  }

  async deleteDocument(projectId: string, id: string): Promise<boolean> {
    const p = { project: projectId, id };
    return this.committed(projectId, () =>
      this.run(`delete document ${id}`, () =>
        this.db
          .transaction(() => {
            const removed = this.db.prepare('SELECT seq FROM chunks WHERE project_id = @project AND document_id = @id').pluck().all(p) as number[];
            this.db.prepare('DELETE FROM vectors WHERE project_id = @project AND chunk_id IN (SELECT id FROM chunks WHERE project_id = @project AND document_id = @id)').run(p);
            this.db.prepare('DELETE FROM chunks WHERE project_id = @project AND document_id = @id').run(p);
            const result = this.db.prepare('DELETE FROM documents WHERE project_id = @project AND id = @id').run(p).changes > 0;
            return { result, delta: { removed, model: undefined, added: [] } as VectorDelta };
          })
          .immediate(),
      ),
    );
  }

  async getChunks(projectId: string, ids: string[]): Promise<Chunk[]> {
    return this.run('read chunks', () => {
      const found = new Map<string, Chunk>();
      inSlices([...new Set(ids)], SLICE, (slice) =>
        this.db.prepare(`SELECT * FROM chunks WHERE project_id = ? AND id IN (${slice.map(() => '?').join(',')})`).all(projectId, ...slice) as ChunkRow[],
      ).forEach((r) => found.set(r.id, toChunk(r)));
      return ids.flatMap((id) => found.get(id) ?? []);
    });
  }

  async getChunkRange(projectId: string, documentId: string, from: number, to: number): Promise<Chunk[]> {
    return this.run('read chunks', () =>
      (this.db.prepare('SELECT * FROM chunks WHERE project_id = ? AND document_id = ? AND idx BETWEEN ? AND ? ORDER BY idx').all(projectId, documentId, from, to) as ChunkRow[]).map(toChunk),
    );
  }

  async vectorSearch(query: VectorQuery): Promise<ScoredChunk[]> {
    checkQueryVector(query.vector, query.k);
    const conditions = normalizeFilter(query.filter);
    return this.run('search vectors', () => {
      if (query.k === 0) return [];
      // Large collections: the HNSW index answers, and the rows below are never loaded into memory.
      const viaAnn = this.ann?.search(
        query.projectId,
        query.model,
        normalised(query.vector),
        query.k,
        conditions.length === 0
          ? undefined
          : () => {
              const where = filterToSql('c.metadata', conditions);
              return this.db.prepare(`SELECT c.seq FROM chunks c WHERE c.project_id = ? AND ${where.sql}`).pluck().all(query.projectId, ...where.params) as number[];
            },
        // Candidates are re-scored from memory when the set is small enough to keep there.
        (seqs) => this.vectors.rowsOf(query.projectId, query.model, seqs, this.rescoreBytes),
      );
      if (viaAnn) return this.hits.bySeq(viaAnn.seqs, viaAnn.scores);
      const set = this.vectors.get(query.projectId, query.model);
      if (!set) return [];
      if (set.vectors.dims !== query.vector.length) throw dimensionMismatch(query.model, set.vectors.dims, query.vector.length);
      let allowed: Uint8Array | undefined;
      if (conditions.length > 0) {
        const where = filterToSql('c.metadata', conditions);
        allowed = this.vectors.filterMask(set, JSON.stringify(conditions), () =>
          this.db.prepare(`SELECT c.seq FROM chunks c WHERE c.project_id = ? AND ${where.sql}`).pluck().all(query.projectId, ...where.params) as number[],
        );
        if (!allowed.includes(1)) return [];
      }
      const top = set.vectors.search(normalised(query.vector), query.k, allowed);
      const seqs = Array.from(top.rows, (r) => set.seqs[r]!);
      return this.hits.bySeq(seqs, Array.from(top.scores));
    });
  }

  async keywordSearch(query: KeywordQuery): Promise<ScoredChunk[]> {
    checkK(query.k);
    const conditions = normalizeFilter(query.filter);
    const match = ftsMatchExpression(query.query);
    if (match === undefined || query.k === 0) return [];
    return this.run('search keywords', () => {
      const where = filterToSql('c.metadata', conditions);
      // The same phrases, in the same order, as the MATCH expression below.
      const found = this.keywords?.search(
        query.projectId,
        queryTerms(query.query),
        query.k,
        conditions.length === 0
          ? undefined
          : {
              key: JSON.stringify(conditions),
              seqs: () => this.db.prepare(`SELECT c.seq FROM chunks c WHERE c.project_id = ? AND ${where.sql}`).pluck().all(query.projectId, ...where.params) as number[],
            },
      );
      if (found) return this.hits.bySeq(found.seqs, found.scores);
      const rows = this.db
        .prepare(
          `SELECT ${HIT_COLUMNS}, -bm25(chunks_fts) AS score FROM chunks_fts
           JOIN chunks c ON c.seq = chunks_fts.rowid
           JOIN documents d ON d.project_id = c.project_id AND d.id = c.document_id
           WHERE chunks_fts MATCH ? AND c.project_id = ? AND ${where.sql}
           ORDER BY bm25(chunks_fts), c.seq LIMIT ?`,
        )
        .all(match, query.projectId, ...where.params, query.k) as Array<HitRow & { score: number }>;
      return rows.map((r) => toHit(r, r.score));
    });
  }

  async embeddingModels(projectId: string): Promise<Array<{ model: string; dimensions: number; chunks: number }>> {
    return this.run('list embedding models', () =>
      this.db
        .prepare('SELECT model, dims AS dimensions, count(*) AS chunks FROM vectors WHERE project_id = ? GROUP BY model, dims ORDER BY model')
        .all(projectId) as Array<{ model: string; dimensions: number; chunks: number }>,
    );
  }

  async stats(projectId: string): Promise<StoreStats> {
    return this.run('count the store', () => {
      const one = (sql: string): number => this.db.prepare(sql).pluck().get(projectId) as number;
      return {
        documents: one('SELECT count(*) FROM documents WHERE project_id = ?'),
        chunks: one('SELECT count(*) FROM chunks WHERE project_id = ?'),
        origins: one('SELECT count(DISTINCT origin) FROM documents WHERE project_id = ?'),
      };
    });
  }

  private cacheGet(model: string, hashes: string[]): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    inSlices([...new Set(hashes)], SLICE, (slice) =>
      this.db
        .prepare(`SELECT text_hash, vector FROM embedding_cache WHERE model = ? AND text_hash IN (${slice.map(() => '?').join(',')})`)
        .all(model, ...slice) as Array<{ text_hash: string; vector: Buffer }>,
    ).forEach((r) => out.set(r.text_hash, blobVector(r.vector)));
    return out;
  }

  private cacheSet(model: string, entries: Array<[string, Float32Array]>): void {
    const put = this.db.prepare('INSERT OR REPLACE INTO embedding_cache (model, text_hash, vector) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const [hash, vector] of entries) put.run(model, hash, vectorBlob(vector));
    }).immediate();
  }

  integrityCheck(): string {
    return this.run('check integrity', () => {
      const problems: string[] = [];
      const pragma = this.db.pragma('integrity_check') as Array<{ integrity_check: string }>;
      const messages = pragma.map((r) => r.integrity_check).filter((m) => m !== 'ok');
      problems.push(...messages);
      const fk = this.db.pragma('foreign_key_check') as Array<{ table: string; rowid: number }>;
      problems.push(...fk.map((r) => `foreign key violation in ${r.table} row ${r.rowid}`));
      if (!this.readonly) {
        try {
          // rank = 1 makes FTS5 also compare the index with the external content table.
          this.db.prepare("INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('integrity-check', 1)").run();
        } catch (err) {
          problems.push(`fts: ${(err as Error).message}`);
        }
      }
      return problems.length ? problems.join('\n') : 'ok';
    });
  }

  keywordIndexStatus(): KeywordIndexStatus | undefined {
    return this.keywords?.status;
  }

  vectorCacheSize(): { sets: number; bytes: number } {
    return this.vectors.size;
  }

  async close(): Promise<void> {
    this.vectors.clear();
    if (this.db.open) this.run('save the ANN index', () => this.ann?.close());
    if (this.db.open) this.db.close();
  }
}
