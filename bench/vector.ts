import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import { ItemSelector, LocalIndex } from 'vectra';
import type { Chunk } from '../src/core/index.js';
import { openSqliteStore, PackedVectors, type DocumentEntry } from '../src/store/index.js';
import { BENCH_TMP, fmt, gaussian, interleaved, log, mean, msSince, now, percentile, prng, settle, type Section, type Table } from './lib.js';

const N = 100_000;
const DIMS = 384;
const QUERIES = 200;
const WARMUP = 5;
const K = 10;
const PROJECT = 'bench';
const MODEL = 'bench:random-384';
const PER_ORIGIN = 1000;
/** Ground truth is a plain float64 scan (slow in JS); a quarter of the queries is enough to check exactness. */
const TRUTH_QUERIES = 50;

/**
 * Seeded random unit vectors, rounded to 4 decimals. Rounding keeps vectra's
 * JSON index (every number printed as text) under V8's maximum string length at
 * 100k × 384; all peers get exactly the same numbers (the SQLite store gets their
 * float32 images, a difference of ~1e-9, far below the top-10 score gaps).
 */
function unitVectors(count: number, seed: number): Float64Array[] {
  const g = gaussian(prng(seed));
  const out: Float64Array[] = [];
  const tmp = new Float64Array(DIMS);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let j = 0; j < DIMS; j++) {
      tmp[j] = g();
      s += tmp[j]! * tmp[j]!;
    }
    const inv = 1 / Math.sqrt(s);
    const v = new Float64Array(DIMS);
    for (let j = 0; j < DIMS; j++) v[j] = Math.round(tmp[j]! * inv * 1e4) / 1e4;
    out.push(v);
  }
  return out;
}

/** Exact top-k in float64, the ground truth every peer is checked against. */
function exactTopK(data: Float64Array[], q: Float64Array, k: number): number[] {
  const norms = exactTopK.norms ??= data.map((v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)));
  const best: Array<[number, number]> = [];
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    let dot = 0;
    for (let j = 0; j < DIMS; j++) dot += v[j]! * q[j]!;
    const score = dot / norms[i]!;
    if (best.length < k || score > best[best.length - 1]![1]) {
      best.push([i, score]);
      best.sort((a, b) => b[1] - a[1]);
      if (best.length > k) best.pop();
    }
  }
  return best.map(([i]) => i);
}
exactTopK.norms = undefined as number[] | undefined;

function overlap(a: number[], b: number[]): number {
  const s = new Set(b);
  return a.filter((x) => s.has(x)).length / Math.max(1, b.length);
}

interface Peer {
  name: string;
  loadMs: number;
  search(q: Float64Array): Promise<number[]>;
  close?(): Promise<void>;
}

interface PeerResult extends Peer {
  /** First query after opening: includes any lazy load of the index into memory. */
  firstQueryMs: number;
  lat: number[];
  ids: number[][];
}

async function incontextPeer(data: Float64Array[], dir: string): Promise<Peer> {
  const path = join(dir, 'vectors.db');
  const t = now();
  // mode 'exact': this section measures the exact scan; the HNSW index has its own bench (bench/ann).
  const store = openSqliteStore({ path, ann: { mode: 'exact' } });
  const ts = new Date(0).toISOString();
  for (let o = 0; o < N / PER_ORIGIN; o++) {
    const origin = `origin-${o}`;
    const docId = `doc-${o}`;
    const chunks: Chunk[] = [];
    const vectors: Float32Array[] = [];
    for (let i = o * PER_ORIGIN; i < (o + 1) * PER_ORIGIN; i++) {
      chunks.push({ id: `c${i}`, documentId: docId, projectId: PROJECT, index: i - o * PER_ORIGIN, text: `vector ${i}`, tokenCount: 2, start: 0, end: 0, metadata: {} });
      vectors.push(Float32Array.from(data[i]!));
    }
    const entry: DocumentEntry = {
      document: { id: docId, projectId: PROJECT, origin, source: origin, format: 'text', text: '', metadata: {}, contentHash: String(o), createdAt: ts, updatedAt: ts },
      chunks,
      vectors,
      model: MODEL,
    };
    await store.replaceOrigin(PROJECT, origin, [entry]);
  }
  await store.close();
  const loadMs = msSince(t);
  log(`vector: incontext loaded ${N} in ${fmt(loadMs)} ms`);
  // Reopen, so the first query pays the lazy load from SQLite like a fresh process would.
  const reopened = openSqliteStore({ path, ann: { mode: 'exact' } });
  const search = async (q: Float64Array) =>
    (await reopened.vectorSearch({ projectId: PROJECT, model: MODEL, vector: Float32Array.from(q), k: K })).map((h) => Number(h.chunk.id.slice(1)));
  return { name: 'incontext SQLite store vectorSearch', loadMs, search, close: () => reopened.close() };
}

