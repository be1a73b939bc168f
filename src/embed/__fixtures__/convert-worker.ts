/**
 * Child process for the cross-process cache test: waits for a "go" file so that
 * two workers start converting at the same moment, then loads the cache and
 * prints whether it converted.
 *   node --import tsx convert-worker.ts <cacheDir> <vocabSize> <goFile>
 */
import { existsSync } from 'node:fs';
import { loadGloveCache } from '../glove/index.js';

const [cacheDir, vocab, goFile] = process.argv.slice(2);
while (!existsSync(goFile!)) await new Promise((resolve) => setTimeout(resolve, 5));
const loaded = await loadGloveCache({ cacheDir: cacheDir!, vocabSize: Number(vocab) });
process.stdout.write(JSON.stringify({ converted: loaded.converted, words: loaded.table.words.length }));
