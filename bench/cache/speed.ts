/**
 * Response-cache hit latency in process (moved here from src/cache/speed.ts):
 * exact hits through cacheMiddleware on the memory and SQLite backends, and
 * semantic lookups over one 100k-entry partition at the default local embedder's
 * dimensions (GloVe SIF, 100) and at 384 — on random unit vectors (the easy case
 * for the pruned scan) and on real sentence embeddings (clustered, the hard one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4GenerateResult } from '@ai-sdk/provider';
import { generateText, wrapLanguageModel } from 'ai';
import {
  callCacheOptions,
  cacheMiddleware,
  createHitVerifier,
  createMemoryCacheBackend,
  DEFAULT_SEMANTIC_THRESHOLD,
  embedderWordSimilarity,
  exactKey,
  loadLexicon,
  normalizeQuery, openSqliteCacheBackend, type CacheBackend, type CachedResponse, type CacheEvent } from '../../src/cache/index.js';
import { createHashingEmbedder, type Embedder } from '../../src/embed/index.js';
import { fmt, gaussian, log, mean, percentile, prng, settle, type Table } from '../lib.js';
import { gloveEmbedder, loadPairs, sentences } from './data.js';

export interface CacheSpeedOptions {
  /** Entries in the semantic partition. */
  entries: number;
  /** Timed lookups per row. */
  queries: number;
}

const VALUE: CachedResponse = { text: 'cached answer', finishReason: { unified: 'stop' }, usage: { inputTokens: 1, outputTokens: 2 }, modelId: 'fake' };

/**
 * A model that answers at once, so a miss costs nothing measurable and a hit is
 * all cache. Once `silent()` returns true it answers with empty text, which the
 * cache never stores: timed misses then leave the partition as it was.
 */
function fakeModel(silent: () => boolean = () => false): LanguageModelV4 {
  const result = (): LanguageModelV4GenerateResult => ({
    content: [{ type: 'text', text: silent() ? '' : 'model answer' }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: { inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 2, text: 2, reasoning: undefined } },
    warnings: [],
  });
  return {
    specificationVersion: 'v4',
    provider: 'bench.fake',
    modelId: 'fake-1',
    supportedUrls: {},
    doGenerate: async () => result(),
    doStream: async () => {
      throw new Error('not used');
    },
  };
}

function userPrompt(text: string): LanguageModelV4CallOptions {
  return { prompt: [{ role: 'user', content: [{ type: 'text', text }] }] };
}

/** About 2 KB: a RAG prompt with retrieved context, the size a cached ask really has. */
const RAG_PARAMS: LanguageModelV4CallOptions = {
  prompt: [
    { role: 'system', content: 'Answer from the context and cite sources as [n].' },
    { role: 'user', content: [{ type: 'text', text: `Context:\n${'[1] source: a.md\nSome retrieved passage text. '.repeat(40)}\n\nQuestion: what is it?` }] },
  ],
  temperature: 0,
};

/** Wall and main-thread CPU time of one call: on a shared machine the CPU time is what the code costs, the wall time what a caller waited. */
async function clocked(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c = process.threadCpuUsage();
  const t = performance.now();
  await fn();
  const wall = performance.now() - t;
  const d = process.threadCpuUsage(c);
  return { wall, cpu: (d.user + d.system) / 1000 };
}

interface Samples {
  wall: number[];
  cpu: number[];
}

/** Every runner once per input, rotating which goes first, so load from elsewhere hits all rows alike. */
async function rotate(runners: Array<() => Promise<unknown>>, n: number): Promise<Samples[]> {
  const out = runners.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < runners.length; j++) {
      const r = (i + j) % runners.length;
      const m = await clocked(runners[r]!);
      out[r]!.wall.push(m.wall);
      out[r]!.cpu.push(m.cpu);
    }
  }
  return out;
}

function cacheOf(result: LanguageModelV4GenerateResult): unknown {
  return (result.providerMetadata?.incontext as { cache?: unknown } | undefined)?.cache;
}