/**
 * Single-core memory bandwidth of this machine, measured in the same run as the scan it is
 * compared with. Read: Buffer.indexOf of a byte that never occurs, which is glibc's
 * vectorised memchr over the whole buffer, the fastest plain read one core can do. Copy:
 * TypedArray.set (memcpy), counted as bytes read plus bytes written. Buffers far larger
 * than the last-level cache, best of several passes (the machine is shared, so the best
 * pass is the one least disturbed).
 */
export function memoryBandwidth(bytes = 512 * 2 ** 20, passes = 7): { readGBs: number; copyGBs: number } {
  const src = Buffer.alloc(bytes, 7);
  const dst = new Uint8Array(bytes);
  let readBest = Infinity;
  let copyBest = Infinity;
  for (let p = 0; p < passes; p++) {
    let t = now();
    if (src.indexOf(1) !== -1) throw new Error('bandwidth buffer must not contain the probe byte');
    readBest = Math.min(readBest, msSince(t));
    t = now();
    dst.set(src);
    copyBest = Math.min(copyBest, msSince(t));
  }
  return { readGBs: bytes / 1e6 / readBest, copyGBs: (2 * bytes) / 1e6 / copyBest };
}

/** The exact scan alone (SIMD kernel + top-k, no SQLite): what streams the vectors through the core. */
function scanRate(data: Float64Array[], queries: Float64Array[]): { p50: number; best: number; bytes: number } {
  const packed = new PackedVectors(DIMS, data.length);
  data.forEach((v, r) => packed.setRow(r, Float32Array.from(v)));
  const lat: number[] = [];
  for (const q of queries) {
    const unit = Float32Array.from(q);
    const t = now();
    packed.search(unit, K);
    lat.push(msSince(t));
  }
  return { p50: percentile(lat, 50), best: Math.min(...lat), bytes: packed.n * packed.stride * 4 };
}

/** MemoryVectorStore needs an Embeddings object even when only vectors are passed in. */
class NoEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  embedDocuments(): Promise<number[][]> {
    throw new Error('not used: vectors are passed in directly');
  }
  embedQuery(): Promise<number[]> {
    throw new Error('not used: vectors are passed in directly');
  }
}

async function langchainPeer(data: Float64Array[]): Promise<Peer> {
  const t = now();
  const store = new MemoryVectorStore(new NoEmbeddings());
  await store.addVectors(
    data.map((v) => Array.from(v)),
    data.map((_, i) => new Document({ pageContent: `vector ${i}`, metadata: { i } })),
  );
  const loadMs = msSince(t);
  const search = async (q: Float64Array) => (await store.similaritySearchVectorWithScore(Array.from(q), K)).map(([d]) => d.metadata.i as number);
  log(`vector: LangChain loaded ${N} in ${fmt(loadMs)} ms`);
  return { name: 'LangChain MemoryVectorStore', loadMs, search };
}

/** Items that go through vectra's public insertItem; see vectraPeer for why not all 100k. */
const VECTRA_API_ITEMS = 10_000;

/**
 * vectra's insertItem scans every existing item for a duplicate id, so a 100k load
 * through it is quadratic (it had not finished after 13 minutes here). The timed load
 * therefore puts the first VECTRA_API_ITEMS through the API (reported on its own) and
 * writes the full index.json in vectra's own layout ({version, metadata_config,
 * items: [{id, metadata, vector, norm}]}, norm from vectra's ItemSelector), which is
 * what endUpdate would have written. Queries then run on a fresh LocalIndex that
 * loads that file exactly as it loads any index.
 */
