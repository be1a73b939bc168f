/**
 * `npx tsx bench/retrieval/speed-profile.ts [--rebuild] [--queries N]`: where the time of one
 * hybrid query on the 100k speed corpus goes — each leg timed alone (query embedding, keyword
 * search, vector search, fusion through retrievePipeline) over the same queries. incontext
 * only, no peers, so it takes seconds once the store is built. The store is kept under the
 * bench temp folder between runs (--rebuild makes it again).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createGloveEmbedder } from '../../src/embed/index.js';
import { retrievePipeline } from '../../src/retrieve/index.js';
import { openSqliteStore } from '../../src/store/index.js';
import { BENCH_TMP, fmt, log, msSince, now, percentile } from '../lib.js';
import { loadSciFact } from './data.js';
import { embedPassages, fillSpeedStore, passages } from './speed.js';

const argv = process.argv.slice(2);
const rebuild = argv.includes('--rebuild');
const qi = argv.indexOf('--queries');
const QUERIES = qi >= 0 ? Number(argv[qi + 1]) : 100;
const CANDIDATES = 50;

const embedder = createGloveEmbedder({ cacheDir: join(BENCH_TMP, 'glove') });
const ds = loadSciFact();
const dir = join(BENCH_TMP, 'retrieval-profile');
const path = join(dir, 'store.db');
if (rebuild || !existsSync(path)) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const texts = passages(ds);
  const t = now();
  const vectors = await embedPassages(texts, embedder);
  const store = openSqliteStore({ path });
  await fillSpeedStore(store, texts, vectors, embedder.id);
  await store.close();
  log(`built ${texts.length} passages in ${fmt(msSince(t))} ms`);
}

const t = now();
const store = openSqliteStore({ path });
const queries = ds.queries.slice(0, QUERIES).map((q) => q.text);
const warm = ds.docs.slice(0, 5).map((d) => d.title);
const deps = { store, embedder };
const pipeline = (q: string) => retrievePipeline(deps, { projectId: 'speed', query: q, k: 10, mode: 'hybrid', weights: { vector: 0.3, keyword: 1 }, rrfK: 10 });
// Until the keyword index and the vectors are in memory (both are read over the first searches).
for (let i = 0; i < 1000 && (!store.keywordIndexStatus()?.ready || store.vectorCacheSize().sets === 0); i++) await pipeline(warm[i % warm.length]!);
for (const w of warm) await pipeline(w);
log(`opened and warmed in ${fmt(msSince(t))} ms`);

// Wall time and this process's CPU time per leg: on a machine shared with other jobs the wall
// time includes waiting for a core, the CPU time does not.
const legs: Record<string, { wall: number[]; cpu: number[] }> = {};
async function leg<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const l = (legs[name] ??= { wall: [], cpu: [] });
  const c = process.cpuUsage();
  const w = now();
  const out = await fn();
  l.wall.push(msSince(w));
  const d = process.cpuUsage(c);
  l.cpu.push((d.user + d.system) / 1000);
  return out;
}
for (const q of queries) {
  const [v] = await leg('embed', () => embedder.embed([q], { kind: 'query' }));
  await leg('keyword', () => store.keywordSearch({ projectId: 'speed', query: q, k: CANDIDATES }));
  await leg('vector', () => store.vectorSearch({ projectId: 'speed', model: embedder.id, vector: v!, k: CANDIDATES }));
  await leg('pipeline', () => pipeline(q));
}
const f = (l: number[], p: number) => fmt(percentile(l, p)).padStart(7);
process.stdout.write('leg        wall p50   p90     p99   | cpu p50   p90     p99   (ms)\n');
for (const [name, { wall, cpu }] of Object.entries(legs)) {
  process.stdout.write(`${name.padEnd(9)} ${f(wall, 50)} ${f(wall, 90)} ${f(wall, 99)} | ${f(cpu, 50)} ${f(cpu, 90)} ${f(cpu, 99)}\n`);
}
process.stdout.write(`${queries.length} queries; ann: ${JSON.stringify(store.ann?.status() ?? [])}\n`);
await store.close();
