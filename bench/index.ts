/**
 * `npm run bench [-- section...]`: incontext against peer libraries, measured in one
 * run on the same data and reported as ratios. Sections: chunking, vector, bm25, rag, gateway.
 * A full run rewrites bench/RESULTS.md; a partial run only prints, so a quick check
 * of one section never replaces the full record with a fragment.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bm25Section } from './bm25.js';
import { chunkingSection } from './chunking.js';
import { gatewaySection } from './gateway/index.js';
import { log, machineLines, msSince, now, renderMarkdown, renderText, ROOT, settle, type Section, type Table } from './lib.js';
import { ragSection } from './rag.js';
import { vectorSection } from './vector.js';

const SECTIONS: Section[] = [chunkingSection, vectorSection, bm25Section, ragSection, gatewaySection];
const PEERS = ['@langchain/textsplitters', '@langchain/classic', '@langchain/core', 'vectra', 'minisearch', 'js-tiktoken', 'better-sqlite3', '@portkey-ai/gateway', 'autocannon'];



async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = args.filter((a) => !SECTIONS.some((s) => s.name === a));
  if (unknown.length) {
    process.stderr.write(`Unknown section ${unknown.join(', ')}; choose from ${SECTIONS.map((s) => s.name).join(', ')}.\n`);
    process.exit(2);
  }
  const chosen = args.length ? SECTIONS.filter((s) => args.includes(s.name)) : SECTIONS;
  const header = machineLines(PEERS);
  const started = now();
  const tables: Table[] = [];
  for (const s of chosen) {
    log(`section ${s.name}: ${s.title}`);
    const t = now();
    const out = await s.run();
    for (const table of out) process.stdout.write(`${renderText(table)}\n`);
    tables.push(...out);
    log(`section ${s.name} took ${(msSince(t) / 1000).toFixed(1)} s`);
    settle();
  }
  const totalS = msSince(started) / 1000;
  header.push(`- Peak RSS of the run: ${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(1)} GiB`);
  const summary = tables.flatMap((t) => (t.summary ? [`- ${t.summary}`] : []));
  process.stdout.write(`\n== Summary ==\n${summary.join('\n')}\n\n${header.join('\n')}\nTotal ${totalS.toFixed(0)} s\n`);
  if (chosen.length !== SECTIONS.length) return;
  const md = [
    '# incontext benchmarks',
    '',
    `Run of \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (${totalS.toFixed(0)} s). Every peer is measured in the same process on the same data; read the ratios, not the absolute milliseconds.`,
    `One section: \`npm run bench -- ${SECTIONS.map((s) => s.name).join('|')}\` (prints only; a full run rewrites this file). Data: the development sets in ../shared/datasets (INCONTEXT_DATASETS overrides); scratch files and the local embedder cache under the OS temp dir, incontext-bench/.`,
    '',
    ...header,
    '',
    '## Summary',
    '',
    ...tables.flatMap((t) => (t.summary ? [`- ${t.summary}`] : [])),
    '',
    '## Figures',
    '',
    ...tables.flatMap((t) => [renderMarkdown(t), '']),
  ].join('\n');
  writeFileSync(join(ROOT, 'bench', 'RESULTS.md'), md);
  log('wrote bench/RESULTS.md');
}

await main();