async function vectraPeer(data: Float64Array[], dir: string): Promise<Peer & { apiMs: number }> {
  let t = now();
  const api = new LocalIndex(join(dir, 'vectra-api'));
  await api.createIndex({ version: 1, deleteIfExists: true });
  await api.beginUpdate();
  for (let i = 0; i < VECTRA_API_ITEMS; i++) await api.insertItem({ id: String(i), vector: Array.from(data[i]!), metadata: { i } });
  await api.endUpdate();
  const apiMs = msSince(t);
  log(`vector: vectra insertItem ×${VECTRA_API_ITEMS} in ${fmt(apiMs)} ms`);
  await api.deleteIndex();

  const folder = join(dir, 'vectra');
  t = now();
  mkdirSync(folder, { recursive: true });
  const fd = openSync(join(folder, 'index.json'), 'w');
  writeSync(fd, '{"version":1,"metadata_config":{},"items":[');
  const BATCH = 1000;
  for (let b = 0; b < data.length; b += BATCH) {
    const parts: string[] = [];
    for (let i = b; i < Math.min(data.length, b + BATCH); i++) {
      const vector = Array.from(data[i]!);
      parts.push(JSON.stringify({ id: String(i), metadata: { i }, vector, norm: ItemSelector.normalize(vector) }));
    }
    writeSync(fd, (b === 0 ? '' : ',') + parts.join(','));
  }
  writeSync(fd, ']}');
  closeSync(fd);
  const loadMs = msSince(t);
  log(`vector: vectra index.json for ${N} written in ${fmt(loadMs)} ms`);
  // A fresh LocalIndex reads index.json on its first query, like a new process would.
  const fresh = new LocalIndex(folder);
  const search = async (q: Float64Array) => (await fresh.queryItems(Array.from(q), '', K)).map((r) => Number(r.item.id));
  return { name: 'vectra LocalIndex queryItems', loadMs, apiMs, search };
}