async function exactTable(calls: number): Promise<Table> {
  const dir = mkdtempSync(join(tmpdir(), 'incontext-bench-cache-'));
  const memory = createMemoryCacheBackend();
  const sqlite = openSqliteCacheBackend({ path: join(dir, 'cache.db') });
  try {
    const base = fakeModel();
    const viaMemory = wrapLanguageModel({ model: base, middleware: cacheMiddleware({ exact: { backend: memory } }) });
    const viaSqlite = wrapLanguageModel({ model: base, middleware: cacheMiddleware({ exact: { backend: sqlite } }) });
    // First call of each misses and stores; every timed call must then be an exact hit.
    for (const m of [viaMemory, viaSqlite]) await m.doGenerate(RAG_PARAMS);
    const hit = async (m: LanguageModelV4) => {
      const r = await m.doGenerate(RAG_PARAMS);
      if (cacheOf(r) !== 'exact') throw new Error('expected an exact cache hit');
    };
    const call = {
      instructions: 'Answer from the context and cite sources as [n].',
      prompt: `Context:\n${'[1] source: a.md\nSome retrieved passage text. '.repeat(40)}\n\nQuestion: what is it?`,
      temperature: 0,
      maxRetries: 0,
    };
    await generateText({ model: viaMemory, ...call });
    const runners = [
      async () => {
        await memory.getExact(exactKey(base, RAG_PARAMS, callCacheOptions(RAG_PARAMS)));
      },
      () => hit(viaMemory),
      () => hit(viaSqlite),
      async () => {
        const r = await generateText({ model: viaMemory, ...call });
        if ((r.providerMetadata?.incontext as { cache?: unknown } | undefined)?.cache !== 'exact') throw new Error('expected generateText to be answered by an exact hit');
      },
      async () => {
        await generateText({ model: base, ...call });
      },
    ];
    await rotate(runners, 200);
    settle();
    const res = await rotate(runners, calls);
    const names = [
      'exactKey + memory getExact (normalise, sha256, map lookup)',
      'cacheMiddleware doGenerate hit, memory backend',
      'cacheMiddleware doGenerate hit, SQLite backend (file, WAL)',
      'generateText answered from the cache (memory backend)',
      'generateText on the same instant fake model, no cache (the AI SDK alone)',
    ];
    const p50 = (i: number) => percentile(res[i]!.wall, 50);
    return {
      title: `Exact cache hit in process: ~2 KB RAG prompt, ${calls} calls per row`,
      head: ['path', 'p50 ms', 'p99 ms', 'CPU mean ms'],
      rows: names.map((n, i) => [n, fmt(p50(i), 4), fmt(percentile(res[i]!.wall, 99), 4), fmt(mean(res[i]!.cpu), 4)]),
      notes: [
        'Rows interleaved call by call (rotating order) after 200 warm-up calls each. A middleware hit returns before the model is called; the generateText rows add the AI SDK\'s own per-call work (prompt conversion, result objects), which the no-cache row shows alone.',
        'p50/p99 are wall time; CPU mean is the main thread\'s CPU time per call (process.threadCpuUsage, summed over the row\'s calls: the counter moves in scheduler ticks, so single calls cannot be read, but the sum is unbiased), which load from other processes on this shared machine does not inflate.',
      ],
      summary: `Exact cache hit p50 in process: ${fmt(p50(1), 4)} ms through cacheMiddleware on memory, ${fmt(p50(2), 4)} ms on SQLite (goal ≤ 0.2 ms: ${Math.max(p50(1), p50(2)) <= 0.2 ? 'met' : 'missed'}); ${fmt(p50(3), 3)} ms for a whole generateText answered from the cache (the AI SDK alone: ${fmt(p50(4), 3)} ms).`,
    };
  } finally {
    await memory.close();
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function randomUnit(dims: number, normal: () => number): Float32Array {
  const v = new Float32Array(dims);
  let n = 0;
  for (let i = 0; i < dims; i++) {
    v[i] = normal();
    n += v[i]! * v[i]!;
  }
  const s = 1 / Math.sqrt(n);
  for (let i = 0; i < dims; i++) v[i]! *= s;
  return v;
}

/** A query near a stored vector (cosine ≈ 0.95), so the lookup is a hit at the default 0.85. */
function near(v: Float32Array, normal: () => number): Float32Array {
  const noise = randomUnit(v.length, normal);
  const q = new Float32Array(v.length);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    q[i] = v[i]! + 0.33 * noise[i]!;
    n += q[i]! * q[i]!;
  }
  const s = 1 / Math.sqrt(n);
  for (let i = 0; i < v.length; i++) q[i]! *= s;
  return q;
}

const FUNCTION_WORDS = new Set(['the', 'a', 'an', 'of', 'in', 'and', 'to', 'for', 'with', 'on', 'by', 'is', 'are', 'was', 'were', 'that', 'this', 'as', 'at', 'from']);

/**
 * A stored question with one inner function word dropped ("the", "of", "and"): the embedding moves,
 * the meaning does not, so the hit verifier serves it; a dropped content word would narrow or widen
 * the question and be refused. Sentences without an inner function word keep their first inner word dropped.
 */
function dropWord(text: string, rand: () => number): string {
  const w = text.split(' ');
  if (w.length < 4) return text;
  const inner = w.flatMap((x, i) => (i > 0 && i < w.length - 1 && FUNCTION_WORDS.has(x.toLowerCase()) ? [i] : []));
  w.splice(inner.length ? inner[Math.floor(rand() * inner.length)]! : 1 + Math.floor(rand() * (w.length - 2)), 1);
  return w.join(' ');
}

interface SemRow {
  row: Array<string | number>;
  p50: number;
  cpu: number;
}

function semRow(name: string, m: Samples, hits: number, n: number): SemRow {
  const p50 = percentile(m.wall, 50);
  const cpu = mean(m.cpu);
  return { row: [name, fmt(p50, 3), fmt(percentile(m.wall, 99), 3), fmt(cpu, 3), `${hits}/${n}`], p50, cpu };
}

async function timeLookups(name: string, backend: CacheBackend, partition: string, queries: Float32Array[], threshold: number): Promise<SemRow> {
  for (const q of queries.slice(0, 10)) await backend.searchSemantic(partition, q, threshold);
  settle();
  const m: Samples = { wall: [], cpu: [] };
  let hits = 0;
  for (const q of queries) {
    const r = await clocked(async () => {
      if (await backend.searchSemantic(partition, q, threshold)) hits++;
    });
    m.wall.push(r.wall);
    m.cpu.push(r.cpu);
  }
  return semRow(name, m, hits, queries.length);
}

/**
 * The whole semantic path a call takes: the middleware embeds the question,
 * derives the partition, scans it and applies the word-swap guard.
 */
async function timeMiddleware(name: string, model: LanguageModelV4, texts: string[], expect: 'semantic' | 'miss'): Promise<SemRow> {
  for (const t of texts.slice(0, 10)) await model.doGenerate(userPrompt(t));
  settle();
  const m: Samples = { wall: [], cpu: [] };
  let hits = 0;
  for (const text of texts) {
    const r = await clocked(async () => {
      if (cacheOf(await model.doGenerate(userPrompt(text))) === 'semantic') hits++;
    });
    m.wall.push(r.wall);
    m.cpu.push(r.cpu);
  }
  if (expect === 'miss' && hits > texts.length / 2) throw new Error(`${name}: expected misses, got ${hits} hits`);
  // A hit row that mostly missed would time the miss path under a hit's name.
  if (expect === 'semantic' && hits < texts.length / 2) throw new Error(`${name}: expected hits, got ${hits} of ${texts.length}`);
  return semRow(name, m, hits, texts.length);
}

/**
 * The verifier by itself on (stored, asked) pairs, with a fresh verifier so every question is
 * read for the first time, as in the middleware; the WordNet files are loaded before timing.
 */
async function timeVerifier(name: string, embedder: Embedder, stored: string[], asked: string[]): Promise<SemRow> {
  const lexicon = await loadLexicon();
  const warm = createHitVerifier({ lexicon, similarity: embedderWordSimilarity(embedder) });
  for (let i = 0; i < Math.min(10, asked.length); i++) await warm.verify(normalizeQuery(stored[i]!), normalizeQuery(asked[i]!));
  const verifier = createHitVerifier({ lexicon, similarity: embedderWordSimilarity(embedder) });
  settle();
  const m: Samples = { wall: [], cpu: [] };
  let served = 0;
  for (let i = 0; i < asked.length; i++) {
    const [a, b] = [normalizeQuery(stored[i]!), normalizeQuery(asked[i]!)];
    const r = await clocked(async () => {
      if ((await verifier.verify(a, b)).ok) served++;
    });
    m.wall.push(r.wall);
    m.cpu.push(r.cpu);
  }
  return semRow(name, m, served, asked.length);
}

/** Fills one partition of a fresh memory backend through the real middleware path (the first store names the partition). */
async function filledModel(embedder: Embedder, texts: string[], vectors: Float32Array[]): Promise<{ model: LanguageModelV4; unguarded: LanguageModelV4; backend: CacheBackend; partition: string }> {
  const backend = createMemoryCacheBackend({ maxEntries: texts.length + 10 });
  let partition = '';
  // The same backend behind a middleware that trusts the threshold alone: the difference is the verifier's cost.
  const unguarded = wrapLanguageModel({ model: fakeModel(() => true), middleware: cacheMiddleware({ semantic: { backend, embedder, guard: 'none' } }) });
  const model = wrapLanguageModel({
    model: fakeModel(() => partition !== ''),
    middleware: cacheMiddleware({
      semantic: { backend, embedder },
      onEvent: (e: CacheEvent) => {
        if (e.type === 'store' && e.kind === 'semantic') partition = e.key;
      },
    }),
  });
  // Misses are stored with exactly the query key the middleware derives, so later lookups search this partition.
  await model.doGenerate(userPrompt(texts[0]!));
  if (!partition) throw new Error('the semantic cache stored nothing');
  for (let i = 1; i < texts.length; i++) await backend.setSemantic(partition, 'default', normalizeQuery(texts[i]!), vectors[i]!, VALUE);
  return { model, unguarded, backend, partition };
}

async function semanticTable(o: CacheSpeedOptions): Promise<Table> {
  const rand = prng(7);
  const normal = gaussian(rand);
  const rows: SemRow[] = [];
  const threshold = DEFAULT_SEMANTIC_THRESHOLD;
  for (const dims of [100, 384]) {
    const backend = createMemoryCacheBackend({ maxEntries: o.entries });
    const stored: Float32Array[] = [];
    for (let i = 0; i < o.entries; i++) {
      const v = randomUnit(dims, normal);
      stored.push(v);
      await backend.setSemantic('P', 'default', `q${i}`, v, VALUE);
    }
    const hitsQ = Array.from({ length: o.queries }, () => near(stored[Math.floor(rand() * stored.length)]!, normal));
    rows.push(await timeLookups(`random unit vectors, ${dims} d: searchSemantic hit`, backend, 'P', hitsQ, threshold));
    await backend.close();
    settle();
  }
  const texts = sentences(o.entries);
  const embedders: Embedder[] = [await gloveEmbedder(), createHashingEmbedder({ dimensions: 384 })];
  for (const embedder of embedders) {
    log(`cache speed: embedding ${texts.length} sentences with ${embedder.id}`);
    const vectors = await embedder.embed(
      texts.map((t) => normalizeQuery(t)),
      { kind: 'query' },
    );
    const { model, unguarded, backend, partition } = await filledModel(embedder, texts, vectors);
    const picked = Array.from({ length: o.queries }, () => texts[Math.floor(rand() * texts.length)]!);
    const asked = picked.map((t) => dropWord(t, rand));
    const askedVectors = await embedder.embed(asked.map(normalizeQuery), { kind: 'query' });
    rows.push(await timeLookups(`${embedder.id} (${embedder.dimensions} d), SciFact sentences: searchSemantic, one function word dropped`, backend, partition, askedVectors, threshold));
    rows.push(await timeMiddleware(`${embedder.id}: cacheMiddleware doGenerate (embed + scan + verify), one function word dropped`, model, asked, 'semantic'));
    rows.push(await timeMiddleware(`${embedder.id}: cacheMiddleware doGenerate, guard 'none' (embed + scan), same questions`, unguarded, asked, 'semantic'));
    rows.push(await timeVerifier(`${embedder.id}: hit verifier alone, stored sentence vs the same questions`, embedder, picked, asked));
    const unrelated = loadPairs()
      .flatMap((p) => [p.a, p.b])
      .slice(0, o.queries);
    rows.push(await timeMiddleware(`${embedder.id}: cacheMiddleware doGenerate, unrelated question (miss)`, model, unrelated, 'miss'));
    await backend.close();
    settle();
  }
  const find = (prefix: string) => rows.find((r) => String(r.row[0]).startsWith(prefix));
  const p50Of = (prefix: string) => find(prefix)?.p50 ?? Number.NaN;
  const cpuOf = (prefix: string) => find(prefix)?.cpu ?? Number.NaN;
  const [glove, hash] = [embedders[0]!.id, embedders[1]!.id];
  const hitGlove = p50Of(`${glove}: cacheMiddleware doGenerate (embed`);
  const hitHash = p50Of(`${hash}: cacheMiddleware doGenerate (embed`);
  const verifyCost = (id: string) => cpuOf(`${id}: hit verifier alone`);
  const verdict = (ms: number) => (ms <= 2 ? 'met' : 'missed');
  return {
    title: `Semantic cache lookup in process: one partition of ${o.entries.toLocaleString('en-US')} entries, memory backend, threshold ${threshold}, ${o.queries} queries per row`,
    head: ['lookup', 'p50 ms', 'p99 ms', 'CPU mean ms', 'hits'],
    rows: rows.map((r) => r.row),
    notes: [
      'VectorBlock scan (exact nearest neighbour, pruned by a Cauchy–Schwarz bound at each quarter of the dimensions). Random unit vectors are nearly orthogonal, so almost every row is pruned early; real sentence embeddings are clustered (GloVe SIF especially), so far fewer are.',
      `Real rows: ${texts.length.toLocaleString('en-US')} distinct sentences and half-sentences of the SciFact abstracts (../shared/datasets), embedded as the middleware embeds questions; the "one function word dropped" queries are stored sentences minus one inner "the", "of", "and"… (a hit unless the embedding moves below the threshold; the verifier serves them). The middleware rows include embedding the question; the guard 'none' row asks the same questions of the same backend without the hit verifier; the "hit verifier alone" row times verify(stored sentence, asked question) for the same 120 queries with a fresh verifier (every question read for the first time; its hits column counts the pairs it serves). The difference between the verify and 'none' middleware rows also counts the queries whose nearest entry is another sentence, which the verifier refuses.`,
      'A miss scans the whole partition too: every uncached call pays the miss row before it reaches the model.',
      'p50/p99 are wall time; CPU mean: as in the exact-hit table (main-thread CPU time per call, summed over the row).',
    ],
    summary: `Semantic cache hit at ${o.entries.toLocaleString('en-US')} entries, whole middleware path p50: ${fmt(hitGlove, 3)} ms wall (CPU mean ${fmt(cpuOf(`${glove}: cacheMiddleware doGenerate (embed`), 3)} ms) with the default local embedder (${glove}, 100 d; goal ≤ 2 ms ${verdict(hitGlove)}), ${fmt(hitHash, 3)} ms wall (CPU mean ${fmt(cpuOf(`${hash}: cacheMiddleware doGenerate (embed`), 3)} ms) at 384 d (${hash}; ${verdict(hitHash)}); the hit verifier alone costs ${fmt(verifyCost(glove), 3)} ms CPU per candidate (${fmt(verifyCost(hash), 3)} ms beside ${hash}); the scan alone on random vectors ${fmt(p50Of('random unit vectors, 100 d'), 3)} ms at 100 d, ${fmt(p50Of('random unit vectors, 384 d'), 3)} ms at 384 d.`,
  };
}

export async function measureCacheSpeed(o: CacheSpeedOptions): Promise<Table[]> {
  log(`cache speed: exact hits, then semantic lookups over ${o.entries} entries`);
  return [await exactTable(Math.max(1000, o.queries * 10)), await semanticTable(o)];
}
