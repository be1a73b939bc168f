/**
 * The chunking experiment: one evaluation set, one corpus, every chunking
 * strategy × size. Each setting gets its own throwaway in-memory SQLite store,
 * filled by the ingest code path and searched through `createIncontext(...).search`
 * with the project's config (retrieval steps, weights, mode), so a row measures
 * exactly what `ask` would retrieve under that chunking. Embeddings go through the
 * project's embedding cache: a chunk text seen in any earlier setting or run is
 * never embedded twice.
 */
import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigInput } from '../config/index.js';
import { createLogger, IncontextError, sha256, stableId, toIncontextError } from '../core/index.js';
import { resolveEmbedder, withEmbeddingCache, type Embedder } from '../embed/index.js';
import {
  answerInTop,
  createCorpusJudge,
  dedupeRanking,
  documentKeys,
  loadCorpusJsonl,
  loadEvalSet,
  meanScores,
  pairedPermutationTest,
  scoreRanking,
  type CorpusRecord,
  type EvalQuery,
  type EvalSet,
  type RetrievalScores,
} from '../eval/index.js';
import { loadFile, walk, type LoadedDocument } from '../ingest/index.js';
import type { RetrieveMode } from '../retrieve/index.js';
import { openSqliteStore } from '../store/index.js';
import { createIncontext, type Incontext } from './incontext.js';
import { buildEntries, type IngestFailure } from './ingest.js';

export const CHUNKING_STRATEGIES = ['recursive', 'sentence', 'markdown', 'semantic', 'parent', 'auto'] as const;
export type ChunkingStrategyName = (typeof CHUNKING_STRATEGIES)[number];

export const DEFAULT_STRATEGIES: readonly ChunkingStrategyName[] = ['recursive', 'sentence', 'markdown', 'semantic', 'parent'];
export const DEFAULT_SIZES: readonly number[] = [128, 256, 512];

/** The `chunk` section of the config for one setting, as it would be written in incontext.config.yaml. */
export interface ChunkSection {
  strategy: 'auto' | 'recursive' | 'markdown' | 'sentence';
  size: number;
  overlap: number;
  semantic?: { enabled: true };
  parent?: { enabled: true; size: number };
}

export interface ChunkingExperimentOptions {
  /** The questions: a loaded set, or a path (JSONL of {query, relevant|answers}, a BEIR folder, or a queries file with `qrels`). */
  dataset: EvalSet | string;
  /** qrels file for a BEIR queries file given as `dataset`. */
  qrels?: string;
  /**
   * The documents: a directory or file (loaded as `ingest` loads them), a JSONL corpus of
   * `{_id, title, text}` records, or the records themselves. Default: a BEIR folder's corpus.jsonl,
   * else the documents already ingested into the project.
   */
  corpus?: string | CorpusRecord[];
  strategies?: readonly ChunkingStrategyName[];
  /** Chunk sizes in tokens. */
  sizes?: readonly number[];
  /** Default: the project's `retrieve.mode`. */
  mode?: RetrieveMode;
  /** Chunks retrieved per question to rank documents; enough that 10 distinct documents remain (default 30). */
  depth?: number;
  /** The uncached embedder; default the project's `embed.model`. The project's embedding cache is always used. */
  embedder?: Embedder;
  env?: NodeJS.ProcessEnv;
  /** Relative corpus paths and document sources are relative to this (default the process's working directory). */
  cwd?: string;
  onProgress?: (event: ExperimentProgress) => void;
}

export type ExperimentProgress =
  | { phase: 'start'; documents: number; questions: number; judged: number; settings: number }
  | { phase: 'ingest' | 'query'; strategy: ChunkingStrategyName; size: number; setting: number; settings: number; done: number; total: number }
  | { phase: 'row'; row: ChunkingRow; setting: number; settings: number };

