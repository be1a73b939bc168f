import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteCacheBackend } from '../cache/index.js';
import { openSqliteStore } from '../store/index.js';
import { runTraceStoreConformance } from './conformance.js';
import { createMemoryTraceStore, openSqliteTraceStore } from './index.js';

runTraceStoreConformance('memory', () => createMemoryTraceStore());

let dir: string | undefined;
runTraceStoreConformance(
  'sqlite',
  () => {
    dir = mkdtempSync(join(tmpdir(), 'incontext-trace-'));
    return openSqliteTraceStore({ path: join(dir, 'incontext.db') });
  },
  () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  },
);

describe('one incontext.db for documents, cache and traces', () => {
  it('each stage migrates its own tables and none disturbs the others', async () => {
    const d = mkdtempSync(join(tmpdir(), 'incontext-shared-'));
    try {
      const path = join(d, 'incontext.db');
      const docs = openSqliteStore({ path });
      const cache = openSqliteCacheBackend({ path });
      const traces = openSqliteTraceStore({ path });
      const v = { text: 'Paris.', finishReason: { unified: 'stop' as const }, usage: { inputTokens: 1, outputTokens: 1 }, modelId: 'm' };
      await cache.setExact('k', 'p', v);
      await traces.write([{ traceId: 'f'.repeat(32), spanId: '1'.repeat(16), projectId: 'p', name: 'ask', kind: 'request', startTime: 1, endTime: 2, status: 'ok', attributes: {} }]);
      await Promise.all([docs.close(), cache.close(), traces.close()]);
      // Reopening in another order runs no migration twice.
      const traces2 = openSqliteTraceStore({ path });
      const docs2 = openSqliteStore({ path });
      const cache2 = openSqliteCacheBackend({ path });
      expect(await cache2.getExact('k')).toEqual(v);
      expect((await traces2.listTraces('p')).traces).toHaveLength(1);
      await Promise.all([docs2.close(), cache2.close(), traces2.close()]);
      const db = new Database(path, { readonly: true });
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%migrations'").all() as Array<{ name: string }>).map((r) => r.name).sort();
      expect(tables).toEqual(['cache_migrations', 'schema_migrations', 'trace_migrations']);
      expect(db.prepare('SELECT count(*) AS n FROM trace_migrations').get()).toEqual({ n: 1 });
      db.close();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
