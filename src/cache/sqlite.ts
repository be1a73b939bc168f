import { IncontextError } from '../core/index.js';
import { openStageDatabase, type Migration } from '../store/index.js';
import { DEFAULT_MAX_ENTRIES } from './memory.js';
import type { CacheBackend, CacheBackendOptions, CachedResponse, CacheSizes, SemanticHit } from './types.js';
import { VectorBlock } from './vectors.js';

export interface SqliteCacheOptions extends CacheBackendOptions {
  /** Database file; the cache tables live beside the document store's in `incontext.db`. */
  path: string;
}

/** Append only: a released migration never changes. Own table, so the store's history is untouched. */
const CACHE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'exact and semantic response cache',
    sql: `
      CREATE TABLE cache_exact (
        key        TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        value      TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used  INTEGER NOT NULL
      );
      CREATE INDEX cache_exact_lru ON cache_exact (last_used);
      CREATE INDEX cache_exact_project ON cache_exact (project_id);
      CREATE TABLE cache_semantic (
        id         INTEGER PRIMARY KEY,
        partition  TEXT NOT NULL,
        project_id TEXT NOT NULL,
        query      TEXT NOT NULL,
        vector     BLOB NOT NULL,
        value      TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used  INTEGER NOT NULL,
        UNIQUE (partition, query)
      );
      CREATE INDEX cache_semantic_lru ON cache_semantic (last_used);
      CREATE INDEX cache_semantic_project ON cache_semantic (project_id);
    `,
  },
];


