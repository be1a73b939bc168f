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

let t = now();
const store = openSqliteStore({ path });
const queries = ds.queries.slice(0, QUERIES).map((q) => q.text);
const warm = ds.docs.slice(0, 5).map((d) => d.title);
const deps = { store, embedder };
const pipeline = (q: string) => retrievePipeline(deps, { projectId: 'speed', query: q, k: 10, mode: 'hybrid', weights: { vector: 0.3, keyword: 1 }, rrfK: 10 });
for (const w of warm) await pipeline(w);
log(`opened and warmed in ${fmt(msSince(t))} ms`);

const legs: Record<string, number[]> = { embed: [], keyword: [], vector: [], pipeline: [] };
for (const q of queries) {
  t = now();
  const [v] = await embedder.embed([q], { kind: 'query' });
  legs.embed!.push(msSince(t));
  t = now();
  await store.keywordSearch({ projectId: 'speed', query: q, k: CANDIDATES });
  legs.keyword!.push(msSince(t));
  t = now();
  await store.vectorSearch({ projectId: 'speed', model: embedder.id, vector: v!, k: CANDIDATES });
  legs.vector!.push(msSince(t));
  t = now();
  await pipeline(q);
  legs.pipeline!.push(msSince(t));
}
for (const [name, lat] of Object.entries(legs)) {
  process.stdout.write(`${name.padEnd(9)} p50 ${fmt(percentile(lat, 50)).padStart(7)} ms  p90 ${fmt(percentile(lat, 90)).padStart(7)} ms  p99 ${fmt(percentile(lat, 99)).padStart(7)} ms  mean ${fmt(lat.reduce((a, b) => a + b, 0) / lat.length).padStart(7)} ms\n`);
}
process.stdout.write(`${queries.length} queries; ann: ${JSON.stringify(store.ann?.status() ?? [])}\n`);
await store.close();
