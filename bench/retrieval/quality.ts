/**
 * Quality of every incontext configuration and of the peers on one data set, all
 * over the same documents with the same embedder. incontext configurations run
 * through retrievePipeline, the code `ask` and `search` use.
 */
import type { Embedder } from '../../src/embed/index.js';
import { generateText } from 'ai';
import { resolveLanguageModel } from '../../src/model/index.js';
import { expansionStep, hydeStep, multiQueryStep, retrievePipeline, type PipelineRequest, type RetrievalStep } from '../../src/retrieve/index.js';
import { createNeighborExpander, prfStep } from '../../src/retrieve/expand/index.js';
import { localRerankStep, type Lexicon } from '../../src/retrieve/rerank/index.js';
import { fmt, log, msSince, now, percentile, settle, type Table } from '../lib.js';
import { indexCorpus, PROJECT } from './corpus.js';
import type { IrDataset } from './data.js';
import { docIds, quality, type Quality } from './metrics.js';
import { langchainPeer, oramaPeer, type Searcher } from './peers.js';

/** Chunks asked for per query: enough that 10 distinct documents remain after merging chunks of one document. */
const K = 30;
const POOL = 50;

export interface Config {
  name: string;
  mode: NonNullable<PipelineRequest['mode']>;
  steps: (lexicon: Lexicon) => RetrievalStep[];
}

const HYBRID = { weights: { vector: 0.3, keyword: 1 }, rrfK: 10 };
const prf = (lexicon: Lexicon) => prfStep({ lexicon });
const neighbours = (lexicon: Lexicon) => expansionStep('word-neighbours', createNeighborExpander({ lexicon }));
const rerank = (lexicon: Lexicon) => localRerankStep({ lexicon, top: POOL });

export const CONFIGS: Config[] = [
  { name: 'BM25 (SQLite FTS5)', mode: 'keyword', steps: () => [] },
  { name: 'local vectors (GloVe SIF)', mode: 'vector', steps: () => [] },
  { name: 'hybrid (RRF, default weights)', mode: 'hybrid', steps: () => [] },
  { name: 'BM25 + PRF', mode: 'keyword', steps: (l) => [prf(l)] },
  { name: 'hybrid + PRF', mode: 'hybrid', steps: (l) => [prf(l)] },
  { name: 'hybrid + word neighbours', mode: 'hybrid', steps: (l) => [neighbours(l)] },
  { name: 'BM25 + rerank', mode: 'keyword', steps: (l) => [rerank(l)] },
  { name: 'hybrid + rerank', mode: 'hybrid', steps: (l) => [rerank(l)] },
  { name: 'BM25 + PRF + rerank', mode: 'keyword', steps: (l) => [prf(l), rerank(l)] },
  { name: 'hybrid + PRF + rerank', mode: 'hybrid', steps: (l) => [prf(l), rerank(l)] },
];

/**
 * Steps that ask a generative model. None ships offline (the local answerer is extractive), so
 * these rows run only when INCONTEXT_BENCH_MODEL names one, e.g. `openai:gpt-4o-mini` with its
 * key in the environment; answers are cached per prompt, so HyDE + rerank reuses HyDE's passages.
 */
export const BENCH_MODEL = process.env['INCONTEXT_BENCH_MODEL'];
export const MODEL_CONFIGS: Config[] = [
  { name: 'hybrid + HyDE', mode: 'hybrid', steps: () => [hydeStep()] },
  { name: 'hybrid + multi-query', mode: 'hybrid', steps: () => [multiQueryStep()] },
  { name: 'hybrid + HyDE + PRF + rerank', mode: 'hybrid', steps: (l) => [hydeStep(), prf(l), rerank(l)] },
];

