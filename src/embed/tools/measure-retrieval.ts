/**
 * Measures the local embedders on the development sets (not a test: it needs
 * ../shared/datasets and the built GloVe cache). Prints hit@5 of the gold
 * paragraph on the SQuAD "Normans" slice and nDCG@10 / recall@10 on SciFact.
 *   npx tsx src/embed/tools/measure-retrieval.ts [cacheDir] [vocabSizes, e.g. 100000,200000]
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashEmbed } from '../hashing.js';
import { loadGloveCache } from '../glove/cache.js';
import { DEFAULT_SIF, SifModel, type SifSettings } from '../glove/sif.js';
import { evaluate, fmt } from './measure-lib.js';

const cacheDir = process.argv[2] ?? join(tmpdir(), 'incontext-test-glove');

console.log(`hash-384            ${fmt(evaluate((ts) => ts.map((t) => hashEmbed(t, 384))))}`);

const variants: Array<[string, Partial<SifSettings>]> = [
  ['default', {}],
  ['no common comp.', { removeCommonComponent: false }],
  ['no oov handling', { subwordFallback: false, hashedOovScale: 0 }],
  ['subword only', { hashedOovScale: 0 }],
  ['hash only', { subwordFallback: false }],
  ['a=1e-3', { a: 1e-3 }],
  ['a=1e-4', { a: 1e-4 }],
];

for (const vocab of (process.argv[3] ?? '100000').split(',').map(Number)) {
  const { table } = await loadGloveCache({ cacheDir, vocabSize: vocab });
  for (const [name, settings] of variants) {
    const model = new SifModel(table, { ...DEFAULT_SIF, ...settings });
    console.log(`${vocab} ${name.padEnd(20)} ${fmt(evaluate((ts) => ts.map((t) => model.embed(t))))}`);
  }
}
