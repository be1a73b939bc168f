/**
 * Train the local reranker's weights:
 *   npx tsx src/retrieve/rerank/train.ts [--datasets ../shared/datasets] [--queries 600] [--cache <GloVe cache folder>]
 *
 * No evaluation query is ever trained on. The training queries are cut from the
 * corpora themselves (the inverse cloze task of Lee et al., 2019): a sentence is
 * taken out of a document and becomes a query whose one relevant document is what
 * is left of it. Its candidates come from the same first stage the pipeline uses
 * (hybrid search of the local default store), over a copy of the corpus with those
 * sentences removed, so the answer is never a verbatim match.
 * The real development queries (SciFact claims, SQuAD questions) are then used only
 * to report the held-out figures stored in `heldOut`.
 * Writes weights.json next to this file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sentenceRanges, createChunker } from '../../chunk/index.js';
import { prng, type Chunk, type Hit } from '../../core/index.js';
import { createGloveEmbedder, dot, type Embedder } from '../../embed/index.js';
import { openSqliteStore, type Store } from '../../store/index.js';
import { fuseRrf } from '../retrieve.js';
import { candidateFeatures, FEATURE_NAMES, prepareQuery } from './features.js';
import { contentWords, createLexicon, type Lexicon } from './lexicon.js';
import { loadGloveCache } from '../../embed/index.js';
import { hitCandidates } from './local.js';
import { scoreFeatures, trainPairwise, type RerankModel, type TrainingGroup } from './model.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT = 'train';
const POOL = 50;
const SEED = 20261123;

interface Doc {
  doc_id: string;
  title: string;
  text: string;
}
interface Query {
  text: string;
  relevant: Map<string, number>;
}
interface Collection {
  name: string;
  docs: Doc[];
  titled: boolean;
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** One pseudo-query per sampled document: a mid-length sentence, removed from the document. */
export function inverseCloze(docs: Doc[], count: number, seed: number): { docs: Doc[]; queries: Query[] } {
  const rand = prng(seed);
  const order = docs.map((_, i) => i).sort(() => rand() - 0.5);
  const picked = new Map<number, [number, number]>();
  for (const i of order) {
    if (picked.size >= count) break;
    const text = docs[i]!.text;
    const options = sentenceRanges(text).filter(([s, e]) => {
      const n = contentWords(text.slice(s, e)).length;
      return n >= 4 && n <= 16;
    });
    // A document of one sentence would be left empty.
    if (options.length === 0 || sentenceRanges(text).length < 3) continue;
    picked.set(i, options[Math.floor(rand() * options.length)]!);
  }
  const queries: Query[] = [];
  const out = docs.map((d, i) => {
    let range = picked.get(i);
    if (range) queries.push({ text: d.text.slice(range[0], range[1]), relevant: new Map([[d.doc_id, 1]]) });
    else {
      // Every other document loses a sentence too, or "shorter" would be learned as "relevant".
      const all = sentenceRanges(d.text);
      if (all.length < 3) return d;
      range = all[Math.floor(rand() * all.length)]!;
    }
    return { ...d, text: `${d.text.slice(0, range[0])}${d.text.slice(range[1])}`.replace(/\s{2,}/g, ' ').trim() };
  });
  return { docs: out, queries };
}

async function indexDocs(store: Store, embedder: Embedder, docs: Doc[], titled: boolean): Promise<void> {
  const chunker = createChunker({ strategy: 'recursive', size: 384, overlap: 48 });
  const ts = new Date(0).toISOString();
  for (const d of docs) {
    const text = titled && d.title ? `${d.title}\n\n${d.text}` : d.text;
    const chunks: Chunk[] = chunker.split(text).map((p, i) => ({ id: `${d.doc_id}#${i}`, documentId: d.doc_id, projectId: PROJECT, index: i, text: p.text, tokenCount: p.tokenCount, start: p.start, end: p.end, metadata: {} }));
    const vectors = await embedder.embed(chunks.map((c) => c.text), { kind: 'document' });
    await store.replaceOrigin(PROJECT, d.doc_id, [
      {
        document: { id: d.doc_id, projectId: PROJECT, origin: d.doc_id, source: d.doc_id, ...(titled && d.title ? { title: d.title } : {}), format: 'text', text, metadata: {}, contentHash: d.doc_id, createdAt: ts, updatedAt: ts },
        chunks,
        vectors,
        model: embedder.id,
      },
    ]);
  }
}

