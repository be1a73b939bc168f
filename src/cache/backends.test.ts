import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCacheConformance } from './conformance.js';
import { createMemoryCacheBackend, openSqliteCacheBackend } from './index.js';

runCacheConformance('memory', (o) => createMemoryCacheBackend(o));

const dirs: string[] = [];
runCacheConformance(
  'sqlite',
  (o) => {
    const dir = mkdtempSync(join(tmpdir(), 'incontext-cache-'));
    dirs.push(dir);
    return openSqliteCacheBackend({ ...o, path: join(dir, 'incontext.db') });
  },
  () => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  },
);

describe('sqlite cache backend', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('persists across reopen and sees writes made by another connection', async () => {
    dir = mkdtempSync(join(tmpdir(), 'incontext-cache-'));
    const path = join(dir, 'incontext.db');
    const a = openSqliteCacheBackend({ path });
    const b = openSqliteCacheBackend({ path });
    const v = { text: 't', finishReason: { unified: 'stop' as const }, usage: { inputTokens: 1, outputTokens: 1 }, modelId: 'm' };
    // b loads partition P (empty) first, then a writes into it: b must notice.
    expect(await b.searchSemantic('P', Float32Array.of(1, 0), 0.5)).toBeUndefined();
    await a.setSemantic('P', 'p', 'q', Float32Array.of(1, 0), v);
    await a.setExact('k', 'p', v);
    expect((await b.searchSemantic('P', Float32Array.of(1, 0), 0.5))?.value).toEqual(v);
    await a.close();
    await b.close();
    const c = openSqliteCacheBackend({ path });
    expect(await c.getExact('k')).toEqual(v);
    expect(await c.size()).toEqual({ exact: 1, semantic: 1 });
    await c.close();
  });

  it('names the file in the error when it cannot open', () => {
    const d = mkdtempSync(join(tmpdir(), 'incontext-cache-'));
    dir = d;
    expect(() => openSqliteCacheBackend({ path: join(d, 'x.db', '\0bad') })).toThrow(/cache database/);
  });
});