export interface ChunkingRow extends RetrievalScores {
  strategy: ChunkingStrategyName;
  size: number;
  overlap: number;
  chunks: number;
  /** Of the questions that have answers: the share whose top `retrieve.k` chunks (what ask gives the model) hold one; null when none has answers. */
  answerInContext: number | null;
  /** Mean tokens of the top `retrieve.k` chunks: the context ask would send. */
  contextTokens: number;
  /** Chunk, embed and store (documents are loaded once, before any setting). */
  ingestSeconds: number;
  querySeconds: number;
  /** Texts the embedder was called for: the rest came from the embedding cache. */
  embedded: number;
  /**
   * Paired permutation test of this row's per-question nDCG@10 against the best row's: a high
   * value means the gap is within chance on this set. null for the best row itself.
   */
  pVsBest: number | null;
  chunk: ChunkSection;
}

export interface ChunkingExperimentResult {
  dataset: { name: string; path: string; questions: number; judged: number; byAnswers: number; unjudged: number };
  corpus: { name: string; documents: number; failed: IngestFailure[] };
  mode: RetrieveMode;
  /** Chunks ask gives the model (`retrieve.k`), used for answerInContext and contextTokens. */
  k: number;
  depth: number;
  rows: ChunkingRow[];
  /** Highest nDCG@10; ties go to MRR, hit@1, then the smaller context. */
  best: ChunkingRow;
  /** Rows whose nDCG@10 is not significantly below the best's (p >= 0.05), the best included. */
  tied: ChunkingRow[];
  /** The lines to put in incontext.config.yaml to use the best setting. */
  configYaml: string;
  warnings: string[];
}

/** The config of one strategy × size; overlap is an eighth of the size (the default 384/48 ratio). */
export function chunkSection(strategy: ChunkingStrategyName, size: number): ChunkSection {
  const overlap = Math.round(size / 8);
  if (strategy === 'semantic') return { strategy: 'auto', size, overlap, semantic: { enabled: true } };
  // Parents hold several children; the default 1024 unless the children are large.
  if (strategy === 'parent') return { strategy: 'auto', size, overlap, parent: { enabled: true, size: Math.min(32768, Math.max(1024, size * 4)) } };
  return { strategy, size, overlap };
}

export function configYamlFor(row: Pick<ChunkingRow, 'chunk'>, mode?: RetrieveMode): string {
  const c = row.chunk;
  const lines = ['chunk:', `  strategy: ${c.strategy}`, `  size: ${c.size}`, `  overlap: ${c.overlap}`];
  if (c.semantic) lines.push('  semantic:', '    enabled: true');
  if (c.parent) lines.push('  parent:', '    enabled: true', `    size: ${c.parent.size}`);
  if (mode) lines.push('retrieve:', `  mode: ${mode}`);
  return lines.join('\n') + '\n';
}

function validate(strategies: readonly string[], sizes: readonly number[], depth: number): void {
  const unknown = strategies.filter((s) => !(CHUNKING_STRATEGIES as readonly string[]).includes(s));
  if (unknown.length || strategies.length === 0) {
    throw new IncontextError('BAD_REQUEST', `Unknown chunking strateg${unknown.length === 1 ? 'y' : 'ies'}: ${unknown.join(', ') || '(none given)'}`, {
      input: { key: 'strategies' },
      hint: `Choose from ${CHUNKING_STRATEGIES.join(', ')}.`,
    });
  }
  const badSize = sizes.find((s) => !Number.isInteger(s) || s < 16 || s > 8192);
  if (badSize !== undefined || sizes.length === 0) {
    throw new IncontextError('BAD_REQUEST', `Chunk sizes are whole numbers of tokens from 16 to 8192${badSize === undefined ? '' : ` (got ${badSize})`}`, {
      input: { key: 'sizes' },
      hint: 'For example --sizes 128,256,512.',
    });
  }
  if (!Number.isInteger(depth) || depth < 10 || depth > 100) {
    throw new IncontextError('BAD_REQUEST', `depth must be a whole number from 10 to 100 (got ${depth})`, { input: { key: 'depth' }, hint: 'nDCG@10 needs at least 10 retrieved chunks.' });
  }
}

