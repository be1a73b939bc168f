import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LoadedDocument } from '../types.js';
import { failure } from './__fixtures__/contract.js';
import { readSqlSource, syncSqlSource, type SqlSyncSink } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'incontext-sqlsync-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function exec(path: string, sql: string): void {
  const db = new Database(path);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

/** A stand-in for the store: origin → stored document, plus a log of what was written. */
function memorySink(): SqlSyncSink & { stored: Map<string, LoadedDocument>; writes: string[][] } {
  const stored = new Map<string, LoadedDocument>();
  const known = new Map<string, string>();
  const writes: string[][] = [];
  return {
    stored,
    writes,
    known,
    async write(docs) {
      writes.push(docs.map((d) => d.origin.split('#')[1]!));
      for (const d of docs) {
        stored.set(d.origin, d);
        known.set(d.origin, d.contentHash);
      }
    },
    async remove(origin) {
      stored.delete(origin);
      known.delete(origin);
    },
  };
}

describe('syncSqlSource', () => {
  const path = join(root, 'kb.db');
  exec(
    path,
    `CREATE TABLE faq (id INTEGER PRIMARY KEY, question TEXT, answer TEXT, updated_at TEXT);
     INSERT INTO faq VALUES (1, 'How do I install?', 'npm i incontext', '2024-01-01'), (2, 'Where is the config?', 'incontext.config.yaml', '2024-01-02'),
       (3, 'Which Node?', 'Node 22 or newer', '2024-01-03')`,
  );
  const sql = 'SELECT id, question, answer, updated_at FROM faq';
  const read = () => readSqlSource({ db: path, sql, updatedColumn: 'updated_at' });
  const sink = memorySink();

  it('writes every row the first time, in batches, then skips unchanged rows', async () => {
    const first = await syncSqlSource(read(), sink, { batchSize: 2 });
    expect(first).toEqual({ rows: 3, written: 3, skipped: 0, pruned: 0, watermark: '2024-01-03' });
    expect(sink.writes).toEqual([['1', '2'], ['3']]);
    const again = await syncSqlSource(read(), sink);
    expect(again).toMatchObject({ rows: 3, written: 0, skipped: 3 });
  });

  it('writes changed rows only, and prunes deleted ones on a full read', async () => {
    exec(path, `UPDATE faq SET answer = 'npm install incontext', updated_at = '2024-02-01' WHERE id = 1; DELETE FROM faq WHERE id = 2`);
    sink.writes.length = 0;
    const r = await syncSqlSource(read(), sink, { prune: true });
    expect(r).toMatchObject({ rows: 2, written: 1, skipped: 1, pruned: 1 });
    expect(sink.writes).toEqual([['1']]);
    expect([...sink.stored.keys()].map((o) => o.split('#')[1])).toEqual(['1', '3']);
    expect(sink.stored.get(`sql:${path}/faq#1`)!.text).toContain('npm install incontext');
  });

  it('leaves other sources alone when pruning, and refuses to prune a since read', async () => {
    const other = memorySink();
    await other.write([{ origin: 'docs/readme.md', source: 'docs/readme.md', format: 'markdown', text: 'x', metadata: {}, contentHash: 'h' }]);
    await syncSqlSource(read(), other, { prune: true });
    expect(other.stored.has('docs/readme.md')).toBe(true);
    const err = await failure(() => syncSqlSource(readSqlSource({ db: path, sql, updatedColumn: 'updated_at', since: '2024-01-15' }), other, { prune: true }));
    expect(err.input?.key).toBe('prune');
  });

  it('force rewrites unchanged rows', async () => {
    const r = await syncSqlSource(read(), sink, { force: true });
    expect(r).toMatchObject({ written: 2, skipped: 0 });
  });
});
