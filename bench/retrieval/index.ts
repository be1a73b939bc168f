/**
 * `npm run bench:retrieval [-- quality|speed]`: retrieval quality of every incontext
 * configuration next to LangChain and Orama on the development sets (same documents,
 * same embedder), and hybrid query speed on 100k chunks against Orama.
 * A full run writes bench/retrieval/RESULTS.md and the "Retrieval quality" section of
 * bench/RESULTS.md; a partial run only prints.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGloveEmbedder, loadGloveCache } from '../../src/embed/index.js';
import { createLexicon } from '../../src/retrieve/rerank/index.js';
import { BENCH_TMP, log, machineLines, msSince, now, renderMarkdown, renderText, ROOT, settle, type Table } from '../lib.js';
import { loadRagDev, loadSciFact } from './data.js';
import { BENCH_MODEL, bestOurs, MODEL_CONFIGS, qualityRows, qualityTable, type Row } from './quality.js';
import { speedTable } from './speed.js';

const PARTS = ['quality', 'speed'];
const START = '<!-- retrieval:start -->';
const END = '<!-- retrieval:end -->';



function summarize(rows: Row[], dataset: string): string | undefined {
  const mine = rows.filter((r) => r.dataset === dataset);
  const best = bestOurs(mine);
  const peers = mine.filter((r) => r.peer);
  if (!best) return undefined;
  const bm25 = mine.find((r) => r.name.startsWith('BM25 ('));
  const beats = peers.every((p) => best.q.hit5 >= p.q.hit5 && best.q.ndcg10 > p.q.ndcg10);
  return `${dataset}: best incontext configuration "${best.name}" nDCG@10 ${best.q.ndcg10.toFixed(3)} / hit@5 ${best.q.hit5.toFixed(3)}${bm25 ? ` (BM25 ${bm25.q.ndcg10.toFixed(3)} / ${bm25.q.hit5.toFixed(3)})` : ''}; ${peers.map((p) => `${p.name.split(' ')[0]} ${p.q.ndcg10.toFixed(3)} / ${p.q.hit5.toFixed(3)}`).join(', ')}; ${beats ? 'beats both peers on both' : 'does NOT beat every peer on both'}.`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = args.filter((a) => !PARTS.includes(a));
  if (unknown.length) {
    process.stderr.write(`Unknown part ${unknown.join(', ')}; choose from ${PARTS.join(', ')}.\n`);
    process.exit(2);
  }
  const chosen = args.length ? args : PARTS;
  const header = machineLines(['@langchain/textsplitters', '@langchain/classic', '@langchain/core', '@orama/orama']);
  const started = now();
  const cacheDir = join(BENCH_TMP, 'glove');
  const embedder = createGloveEmbedder({ cacheDir });
  const lexicon = createLexicon((await loadGloveCache({ cacheDir })).table);
  const datasets = [loadRagDev(), loadSciFact()];
  const tables: Table[] = [];
  const summary: string[] = [];
  if (chosen.includes('quality')) {
    const rows: Row[] = [];
    for (const ds of datasets) {
      const t = now();
      const r = await qualityRows(ds, embedder, lexicon);
      rows.push(...r);
      const table = qualityTable(ds, r, `chunked 384/48 tokens, one store; embedder ${embedder.id} for every vector, peers included`);
      table.notes = [
        'Document-level metrics: a document ranks where its best chunk ranks. rag-dev gold = the question\'s paragraph (all 208 questions, unanswerable ones included).',
        'incontext rows run through retrievePipeline: hybrid = RRF keyword 1 / vector 0.3, k=10, 50 candidates per retriever; PRF = RM3-style feedback terms from the top 10 keyword hits, searched as a second query and fused by RRF; word neighbours = nearest GloVe words of each query word; rerank = the local learned reranker over the top 50 (weights trained on inverse-cloze pseudo-queries from the corpora, never on these queries).',
        'LangChain: RecursiveCharacterTextSplitter (1536/192 characters ≈ 384/48 tokens) + MemoryVectorStore, vector search only (its documented setup). Orama: the same chunks and vectors as incontext, hybrid mode.',
        BENCH_MODEL
          ? `HyDE and multi-query rows ask ${BENCH_MODEL} (INCONTEXT_BENCH_MODEL) at temperature 0; their latency includes the model call.`
          : `HyDE and multi-query need a generative model and none ships offline (the local answerer is extractive), so their rows are absent here: set INCONTEXT_BENCH_MODEL=provider:model (e.g. openai:gpt-4o-mini with OPENAI_API_KEY) to add ${MODEL_CONFIGS.map((c) => `"${c.name}"`).join(', ')}.`,
        `Took ${(msSince(t) / 1000).toFixed(0)} s.`,
      ];
      process.stdout.write(`${renderText(table)}\n`);
      tables.push(table);
      const line = summarize(rows, ds.name);
      if (line) summary.push(line);
      settle();
    }
  }
  if (chosen.includes('speed')) {
    const table = await speedTable(datasets[1]!, embedder);
    process.stdout.write(`${renderText(table)}\n`);
    tables.push(table);
    if (table.summary) summary.push(table.summary);
  }
  const totalS = msSince(started) / 1000;
  header.push(`- Peak RSS ${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(1)} GiB; total ${totalS.toFixed(0)} s`);
  process.stdout.write(`\n== Summary ==\n${summary.map((s) => `- ${s}`).join('\n')}\n\n${header.join('\n')}\n`);
  if (chosen.length !== PARTS.length) return;

  const body = [
    `Run of \`npm run bench:retrieval\` on ${new Date().toISOString().slice(0, 10)}. Data: ../shared/datasets (SciFact, SQuAD rag-dev).`,
    '',
    ...header,
    '',
    ...summary.map((s) => `- ${s}`),
    '',
    ...tables.flatMap((t) => [renderMarkdown(t), '']),
  ].join('\n');
  writeFileSync(join(ROOT, 'bench', 'retrieval', 'RESULTS.md'), `# Retrieval quality and speed\n\n${body}`);
  const main = join(ROOT, 'bench', 'RESULTS.md');
  const section = `${START}\n## Retrieval quality\n\n${body.replaceAll('\n### ', '\n#### ').replace(/^### /, '#### ')}\n${END}`;
  const old = existsSync(main) ? readFileSync(main, 'utf8') : '# incontext benchmarks\n';
  const at = old.indexOf(START);
  const end = old.indexOf(END);
  writeFileSync(main, at >= 0 && end > at ? `${old.slice(0, at)}${section}${old.slice(end + END.length)}` : `${old.trimEnd()}\n\n${section}\n`);
  log('wrote bench/retrieval/RESULTS.md and the retrieval section of bench/RESULTS.md');
}

await main();
