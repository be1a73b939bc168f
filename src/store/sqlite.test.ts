import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IncontextError, type Filter } from '../core/index.js';
import { MODEL, PASSAGES, makeEntry, runStoreConformance, seedTopics } from './conformance.js';
import { axis, prng, unit } from './conformance-fixtures.js';
import { openSqliteStore, SQLITE_SCHEMA_VERSION, type SqliteStore } from './index.js';
import { SQLITE_MIGRATIONS, migrate } from './sqlite/migrations.js';

let conformanceDir: string | undefined;

runStoreConformance(
  'sqlite',
  () => {
    conformanceDir = mkdtempSync(join(tmpdir(), 'incontext-store-'));
    return openSqliteStore({ path: join(conformanceDir, 'store.db') });
  },
  () => {
    if (conformanceDir) rmSync(conformanceDir, { recursive: true, force: true });
    conformanceDir = undefined;
  },
);

// Keyword search answered by FTS5 in SQL, as before the in-memory index: the fallback path stays conformant too.
let sqlKeywordDir: string | undefined;
runStoreConformance(
  'sqlite with keyword search in SQL',
  () => {
    sqlKeywordDir = mkdtempSync(join(tmpdir(), 'incontext-store-sqlkw-'));
    return openSqliteStore({ path: join(sqlKeywordDir, 'store.db'), keywordIndex: false });
  },
  () => {
    if (sqlKeywordDir) rmSync(sqlKeywordDir, { recursive: true, force: true });
    sqlKeywordDir = undefined;
  },
);

async function failure(p: Promise<unknown> | (() => unknown)): Promise<IncontextError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  if (!IncontextError.isInstance(err)) throw new Error(`expected an IncontextError, got ${String(err)}`);
  return err;
}

