/**
 * `node --import tsx bench/ann/store.ts`: the whole SQLite store vectorSearch with the ANN
 * index (store defaults) against the same store scanning exactly, on one file.
 * ANN_STORE_N sets the size (default 50,000). Prints a table; the figures go into RESULTS.md by hand.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Chunk } from '../../src/core/index.js';
import { ANN_DEFAULTS, openSqliteStore, type DocumentEntry } from '../../src/store/index.js';
import { BENCH_TMP, fmt, interleaved, log, mean, msSince, now, percentile, renderText } from '../lib.js';
import { clusteredVectors } from './data.js';

const N = Number(process.env.ANN_STORE_N ?? 50_000);
const DIMS = 384;
const QUERIES = 200;
const K = 10;
const PER_ORIGIN = 1000;
const PROJECT = 'bench';
const MODEL = 'bench:clustered-384';

const dir = join(BENCH_TMP, `ann-store-${process.pid}`);
mkdirSync(dir, { recursive: true });
try {
  const data = clusteredVectors(N, DIMS, 1);
  const queryData = clusteredVectors(QUERIES, DIMS, 2);
  const queries = Array.from({ length: QUERIES }, (_, i) => queryData.subarray(i * DIMS, (i + 1) * DIMS));
  const path = join(dir, 'incontext.db');
  // Written with the index maintained at write time, as ingest would.
  const writer = openSqliteStore({ path, ann: { threshold: Math.min(ANN_DEFAULTS.threshold, N) } });
  const ts = new Date(0).toISOString();
  let t = now();
  for (let o = 0; o < N / PER_ORIGIN; o++) {
    const origin = `origin-${o}`;
    const chunks: Chunk[] = [];
    const vectors: Float32Array[] = [];
    for (let i = o * PER_ORIGIN; i < (o + 1) * PER_ORIGIN; i++) {
      chunks.push({ id: `c${i}`, documentId: `d${o}`, projectId: PROJECT, index: i % PER_ORIGIN, text: `vector ${i}`, tokenCount: 2, start: 0, end: 0, metadata: {} });
      vectors.push(data.slice(i * DIMS, (i + 1) * DIMS));
    }
    const entry: DocumentEntry = {
      document: { id: `d${o}`, projectId: PROJECT, origin, source: origin, format: 'text', text: '', metadata: {}, contentHash: String(o), createdAt: ts, updatedAt: ts },
      chunks,
      vectors,
      model: MODEL,
    };
    await writer.replaceOrigin(PROJECT, origin, [entry]);
  }
  await writer.close();
  const loadS = msSince(t) / 1000;
  log(`ann-store: ${N} vectors written with the index maintained in ${fmt(loadS)} s`);

  const ann = openSqliteStore({ path, ann: { threshold: Math.min(ANN_DEFAULTS.threshold, N) } });
  const exact = openSqliteStore({ path, ann: { mode: 'exact' } });
  const run = (s: typeof ann) => async (q: Float32Array) => (await s.vectorSearch({ projectId: PROJECT, model: MODEL, vector: q, k: K })).map((h) => h.chunk.id);
  t = now();
  await run(ann)(queries[0]!);
  const annOpen = msSince(t);
  t = now();
  await run(exact)(queries[0]!);
  const exactOpen = msSince(t);
  const [a, e] = (await interleaved([run(ann), run(exact)], queries)) as [{ lat: number[]; out: string[][] }, { lat: number[]; out: string[][] }];
  const recall = mean(a.out.map((ids, i) => ids.filter((id) => e.out[i]!.includes(id)).length / K));
  const status = ann.ann?.status()[0];
  await ann.close();
  await exact.close();
  process.stdout.write(
    renderText({
      title: `SQLite store vectorSearch, ${N.toLocaleString('en')} × ${DIMS} clustered, k=${K}: ANN (store defaults: ${status?.quantization}, re-scored) vs exact scan`,
      head: ['path', 'first query ms (open)', 'p50 ms', 'p99 ms', 'recall@10 vs exact'],
      rows: [
        ['ANN index (auto)', fmt(annOpen), fmt(percentile(a.lat, 50)), fmt(percentile(a.lat, 99)), recall.toFixed(3)],
        ['exact scan', fmt(exactOpen), fmt(percentile(e.lat, 50)), fmt(percentile(e.lat, 99)), '1.000'],
      ],
      notes: [`Writing ${N.toLocaleString('en')} vectors in ${N / PER_ORIGIN} origins with the index kept current at write time: ${fmt(loadS)} s. Both p50s include fetching the hit rows from SQLite.`],
    }) + '\n',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
