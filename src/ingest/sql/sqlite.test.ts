import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, failure, sqlSourceContract } from './__fixtures__/contract.js';

const root = mkdtempSync(join(tmpdir(), 'incontext-sql-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function newDb(): { path: string; exec: (sql: string) => void } {
  const path = join(root, `t${++n}.db`);
  return {
    path,
    exec(sql) {
      const db = new Database(path);
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
  };
}

describe('SQL source on SQLite', () => {
  sqlSourceContract(async () => {
    const d = newDb();
    d.exec('SELECT 1');
    return { db: d.path, label: d.path, exec: async (sql) => d.exec(sql) };
  });

  it('keeps 64-bit keys exact, and puts JSON, blobs and NULLs where they belong', async () => {
    const d = newDb();
    d.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, attrs TEXT, picture BLOB, price REAL, note TEXT);
      INSERT INTO items VALUES (9007199254740993, 'Lamp', '{"color":"red"}', x'89504e47', 12.5, NULL)`);
    const [doc] = await collect({ db: d.path, sql: 'SELECT id, name, json(attrs) AS attrs, picture, price, note FROM items', textColumns: ['name', 'attrs'] });
    expect(doc!.origin).toBe(`sql:${d.path}/items#9007199254740993`);
    expect(doc!.text).toBe('name: Lamp\nattrs: {"color":"red"}');
    // The blob has no text form and is left out of the metadata; NULL stays a null.
    expect(doc!.metadata).toEqual({ id: '9007199254740993', price: 12.5, note: null });
    expect(doc!.title).toBe('Lamp');
    const blob = await failure(() => collect({ db: d.path, sql: 'SELECT id, picture FROM items', textColumns: ['picture'] }));
    expect(blob.message).toContain('binary');
    expect(blob.hint).toContain('CAST');
  });

  it('accepts file: and sqlite: URLs, and uses the row number without an id column', async () => {
    const d = newDb();
    d.exec(`CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('first'), ('second');`);
    for (const db of [pathToFileURL(d.path).href, `sqlite:${d.path}`]) {
      const docs = await collect({ db, sql: 'SELECT body FROM notes', name: 'notes' });
      expect(docs.map((x) => x.origin)).toEqual([`sql:${d.path}/notes#row=1`, `sql:${d.path}/notes#row=2`]);
      expect(docs[1]!.title).toBe('notes row=2');
    }
    const since = await failure(() => collect({ db: d.path, sql: 'SELECT rowid AS n, body FROM notes', updatedColumn: 'n', since: '1' }));
    expect(since.input?.key).toBe('idColumn');
  });

  it('compares a numeric watermark as a number', async () => {
    const d = newDb();
    d.exec(`CREATE TABLE v (id INTEGER PRIMARY KEY, body TEXT, version INTEGER);
      INSERT INTO v VALUES (1, 'a', 9), (2, 'b', 10), (3, 'c', 11)`);
    const docs = await collect({ db: d.path, sql: 'SELECT * FROM v;', updatedColumn: 'version', since: '10' });
    expect(docs.map((x) => x.text)).toEqual(['b', 'c']);
  });

  it('says when the file is missing or not a database', async () => {
    const missing = await failure(() => collect({ db: join(root, 'nope.db'), sql: 'SELECT 1' }));
    expect(missing.code).toBe('FILE_UNREADABLE');
    expect(missing.input?.path).toBe(join(root, 'nope.db'));
    expect(missing.hint).toMatch(/exist/);
    const junk = join(root, 'junk.db');
    writeFileSync(junk, 'this is not a database, just text '.repeat(200));
    const notDb = await failure(() => collect({ db: junk, sql: 'SELECT 1' }));
    expect(notDb.code).toBe('FILE_UNREADABLE');
    expect(notDb.message).toContain('not a database');
  });

  it('refuses unsupported URL schemes and a since without its column', async () => {
    const mysql = await failure(() => collect({ db: 'mysql://u:p@h/db', sql: 'SELECT 1' }));
    expect(mysql.input?.key).toBe('db');
    expect(mysql.message).not.toContain('u:p');
    const since = await failure(() => collect({ db: 'x.db', sql: 'SELECT 1', since: '2024' }));
    expect(since.input?.key).toBe('since');
  });
});