describe('SQLite store', () => {
  let dir: string;
  let path: string;
  const open: SqliteStore[] = [];
  const openStore = (readonly = false): SqliteStore => {
    const s = openSqliteStore({ path, readonly });
    open.push(s);
    return s;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'incontext-sqlite-'));
    path = join(dir, 'nested', 'store.db');
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the file in WAL mode with every table and the current schema version', async () => {
    const store = openStore();
    await store.replaceOrigin('default', 'a.md', [makeEntry('default', 'a.md', { id: 'a', texts: ['hello'] })]);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]).sort();
      expect(tables).toEqual(expect.arrayContaining(['chunks', 'chunks_fts', 'documents', 'embedding_cache', 'schema_migrations', 'vectors']));
      expect(raw.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
      expect(SQLITE_SCHEMA_VERSION).toBe(SQLITE_MIGRATIONS.at(-1)!.version);
      expect(raw.prepare("SELECT project_id FROM documents WHERE id = 'a'").pluck().get()).toBe('default');
      const blob = raw.prepare('SELECT vector FROM vectors').pluck().get() as Buffer;
      expect(blob.byteLength).toBe(6 * 4);
    } finally {
      raw.close();
    }
  });

  it('upgrades a file written at the previous schema version, keeping its data', async () => {
    mkdirSync(join(dir, 'nested'));
    const old = new Database(path);
    migrate(old, path, SQLITE_MIGRATIONS.slice(0, -1));
    old.prepare(
      `INSERT INTO documents (project_id, id, origin, source, format, text, metadata, content_hash, created_at, updated_at)
       VALUES ('default', 'legacy', 'legacy.md', 'legacy.md', 'markdown', 'written by an older version', '{"v":1}', 'h', 't', 't')`,
    ).run();
    expect(old.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(SQLITE_SCHEMA_VERSION - 1);
    old.close();

    const store = openStore();
    expect((await store.getDocument('default', 'legacy'))?.metadata).toEqual({ v: 1 });
    await store.embeddingCache.setMany('m', [['h', new Float32Array([1, 2])]]);
    expect((await store.embeddingCache.getMany('m', ['h'])).size).toBe(1);
    expect(store.integrityCheck()).toBe('ok');
    await store.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(SQLITE_SCHEMA_VERSION);
    raw.close();
  });

  it('refuses a file written by a newer version, saying to upgrade', async () => {
    await openStore().close();
    const raw = new Database(path);
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', 'now')").run(SQLITE_SCHEMA_VERSION + 1);
    raw.close();
    const err = await failure(() => openSqliteStore({ path }));
    expect(err.code).toBe('STORE_FAILED');
    expect(err.message).toContain(`schema version ${SQLITE_SCHEMA_VERSION + 1}`);
    expect(err.hint).toMatch(/upgrade incontext/i);
    expect(err.input?.path).toBe(path);
  });

  it('read-only: searches work, writes fail with a hint, missing or outdated files are refused', async () => {
    expect((await failure(() => openSqliteStore({ path, readonly: true }))).code).toBe('STORE_FAILED');
    const writer = openStore();
    await seedTopics(writer, 'p');
    const reader = openStore(true);
    expect((await reader.keywordSearch({ projectId: 'p', query: 'magma', k: 1 }))[0]?.document.id).toBe('doc-volcano');
    const err = await failure(reader.deleteOrigin('p', 'volcano.md'));
    expect(err.code).toBe('STORE_FAILED');
    expect(err.hint).toMatch(/read-only/);
    expect(await writer.getDocument('p', 'doc-volcano')).toBeDefined();

    const oldPath = join(dir, 'old.db');
    const old = new Database(oldPath);
    migrate(old, oldPath, SQLITE_MIGRATIONS.slice(0, 1));
    old.close();
    expect((await failure(() => openSqliteStore({ path: oldPath, readonly: true }))).hint).toMatch(/read-write/);
  });

  it('passes integrity_check (pages, foreign keys, FTS index) after failed writes', async () => {
    const store = openStore();
    await seedTopics(store, 'p');
    const stolen = [makeEntry('p', 'x.md', { id: 'x-new', texts: ['fresh'] }), makeEntry('p', 'x.md', { id: 'doc-jazz', texts: ['dup'] })];
    expect((await failure(store.replaceOrigin('p', 'x.md', stolen))).code).toBe('STORE_FAILED');
    const ragged = makeEntry('p', 'jazz.md', { id: 'doc-jazz', texts: ['a', 'b'] });
    ragged.vectors.pop();
    expect((await failure(store.replaceOrigin('p', 'jazz.md', [ragged]))).code).toBe('BAD_REQUEST');
    expect(store.integrityCheck()).toBe('ok');
    await store.deleteDocument('p', 'doc-tcp');
    await store.replaceOrigin('p', 'volcano.md', [makeEntry('p', 'volcano.md', { id: 'v2', texts: ['new volcano text', 'second'] })]);
    expect(store.integrityCheck()).toBe('ok');
  });

  it('integrityCheck reports an FTS index out of step with the chunks', async () => {
    const store = openStore();
    await seedTopics(store, 'p');
    await store.close();
    const raw = new Database(path);
    raw.exec('DROP TRIGGER chunks_fts_delete');
    raw.exec("DELETE FROM chunks WHERE id = 'doc-jazz#0'");
    raw.close();
    expect(openStore().integrityCheck()).not.toBe('ok');
  });

  it('keeps data across close and reopen', async () => {
    const store = openStore();
    await seedTopics(store, 'p');
    await store.embeddingCache.setMany('m', [['h', new Float32Array([0.5])]]);
    const before = await store.vectorSearch({ projectId: 'p', model: MODEL, vector: axis(3), k: 3 });
    await store.close();
    const again = openStore();
    expect(await again.vectorSearch({ projectId: 'p', model: MODEL, vector: axis(3), k: 3 })).toEqual(before);
    expect((await again.keywordSearch({ projectId: 'p', query: 'chlorophyll', k: 1 }))[0]?.document.id).toBe('doc-photosynthesis');
    expect(Array.from((await again.embeddingCache.getMany('m', ['h'])).get('h')!)).toEqual([0.5]);
    expect(await again.stats('p')).toEqual({ documents: 6, chunks: 6, origins: 6 });
    await again.close();
    await again.close();
  });

  it('the vector cache follows writes, its own and those of another connection', async () => {
    const store = openStore();
    await seedTopics(store, 'p');
    const q = axis(4);
    const first = async (s: SqliteStore): Promise<string | undefined> => (await s.vectorSearch({ projectId: 'p', model: MODEL, vector: q, k: 1 }))[0]?.chunk.id;
    expect(await first(store)).toBe('doc-aqueduct#0');
    await store.replaceOrigin('p', 'exact.md', [makeEntry('p', 'exact.md', { id: 'exact', texts: [PASSAGES.aqueduct], vectors: [[0, 0, 0, 0, 1, 0]] })]);
    expect(await first(store)).toBe('exact#0');
    await store.deleteDocument('p', 'exact');
    expect(await first(store)).toBe('doc-aqueduct#0');

    const other = openStore();
    expect(await first(other)).toBe('doc-aqueduct#0');
    await store.replaceOrigin('p', 'exact.md', [makeEntry('p', 'exact.md', { id: 'exact', texts: ['x'], vectors: [[0, 0, 0, 0, 1, 0]] })]);
    expect(await first(other)).toBe('exact#0');
    await store.deleteOrigin('p', 'exact.md');
    expect(await first(other)).toBe('doc-aqueduct#0');
  });

  it('filtered searches follow metadata changes (cached filter masks are dropped with the vectors)', async () => {
    const store = openStore();
    await seedTopics(store, 'p');
    const other = openStore();
    const ids = async (s: SqliteStore): Promise<string[]> =>
      (await s.vectorSearch({ projectId: 'p', model: MODEL, vector: axis(0), k: 10, filter: { topic: 'jazz' } })).map((h) => h.chunk.id);
    expect(await ids(store)).toEqual(['doc-jazz#0']);
    expect(await ids(other)).toEqual(['doc-jazz#0']);
    await store.replaceOrigin('p', 'tcp.md', [makeEntry('p', 'tcp.md', { id: 'doc-tcp', texts: [PASSAGES.tcp], metadata: { topic: 'jazz' } })]);
    expect((await ids(store)).sort()).toEqual(['doc-jazz#0', 'doc-tcp#0']);
    expect((await ids(other)).sort()).toEqual(['doc-jazz#0', 'doc-tcp#0']);
  });

  it('keeps the vector cache within its byte budget, evicting the least recently searched', async () => {
    const store = openSqliteStore({ path, vectorCacheBytes: 600 });
    open.push(store);
    await seedTopics(store, 'a');
    await seedTopics(store, 'b');
    const top = async (project: string): Promise<string | undefined> =>
      (await store.vectorSearch({ projectId: project, model: MODEL, vector: axis(1), k: 1 }))[0]?.chunk.projectId;
    expect(await top('a')).toBe('a');
    const one = store.vectorCacheSize();
    expect(one.sets).toBe(1);
    expect(one.bytes).toBeGreaterThan(300);
    expect(await top('b')).toBe('b');
    expect(store.vectorCacheSize()).toEqual(one);
    expect(await top('a')).toBe('a');
    await store.deleteOrigin('a', 'jazz.md');
    // Patched in place: one row fewer, not dropped and reloaded.
    expect(store.vectorCacheSize().sets).toBe(1);
    expect(store.vectorCacheSize().bytes).toBeLessThan(one.bytes);
  });

  it('a cache patched by many writes ranks exactly like a fresh load of the same file', async () => {
    const store = openStore();
    const rnd = prng(99);
    const vec = (): number[] => Array.from({ length: 6 }, () => rnd() - 0.5);
    const write = async (o: number, version: number): Promise<void> => {
      const docs = Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_, d) =>
        makeEntry('p', `f${o}.md`, { id: `f${o}-v${version}-d${d}`, texts: ['one', 'two'], vectors: [vec(), vec()], metadata: { o } }),
      );
      await store.replaceOrigin('p', `f${o}.md`, docs);
    };
    for (let o = 0; o < 8; o++) await write(o, 0);
    const queries = Array.from({ length: 5 }, () => unit(vec()));
    const search = async (s: SqliteStore, q: Float32Array, filter?: Filter): Promise<string[]> =>
      (await s.vectorSearch({ projectId: 'p', model: MODEL, vector: q, k: 7, ...(filter ? { filter } : {}) })).map((h) => h.chunk.id);
    await search(store, queries[0]!, { o: { lt: 4 } });
    for (let step = 1; step <= 12; step++) {
      const o = Math.floor(rnd() * 8);
      if (step % 4 === 0) await store.deleteOrigin('p', `f${o}.md`);
      else if (step % 5 === 0) await store.deleteDocument('p', `f${o}-v0-d0`);
      else await write(o, step);
      expect(store.vectorCacheSize().sets).toBe(1);
    }
    const fresh = openStore();
    for (const q of queries) {
      expect(await search(store, q)).toEqual(await search(fresh, q));
      expect(await search(store, q, { o: { lt: 4 } })).toEqual(await search(fresh, q, { o: { lt: 4 } }));
    }
  });

  it('refuses a file that is not a SQLite database, naming it', async () => {
    mkdirSync(join(dir, 'nested'));
    writeFileSync(path, 'this is a text file, not a database '.repeat(200));
    const err = await failure(() => openSqliteStore({ path }));
    expect(err.code).toBe('STORE_FAILED');
    expect(err.input?.path).toBe(path);
    expect(err.hint).toMatch(/not an incontext store/);
  });

  it('opens an in-memory database for throwaway use', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    open.push(store);
    await seedTopics(store, 'p');
    expect((await store.keywordSearch({ projectId: 'p', query: 'bebop', k: 1 }))[0]?.document.id).toBe('doc-jazz');
  });
});
