import { Command, Option } from 'commander';
import { CHUNKING_STRATEGIES, runChunkingExperiment, type ChunkingExperimentResult, type ChunkingStrategyName, type ExperimentProgress } from '../app/index.js';
import { open } from './commands.js';
import { printJson, usageError } from './output.js';

interface ChunkingFlags {
  dataset: string;
  qrels?: string;
  corpus?: string;
  strategies?: ChunkingStrategyName[];
  sizes?: number[];
  mode?: 'hybrid' | 'vector' | 'keyword';
  depth?: number;
  quiet?: boolean;
}

const strategyList = (v: string): ChunkingStrategyName[] => {
  const names = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(CHUNKING_STRATEGIES as readonly string[]).includes(n));
  if (bad.length || names.length === 0) throw usageError(`--strategies: unknown ${bad.join(', ') || '(empty list)'}`, `Choose from ${CHUNKING_STRATEGIES.join(', ')}, comma-separated.`);
  return names as ChunkingStrategyName[];
};

const sizeList = (v: string): number[] => {
  const sizes = v.split(',').map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 16 || n > 8192)) throw usageError(`--sizes must be whole numbers of tokens from 16 to 8192, got "${v}"`, 'Example: --sizes 128,256,512');
  return sizes;
};

export function registerExperimentCommands(program: Command): void {
  const experiment = program.command('experiment').description('measure settings on your own questions and documents');
  experiment
    .command('chunking')
    .description('retrieval quality of every chunking strategy × size on an evaluation set; prints the table and the config of the best')
    .requiredOption('--dataset <path>', 'JSONL of {"query", "relevant": [doc ids or sources]} or {"question", "answers"}; a BEIR folder; or a BEIR queries file with --qrels')
    .option('--qrels <file>', 'relevance judgements for a BEIR queries file (TSV, JSONL or TREC)')
    .option('--corpus <dir|jsonl>', 'documents to chunk: a folder or file as ingest reads it, or a JSONL corpus of {"_id", "title", "text"} (default: the documents already in the project)')
    .option('--strategies <list>', `comma-separated, of ${CHUNKING_STRATEGIES.join(', ')} (default recursive,sentence,markdown,semantic,parent)`, strategyList)
    .option('--sizes <list>', 'chunk sizes in tokens, comma-separated (default 128,256,512)', sizeList)
    .addOption(new Option('--mode <mode>', 'retriever (default: retrieve.mode of the config)').choices(['hybrid', 'vector', 'keyword']))
    .option('--depth <n>', 'chunks retrieved per question to rank documents (10-100, default 30)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 10 || n > 100) throw usageError(`--depth must be a whole number from 10 to 100, got "${v}"`);
      return n;
    })
    .option('--quiet', 'no progress lines on stderr')
    .action(async function (this: Command, o: ChunkingFlags) {
      const { ic, json } = open(this);
      try {
        const result = await runChunkingExperiment(ic, {
          dataset: o.dataset,
          ...(o.qrels ? { qrels: o.qrels } : {}),
          ...(o.corpus ? { corpus: o.corpus } : {}),
          ...(o.strategies ? { strategies: o.strategies } : {}),
          ...(o.sizes ? { sizes: o.sizes } : {}),
          ...(o.mode ? { mode: o.mode } : {}),
          ...(o.depth ? { depth: o.depth } : {}),
          ...(o.quiet ? {} : { onProgress: progressPrinter() }),
        });
        if (json) printJson(result);
        else process.stdout.write(renderChunkingTable(result));
      } finally {
        await ic.close();
      }
    });
}

/** Progress on stderr: a line per finished setting, and a live counter on a terminal. */
function progressPrinter(): (e: ExperimentProgress) => void {
  const tty = process.stderr.isTTY;
  return (e) => {
    if (e.phase === 'start') {
      process.stderr.write(`experiment: ${e.documents} documents, ${e.questions} questions (${e.judged} judged), ${e.settings} settings\n`);
    } else if (e.phase === 'row') {
      const r = e.row;
      process.stderr.write(`${tty ? '\r\u001b[K' : ''}[${e.setting}/${e.settings}] ${r.strategy} ${r.size}: ${r.chunks} chunks, nDCG@10 ${r.ndcg10.toFixed(3)}, ingest ${r.ingestSeconds.toFixed(1)} s (${r.embedded} embedded), queries ${r.querySeconds.toFixed(1)} s\n`);
    } else if (tty) {
      process.stderr.write(`\r\u001b[K[${e.setting}/${e.settings}] ${e.strategy} ${e.size}: ${e.phase} ${e.done}/${e.total}`);
    }
  };
}

const f3 = (x: number | null) => (x === null || Number.isNaN(x) ? '-' : x.toFixed(3));

export function renderChunkingTable(r: ChunkingExperimentResult): string {
  const answers = r.rows.some((x) => x.answerInContext !== null);
  const head = ['strategy', 'size', 'chunks', 'hit@1', 'hit@5', 'MRR', 'nDCG@10', 'p vs best', ...(answers ? [`answer@${r.k}`] : []), 'ctx tokens', 'ingest s'];
  const body = r.rows.map((x) => [
    `${x === r.best ? '*' : ' '} ${x.strategy}`,
    String(x.size),
    String(x.chunks),
    f3(x.hit1),
    f3(x.hit5),
    f3(x.mrr),
    f3(x.ndcg10),
    x.pVsBest === null ? '-' : x.pVsBest < 0.001 ? '<0.001' : x.pVsBest.toFixed(3),
    ...(answers ? [f3(x.answerInContext)] : []),
    x.contextTokens.toFixed(0),
    x.ingestSeconds.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd() + '\n';
  const out: string[] = [];
  const d = r.dataset;
  out.push(`chunking experiment: ${d.name} (${d.judged} of ${d.questions} questions judged${d.byAnswers ? `, ${d.byAnswers} by their answers` : ''}) on ${r.corpus.name} (${r.corpus.documents} documents), ${r.mode} retrieval, documents ranked from the top ${r.depth} chunks\n\n`);
  out.push(line(['  ' + head[0]!, ...head.slice(1)]), ...body.map(line));
  out.push(`\np vs best: paired permutation test of per-question nDCG@10 against the best row; 0.05 or more means the gap is within chance on this set.\n`);
  if (answers) out.push(`answer@${r.k}: share of questions with answers whose top ${r.k} chunks (the context ask sends) contain one; ctx tokens: their mean size.\n`);
  for (const w of r.warnings) out.push(`warning: ${w}\n`);
  for (const f of r.corpus.failed) out.push(`warning: not loaded ${f.path}: ${f.code}: ${f.message}\n`);
  const b = r.best;
  out.push(`\nbest: ${b.strategy} ${b.size} (nDCG@10 ${f3(b.ndcg10)}, hit@1 ${f3(b.hit1)}, MRR ${f3(b.mrr)})\n`);
  const others = r.tied.filter((x) => x !== b);
  if (others.length) {
    const cheapest = [...r.tied].sort((x, y) => x.contextTokens - y.contextTokens)[0]!;
    out.push(`not significantly worse (p >= 0.05): ${others.map((x) => `${x.strategy} ${x.size}`).join(', ')}`);
    out.push(cheapest === b ? '\n' : `; of these, ${cheapest.strategy} ${cheapest.size} sends the smallest context (${cheapest.contextTokens.toFixed(0)} tokens)\n`);
  }
  out.push(`to use it, put these lines in incontext.config.yaml and re-ingest with --force:\n\n${r.configYaml.replace(/^/gm, '  ').trimEnd()}\n`);
  return out.join('');
}
