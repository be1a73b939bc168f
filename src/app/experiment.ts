/**
 * The chunking experiment: one evaluation set, one corpus, every chunking
 * strategy × size. Each setting gets its own throwaway in-memory SQLite store,
 * filled by the ingest code path and searched through `createIncontext(...).search`
 * with the project's config (retrieval steps, weights, mode), so a row measures
 * exactly what `ask` would retrieve under that chunking. Embeddings go through the
 * project's embedding cache: a chunk text seen in any earlier setting or run is
 * never embedded twice.
 */
import { join, resolve } from 'node:path';
import type { ConfigInput } from '../config/index.js';
import { createLogger, IncontextError, stableId } from '../core/index.js';
import { resolveEmbedder, withEmbeddingCache, type Embedder } from '../embed/index.js';
import {
  answerInTop,
  createCorpusJudge,
  dedupeRanking,
  documentKeys,
  loadEvalSet,
  meanScores,
  pairedPermutationTest,
  scoreRanking,
  type CorpusRecord,
  type EvalQuery,
  type EvalSet,
  type RetrievalScores,
} from '../eval/index.js';
import type { LoadedDocument } from '../ingest/index.js';
import type { RetrieveMode } from '../retrieve/index.js';
import { openSqliteStore } from '../store/index.js';
import { createIncontext, type Incontext } from './incontext.js';
import { prepareCorpus, type PreparedCorpus } from './experiment-corpus.js';
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

interface Judged {
  q: EvalQuery;
  rel: Map<string, number>;
}

/** Judge every question once against the corpus: the same documents under every chunking. */
function judgeSet(set: EvalSet, corpus: PreparedCorpus, project: string): { judged: Judged[]; byAnswers: number; warnings: string[] } {
  const judge = createCorpusJudge(
    corpus.docs.map((d) => {
      const id = stableId('doc', project, d.source);
      return { id, keys: documentKeys({ id, source: d.source, origin: d.origin }), text: d.text };
    }),
  );
  const judged: Judged[] = [];
  const unmatched = new Set<string>();
  let byAnswers = 0;
  for (const q of set.queries) {
    const j = judge.judge(q);
    j.unmatched.forEach((n) => unmatched.add(n));
    if (j.by === 'none') continue;
    if (j.by === 'answers') byAnswers++;
    judged.push({ q, rel: j.relevant });
  }
  if (judged.length === 0) {
    throw new IncontextError('BAD_REQUEST', `None of the ${set.queries.length} questions of ${set.path} can be judged against the corpus (${corpus.name})`, {
      input: { path: set.path },
      hint: `The set's "relevant" entries must be document ids or sources of the corpus (e.g. ${JSON.stringify(corpus.docs[0]?.source ?? '')}), or its answers must occur in the documents.`,
    });
  }
  const warnings: string[] = [];
  if (unmatched.size) warnings.push(`${unmatched.size} document name(s) in the set match no corpus document, e.g. ${[...unmatched].slice(0, 3).map((n) => JSON.stringify(n)).join(', ')}`);
  if (judged.length < set.queries.length) warnings.push(`${set.queries.length - judged.length} of ${set.queries.length} questions left out: nothing they name is in the corpus`);
  return { judged, byAnswers, warnings };
}

interface SettingContext {
  ic: Incontext;
  embedder: Embedder;
  /** Texts that reached the real embedder so far. */
  embedded: () => number;
  mode: RetrieveMode;
  depth: number;
  byOrigin: Map<string, LoadedDocument[]>;
  judged: Judged[];
  onProgress: ChunkingExperimentOptions['onProgress'];
}

/** A throwaway project with the config of one setting: the project's config with `chunk` (and the mode) replaced. */
function openSetting(c: SettingContext, chunk: ChunkSection): Incontext {
  const base = JSON.parse(JSON.stringify(c.ic.config)) as ConfigInput;
  const config = { ...base, home: c.ic.homeDir, logLevel: 'silent', chunk, retrieve: { ...base.retrieve, mode: c.mode } } satisfies ConfigInput;
  return createIncontext({ config, store: openSqliteStore({ path: ':memory:' }), embedder: c.embedder, cwd: c.ic.homeDir, logger: createLogger('silent') });
}

/**
 * The ingest code path minus loading: chunk and embed with the setting's config, one atomic write
 * per origin. It embeds through the project's cache directly: `sub.embedder()` would put a second,
 * throwaway cache in front of it and write every vector twice.
 */
async function ingestInto(sub: Incontext, embedder: Embedder, origin: string, docs: LoadedDocument[]): Promise<void> {
  const project = sub.config.project;
  const deps = { store: sub.store, embedder, chunk: sub.config.chunk, load: {}, cwd: sub.homeDir };
  await sub.store.replaceOrigin(project, origin, await buildEntries(deps, project, docs));
}

/** Load the embedder's and the reranker's word vectors before any clock runs: otherwise the first row pays for them. */
async function warmUp(c: SettingContext): Promise<void> {
  const warm = openSetting(c, chunkSection('recursive', 256));
  try {
    const [origin, docs] = [...c.byOrigin][0]!;
    await ingestInto(warm, c.embedder, origin, docs);
    await warm.search(c.judged[0]!.q.query, { k: c.depth, mode: c.mode });
  } finally {
    await warm.close();
  }
}

