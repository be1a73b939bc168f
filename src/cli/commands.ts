import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { CONFIG_TEMPLATE, createIncontext, IncontextError, type Hit, type Incontext } from '../app/index.js';
import { startServer } from '../server/index.js';
import { EXIT, printJson, usageError } from './output.js';
import { ingestProgress } from './progress.js';

interface GlobalOpts {
  home?: string;
  project?: string;
  config?: string;
  json?: boolean;
}

/** Open an Incontext from the global flags (flags > env > file > defaults). */
export function open(cmd: Command): { ic: Incontext; json: boolean } {
  const g = cmd.optsWithGlobals<GlobalOpts>();
  const flags: Record<string, unknown> = {};
  if (g.home) flags.home = g.home;
  if (g.project) flags.project = g.project;
  const ic = createIncontext({ flags, ...(g.config ? { configPath: g.config } : {}) });
  return { ic, json: Boolean(g.json) };
}

function hitRow(h: Hit) {
  return { chunkId: h.chunk.id, documentId: h.document.id, source: h.document.source, score: h.score, text: h.chunk.text };
}

function int(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw usageError(`--${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

function shorten(text: string, n: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > n ? t.slice(0, n - 1) + '…' : t;
}

export function registerCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('init')
    .description('write a commented incontext.config.yaml in the current directory')
    .option('--force', 'overwrite an existing config file')
    .action(function (this: Command, o: { force?: boolean }) {
      const path = resolve('incontext.config.yaml');
      if (existsSync(path) && !o.force) throw new IncontextError('BAD_REQUEST', 'incontext.config.yaml already exists', { input: { path }, hint: 'Pass --force to overwrite it.' });
      writeFileSync(path, CONFIG_TEMPLATE);
      if (this.optsWithGlobals<GlobalOpts>().json) printJson({ written: path });
      else process.stdout.write(`wrote ${path}\n`);
    });

  program
    .command('ingest')
    .description('load files and directories, or the rows of a SQL query: chunk, embed and store them (unchanged ones are skipped)')
    .argument('[paths...]', 'files or directories')
    .option('--prune', 'remove stored documents whose files (or rows) are gone')
    .option('--force', 're-process files even when unchanged')
    .option('--include <glob...>', 'only files matching these globs (relative to each directory)')
    .option('--exclude <glob...>', 'skip files matching these globs')
    .option('--sql <query>', 'ingest the rows of this SELECT (one document per row) instead of files')
    .option('--db <url>', 'with --sql: an SQLite file or postgres:// URL (or set INCONTEXT_SQL_DB, to keep a password out of the shell history)')
    .option('--id-column <name>', 'with --sql: the column that identifies a row (stable document ids)')
    .option('--text-columns <names>', 'with --sql: comma-separated columns that make the text (default: every column not used otherwise)')
    .option('--metadata-columns <names>', 'with --sql: comma-separated columns kept as metadata')
    .option('--title-column <name>', 'with --sql: the column used as the title')
    .option('--updated-column <name>', 'with --sql: an updated_at-style column; with --incremental only rows changed since the last run are read')
    .option('--incremental', 'with --sql and --updated-column: read only rows changed since the last run (its watermark is kept in the home folder)')
    .action(async function (this: Command, paths: string[], o: IngestFlags) {
      const { ic, json } = open(this);
      try {
        if (o.sql !== undefined) return await ingestSqlCommand(ic, o, json);
        if (paths.length === 0) throw usageError('Give files or directories to ingest, or --sql "SELECT ..." --db URL', 'Example: incontext ingest ./docs');
        const bar = ingestProgress(!json);
        const report = await ic.ingest(paths, {
          onProgress: bar.onProgress,
          ...(o.prune ? { prune: true } : {}),
          ...(o.force ? { force: true } : {}),
          include: o.include ?? ic.config.ingest.include,
          exclude: o.exclude ?? ic.config.ingest.exclude,
        });
        bar.stop();
        if (json) printJson(report);
        else {
          process.stdout.write(`ingested ${report.ingested} file(s) (${report.documents} documents, ${report.chunks} chunks), skipped ${report.skipped} unchanged, pruned ${report.pruned}, failed ${report.failed.length}\n`);
          for (const f of report.failed) process.stderr.write(`  failed ${f.path}: ${f.code}: ${f.message}${f.hint ? `\n    hint: ${f.hint}` : ''}\n`);
        }
        if (report.failed.length) setExit(EXIT.failed);
      } finally {
        await ic.close();
      }
    });

  program
    .command('search')
    .description('hybrid search over the project; prints the top chunks')
    .argument('[query]', 'search text')
    .option('-k, --k <n>', 'number of hits', int('k'))
    .addOption(new Option('--mode <mode>', 'retriever').choices(['hybrid', 'vector', 'keyword']))
    .option('--queries <file>', 'JSONL file of {id, query}; prints one {id, hits} line per query')
    .action(async function (this: Command, query: string | undefined, o: { k?: number; mode?: 'hybrid' | 'vector' | 'keyword'; queries?: string }) {
      if (!query && !o.queries) throw usageError('Give a query or --queries FILE.jsonl', 'Example: incontext search "how do I ingest PDFs?"');
      const { ic, json } = open(this);
      try {
        const opts = { ...(o.k ? { k: o.k } : {}), ...(o.mode ? { mode: o.mode } : {}) };
        if (o.queries) {
          const lines = readFileSync(o.queries, 'utf8').split('\n');
          for (const [i, line] of lines.entries()) {
            if (!line.trim()) continue;
            let q: { id?: unknown; query?: unknown };
            try {
              q = JSON.parse(line) as { id?: unknown; query?: unknown };
            } catch {
              throw new IncontextError('BAD_REQUEST', 'Invalid JSON line in the queries file', { input: { path: o.queries, line: i + 1 }, hint: 'Each line must be {"id": ..., "query": "..."}.' });
            }
            if (typeof q.query !== 'string') throw new IncontextError('BAD_REQUEST', 'Missing "query" string', { input: { path: o.queries, line: i + 1 }, hint: 'Each line must be {"id": ..., "query": "..."}.' });
            const hits = await ic.search(q.query, opts);
            process.stdout.write(JSON.stringify({ id: q.id, hits: hits.map(hitRow) }) + '\n');
          }
          return;
        }
        const hits = await ic.search(query as string, opts);
        if (json) printJson({ hits: hits.map(hitRow) });
        else if (!hits.length) process.stdout.write('no hits\n');
        else for (const h of hits) process.stdout.write(`${h.rank}. ${h.document.source}  score ${h.score.toFixed(4)}\n   ${shorten(h.chunk.text, 200)}\n`);
      } finally {
        await ic.close();
      }
    });

  program
    .command('ask')
    .description('answer a question from the documents, with citations')
    .argument('<question>', 'the question')
    .option('--model <provider:model>', 'e.g. openai:gpt-4o-mini, anthropic:claude-3-5-haiku-latest, ollama:llama3.2, local')
    .option('-k, --k <n>', 'chunks given to the model', int('k'))
    .option('--explain', 'print the exact messages, hits, token count and estimated cost without calling the model')
    .option('--no-stream', 'wait for the whole answer instead of streaming it')
    .action(async function (this: Command, question: string, o: { model?: string; k?: number; explain?: boolean; stream: boolean }) {
      const { ic, json } = open(this);
      try {
        const opts = { ...(o.model ? { model: o.model } : {}), ...(o.k ? { k: o.k } : {}) };
        if (o.explain) return printExplain(await ic.explain(question, opts), json);
        if (json || !o.stream) {
          const a = await ic.ask(question, opts);
          if (json) printJson({ answer: a.answer, citations: a.citations.map(({ documentId, source, chunkId, index }) => ({ index, documentId, source, chunkId })), abstained: a.abstained, usage: a.usage, model: a.model });
          else printAnswer(a.answer, a.citations);
          return;
        }
        let text = '';
        const citations = [];
        for await (const part of ic.askStream(question, opts)) {
          if (part.type === 'text-delta') {
            text += part.text;
            process.stdout.write(part.text);
          } else if (part.type === 'citation') citations.push(part.citation);
          else if (part.type === 'error') throw new IncontextError(part.error.code as 'MODEL_FAILED', part.error.message, part.error.hint ? { hint: part.error.hint } : {});
        }
        process.stdout.write(text.endsWith('\n') ? '' : '\n');
        printAnswer(undefined, citations);
      } finally {
        await ic.close();
      }
    });

  const docs = program.command('docs').description('list or remove stored documents');
  docs
    .command('list')
    .description('list documents of the project')
    .option('--limit <n>', 'at most n', int('limit'))
    .action(async function (this: Command, o: { limit?: number }) {
      const { ic, json } = open(this);
      try {
        const list = await ic.listDocuments({ limit: o.limit ?? 1000 });
        if (json) printJson({ documents: list.map((d) => ({ id: d.id, source: d.source, title: d.title, format: d.format, chunks: d.chunkCount, updatedAt: d.updatedAt })) });
        else for (const d of list) process.stdout.write(`${d.id}  ${d.format.padEnd(8)} ${String(d.chunkCount).padStart(4)} chunks  ${d.source}\n`);
      } finally {
        await ic.close();
      }
    });
  docs
    .command('rm')
    .description('remove documents by id')
    .argument('<ids...>', 'document ids (see docs list)')
    .action(async function (this: Command, ids: string[]) {
      const { ic, json } = open(this);
      try {
        const removed: string[] = [];
        const missing: string[] = [];
        for (const id of ids) ((await ic.deleteDocument(id)) ? removed : missing).push(id);
        if (json) printJson({ removed, missing });
        else process.stdout.write(`removed ${removed.length}${missing.length ? `; not found: ${missing.join(', ')}` : ''}\n`);
        if (missing.length) setExit(EXIT.failed);
      } finally {
        await ic.close();
      }
    });

  program
    .command('serve')
    .description('serve the HTTP API (/api, OpenAI-compatible /v1) and the web page')
    .option('--port <n>', 'port (default 8686)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw usageError(`--port must be 0-65535, got "${v}"`);
      return n;
    })
    .option('--host <host>', 'interface to bind (default 127.0.0.1)')
    .action(async function (this: Command, o: { port?: number; host?: string }) {
      const { ic, json } = open(this);
      const s = await startServer(ic, { ...(o.port !== undefined ? { port: o.port } : {}), ...(o.host ? { host: o.host } : {}) });
      if (json) printJson({ url: s.url });
      else process.stdout.write(`incontext serving on ${s.url}\n`);
      const stop = async () => {
        await s.close();
        await ic.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

function printAnswer(answer: string | undefined, citations: Array<{ index: number; source: string; chunkId: string }>) {
  if (answer !== undefined) process.stdout.write(answer + '\n');
  if (citations.length) {
    process.stdout.write('\nSources:\n');
    for (const c of citations) process.stdout.write(`  [${c.index}] ${c.source} (${c.chunkId})\n`);
  }
}

function printExplain(x: Awaited<ReturnType<Incontext['explain']>>, json: boolean) {
  if (json) {
    printJson({ ...x, hits: x.hits.map(hitRow) });
    return;
  }
  const cost = x.estimatedCostUsd === null ? 'unknown price' : `$${x.estimatedCostUsd.toFixed(6)}`;
  const adapter = x.queryAdapter ? `query adapter ${x.queryAdapter}\n` : '';
  process.stdout.write(`model ${x.model} · template ${x.template} · ${x.inputTokens} input tokens (+ up to ${x.maxOutputTokens} output) · est. ${cost}\n${adapter}\nretrieval steps:\n`);
  for (const s of x.steps) {
    const detail = Object.entries(s.detail).filter(([, v]) => typeof v !== 'object' || v === null).map(([k, v]) => `${k}=${String(v)}`).join(' ');
    process.stdout.write(`  ${s.name.padEnd(16)} ${String(s.in).padStart(4)} → ${String(s.out).padEnd(4)} ${s.ms.toFixed(1).padStart(7)} ms  ${detail}${s.warnings.length ? `  warnings: ${s.warnings.join('; ')}` : ''}\n`);
  }
  process.stdout.write(`support ${x.support.score.toFixed(2)} (${x.support.weak ? 'weak' : 'ok'}, threshold ${x.support.threshold})${x.abstain ? ' → ask would answer "not in the documents" without calling the model' : ''}\n\nhits:\n`);
  for (const h of x.hits) process.stdout.write(`  ${h.rank}. ${h.document.source}  fused ${h.score.toFixed(4)}  vector ${h.scores.vector?.toFixed(4) ?? '-'}  keyword ${h.scores.keyword?.toFixed(4) ?? '-'}\n`);
  for (const m of x.messages) process.stdout.write(`\n--- ${m.role} ---\n${m.content}\n`);
}

interface IngestFlags {
  prune?: boolean;
  force?: boolean;
  include?: string[];
  exclude?: string[];
  sql?: string;
  db?: string;
  idColumn?: string;
  textColumns?: string;
  metadataColumns?: string;
  titleColumn?: string;
  updatedColumn?: string;
  incremental?: boolean;
}

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((x) => x.trim()).filter(Boolean));

/** `ingest --sql`: one document per row; the watermark of an incremental read is kept per source in the home folder. */
async function ingestSqlCommand(ic: Incontext, o: IngestFlags, json: boolean): Promise<void> {
  const db = o.db ?? process.env.INCONTEXT_SQL_DB;
  if (!db) throw usageError('--sql needs --db URL (an SQLite file or postgres://...) or INCONTEXT_SQL_DB', 'Example: incontext ingest --sql "SELECT id, title, body FROM articles" --db ./app.db --id-column id');
  if (o.incremental && !o.updatedColumn) throw usageError('--incremental needs --updated-column', 'Name the column that changes when a row changes, e.g. --updated-column updated_at.');
  const marks = join(ic.homeDir, 'sql-sources.json');
  const saved = existsSync(marks) ? (JSON.parse(readFileSync(marks, 'utf8')) as Record<string, string>) : {};
  const key = `${ic.config.project}\u0000${o.sql}\u0000${o.updatedColumn ?? ''}`;
  const since = o.incremental ? saved[key] : undefined;
  const cols = { textColumns: list(o.textColumns), metadataColumns: list(o.metadataColumns) };
  const report = await ic.ingestSql({
    db,
    sql: o.sql!,
    ...(o.idColumn ? { idColumn: o.idColumn } : {}),
    ...(cols.textColumns ? { textColumns: cols.textColumns } : {}),
    ...(cols.metadataColumns ? { metadataColumns: cols.metadataColumns } : {}),
    ...(o.titleColumn ? { titleColumn: o.titleColumn } : {}),
    ...(o.updatedColumn ? { updatedColumn: o.updatedColumn } : {}),
    ...(since ? { since } : {}),
    ...(o.prune ? { prune: true } : {}),
    ...(o.force ? { force: true } : {}),
  });
  if (report.watermark !== undefined) {
    saved[key] = report.watermark;
    mkdirSync(ic.homeDir, { recursive: true });
    writeFileSync(marks, JSON.stringify(saved, null, 2));
  }
  if (json) printJson(report);
  else process.stdout.write(`ingested ${report.rows} row(s): ${report.written} written, ${report.skipped} unchanged, ${report.pruned} pruned${since ? ` (changed since ${since})` : ''}\n`);
}
