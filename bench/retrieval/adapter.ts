/**
 * `npx tsx bench/retrieval/adapter.ts [scifact|rag-dev]`: what a linear query adapter
 * over the local embedder gains on held-apart questions, two ways:
 *  - synthetic: trained only on inverse-cloze pseudo-queries cut from the corpus (no real
 *    query is ever trained on), as `incontext adapter train` does without a model; a fifth
 *    of the pseudo-queries (by document) are held apart and reported too;
 *  - real questions, two-fold: trained on half of the development questions (as feedback or
 *    an eval file would supply them), measured on the other half, and the other way round,
 *    so every question is measured by an adapter that never saw it.
 * Each is run with and without the adapter through the retrieval code `search` uses: vector
 * only, hybrid (RRF keyword 1 / vector 0.3) and the default hybrid + PRF + local rerank.
 * Prints a markdown table; writes nothing.
 */
import { join } from 'node:path';
import {
  createGloveEmbedder,
  inverseClozeQueries,
  loadGloveCache,
  trainLinearAdapter,
  withQueryAdapter,
  type AdapterPair,
  type Embedder,
  type LinearAdapter,
} from '../../src/embed/index.js';
import { retrievePipeline, type RetrievalStep } from '../../src/retrieve/index.js';
import { prfStep } from '../../src/retrieve/expand/index.js';
import { createLexicon, localRerankStep, type Lexicon } from '../../src/retrieve/rerank/index.js';
import { BENCH_TMP, fmt, log, machineLines, msSince, now, renderMarkdown, type Table } from '../lib.js';
import { indexCorpus, PROJECT, type IndexedCorpus } from './corpus.js';
import { loadRagDev, loadSciFact, type IrDataset } from './data.js';
import { docIds, quality, type Quality } from './metrics.js';

const K = 30;
const POOL = 50;
const HYBRID = { weights: { vector: 0.3, keyword: 1 }, rrfK: 10 };
const SEED = 20261123;

interface Setting {
  name: string;
  mode: 'vector' | 'hybrid';
  steps: (l: Lexicon) => RetrievalStep[];
}
const SETTINGS: Setting[] = [
  { name: 'vector only', mode: 'vector', steps: () => [] },
  { name: 'hybrid', mode: 'hybrid', steps: () => [] },
  { name: 'hybrid + PRF + rerank (default)', mode: 'hybrid', steps: (l) => [prfStep({ lexicon: l }), localRerankStep({ lexicon: l, top: POOL })] },
];

/** Pseudo-queries per corpus: SciFact has thousands of chunks, rag-dev a few dozen paragraphs (several sentences each). */
const PLAN: Record<string, { count: number; perSource: number }> = {
  scifact: { count: 4000, perSource: 1 },
  'rag-dev': { count: 400, perSource: 6 },
};

interface Pseudo {
  pairs: AdapterPair[];
  heldOut: Array<{ query: Float32Array; doc: string; chunk: number; remainder: Float32Array }>;
}

async function pseudoQueries(ds: IrDataset, corpus: IndexedCorpus, embedder: Embedder): Promise<Pseudo> {
  const plan = PLAN[ds.name] ?? { count: 2000, perSource: 1 };
  const sources = corpus.pieces.map((p, i) => ({ id: String(i), text: p.text, group: p.doc }));
  const cloze = inverseClozeQueries(sources, { ...plan, seed: SEED });
  const qv = await embedder.embed(cloze.map((c) => c.query), { kind: 'query' });
  const rv = await embedder.embed(cloze.map((c) => c.remainder), { kind: 'document' });
  // A fifth of the documents' pseudo-queries are never trained on.
  const docs = [...new Set(cloze.map((c) => c.group!))];
  const held = new Set(docs.filter((_, i) => i % 5 === 0));
  const out: Pseudo = { pairs: [], heldOut: [] };
  cloze.forEach((c, i) => {
    if (held.has(c.group!)) out.heldOut.push({ query: qv[i]!, doc: c.group!, chunk: Number(c.id), remainder: rv[i]! });
    else out.pairs.push({ query: qv[i]!, positive: rv[i]!, group: c.group! });
  });
  return out;
}