async function measureSetting(c: SettingContext, strategy: ChunkingStrategyName, size: number, at: { setting: number; settings: number }): Promise<{ row: ChunkingRow; ndcg: number[] }> {
  const chunk = chunkSection(strategy, size);
  const sub = openSetting(c, chunk);
  const where = { strategy, size, ...at };
  try {
    const embeddedBefore = c.embedded();
    let t = performance.now();
    let done = 0;
    const total = [...c.byOrigin.values()].reduce((n, d) => n + d.length, 0);
    for (const [origin, docs] of c.byOrigin) {
      await ingestInto(sub, c.embedder, origin, docs);
      done += docs.length;
      c.onProgress?.({ phase: 'ingest', ...where, done, total });
    }
    const ingestSeconds = (performance.now() - t) / 1000;
    const chunks = (await sub.store.stats(sub.config.project)).chunks;
    t = performance.now();
    const k = c.ic.config.retrieve.k;
    const scores: RetrievalScores[] = [];
    const inContext: number[] = [];
    let tokens = 0;
    for (const [n, { q, rel }] of c.judged.entries()) {
      const hits = await sub.search(q.query, { k: c.depth, mode: c.mode });
      scores.push(scoreRanking(dedupeRanking(hits.map((h) => h.document.id)), rel));
      const top = hits.slice(0, k);
      const a = answerInTop(top.map((h) => h.chunk.text), q, k);
      if (a !== undefined) inContext.push(a);
      tokens += top.reduce((sum, h) => sum + h.chunk.tokenCount, 0);
      if ((n + 1) % 25 === 0 || n + 1 === c.judged.length) c.onProgress?.({ phase: 'query', ...where, done: n + 1, total: c.judged.length });
    }
    const row: ChunkingRow = {
      strategy,
      size,
      overlap: chunk.overlap,
      chunks,
      ...meanScores(scores),
      answerInContext: inContext.length ? inContext.reduce((sum, x) => sum + x, 0) / inContext.length : null,
      contextTokens: tokens / c.judged.length,
      ingestSeconds,
      querySeconds: (performance.now() - t) / 1000,
      embedded: c.embedded() - embeddedBefore,
      pVsBest: null,
      chunk,
    };
    return { row, ndcg: scores.map((x) => x.ndcg10) };
  } finally {
    await sub.close();
  }
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
  const { judged, byAnswers, warnings } = judgeSet(set, corpus, ic.config.project);

  const raw = counting(options.embedder ?? (await resolveEmbedder(ic.config.embed.model, options.env ?? process.env, join(ic.homeDir, 'cache'))));
  const byOrigin = new Map<string, LoadedDocument[]>();
  for (const d of corpus.docs) {
    const list = byOrigin.get(d.origin);
    if (list) list.push(d);
    else byOrigin.set(d.origin, [d]);
  }
  const c: SettingContext = {
    ic,
    // The project's cache, persistent in its SQLite file: a text embedded by any setting or earlier run is reused.
    embedder: withEmbeddingCache(raw, ic.store.embeddingCache, { batchSize: ic.config.embed.batchSize }),
    embedded: () => raw.count,
    mode,
    depth,
    byOrigin,
    judged,
    onProgress: options.onProgress,
  };
  const settings = strategies.flatMap((strategy) => sizes.map((size) => ({ strategy, size })));
  options.onProgress?.({ phase: 'start', documents: corpus.docs.length, questions: set.queries.length, judged: judged.length, settings: settings.length });
  await warmUp(c);

  const rows: ChunkingRow[] = [];
  const perQuery = new Map<ChunkingRow, number[]>();
  for (const [i, { strategy, size }] of settings.entries()) {
    const { row, ndcg } = await measureSetting(c, strategy, size, { setting: i + 1, settings: settings.length });
    rows.push(row);
    perQuery.set(row, ndcg);
    options.onProgress?.({ phase: 'row', row, setting: i + 1, settings: settings.length });
  }
  const best = [...rows].sort((a, b) => b.ndcg10 - a.ndcg10 || b.mrr - a.mrr || b.hit1 - a.hit1 || a.contextTokens - b.contextTokens)[0]!;
  for (const r of rows) if (r !== best) r.pVsBest = pairedPermutationTest(perQuery.get(r)!, perQuery.get(best)!);
  return {
    dataset: { name: set.name, path: set.path, questions: set.queries.length, judged: judged.length, byAnswers, unjudged: set.queries.length - judged.length },
    corpus: { name: corpus.name, documents: corpus.docs.length, failed: corpus.failed },
    mode,
    k: ic.config.retrieve.k,
    depth,
    rows,
    best,
    tied: rows.filter((r) => r === best || (r.pVsBest ?? 0) >= 0.05),
    configYaml: configYamlFor(best, mode === ic.config.retrieve.mode ? undefined : mode),
    warnings,
  };
}