/** One corpus record as a loaded document: its id is its source, so judgements can name it. */
function recordDocuments(records: CorpusRecord[]): LoadedDocument[] {
  // A title shared by every record (rag-dev's "Normans") only adds the same words to every document.
  const titled = new Set(records.map((r) => r.title ?? '')).size > 1;
  return records.map((r) => {
    const text = titled && r.title ? `${r.title}\n\n${r.text}` : r.text;
    return { origin: r.id, source: r.id, format: 'text', text, metadata: {}, contentHash: sha256(text), ...(titled && r.title ? { title: r.title } : {}) };
  });
}

async function filesDocuments(ic: Incontext, path: string, cwd: string): Promise<{ docs: LoadedDocument[]; failed: IngestFailure[] }> {
  const docs: LoadedDocument[] = [];
  const failed: IngestFailure[] = [];
  const fail = (p: string, e: unknown) => {
    const err = toIncontextError(e);
    failed.push({ path: p, code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) });
  };
  const { include, exclude, maxFileBytes, csvMode } = ic.config.ingest;
  for await (const item of walk([path], { include, exclude })) {
    if (item.error) fail(item.path, item.error);
    else {
      try {
        // Sources relative to the working directory, as `incontext ingest` names them, so one set serves both.
        docs.push(...(await loadFile(item.path, { root: cwd, maxBytes: maxFileBytes, csvMode })));
      } catch (e) {
        fail(item.path, e);
      }
    }
  }
  return { docs, failed };
}

async function storedDocuments(ic: Incontext): Promise<LoadedDocument[]> {
  const docs: LoadedDocument[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await ic.listDocuments({ limit: 500, offset });
    for (const d of page) {
      docs.push({ origin: d.origin, source: d.source, format: d.format as LoadedDocument['format'], text: d.text, metadata: d.metadata, contentHash: d.contentHash, ...(d.title ? { title: d.title } : {}) });
    }
    if (page.length < 500) return docs;
  }
}

interface PreparedCorpus {
  name: string;
  docs: LoadedDocument[];
  failed: IngestFailure[];
}

async function prepareCorpus(ic: Incontext, corpus: ChunkingExperimentOptions['corpus'], fromSet: string | undefined, cwd: string): Promise<PreparedCorpus> {
  if (Array.isArray(corpus)) return { name: 'records', docs: recordDocuments(corpus), failed: [] };
  const path = corpus ?? fromSet;
  if (path === undefined) {
    const docs = await storedDocuments(ic);
    if (docs.length === 0) {
      throw new IncontextError('NOT_FOUND', `Project "${ic.config.project}" has no documents to experiment on`, {
        input: { key: 'corpus' },
        hint: 'Ingest the documents first (incontext ingest ./docs), or pass --corpus <dir | corpus.jsonl>.',
      });
    }
    return { name: `project ${ic.config.project}`, docs, failed: [] };
  }
  let isFile: boolean;
  try {
    isFile = statSync(resolve(cwd, path)).isFile();
  } catch (e) {
    throw new IncontextError('FILE_UNREADABLE', `Corpus not found: ${path}`, { input: { path }, hint: 'Pass a directory of documents or a JSONL corpus of {"_id", "title", "text"} lines.', cause: e });
  }
  if (isFile && /\.(jsonl|ndjson)$/i.test(path)) return { name: path, docs: recordDocuments(loadCorpusJsonl(resolve(cwd, path))), failed: [] };
  const { docs, failed } = await filesDocuments(ic, resolve(cwd, path), cwd);
  if (docs.length === 0) {
    throw new IncontextError('FILE_EMPTY', `No document could be loaded from ${path}`, {
      input: { path },
      hint: failed[0] ? `First failure: ${failed[0].path}: ${failed[0].message}` : 'The folder holds no supported files (see incontext ingest --help).',
    });
  }
  return { name: path, docs, failed };
}

