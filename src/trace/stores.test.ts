import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
