/**
 * `npm run bench [-- section...]`: incontext against peer libraries, measured in one
 * run on the same data and reported as ratios. Sections: chunking, vector, bm25, rag, gateway.
 * A full run rewrites bench/RESULTS.md; a partial run only prints, so a quick check
 * of one section never replaces the full record with a fragment.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { bm25Section } from './bm25.js';
import { chunkingSection } from './chunking.js';
import { gatewaySection } from './gateway/index.js';
import { portkeyVersion } from './gateway/processes.js';
import { machineLines as gatewayMachineLines, RESULTS, sectionMarkdown } from './gateway/results.js';
import { log, machineLines, msSince, now, renderMarkdown, renderText, settle, type Section, type Table } from './lib.js';
import { ragSection } from './rag.js';
import { vectorSection } from './vector.js';

const SECTIONS: Section[] = [chunkingSection, vectorSection, bm25Section, ragSection, gatewaySection];
const PEERS = ['@langchain/textsplitters', '@langchain/classic', '@langchain/core', 'vectra', 'minisearch', 'js-tiktoken', 'better-sqlite3', '@portkey-ai/gateway', 'autocannon'];



/** The `<!-- name:start -->…<!-- name:end -->` blocks of a results file, but those named in `drop`. */
function keptBlocks(text: string, drop: string[]): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/<!-- ([\w-]+):start -->[\s\S]*?<!-- \1:end -->/g)) if (!drop.includes(m[1]!)) out.push(m[0]);
  return out;
}

function gatewayBlock(gatewayTables: Table[]): string {
  const intro = [
    `Section of \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; alone: \`npm run bench:gateway -- --write\`. Goals (issue 4): ≥ 2× Portkey's requests/s, ≤ 1 ms added p50, exact-cache hit ≤ 0.2 ms p50 in process, semantic hit ≤ 2 ms at 100k entries.`,
    '',
    ...gatewayMachineLines([`- Peers: @portkey-ai/gateway ${portkeyVersion()}, load generator autocannon`]),
  ];
  const md = sectionMarkdown('Gateway', intro, gatewayTables, new URL('./gateway/analysis.md', import.meta.url));
  return `<!-- gateway:start -->\n${md.trimEnd()}\n<!-- gateway:end -->`;
}

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
  const tablesBySection = new Map<string, Table[]>();
  for (const s of chosen) {
    log(`section ${s.name}: ${s.title}`);
    const t = now();
    const out = await s.run();
    for (const table of out) process.stdout.write(`${renderText(table)}\n`);
    tables.push(...out);
    tablesBySection.set(s.name, out);
    log(`section ${s.name} took ${(msSince(t) / 1000).toFixed(1)} s`);
    settle();
  }
  const totalS = msSince(started) / 1000;
  const gatewayTables = tablesBySection.get('gateway') ?? [];
  header.push(`- Peak RSS of the run: ${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(1)} GiB`);
  const summary = tables.flatMap((t) => (t.summary ? [`- ${t.summary}`] : []));
  process.stdout.write(`\n== Summary ==\n${summary.join('\n')}\n\n${header.join('\n')}\nTotal ${totalS.toFixed(0)} s\n`);
  if (chosen.length !== SECTIONS.length) return;
  const md = [
    '# incontext benchmarks',
    '',
    `Run of \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (${totalS.toFixed(0)} s). Every peer is measured in the same process on the same data; read the ratios, not the absolute milliseconds.`,
    `One section: \`npm run bench -- ${SECTIONS.map((s) => s.name).join('|')}\` (prints only; a full run rewrites this file, keeping the marked blocks other benchmarks write: cache, retrieval, guard, PII, and the hand-written ones). Data: the development sets in ../shared/datasets (INCONTEXT_DATASETS overrides); scratch files and the local embedder cache under the OS temp dir, incontext-bench/.`,
    '',
    ...header,
    '',
    '## Summary',
    '',
    ...tables.flatMap((t) => (t.summary ? [`- ${t.summary}`] : [])),
    '',
    '## Figures',
    '',
    ...tables.filter((t) => !gatewayTables.includes(t)).flatMap((t) => [renderMarkdown(t), '']),
  ].join('\n');
  // The other benchmarks' blocks (cache, retrieval, guard, PII, and the hand-written ones) are kept
  // as they are; the gateway block is written anew from this run, with its hand-written reading.
  const kept = keptBlocks(readFileSync(RESULTS, 'utf8'), ['gateway']);
  writeFileSync(RESULTS, `${md.trimEnd()}\n\n${gatewayBlock(gatewayTables)}\n${kept.length ? `\n${kept.join('\n\n')}\n` : ''}`);
  log('wrote bench/RESULTS.md');
}

await main();
