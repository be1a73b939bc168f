/**
 * `npm run bench:cache [-- --quick] [-- --only quality|speed] [-- --write]`: semantic-cache hit quality
 * (precision = 1 − false-hit rate, and recall) on bench/cache/pairs.jsonl by
 * threshold and guard, with the default local embedder and a 384-d one; then
 * exact- and semantic-hit latency in process (100k entries).
 *
 * pairs.jsonl: 200 hand-written question pairs (100 paraphrases, 100 hard
 * non-paraphrases sharing most words). No paraphrase corpus (PAWS, QQP, MRPC)
 * ships in an npm package or in ../shared/datasets, so they were written for this
 * benchmark, after the word-swap guard, and are not used to tune it.
 * --write replaces the "Cache" block of bench/RESULTS.md (a whole run only).
 * --only quality skips the latency part (about a minute instead of many).
 */
import { createHashingEmbedder } from '../../src/embed/index.js';
import { log, msSince, now, renderText } from '../lib.js';
import { machineLines, sectionMarkdown, writeResultsBlock } from '../gateway/results.js';
import { gloveEmbedder, loadPairs } from './data.js';
import { fixtureSets, measureQuality } from './quality.js';
import { measureCacheSpeed } from './speed.js';

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const write = process.argv.includes('--write');
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
  if (only !== undefined && only !== 'quality' && only !== 'speed') throw new Error(`--only takes quality or speed, got ${only ?? 'nothing'}`);
  if (quick && write) throw new Error('--quick runs are harness checks; run without --quick to --write figures.');
  if (only && write) throw new Error('--write replaces the whole Cache block; run without --only to --write figures.');
  const started = now();
  const pairs = loadPairs();
  const embedders = [await gloveEmbedder(), createHashingEmbedder({ dimensions: 384 })];
  const tables = [];
  if (only !== 'speed') {
    const quality = await measureQuality(embedders, pairs);
    const fixtures = new URL('../../src/cache/__fixtures__/', import.meta.url);
    const older = await fixtureSets(embedders, [
      { name: 'pairs.jsonl', pairs: loadPairs(new URL('pairs.jsonl', fixtures)) },
      { name: 'pairs-heldout.jsonl', pairs: loadPairs(new URL('pairs-heldout.jsonl', fixtures)) },
      { name: 'pairs-fresh.jsonl', pairs: loadPairs(new URL('./pairs-fresh.jsonl', import.meta.url)) },
    ]);
    tables.push(...quality.tables, older);
  }
  if (only !== 'quality') tables.push(...(await measureCacheSpeed(quick ? { entries: 10_000, queries: 50 } : { entries: 100_000, queries: 120 })));
  for (const t of tables) process.stdout.write(`${renderText(t)}\n`);
  const summary = tables.flatMap((t) => (t.summary ? [`- ${t.summary}`] : []));
  process.stdout.write(`\n== Summary ==\n${summary.join('\n')}\n`);
  if (write) {
    const intro = [
      `\`npm run bench:cache -- --write\` on ${new Date().toISOString().slice(0, 10)} (${(msSince(started) / 1000).toFixed(0)} s). Data: bench/cache/pairs.jsonl, 200 hand-written question pairs (100 paraphrases, 100 non-paraphrases that share most of their words: direction, negation, numbers, entities, question word, antonyms, qualifiers). No public paraphrase set (PAWS, QQP, MRPC) ships in an npm package or in ../shared/datasets; these pairs were written for this benchmark. They and src/cache/__fixtures__/pairs.jsonl are the development sets the hit verifier was built on; src/cache/__fixtures__/pairs-heldout.jsonl and bench/cache/pairs-fresh.jsonl were run only after its rules and the default threshold were fixed (table "development and held-out sets").`,
      '',
      ...machineLines(),
    ];
    writeResultsBlock('Cache', sectionMarkdown('Cache', intro, tables, new URL('./analysis.md', import.meta.url)));
    log('wrote the Cache block of bench/RESULTS.md');
  }
}

await main();
