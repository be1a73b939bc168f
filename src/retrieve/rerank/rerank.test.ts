import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hit } from '../../core/index.js';
import { IncontextError } from '../../core/index.js';
import { PROJECT, openCorpus, type Corpus } from '../__fixtures__/corpus.js';
import { rerankStep, retrievePipeline } from '../pipeline.js';
import { tinyLexicon } from './__fixtures__/tiny-lexicon.js';
import { candidateFeatures, FEATURE_NAMES, type Candidate } from './features.js';
import { contentWords, stem } from './lexicon.js';
import { createLocalReranker, localRerankStep, SHIPPED_RERANK_MODEL } from './local.js';
import { scoreFeatures, trainPairwise, validateModel, type TrainingGroup } from './model.js';

const at = (name: (typeof FEATURE_NAMES)[number]) => FEATURE_NAMES.indexOf(name);

describe('lexicon', () => {
  it('conflates inflections and drops function words', () => {
    expect(stem('cells')).toBe(stem('cell'));
    expect(stem('studies')).toBe(stem('study'));
    expect(stem('expressed')).toBe(stem('expression'));
    expect(stem('virus')).toBe('virus');
    expect(contentWords('What is the role of p53 in the cells?')).toEqual(['role', 'p53', 'cells']);
  });

  it('ranks rarer words with a higher IDF and scores similar words close', () => {
    const lex = tinyLexicon();
    expect(lex.idf('the')).toBeLessThan(lex.idf('protein'));
    expect(lex.idf('protein')).toBeLessThan(lex.idf('dough'));
    expect(lex.idf('zyzzyva')).toBeGreaterThan(lex.idf('dough'));
    expect(lex.similarity(lex.row('tumor'), lex.row('tumour'))).toBeGreaterThan(0.9);
    expect(lex.similarity(lex.row('tumor'), lex.row('bread'))).toBeLessThan(0.1);
    expect(lex.nearest(lex.row('tumor'), 2).map((n) => n.word)).toEqual(['tumour', 'cancer']);
  });
});

describe('features', () => {
  const query = 'tumor growth in protein cells';
  const lex = tinyLexicon();
  const f = (c: Candidate[]) => candidateFeatures(query, c, lex);

  it('measures coverage, proximity, bigrams and soft matches on the passage text', () => {
    const [together, apart, synonym, none] = f([
      { text: 'We measured tumor growth in protein cells of mice.', keyword: 9 },
      { text: 'The tumor was small. Many unrelated words follow here before the growth was seen, and later protein, and far later cells.', keyword: 6 },
      { text: 'Tumour growth slows when protein cells are starved.' },
      { text: 'Bread needs flour and dough.', keyword: 1 },
    ]);
    expect(together![at('coverage')]).toBeCloseTo(1);
    expect(apart![at('coverage')]).toBeCloseTo(1);
    expect(together![at('proximity')]).toBeGreaterThan(apart![at('proximity')]!);
    expect(together![at('bigrams')]).toBe(1);
    expect(apart![at('bigrams')]).toBeLessThan(1);
    // "tumour" is not "tumor", but the word vectors say it nearly is.
    expect(synonym![at('coverage')]).toBeLessThan(1);
    expect(synonym![at('softMatch')]).toBeGreaterThan(0.1);
    expect(together![at('softMatch')]).toBe(0);
    expect(none![at('coverage')]).toBe(0);
    expect(together![at('bm25')]).toBe(1);
    expect(synonym![at('bm25Missing')]).toBe(1);
    expect(together![at('inputRank')]).toBeGreaterThan(apart![at('inputRank')]!);
  });

  it('counts title matches only when there is a title', () => {
    const [titled, untitled] = f([
      { text: 'Results in mice.', title: 'Tumor growth and protein' },
      { text: 'Results in mice.' },
    ]);
    expect(titled![at('titleCoverage')]).toBeGreaterThan(0.4);
    expect(untitled![at('titleCoverage')]).toBe(0);
  });
});

