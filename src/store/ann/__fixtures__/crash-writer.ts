/**
 * Child process for the crash tests: opens the store with an ANN index, changes it, and
 * dies without closing (so the index file is never saved with the change).
 *   crash-writer.ts <db> exit <seed>   add origin "crash-new", delete origin "o-1", search, process.exit
 *   crash-writer.ts <db> loop <seed>   keep replacing origins and printing "wrote N" until killed
 */
import { prng } from '../../../core/index.js';
import { openSqliteStore } from '../../index.js';
import { MODEL, PROJECT, entryOf, randomUnit } from './data.js';

const [path, mode, seedText] = process.argv.slice(2);
const rand = prng(Number(seedText));
const store = openSqliteStore({ path: path!, ann: { mode: 'ann', saveEvery: 1_000_000 } });
const batch = (origin: string, n: number) => {
  const vectors = Array.from({ length: n }, () => randomUnit(rand));
  return entryOf(origin, vectors.map((_, i) => `${origin} line ${i}`), vectors);
};
await store.vectorSearch({ projectId: PROJECT, model: MODEL, vector: randomUnit(rand), k: 5 });
if (mode === 'exit') {
  await store.replaceOrigin(PROJECT, 'crash-new', [batch('crash-new', 40)]);
  await store.deleteOrigin(PROJECT, 'o-1');
  await store.vectorSearch({ projectId: PROJECT, model: MODEL, vector: randomUnit(rand), k: 5 });
  process.stdout.write(`${JSON.stringify(store.ann?.status())}\n`);
  process.exit(0);
}
for (let i = 0; ; i++) {
  await store.replaceOrigin(PROJECT, `o-${i % 7}`, [batch(`o-${i % 7}`, 30)]);
  process.stdout.write(`wrote ${i}\n`);
}
