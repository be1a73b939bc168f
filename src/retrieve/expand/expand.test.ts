import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hit } from '../../core/index.js';
import { PROJECT, openCorpus, type Corpus } from '../__fixtures__/corpus.js';
import { expansionStep, retrievePipeline } from '../pipeline.js';
import { tinyLexicon } from '../rerank/__fixtures__/tiny-lexicon.js';
import { createNeighborExpander, nearestWords } from './neighbors.js';
import { createPrfExpander, feedbackTerms, prfStep } from './prf.js';

function hit(id: string, text: string, score: number): Hit {
  return {
    chunk: { id, documentId: id, projectId: PROJECT, index: 0, text, tokenCount: 0, start: 0, end: text.length, metadata: {} },
    document: { id, source: id, format: 'text' },
    score,
    scores: { keyword: score },
    rank: 1,
  };
}

describe('pseudo-relevance feedback terms', () => {
  const feedback = [
    hit('a', 'Sourdough bread rises with a starter of wild yeast and lactobacilli; the starter is fed flour and water.', 9),
    hit('b', 'A sourdough starter needs regular feeding: flour, water and patience. The wild yeast does the rest.', 8.5),
    hit('c', 'Baking powder breads need no yeast at all.', 2),
  ];

  it('picks words the top documents share, not the query words themselves', () => {
    const terms = feedbackTerms('how does sourdough bread rise', feedback, 5).map((t) => t.term);
    expect(terms).toContain('starter');
    expect(terms).toContain('yeast');
    expect(terms).not.toContain('sourdough');
    expect(terms).not.toContain('bread');
    expect(terms).not.toContain('breads');
  });

  it('weights a document by its score, so a weak last hit adds little', () => {
    const terms = feedbackTerms('sourdough', feedback, 30);
    const weight = (t: string) => terms.find((x) => x.term === t)?.weight ?? 0;
    expect(weight('starter')).toBeGreaterThan(weight('powder'));
    expect(feedbackTerms('sourdough', [], 5)).toEqual([]);
  });

  it('uses the lexicon IDF when given, so common words fall behind rare ones', () => {
    const lex = tinyLexicon();
    const t = feedbackTerms('growth', [hit('x', 'protein dough protein dough', 1)], 2, lex);
    // Equal counts: the rarer "dough" must come first.
    expect(t.map((x) => x.term)).toEqual(['dough', 'protein']);
  });
});

describe('word-vector neighbours', () => {
  it('adds close words above the threshold and skips inflections and numbers', () => {
    const lex = tinyLexicon();
    const words = nearestWords('tumor cells 1999', lex, { perWord: 2, minSimilarity: 0.7 });
    expect(words.map((w) => w.word)).toContain('tumour');
    expect(words.every((w) => w.similarity >= 0.7)).toBe(true);
    expect(words.some((w) => w.of === '1999')).toBe(false);
    expect(words.some((w) => w.word === 'cell')).toBe(false);
    expect(nearestWords('tumor', lex, { minSimilarity: 0.9999 })).toEqual([]);
  });

  it('returns the query with its neighbours as one text', async () => {
    const expand = createNeighborExpander({ lexicon: tinyLexicon(), perWord: 1 });
    const [text] = await expand('tumor', {} as Parameters<typeof expand>[1]);
    expect(text).toBe('tumor tumour');
  });
});

describe('expansion steps in the pipeline', () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await openCorpus('sqlite');
  });
  afterAll(() => c.close());

  it('PRF searches an expanded query and fuses it with the original ranking', async () => {
    const request = { projectId: PROJECT, query: 'Norman conquest of England', k: 5, candidates: 20, mode: 'keyword' as const };
    const r = await retrievePipeline({ store: c.store, embedder: c.embedder }, request, [expansionStep('prf', createPrfExpander({ feedbackDocs: 3, terms: 5 }))]);
    const step = r.trace.find((s) => s.name === 'prf')!;
    const queries = step.detail.queries as string[];
    expect(queries).toHaveLength(1);
    expect(queries[0]!.startsWith('Norman conquest of England ')).toBe(true);
    expect(queries[0]!.split(' ').length).toBe(4 + 5);
    expect(r.hits.length).toBe(5);
    expect(r.hits.some((h) => /England/.test(h.chunk.text))).toBe(true);
  });

  it('the PRF step keeps the original query\'s BM25 on every hit and none on hits only the expansion found', async () => {
    const deps = { store: c.store, embedder: c.embedder };
    const request = { projectId: PROJECT, query: 'Norman conquest of England', k: 20, candidates: 20, mode: 'keyword' as const };
    const plain = await retrievePipeline(deps, request);
    const before = new Map(plain.hits.map((h) => [h.chunk.id, h.scores.keyword]));
    const r = await retrievePipeline(deps, request, [prfStep({ feedbackDocs: 3, terms: 5 })]);
    const step = r.trace.find((s) => s.name === 'prf')!;
    expect((step.detail.terms as unknown[]).length).toBe(5);
    for (const h of r.hits) {
      if (before.has(h.chunk.id)) expect(h.scores.keyword).toBe(before.get(h.chunk.id));
      else expect(h.scores.keyword).toBeUndefined();
    }
  });
});
