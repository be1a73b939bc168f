import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreConformance } from './conformance.js';
import { openSqliteStore } from './index.js';

let dir: string | undefined;

runStoreConformance(
  'sqlite',
  () => {
    dir = mkdtempSync(join(tmpdir(), 'incontext-store-'));
    return openSqliteStore({ path: join(dir, 'store.db') });
  },
  () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  },
);
