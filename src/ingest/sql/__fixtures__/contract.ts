import { expect, it } from 'vitest';
import { IncontextError } from '../../../core/index.js';
import type { LoadedDocument } from '../../types.js';
import { readSqlSource, type SqlSourceOptions } from '../index.js';

/** A database the shared tests can fill and query: `exec` runs DDL/DML with the database's own driver. */
export interface SqlFixture {
  db: string;
  /** How the label of this database appears in origins. */
  label: string;
  exec(sql: string): Promise<void>;
}

export async function collect(options: SqlSourceOptions): Promise<LoadedDocument[]> {
  const out: LoadedDocument[] = [];
  for await (const d of readSqlSource(options)) out.push(d);
  return out;
}

export async function failure(fn: () => Promise<unknown>): Promise<IncontextError> {
  try {
    await fn();
  } catch (e) {
    if (IncontextError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected an IncontextError');
}

const ARTICLES = `
CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT, body TEXT, lang TEXT, updated_at TEXT);
INSERT INTO articles VALUES
  (1, 'Install', 'Run npm install incontext.', 'en', '2024-01-01T00:00:00Z'),
  (2, 'Config', 'Settings live in incontext.config.yaml.', 'en', '2024-02-01T00:00:00Z'),
  (3, 'Empty', NULL, 'en', '2024-03-01T00:00:00Z'),
  (4, 'Ask', 'Ask a question with incontext ask.', 'de', '2024-04-01T00:00:00Z');
`;

/**
 * The behaviour every database behind the SQL source must show; run against
 * SQLite and PostgreSQL alike so the two never drift apart.
 */
export function sqlSourceContract(fixture: () => Promise<SqlFixture>): void {
  it('turns rows into documents with stable origins, text, title and metadata', async () => {
    const f = await fixture();
    await f.exec(ARTICLES);
    const docs = await collect({ db: f.db, sql: 'SELECT id, title, body, lang, updated_at FROM articles ORDER BY id', textColumns: ['body'] });
    // Row 3 has no text and is skipped rather than stored empty.
    expect(docs.map((d) => d.origin)).toEqual([`sql:${f.label}/articles#1`, `sql:${f.label}/articles#2`, `sql:${f.label}/articles#4`]);
    const first = docs[0]!;
    expect(first.source).toBe(first.origin);
    expect(first.text).toBe('Run npm install incontext.');
    expect(first.title).toBe('Install');
    expect(first.format).toBe('text');
    expect(first.metadata).toEqual({ id: 1, title: 'Install', lang: 'en', updated_at: '2024-01-01T00:00:00Z' });
    const again = await collect({ db: f.db, sql: 'SELECT id, title, body, lang, updated_at FROM articles ORDER BY id', textColumns: ['body'] });
    expect(again.map((d) => d.contentHash)).toEqual(docs.map((d) => d.contentHash));
  });

  it('labels each column when several make the text, and re-hashes only rows whose used columns changed', async () => {
    const f = await fixture();
    await f.exec(ARTICLES);
    const opts = { db: f.db, sql: 'SELECT id, title, body FROM articles ORDER BY id', metadataColumns: [] as string[] };
    const before = await collect(opts);
    expect(before[0]!.text).toBe('title: Install\nbody: Run npm install incontext.');
    // Row 3 keeps its title, so it is a document now.
    expect(before.map((d) => d.origin.split('#')[1])).toEqual(['1', '2', '3', '4']);
    await f.exec(`UPDATE articles SET body = 'Run npm i incontext.' WHERE id = 1; UPDATE articles SET lang = 'fr' WHERE id = 2`);
    const after = await collect(opts);
    expect(after[0]!.contentHash).not.toBe(before[0]!.contentHash);
    // lang is not selected, so changing it must not cause a re-embed.
    expect(after[1]!.contentHash).toBe(before[1]!.contentHash);
  });

  it('reads only rows changed since a watermark and reports the new one', async () => {
    const f = await fixture();
    await f.exec(ARTICLES);
    const sql = 'SELECT id, title, body, updated_at FROM articles';
    const full = readSqlSource({ db: f.db, sql, updatedColumn: 'updated_at', textColumns: ['body'] });
    const all: LoadedDocument[] = [];
    for await (const d of full) all.push(d);
    expect(all).toHaveLength(3);
    expect(full.rows).toBe(4);
    expect(full.watermark).toBe('2024-04-01T00:00:00Z');

    await f.exec(`UPDATE articles SET body = 'Now in YAML or JSON.', updated_at = '2024-05-01T00:00:00Z' WHERE id = 2;
      INSERT INTO articles VALUES (5, 'Serve', 'Start the server with incontext serve.', 'en', '2024-06-01T00:00:00Z')`);
    const inc = readSqlSource({ db: f.db, sql, updatedColumn: 'updated_at', textColumns: ['body'], since: full.watermark! });
    const changed: LoadedDocument[] = [];
    for await (const d of inc) changed.push(d);
    // >= keeps the boundary row (4) so a row written in the same instant is never lost.
    expect(changed.map((d) => d.origin.split('#')[1])).toEqual(['4', '2', '5']);
    expect(inc.watermark).toBe('2024-06-01T00:00:00Z');
    expect(changed[1]!.text).toBe('Now in YAML or JSON.');
  });

  it('names a missing column, the key that named it and the columns there are', async () => {
    const f = await fixture();
    await f.exec(ARTICLES);
    const err = await failure(() => collect({ db: f.db, sql: 'SELECT id, title, body FROM articles', idColumn: 'article_id' }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.input?.key).toBe('idColumn');
    expect(err.message).toContain('"article_id"');
    expect(err.hint).toContain('id, title, body');
    const text = await failure(() => collect({ db: f.db, sql: 'SELECT id, title FROM articles', textColumns: ['title', 'content'] }));
    expect(text.input?.key).toBe('textColumns');
    expect(text.message).toContain('"content"');
  });

  it('reports bad SQL as the query’s fault, naming the key', async () => {
    const f = await fixture();
    await f.exec(ARTICLES);
    const syntax = await failure(() => collect({ db: f.db, sql: 'SELEC id FROM articles' }));
    expect(syntax.code).toBe('BAD_REQUEST');
    expect(syntax.input?.key).toBe('sql');
    expect(syntax.hint).toMatch(/SELECT/);
    const table = await failure(() => collect({ db: f.db, sql: 'SELECT id FROM no_such_table' }));
    expect(table.message).toContain('no_such_table');
  });

  it('never writes: a DELETE fails and the rows are still there', async () => {
    const f = await fixture();
    await f.exec(ARTICLES);
    const err = await failure(() => collect({ db: f.db, sql: 'DELETE FROM articles' }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(await collect({ db: f.db, sql: 'SELECT id, body FROM articles' })).toHaveLength(3);
  });

  it('refuses duplicate ids and duplicate column names', async () => {
    const f = await fixture();
    await f.exec(ARTICLES);
    const dup = await failure(() => collect({ db: f.db, sql: 'SELECT lang AS id, body FROM articles WHERE body IS NOT NULL' }));
    expect(dup.input?.key).toBe('idColumn');
    expect(dup.message).toContain('"en"');
    const cols = await failure(() => collect({ db: f.db, sql: 'SELECT a.id, b.id, a.body FROM articles a JOIN articles b ON a.id = b.id' }));
    expect(cols.message).toContain('two columns named "id"');
    expect(cols.hint).toContain('AS');
  });

  it('stops reading when the consumer stops, and reads the same table again afterwards', async () => {
    const f = await fixture();
    await f.exec('CREATE TABLE big (id INTEGER PRIMARY KEY, body TEXT)');
    const values = Array.from({ length: 2000 }, (_v, i) => `(${i + 1}, 'row number ${i + 1}')`).join(',');
    await f.exec(`INSERT INTO big VALUES ${values}`);
    const source = readSqlSource({ db: f.db, sql: 'SELECT id, body FROM big ORDER BY id' });
    for await (const d of source) {
      expect(d.text).toBe('row number 1');
      break;
    }
    expect(source.rows).toBe(1);
    expect(await collect({ db: f.db, sql: 'SELECT id, body FROM big' })).toHaveLength(2000);
  });
}