/** nDCG@10 etc. of held-out pseudo-queries by exact scan: the source chunk's vector is replaced by its remainder's. */
function pseudoQuality(corpus: IndexedCorpus, held: Pseudo['heldOut'], adapter: ((v: Float32Array) => Float32Array) | undefined): Quality {
  const ranked: string[][] = [];
  const ds: IrDataset = { name: 'pseudo', docs: [], queries: [], qrels: new Map(), titled: false };
  held.forEach((h, qi) => {
    const q = adapter ? adapter(h.query) : h.query;
    const scored = corpus.pieces.map((p, i) => {
      const v = i === h.chunk ? h.remainder : p.vector;
      let s = 0;
      for (let k = 0; k < v.length; k++) s += q[k]! * v[k]!;
      return { doc: p.doc, s };
    });
    scored.sort((a, b) => b.s - a.s);
    ranked.push(docIds(scored.slice(0, K).map((x) => x.doc)));
    ds.queries.push({ id: String(qi), text: '' });
    ds.qrels.set(String(qi), new Map([[h.doc, 1]]));
  });
  return quality(ds, ranked);
}

async function realQuality(ds: IrDataset, corpus: IndexedCorpus, embedder: Embedder, s: Setting, lexicon: Lexicon): Promise<Quality> {
  const steps = s.steps(lexicon);
  const ranked: string[][] = [];
  for (const q of ds.queries) {
    const r = await retrievePipeline({ store: corpus.store, embedder }, { projectId: PROJECT, query: q.text, k: K, candidates: POOL, mode: s.mode, ...HYBRID }, steps);
    ranked.push(docIds(r.hits.map((h) => h.document.id)));
  }
  return quality(ds, ranked);
}

async function benchDataset(ds: IrDataset, embedder: Embedder, lexicon: Lexicon): Promise<{ rows: Table['rows']; notes: string[] }> {
  const corpus = await indexCorpus(ds, embedder);
  try {
    const pseudo = await pseudoQueries(ds, corpus, embedder);
    const t = now();
    const epochs: string[] = [];
    const corpusNegatives = { vectors: corpus.pieces.map((p) => p.vector), groups: corpus.pieces.map((p) => p.doc) };
    // As the app trains on cloze pairs: the corpus only validates (remainders vs whole chunks would teach "shorter wins").
    const adapter: LinearAdapter = trainLinearAdapter(pseudo.pairs, {
      embedder: embedder.id,
      corpus: corpusNegatives,
      negativesPerBatch: 0,
      hardNegatives: 0,
      seed: SEED,
      onEpoch: (e) => epochs.push(`${e.epoch}:${e.trainLoss.toFixed(3)}/${e.validationLoss?.toFixed(3)}/${e.validationMrr?.toFixed(3)}`),
    });
    const trainMs = msSince(t);
    log(`${ds.name}: ${pseudo.pairs.length} pairs, trained in ${fmt(trainMs)} ms; epochs ${epochs.join(' ')}`);
    const adapted = withQueryAdapter(embedder, adapter);
    const rows: Table['rows'] = [];
    const add = (setting: string, base: Quality, withA: Quality) => {
      log(`${ds.name}: ${setting}: nDCG@10 ${base.ndcg10.toFixed(3)} → ${withA.ndcg10.toFixed(3)}`);
      rows.push([ds.name, setting, base.ndcg10.toFixed(3), withA.ndcg10.toFixed(3), signed(withA.ndcg10 - base.ndcg10), base.hit5.toFixed(3), withA.hit5.toFixed(3), base.mrr.toFixed(3), withA.mrr.toFixed(3)]);
    };
    const apply = (v: Float32Array) => applyVia(adapted, v);
    add(`synthetic: held-apart pseudo-queries (${pseudo.heldOut.length}), vector only`, pseudoQuality(corpus, pseudo.heldOut, undefined), pseudoQuality(corpus, pseudo.heldOut, apply));
    const plain: Quality[] = [];
    for (const s of SETTINGS) {
      plain.push(await realQuality(ds, corpus, embedder, s, lexicon));
      add(`synthetic: real queries (${ds.queries.length}), ${s.name}`, plain.at(-1)!, await realQuality(ds, corpus, adapted, s, lexicon));
    }
    const tr = adapter.training!;
    const folds = await twoFold(ds, corpus, embedder, corpusNegatives);
    for (const [i, s] of SETTINGS.entries()) add(`real questions, two-fold (${ds.queries.length}), ${s.name}`, plain[i]!, await foldQuality(ds, corpus, folds, s, lexicon));
    return {
      rows,
      notes: [
        `${ds.name} synthetic: ${tr.pairs} pseudo-query pairs (${tr.validationPairs} of them for early stopping); best epoch ${tr.bestEpoch} of ${tr.epochs}; validation MRR ${tr.validationMrrBefore} → ${tr.validationMrrAfter}; trained in ${(trainMs / 1000).toFixed(1)} s.`,
        `${ds.name} two-fold: ${folds.map((f, i) => `fold ${i + 1} ${f.adapter.training!.pairs} pairs, best epoch ${f.adapter.training!.bestEpoch}`).join('; ')}.`,
      ],
    };
  } finally {
    await corpus.close();
  }
}