describe('model', () => {
  it('learns from pairs which feature separates relevant candidates', () => {
    const groups: TrainingGroup[] = [];
    for (let g = 0; g < 20; g++) {
      const features = Array.from({ length: 10 }, (_, i) => {
        const v = new Float64Array(FEATURE_NAMES.length);
        v[at('coverage')] = i === g % 10 ? 0.9 : 0.1 + (i % 3) * 0.1;
        v[at('bigrams')] = ((i * 7) % 10) / 10;
        return v;
      });
      groups.push({ features, labels: features.map((_, i) => (i === g % 10 ? 1 : 0)) });
    }
    const model = trainPairwise(groups, { epochs: 200 });
    expect(model.weights[at('coverage')]).toBeGreaterThan(0.5);
    expect(Math.abs(model.weights[at('bigrams')]!)).toBeLessThan(model.weights[at('coverage')]!);
    for (const g of groups) {
      const scores = g.features.map((f) => scoreFeatures(model, f));
      expect(scores.indexOf(Math.max(...scores))).toBe(g.labels.indexOf(1));
    }
  });

  it('refuses weights made for other features, naming the file', () => {
    const bad = { ...SHIPPED_RERANK_MODEL, features: ['bm25'] };
    const err = (() => {
      try {
        validateModel(bad, 'custom.json');
      } catch (e) {
        return e;
      }
    })();
    expect(IncontextError.isInstance(err)).toBe(true);
    expect((err as IncontextError).code).toBe('CONFIG_INVALID');
    expect((err as IncontextError).message).toContain('custom.json');
  });

  it('ships weights that reward BM25, coverage and soft matches', () => {
    expect(SHIPPED_RERANK_MODEL.weights[at('bm25')]).toBeGreaterThan(0);
    expect(SHIPPED_RERANK_MODEL.weights[at('coverage')]).toBeGreaterThan(0);
    expect(SHIPPED_RERANK_MODEL.trainedOn).toMatch(/no development query/);
  });
});

describe('local reranker in the pipeline', () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await openCorpus('sqlite');
  });
  afterAll(() => c.close());

  it('reorders the pool, records the step, and keeps every hit', async () => {
    const request = { projectId: PROJECT, query: 'When did the Normans give their name to Normandy?', k: 8, candidates: 20 };
    const plain = await retrievePipeline({ store: c.store, embedder: c.embedder }, request);
    const reranked = await retrievePipeline({ store: c.store, embedder: c.embedder }, request, [rerankStep('local-rerank', createLocalReranker({ lexicon: tinyLexicon() }), { top: 20 })]);
    const step = reranked.trace.find((s) => s.name === 'local-rerank');
    expect(step?.detail.reranked).toBeGreaterThan(0);
    expect(reranked.hits).toHaveLength(plain.hits.length);
    expect(reranked.hits[0]!.chunk.text).toMatch(/Normandy/);
    expect(reranked.hits[0]!.chunk.text).toMatch(/10th/);
  });

  it('localRerankStep looks at the whole pool of 50 by default', async () => {
    const request = { projectId: PROJECT, query: 'Normans Normandy', k: 3, candidates: 50 };
    const r = await retrievePipeline({ store: c.store, embedder: c.embedder }, request, [localRerankStep({ lexicon: tinyLexicon() })]);
    const step = r.trace.find((s) => s.name === 'local-rerank')!;
    expect(step.in).toBeGreaterThan(20);
    expect(step.detail.reranked).toBe(step.in);
  });

  it('puts a passage with every query word together above one with a few scattered', async () => {
    const hit = (id: string, text: string, keyword: number): Hit => ({
      chunk: { id, documentId: id, projectId: PROJECT, index: 0, text, tokenCount: 0, start: 0, end: text.length, metadata: {} },
      document: { id, source: id, format: 'text' },
      score: keyword,
      scores: { keyword },
      rank: 1,
    });
    const scorer = createLocalReranker({ lexicon: tinyLexicon(), useVectors: false });
    const hits = [
      hit('a', 'Protein levels were high. The growth of cells was normal in every protein assay.', 5),
      hit('b', 'Tumor growth in protein-starved cells stops within days.', 4.8),
    ];
    const ctx = {} as Parameters<typeof scorer>[2];
    const [a, b] = await scorer('tumor growth in protein cells', hits, ctx);
    expect(b).toBeGreaterThan(a!);
  });
});