type Group = TrainingGroup & { docs: string[]; relevant: Map<string, number> };
export type PoolKind = 'keyword' | 'hybrid';

/**
 * Candidate pools of both first stages the pipeline offers: keyword (BM25) alone, and
 * hybrid (keyword 1 / vector 0.3, RRF k=10, the default), cosines for every candidate, features.
 */
async function groupsFor(store: Store, embedder: Embedder, lexicon: Lexicon, queries: Query[]): Promise<Record<PoolKind, Group[]>> {
  const out: Record<PoolKind, Group[]> = { keyword: [], hybrid: [] };
  for (const q of queries) {
    const [qv] = await embedder.embed([q.text], { kind: 'query' });
    const keyword = await store.keywordSearch({ projectId: PROJECT, query: q.text, k: 100 });
    const vector = await store.vectorSearch({ projectId: PROJECT, model: embedder.id, vector: qv!, k: 100 });
    const hybrid = fuseRrf(
      [
        { weight: 1, hits: keyword, kind: 'keyword' },
        { weight: 0.3, hits: vector, kind: 'vector' },
      ],
      10,
    );
    const pools: Record<PoolKind, Hit[]> = {
      keyword: keyword.slice(0, POOL).map((h, i) => ({ ...h, scores: { keyword: h.score }, rank: i + 1 })),
      hybrid: hybrid.slice(0, POOL).map((h, i) => ({ ...h, rank: i + 1 })),
    };
    for (const kind of ['keyword', 'hybrid'] as const) {
      const hits = pools[kind];
      const vs = await embedder.embed(hits.map((h) => h.chunk.text), { kind: 'document' });
      const features = candidateFeatures(prepareQuery(q.text, lexicon), hitCandidates(hits, vs.map((v) => dot(qv!, v))), lexicon);
      out[kind].push({ features, labels: hits.map((h) => q.relevant.get(h.document.id) ?? 0), docs: hits.map((h) => h.document.id), relevant: q.relevant });
    }
  }
  return out;
}