/** Counts the texts that reach the real embedder, i.e. missed the cache. */
function counting(embedder: Embedder): Embedder & { count: number } {
  const c = {
    count: 0,
    id: embedder.id,
    get dimensions() {
      return embedder.dimensions;
    },
    embed(texts: string[], o?: Parameters<Embedder['embed']>[1]) {
      c.count += texts.length;
      return embedder.embed(texts, o);
    },
  };
  return c;
}

export async function runChunkingExperiment(ic: Incontext, options: ChunkingExperimentOptions): Promise<ChunkingExperimentResult> {
  const strategies = options.strategies ?? DEFAULT_STRATEGIES;
  const sizes = options.sizes ?? DEFAULT_SIZES;
  const depth = options.depth ?? 30;
  validate(strategies, sizes, depth);
  const mode = options.mode ?? ic.config.retrieve.mode;
  const fromCwd = (p: string) => (options.cwd === undefined ? p : resolve(options.cwd, p));
  const set = typeof options.dataset === 'string' ? loadEvalSet(fromCwd(options.dataset), options.qrels !== undefined ? { qrels: fromCwd(options.qrels) } : {}) : options.dataset;
  const corpus = await prepareCorpus(ic, options.corpus, 'corpus' in set && typeof set.corpus === 'string' ? set.corpus : undefined, options.cwd ?? process.cwd());
  const project = ic.config.project;

  // Judge once against the corpus: the same documents under every chunking.
  const judge = createCorpusJudge(
    corpus.docs.map((d) => {
      const id = stableId('doc', project, d.source);
      return { id, keys: documentKeys({ id, source: d.source, origin: d.origin }), text: d.text };
    }),
  );
  const judged: Array<{ q: EvalQuery; rel: Map<string, number> }> = [];
  const unmatched = new Set<string>();
  let byAnswers = 0;
  for (const q of set.queries) {
    const j = judge.judge(q);
    j.unmatched.forEach((n) => unmatched.add(n));
    if (j.by === 'none') continue;
    if (j.by === 'answers') byAnswers++;
    judged.push({ q, rel: j.relevant });
  }
  const warnings: string[] = [];
  if (unmatched.size) warnings.push(`${unmatched.size} document name(s) in the set match no corpus document, e.g. ${[...unmatched].slice(0, 3).map((n) => JSON.stringify(n)).join(', ')}`);
  if (judged.length === 0) {
    throw new IncontextError('BAD_REQUEST', `None of the ${set.queries.length} questions of ${set.path} can be judged against the corpus (${corpus.name})`, {
      input: { path: set.path },
      hint: `The set's "relevant" entries must be document ids or sources of the corpus (e.g. ${JSON.stringify(corpus.docs[0]?.source ?? '')}), or its answers must occur in the documents.`,
    });
  }
  if (judged.length < set.queries.length) warnings.push(`${set.queries.length - judged.length} of ${set.queries.length} questions left out: nothing they name is in the corpus`);

  const base = options.embedder ?? (await resolveEmbedder(ic.config.embed.model, options.env ?? process.env, join(ic.homeDir, 'cache')));
  const raw = counting(base);
  const embedder = withEmbeddingCache(raw, ic.store.embeddingCache, { batchSize: ic.config.embed.batchSize });
  const settings = strategies.flatMap((strategy) => sizes.map((size) => ({ strategy, size })));
  options.onProgress?.({ phase: 'start', documents: corpus.docs.length, questions: set.queries.length, judged: judged.length, settings: settings.length });

  const byOrigin = new Map<string, LoadedDocument[]>();
  for (const d of corpus.docs) byOrigin.set(d.origin, [...(byOrigin.get(d.origin) ?? []), d]);
  const k = ic.config.retrieve.k;
  /** A throwaway project with the config of one setting: the project's config with `chunk` (and the mode) replaced. */
  const open = (chunk: ChunkSection): Incontext => {
    const config = { ...(JSON.parse(JSON.stringify(ic.config)) as ConfigInput), home: ic.homeDir, logLevel: 'silent', chunk, retrieve: { ...ic.config.retrieve, mode } } as ConfigInput;
    return createIncontext({ config, store: openSqliteStore({ path: ':memory:' }), embedder, cwd: ic.homeDir, logger: createLogger('silent') });
  };
  const ingest = async (sub: Incontext, docs: LoadedDocument[], origin: string) => {
    const deps = { store: sub.store, embedder: await sub.embedder(), chunk: sub.config.chunk, load: {}, cwd: ic.homeDir };
    await sub.store.replaceOrigin(project, origin, await buildEntries(deps, project, docs));
  };
  // Load the embedder's and the reranker's word vectors before any clock runs: otherwise the first row pays for them.
  const warm = open(chunkSection('recursive', 256));
  try {
    const [origin, docs] = [...byOrigin][0]!;
    await ingest(warm, docs, origin);
    await warm.search(judged[0]!.q.query, { k: depth, mode });
  } finally {
    await warm.close();
  }
  const rows: ChunkingRow[] = [];
  const perQuery = new Map<ChunkingRow, number[]>();
  for (const [i, { strategy, size }] of settings.entries()) {
    const chunk = chunkSection(strategy, size);
    const sub = open(chunk);
    try {
      const at = { strategy, size, setting: i + 1, settings: settings.length };
      const embeddedBefore = raw.count;
      let t = performance.now();
      let done = 0;
      for (const [origin, docs] of byOrigin) {
        await ingest(sub, docs, origin);
        done += docs.length;
        options.onProgress?.({ phase: 'ingest', ...at, done, total: corpus.docs.length });
      }
      const ingestSeconds = (performance.now() - t) / 1000;
      const chunks = (await sub.store.stats(project)).chunks;
      t = performance.now();
      const scores: RetrievalScores[] = [];
      const inContext: number[] = [];
      let tokens = 0;
      for (const [n, { q, rel }] of judged.entries()) {
        const hits = await sub.search(q.query, { k: depth, mode });
        scores.push(scoreRanking(dedupeRanking(hits.map((h) => h.document.id)), rel));
        const top = hits.slice(0, k);
        const a = answerInTop(top.map((h) => h.chunk.text), q, k);
        if (a !== undefined) inContext.push(a);
        tokens += top.reduce((s, h) => s + h.chunk.tokenCount, 0);
        if ((n + 1) % 25 === 0 || n + 1 === judged.length) options.onProgress?.({ phase: 'query', ...at, done: n + 1, total: judged.length });
      }
      const row: ChunkingRow = {
        strategy,
        size,
        overlap: chunk.overlap,
        chunks,
        ...meanScores(scores),
        answerInContext: inContext.length ? inContext.reduce((s, x) => s + x, 0) / inContext.length : null,
        contextTokens: tokens / judged.length,
        ingestSeconds,
        querySeconds: (performance.now() - t) / 1000,
        embedded: raw.count - embeddedBefore,
        pVsBest: null,
        chunk,
      };
      rows.push(row);
      perQuery.set(row, scores.map((x) => x.ndcg10));
      options.onProgress?.({ phase: 'row', row, setting: i + 1, settings: settings.length });
    } finally {
      await sub.close();
    }
  }
  const best = [...rows].sort((a, b) => b.ndcg10 - a.ndcg10 || b.mrr - a.mrr || b.hit1 - a.hit1 || a.contextTokens - b.contextTokens)[0]!;
  for (const r of rows) if (r !== best) r.pVsBest = pairedPermutationTest(perQuery.get(r)!, perQuery.get(best)!);
  return {
    dataset: { name: set.name, path: set.path, questions: set.queries.length, judged: judged.length, byAnswers, unjudged: set.queries.length - judged.length },
    corpus: { name: corpus.name, documents: corpus.docs.length, failed: corpus.failed },
    mode,
    k,
    depth,
    rows,
    best,
    tied: rows.filter((r) => r === best || (r.pVsBest ?? 0) >= 0.05),
    configYaml: configYamlFor(best, mode === ic.config.retrieve.mode ? undefined : mode),
    warnings,
  };
}