interface Fold {
  /** Query ids this fold's adapter is measured on (it was trained on the others). */
  test: Set<string>;
  adapter: LinearAdapter;
  embedder: Embedder;
}

/**
 * Two adapters, each trained on half of the real questions (every relevant document's best
 * chunk under the base embedder as the positive) with corpus negatives, as the app trains
 * on feedback or an eval file.
 */
async function twoFold(ds: IrDataset, corpus: IndexedCorpus, embedder: Embedder, negatives: { vectors: Float32Array[]; groups: string[] }): Promise<Fold[]> {
  const qv = await embedder.embed(ds.queries.map((q) => q.text), { kind: 'query' });
  const chunksOf = new Map<string, Float32Array[]>();
  for (const p of corpus.pieces) chunksOf.set(p.doc, [...(chunksOf.get(p.doc) ?? []), p.vector]);
  const best = (q: Float32Array, doc: string) => (chunksOf.get(doc) ?? []).reduce<{ v?: Float32Array; s: number }>((m, v) => {
    let s = 0;
    for (let k = 0; k < v.length; k++) s += q[k]! * v[k]!;
    return s > m.s ? { v, s } : m;
  }, { s: -Infinity }).v;
  const folds: Fold[] = [];
  for (const part of [0, 1]) {
    const test = new Set(ds.queries.filter((_, i) => i % 2 === part).map((q) => q.id));
    const pairs: AdapterPair[] = [];
    ds.queries.forEach((q, i) => {
      if (test.has(q.id)) return;
      for (const [doc, grade] of ds.qrels.get(q.id) ?? []) {
        const positive = grade > 0 ? best(qv[i]!, doc) : undefined;
        if (positive) pairs.push({ query: qv[i]!, positive, group: doc });
      }
    });
    const adapter = trainLinearAdapter(pairs, { embedder: embedder.id, corpus: negatives, validationSplit: 'pair', seed: SEED + part });
    folds.push({ test, adapter, embedder: withQueryAdapter(embedder, adapter) });
  }
  return folds;
}

/** Quality over all questions, each run with the adapter of the fold that did not train on it. */
async function foldQuality(ds: IrDataset, corpus: IndexedCorpus, folds: Fold[], s: Setting, lexicon: Lexicon): Promise<Quality> {
  const steps = s.steps(lexicon);
  const ranked: string[][] = [];
  for (const q of ds.queries) {
    const fold = folds.find((f) => f.test.has(q.id))!;
    const r = await retrievePipeline({ store: corpus.store, embedder: fold.embedder }, { projectId: PROJECT, query: q.text, k: K, candidates: POOL, mode: s.mode, ...HYBRID }, steps);
    ranked.push(docIds(r.hits.map((h) => h.document.id)));
  }
  return quality(ds, ranked);
}

/** The adapter without an embedder call: the query vector is already at hand. */
function applyVia(adapted: ReturnType<typeof withQueryAdapter>, v: Float32Array): Float32Array {
  return adapted.apply(v);
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const cacheDir = join(BENCH_TMP, 'glove');
  const embedder = createGloveEmbedder({ cacheDir });
  const lexicon = createLexicon((await loadGloveCache({ cacheDir })).table);
  const datasets = [loadSciFact(), loadRagDev()].filter((d) => only.length === 0 || only.includes(d.name));
  const table: Table = {
    title: `Linear query adapter over ${embedder.id}: trained on synthetic (inverse-cloze) pseudo-queries, or two-fold on real questions`,
    head: ['data set', 'questions, retrieval', 'nDCG@10', '+ adapter', 'Δ', 'hit@5', '+ adapter', 'MRR', '+ adapter'],
    rows: [],
    notes: [],
  };
  for (const ds of datasets) {
    const r = await benchDataset(ds, embedder, lexicon);
    table.rows.push(...r.rows);
    table.notes!.push(...r.notes);
  }
  table.notes!.push('Document-level metrics (a document ranks where its best chunk ranks); chunks 384/48 tokens; k=30 chunks, 50 candidates per retriever.');
  process.stdout.write(`${machineLines([]).join('\n')}\n\n${renderMarkdown(table)}\n`);
}

await main();