function ndcg10(ranked: string[], rel: Map<string, number>): number {
  let dcg = 0;
  ranked.slice(0, 10).forEach((id, i) => (dcg += (rel.get(id) ?? 0) / Math.log2(i + 2)));
  const ideal = [...rel.values()].sort((a, b) => b - a).slice(0, 10);
  const idcg = ideal.reduce((s, g, i) => s + g / Math.log2(i + 2), 0);
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Mean nDCG@10 over documents (a document ranks by its best chunk) for a scoring of the pool. */
export function evaluate(groups: Group[], score: (f: Float64Array, i: number) => number): number {
  let sum = 0;
  for (const g of groups) {
    const order = g.features.map((f, i) => ({ i, s: score(f, i) })).sort((a, b) => b.s - a.s || a.i - b.i);
    sum += ndcg10([...new Set(order.map((o) => g.docs[o.i]!))], g.relevant);
  }
  return sum / Math.max(1, groups.length);
}

async function collectionGroups(c: Collection, embedder: Embedder, lexicon: Lexicon, queries: number, seed: number) {
  const ict = inverseCloze(c.docs, queries, seed);
  const store = openSqliteStore({ path: ':memory:' });
  try {
    await indexDocs(store, embedder, ict.docs, c.titled);
    return await groupsFor(store, embedder, lexicon, ict.queries);
  } finally {
    await store.close();
  }
}

async function devGroups(c: Collection, queries: Query[], embedder: Embedder, lexicon: Lexicon) {
  const store = openSqliteStore({ path: ':memory:' });
  try {
    await indexDocs(store, embedder, c.docs, c.titled);
    return await groupsFor(store, embedder, lexicon, queries);
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const data = arg('--datasets') ?? join(HERE, '..', '..', '..', '..', 'shared', 'datasets');
  const perCollection = Number(arg('--queries') ?? 600);
  // The GloVe cache is built once (seconds, ~1 GB while converting); the benchmark uses the same folder.
  const cacheDir = arg('--cache') ?? join(tmpdir(), 'incontext-bench', 'glove');
  {
    const embedder = createGloveEmbedder({ cacheDir });
    const lexicon = createLexicon((await loadGloveCache({ cacheDir })).table);
    const sci: Collection = { name: 'scifact', docs: readJsonl<Doc>(join(data, 'scifact-corpus.jsonl')), titled: true };
    const rag: Collection = { name: 'rag-dev', docs: readJsonl<Doc>(join(data, 'rag-dev-corpus.jsonl')), titled: false };

    const log = (m: string) => process.stderr.write(`[train] ${m}\n`);
    log(`inverse-cloze queries: ${perCollection} from SciFact abstracts, all usable paragraphs of rag-dev`);
    const parts = [
      await collectionGroups(sci, embedder, lexicon, perCollection, SEED),
      // 39 paragraphs: a few queries each from different seeds, each seed on its own copy of the corpus.
      await collectionGroups(rag, embedder, lexicon, 39, SEED + 1),
      await collectionGroups(rag, embedder, lexicon, 39, SEED + 2),
      await collectionGroups(rag, embedder, lexicon, 39, SEED + 3),
    ];
    // Both first stages, so the weights suit the pool the pipeline hands over whichever it is.
    const train = parts.flatMap((p) => [...p.keyword, ...p.hybrid]).filter((g) => g.labels.some((l) => l > 0));
    log(`training groups with the answer in the pool: ${train.length}`);
    const dump = arg('--dump');
    if (dump) writeFileSync(dump, JSON.stringify(train.map((g) => ({ f: g.features.map((x) => Array.from(x)), l: g.labels, d: g.docs, r: [...g.relevant] }))));
    const model: RerankModel = trainPairwise(train);

    // Held out: the real development queries, never seen in training.
    const sciQrels = new Map<string, Map<string, number>>();
    for (const r of readJsonl<{ query_id: string; doc_id: string; score: number }>(join(data, 'scifact-dev-qrels.jsonl'))) {
      const m = sciQrels.get(r.query_id) ?? new Map<string, number>();
      m.set(r.doc_id, r.score);
      sciQrels.set(r.query_id, m);
    }
    const sciQueries = readJsonl<{ id: string; query: string }>(join(data, 'scifact-dev-queries.jsonl')).flatMap((q) => {
      const relevant = sciQrels.get(q.id);
      return relevant ? [{ text: q.query, relevant }] : [];
    });
    const ragQueries = readJsonl<{ question: string; doc: string }>(join(data, 'rag-dev-qa.jsonl')).map((q) => ({ text: q.question, relevant: new Map([[q.doc, 1]]) }));
    const heldOut: Record<string, number> = {};
    for (const [name, c, qs] of [
      ['scifact', sci, sciQueries],
      ['rag-dev', rag, ragQueries],
    ] as const) {
      const pools = await devGroups(c, qs, embedder, lexicon);
      if (dump) writeFileSync(`${dump}.${name}.json`, JSON.stringify(Object.fromEntries(Object.entries(pools).map(([k, gs]) => [k, gs.map((g) => ({ f: g.features.map((x) => Array.from(x)), l: g.labels, d: g.docs, r: [...g.relevant] }))]))));
      for (const kind of ['keyword', 'hybrid'] as const) {
        heldOut[`${name} ${kind} nDCG@10`] = round(evaluate(pools[kind], (_f, i) => -i));
        heldOut[`${name} ${kind} + rerank nDCG@10`] = round(evaluate(pools[kind], (f) => scoreFeatures(model, f)));
      }
    }
    const trainedOn = `${train.length} inverse-cloze pseudo-queries cut from the SciFact and rag-dev corpora (seed ${SEED}); no development query`;
    const out: RerankModel = { ...model, mean: model.mean.map(round), scale: model.scale.map(round), weights: model.weights.map(round), trainedOn, heldOut };
    writeFileSync(join(HERE, 'weights.json'), `${JSON.stringify(out, null, 2)}\n`);
    log(`weights: ${FEATURE_NAMES.map((f, i) => `${f} ${out.weights[i]!.toFixed(2)}`).join(', ')}`);
    log(`held out: ${JSON.stringify(heldOut)}`);
  }
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