function benchGenerate(spec: string): (prompt: string) => Promise<string> {
  const { model } = resolveLanguageModel(spec, process.env);
  const answers = new Map<string, Promise<string>>();
  return (prompt) => {
    let a = answers.get(prompt);
    if (!a) {
      a = generateText({ model, prompt, temperature: 0, maxRetries: 2 }).then((r) => r.text);
      answers.set(prompt, a);
    }
    return a;
  };
}

export interface Row {
  dataset: string;
  name: string;
  peer: boolean;
  q: Quality;
  p50: number;
  p99: number;
}

export async function qualityRows(ds: IrDataset, embedder: Embedder, lexicon: Lexicon, only?: string[]): Promise<Row[]> {
  const corpus = await indexCorpus(ds, embedder);
  log(`${ds.name}: ${ds.docs.length} documents as ${corpus.chunks} chunks in ${fmt(corpus.indexMs)} ms`);
  const rows: Row[] = [];
  try {
    const deps = { store: corpus.store, embedder, ...(BENCH_MODEL ? { generate: benchGenerate(BENCH_MODEL) } : {}) };
    const configs = [...CONFIGS, ...(BENCH_MODEL ? MODEL_CONFIGS : [])];
    for (const c of configs.filter((x) => !only || only.some((o) => x.name.includes(o)))) {
      const steps = c.steps(lexicon);
      const lat: number[] = [];
      const ranked: string[][] = [];
      for (const q of ds.queries) {
        const t = now();
        const r = await retrievePipeline(deps, { projectId: PROJECT, query: q.text, k: K, candidates: POOL, mode: c.mode, ...HYBRID }, steps);
        lat.push(msSince(t));
        ranked.push(docIds(r.hits.map((h) => h.document.id)));
      }
      rows.push(row(ds, c.name, false, ranked, lat));
    }
    const vectors = await embedder.embed(
      ds.queries.map((q) => q.text),
      { kind: 'query' },
    );
    const peers: Searcher[] = [await langchainPeer(ds, embedder), await oramaPeer(corpus.pieces, embedder.dimensions)];
    for (const p of peers) {
      const lat: number[] = [];
      const ranked: string[][] = [];
      for (const [i, q] of ds.queries.entries()) {
        const t = now();
        const ids = await p.search(q.text, vectors[i]!, K);
        lat.push(msSince(t));
        ranked.push(docIds(ids));
      }
      rows.push(row(ds, p.name, true, ranked, lat));
    }
  } finally {
    await corpus.close();
    settle();
  }
  return rows;
}

function row(ds: IrDataset, name: string, peer: boolean, ranked: string[][], lat: number[]): Row {
  const q = quality(ds, ranked);
  log(`${ds.name}: ${name} nDCG@10 ${q.ndcg10.toFixed(3)} hit@5 ${q.hit5.toFixed(3)} p50 ${fmt(percentile(lat, 50))} ms`);
  return { dataset: ds.name, name, peer, q, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

export function qualityTable(ds: IrDataset, rows: Row[], chunks: string): Table {
  const best = bestOurs(rows);
  return {
    title: `Retrieval quality on ${ds.name}: ${ds.docs.length.toLocaleString('en')} documents, ${ds.queries.length} queries (${chunks})`,
    head: ['configuration', 'hit@1', 'hit@5', 'hit@10', 'MRR', 'nDCG@10', 'recall@10', 'p50 ms', 'p99 ms'],
    rows: rows.map((r) => [
      `${r.peer ? 'peer: ' : ''}${r.name}${r === best ? ' (best)' : ''}`,
      r.q.hit1.toFixed(3),
      r.q.hit5.toFixed(3),
      r.q.hit10.toFixed(3),
      r.q.mrr.toFixed(3),
      r.q.ndcg10.toFixed(3),
      r.q.recall10.toFixed(3),
      fmt(r.p50),
      fmt(r.p99),
    ]),
  };
}

export function bestOurs(rows: Row[]): Row | undefined {
  return rows.filter((r) => !r.peer).sort((a, b) => b.q.ndcg10 - a.q.ndcg10)[0];
}
