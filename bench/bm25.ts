import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import MiniSearch from 'minisearch';
import { ndcgAt, recallAt } from '../src/eval/index.js';
import { openSqliteStore, type DocumentEntry } from '../src/store/index.js';
import { BENCH_TMP, fmt, interleaved, log, mean, msSince, now, percentile, readJsonl, settle, type CorpusDoc, type Qrel, type SciQuery, type Section, type Table } from './lib.js';

const K = 10;
const PROJECT = 'scifact';
const ONE = new Float32Array([1]);
/** Published BM25 nDCG@10 on SciFact in the BEIR paper (Thakur et al., 2021). */
const BEIR_BM25_NDCG10 = 0.665;

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
}

interface Engine {
  name: string;
  indexMs: number;
  lat: number[];
  ndcg: number;
  recall: number;
}

function score(name: string, indexMs: number, queries: SciQuery[], ranked: string[][], lat: number[], qrels: Map<string, Map<string, number>>): Engine {
  const rel = (i: number) => qrels.get(queries[i]!.id) ?? new Map<string, number>();
  const ndcg = mean(ranked.map((r, i) => ndcgAt(r, rel(i), K)));
  const recall = mean(ranked.map((r, i) => recallAt(r, rel(i), K)));
  log(`bm25: ${name} index ${fmt(indexMs)} ms, p50 ${fmt(percentile(lat, 50))} ms, nDCG@10 ${ndcg.toFixed(3)}`);
  return { name, indexMs, lat, ndcg, recall };
}

export const bm25Section: Section = {
  name: 'bm25',
  title: 'BM25 keyword search',
  async run(): Promise<Table[]> {
    const corpus = readJsonl<CorpusDoc>('scifact-corpus.jsonl');
    const queries = readJsonl<SciQuery>('scifact-dev-queries.jsonl');
    const qrels = new Map<string, Map<string, number>>();
    for (const r of readJsonl<Qrel>('scifact-dev-qrels.jsonl')) {
      const m = qrels.get(r.query_id) ?? new Map<string, number>();
      m.set(r.doc_id, r.score);
      qrels.set(r.query_id, m);
    }
    const judged = queries.filter((q) => qrels.has(q.id));
    const warm = corpus.slice(0, 10).map((d) => d.title);
    // Both engines index the same text per document: title, blank line, abstract (as BEIR concatenates them).
    const textOf = (d: CorpusDoc) => `${d.title}\n\n${d.text}`;

    const dir = join(BENCH_TMP, `bm25-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const engines: Engine[] = [];
    try {
      let t = now();
      const store = openSqliteStore({ path: join(dir, 'scifact.db') });
      const ts = new Date(0).toISOString();
      // One origin per abstract, as ingesting one file per document would write them.
      for (const d of corpus) {
        const text = textOf(d);
        const entry: DocumentEntry = {
          document: { id: d.doc_id, projectId: PROJECT, origin: d.doc_id, source: d.doc_id, title: d.title, format: 'text', text, metadata: {}, contentHash: d.doc_id, createdAt: ts, updatedAt: ts },
          chunks: [{ id: `${d.doc_id}#0`, documentId: d.doc_id, projectId: PROJECT, index: 0, text, tokenCount: 0, start: 0, end: text.length, metadata: {} }],
          // The store requires a vector per chunk; a 1-d placeholder keeps embedding cost out of the keyword index time.
          vectors: [ONE],
          model: 'bench:none',
        };
        await store.replaceOrigin(PROJECT, d.doc_id, [entry]);
      }
      const storeMs = msSince(t);
      settle();

      t = now();
      const mini = new MiniSearch<CorpusDoc>({ idField: 'doc_id', fields: ['title', 'text'] });
      mini.addAll(corpus);
      const miniMs = msSince(t);

      const runners = [
        async (q: string) => (await store.keywordSearch({ projectId: PROJECT, query: q, k: K })).map((h) => h.document.id),
        async (q: string) => mini.search(q).slice(0, K).map((r) => String(r.id)),
      ];
      // Warm-up with other text (document titles), so no measured query has been seen before.
      for (const w of warm) for (const r of runners) await r(w);
      const [a, b] = await interleaved(runners, judged.map((q) => q.query));
      engines.push(score('incontext SQLite FTS5 (porter)', storeMs, judged, a!.out, a!.lat, qrels));
      engines.push(score('minisearch (defaults)', miniMs, judged, b!.out, b!.lat, qrels));
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const [ours, peer] = [engines[0]!, engines[1]!];
    const p50 = (e: Engine) => percentile(e.lat, 50);
    return [
      {
        summary: `BM25 on SciFact: incontext FTS5 nDCG@10 ${ours.ndcg.toFixed(3)} / recall@10 ${ours.recall.toFixed(3)} (BEIR BM25 ${BEIR_BM25_NDCG10}) vs minisearch ${peer.ndcg.toFixed(3)} / ${peer.recall.toFixed(3)}; query p50 ${fmt(p50(ours))} vs ${fmt(p50(peer))} ms (${fmt(p50(peer) / p50(ours))}×); indexing ${fmt(ours.indexMs / peer.indexMs)}× slower (SQLite file vs in-memory).`,
        title: `BM25 on SciFact: ${corpus.length.toLocaleString('en')} abstracts, ${judged.length} queries, k=${K}`,
        head: ['engine', 'index ms', 'p50 ms', 'p99 ms', 'p50 vs incontext', 'nDCG@10', 'recall@10'],
        rows: engines.map((e) => [e.name, fmt(e.indexMs), fmt(p50(e)), fmt(percentile(e.lat, 99)), `${fmt(p50(e) / p50(ours))}×`, e.ndcg.toFixed(3), e.recall.toFixed(3)]),
        notes: [
          `BEIR's published BM25 nDCG@10 on SciFact: ${BEIR_BM25_NDCG10}. difference: incontext ${signed(ours.ndcg - BEIR_BM25_NDCG10)}, minisearch ${signed(peer.ndcg - BEIR_BM25_NDCG10)}.`,
          `Index time: incontext writes a SQLite file, one replaceOrigin transaction per abstract (as file ingest does); minisearch builds in memory with addAll. Ratio ${fmt(ours.indexMs / peer.indexMs)}× (incontext / minisearch).`,
          'Queries run once per engine, engines interleaved query by query, after 10 warm-up searches with other text (document titles); incontext returns full hits (chunk + document rows), minisearch ids and scores.',
        ],
      },
    ];
  },
};