function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function fromBlob(b: Buffer): Float32Array {
  // Copy: the Buffer may share an unaligned pool slab.
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/**
 * SQLite cache backend. Vectors are loaded per partition into a contiguous
 * block on first use and patched on our own writes; a change by another
 * connection (PRAGMA data_version) drops the loaded blocks so they reload.
 */
export function openSqliteCacheBackend(options: SqliteCacheOptions): CacheBackend {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const db = openStageDatabase({
    path: options.path,
    stage: 'cache',
    migrations: CACHE_MIGRATIONS,
    table: 'cache_migrations',
    hint: 'Check that the folder is writable and the file is an SQLite database (or delete it to start an empty cache).',
  });


  const q = {
    getExact: db.prepare('SELECT value, created_at FROM cache_exact WHERE key = ?'),
    touchExact: db.prepare('UPDATE cache_exact SET last_used = ? WHERE key = ?'),
    delExact: db.prepare('DELETE FROM cache_exact WHERE key = ?'),
    putExact: db.prepare('INSERT OR REPLACE INTO cache_exact (key, project_id, value, created_at, last_used) VALUES (?, ?, ?, ?, ?)'),
    countExact: db.prepare('SELECT count(*) AS n FROM cache_exact'),
    evictExact: db.prepare('DELETE FROM cache_exact WHERE key IN (SELECT key FROM cache_exact ORDER BY last_used, created_at LIMIT ?)'),
    loadPartition: db.prepare('SELECT id, vector, created_at FROM cache_semantic WHERE partition = ?'),
    getSemantic: db.prepare('SELECT value, query FROM cache_semantic WHERE id = ?'),
    touchSemantic: db.prepare('UPDATE cache_semantic SET last_used = ? WHERE id = ?'),
    findSemantic: db.prepare('SELECT id FROM cache_semantic WHERE partition = ? AND query = ?'),
    delSemantic: db.prepare('DELETE FROM cache_semantic WHERE id = ?'),
    putSemantic: db.prepare(
      'INSERT INTO cache_semantic (partition, project_id, query, vector, value, created_at, last_used) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    countSemantic: db.prepare('SELECT count(*) AS n FROM cache_semantic'),
    oldestSemantic: db.prepare('SELECT id, partition FROM cache_semantic ORDER BY last_used, id LIMIT ?'),
  };

  interface Loaded {
    block: VectorBlock<number>;
    createdAt: Map<number, number>;
  }
  let blocks = new Map<string, Loaded>();
  let seenVersion = db.pragma('data_version', { simple: true }) as number;
  let lastTouch = 0;
  /** Strictly increasing so LRU order is total even within one millisecond. */
  const stamp = () => (lastTouch = Math.max(now(), lastTouch + 1));

  const fresh = () => {
    const v = db.pragma('data_version', { simple: true }) as number;
    if (v !== seenVersion) {
      seenVersion = v;
      blocks = new Map();
    }
  };
  const live = (createdAt: number) => options.ttlMs === undefined || now() - createdAt < options.ttlMs;

  const load = (partition: string, dims: number): Loaded => {
    let loaded = blocks.get(partition);
    if (loaded && loaded.block.dims === dims) return loaded;
    loaded = { block: new VectorBlock<number>(dims), createdAt: new Map() };
    for (const row of q.loadPartition.all(partition) as Array<{ id: number; vector: Buffer; created_at: number }>) {
      if (row.vector.byteLength !== dims * 4) continue;
      loaded.block.add(row.id, fromBlob(row.vector));
      loaded.createdAt.set(row.id, row.created_at);
    }
    blocks.set(partition, loaded);
    return loaded;
  };

  const removeSemantic = (id: number, partition: string) => {
    q.delSemantic.run(id);
    const loaded = blocks.get(partition);
    loaded?.block.remove(id);
    loaded?.createdAt.delete(id);
  };

  const wrap = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new IncontextError('STORE_FAILED', `Cache ${what} failed: ${(err as Error).message}`, {
        input: { path: options.path },
        hint: 'The cache database may be locked by another process or corrupt; delete its cache_* tables to rebuild.',
        cause: err,
      });
    }
  };

  return {
    async getExact(key) {
      return wrap('read', () => {
        const row = q.getExact.get(key) as { value: string; created_at: number } | undefined;
        if (!row) return undefined;
        if (!live(row.created_at)) {
          q.delExact.run(key);
          return undefined;
        }
        q.touchExact.run(stamp(), key);
        return JSON.parse(row.value) as CachedResponse;
      });
    },
    async setExact(key, projectId, value) {
      wrap('write', () =>
        db.transaction(() => {
          const t = stamp();
          q.putExact.run(key, projectId, JSON.stringify(value), now(), t);
          const n = (q.countExact.get() as { n: number }).n;
          if (n > max) q.evictExact.run(n - max);
        })(),
      );
    },
    async searchSemantic(partition, vector, threshold): Promise<SemanticHit | undefined> {
      return wrap('search', () => {
        fresh();
        const { block, createdAt } = load(partition, vector.length);
        const best = block.nearest(vector, (id) => live(createdAt.get(id) ?? 0), threshold);
        if (!best || best.score < threshold) return undefined;
        const row = q.getSemantic.get(best.id) as { value: string; query: string } | undefined;
        if (!row) return undefined;
        q.touchSemantic.run(stamp(), best.id);
        return { value: JSON.parse(row.value) as CachedResponse, score: best.score, query: row.query };
      });
    },
    async setSemantic(partition, projectId, query, vector, value) {
      wrap('write', () => {
        fresh();
        db.transaction(() => {
          const old = q.findSemantic.get(partition, query) as { id: number } | undefined;
          if (old) removeSemantic(old.id, partition);
          const created = now();
          const info = q.putSemantic.run(partition, projectId, query, toBlob(vector), JSON.stringify(value), created, stamp());
          const id = Number(info.lastInsertRowid);
          const loaded = blocks.get(partition);
          if (loaded && loaded.block.dims === vector.length) {
            loaded.block.add(id, vector);
            loaded.createdAt.set(id, created);
          }
          const n = (q.countSemantic.get() as { n: number }).n;
          if (n > max) for (const r of q.oldestSemantic.all(n - max) as Array<{ id: number; partition: string }>) removeSemantic(r.id, r.partition);
        })();
        // Our own write moved data_version only for other connections; keep ours current.
        seenVersion = db.pragma('data_version', { simple: true }) as number;
      });
    },
    async clear(projectId) {
      wrap('clear', () => {
        if (projectId === undefined) db.exec('DELETE FROM cache_exact; DELETE FROM cache_semantic;');
        else {
          db.prepare('DELETE FROM cache_exact WHERE project_id = ?').run(projectId);
          db.prepare('DELETE FROM cache_semantic WHERE project_id = ?').run(projectId);
        }
        blocks = new Map();
      });
    },
    async size(): Promise<CacheSizes> {
      return wrap('count', () => ({
        exact: (q.countExact.get() as { n: number }).n,
        semantic: (q.countSemantic.get() as { n: number }).n,
      }));
    },
    async close() {
      db.close();
    },
  };
}