export const vectorSection: Section = {
  name: 'vector',
  title: 'Exact vector search',
  async run(): Promise<Table[]> {
    const dir = join(BENCH_TMP, `vector-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      let t = now();
      const data = unitVectors(N, 1);
      const queries = unitVectors(QUERIES, 2);
      const warm = unitVectors(WARMUP, 3);
      log(`vector: generated ${N} × ${DIMS} in ${fmt(msSince(t))} ms`);
      t = now();
      const truth = queries.slice(0, TRUTH_QUERIES).map((q) => exactTopK(data, q, K));
      log(`vector: ground truth in ${fmt(msSince(t))} ms`);

      const ourPeer = await incontextPeer(data, dir);
      settle();
      const lcPeer = await langchainPeer(data);
      settle();
      const vectra = await vectraPeer(data, dir);
      settle();
      const built = [ourPeer, lcPeer, vectra];
      const first: number[] = [];
      for (const p of built) {
        t = now();
        await p.search(warm[0]!);
        first.push(msSince(t));
      }
      // Warm-up queries are different vectors from the measured ones, so nothing measured can be a repeat.
      for (const q of warm.slice(1)) for (const p of built) await p.search(q);
      settle();
      const measured = await interleaved(built.map((p) => (q: Float64Array) => p.search(q)), queries);
      const peers: PeerResult[] = built.map((p, i) => ({ ...p, firstQueryMs: first[i]!, lat: measured[i]!.lat, ids: measured[i]!.out }));
      for (const p of peers) log(`vector: ${p.name} p50 ${fmt(percentile(p.lat, 50))} ms`);
      await ourPeer.close?.();
      settle();
      const bw = memoryBandwidth();
      const scan = scanRate(data, queries);
      const scanGBs = scan.bytes / 1e6 / scan.p50;
      const scanBestGBs = scan.bytes / 1e6 / scan.best;
      const fullGBs = scan.bytes / 1e6 / percentile(peers[0]!.lat, 50);
      log(`vector: read bandwidth ${fmt(bw.readGBs)} GB/s, scan ${fmt(scanGBs)} GB/s (${fmt((100 * scanGBs) / bw.readGBs, 0)}%)`);

      const ours = peers[0]!;
      const p50 = (p: PeerResult) => percentile(p.lat, 50);
      const rows = peers.map((p) => [
        p.name,
        fmt(p.loadMs / 1000),
        fmt(p.firstQueryMs),
        fmt(p50(p)),
        fmt(percentile(p.lat, 99)),
        `${fmt(p50(p) / p50(ours))}×`,
        mean(truth.map((ids, i) => overlap(p.ids[i]!, ids))).toFixed(3),
        mean(p.ids.map((ids, i) => overlap(ids, ours.ids[i]!))).toFixed(3),
      ]);
      return [
        {
          summary: `Exact vector search, 100k × 384, k=10: incontext p50 ${fmt(p50(ours))} ms, ${fmt(p50(peers[1]!) / p50(ours))}× faster than LangChain MemoryVectorStore and ${fmt(p50(peers[2]!) / p50(ours))}× faster than vectra (goal ≥ 10× LangChain); top-10 identical to exact search (overlap ${mean(truth.map((ids, i) => overlap(ours.ids[i]!, ids))).toFixed(3)}).`,
          title: `Exact vector search: ${N.toLocaleString('en')} × ${DIMS} unit vectors (seeded), ${QUERIES} distinct queries, k=${K}`,
          head: ['engine', 'load s', 'first query ms (lazy load)', 'p50 ms', 'p99 ms', 'p50 vs incontext', 'top-10 overlap vs exact', 'overlap vs incontext'],
          rows,
          notes: [
            `Speed-up of incontext at p50: ${fmt(p50(peers[1]!) / p50(ours))}× vs LangChain, ${fmt(p50(peers[2]!) / p50(ours))}× vs vectra (goal ≥ 10× LangChain).`,
            'Load: incontext = replaceOrigin of 100 origins × 1,000 chunks into a SQLite file (with FTS rows); LangChain = addVectors in memory; ' +
              `vectra = index.json written in vectra's own layout, because insertItem scans all items for a duplicate id on every insert: ×${VECTRA_API_ITEMS.toLocaleString('en')} through the API took ${fmt(vectra.apiMs / 1000)} s, quadratic growth puts 100k near ${fmt(((vectra.apiMs / 1000) * (N / VECTRA_API_ITEMS) ** 2) / 60, 0)} min, and a 100k trial on this shared machine had not finished after 13 min.`,
            `First query runs on a freshly opened store/index (incontext reads vectors from SQLite, vectra parses index.json); then ${WARMUP - 1} warm-up queries; the ${QUERIES} timed queries are different vectors, each run once per engine, engines interleaved query by query (rotating order) so load from elsewhere hits all alike.`,
            `Exact = float64 brute force over the same numbers, on the first ${TRUTH_QUERIES} queries; "overlap vs incontext" uses all ${QUERIES}.`,
          ],
        },
        {
          summary: `Exact k-NN vs memory bandwidth: the scan streams ${fmt(scanGBs)} GB/s, ${fmt((100 * scanGBs) / bw.readGBs, 0)}% of one core's read bandwidth measured in the same run (${fmt(bw.readGBs)} GB/s; goal ≥ 70%); the whole vectorSearch call ${fmt((100 * fullGBs) / bw.readGBs, 0)}%.`,
          title: `Exact k-NN as a fraction of memory bandwidth (${N.toLocaleString('en')} × ${DIMS}, ${(scan.bytes / 2 ** 20).toFixed(0)} MiB of float32 rows)`,
          head: ['measure', 'GB/s', 'fraction of read bandwidth'],
          rows: [
            ['memory read, one core (memchr over 512 MiB, best of 7)', fmt(bw.readGBs), '100%'],
            ['memory copy, one core (memcpy 512 MiB, read + write bytes)', fmt(bw.copyGBs), `${fmt((100 * bw.copyGBs) / bw.readGBs, 0)}%`],
            [`exact scan: WASM SIMD dot products + top-${K} (p50 of ${QUERIES})`, fmt(scanGBs), `${fmt((100 * scanGBs) / bw.readGBs, 0)}%`],
            ['exact scan, fastest query (like the best-of-7 bandwidth pass)', fmt(scanBestGBs), `${fmt((100 * scanBestGBs) / bw.readGBs, 0)}%`],
            ['whole vectorSearch (scan + hit rows from SQLite, p50)', fmt(fullGBs), `${fmt((100 * fullGBs) / bw.readGBs, 0)}%`],
          ],
          notes: [
            'Bytes scanned per query = rows × padded row width × 4 (384 floats is already a multiple of the 16-float padding); rate = bytes / p50 latency.',
            'Both figures are single-threaded, as the scan is. The machine is shared: bandwidth and scan are measured minutes apart in the same process, read them together.',
          ],
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
