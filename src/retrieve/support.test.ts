import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT, STORE_KINDS, openCorpus, type Corpus } from './__fixtures__/corpus.js';
import { retrievePipeline } from './pipeline.js';
import { DEFAULT_SUPPORT_CALIBRATION, calibrate, fitSupportCalibration, termCoverage } from './support.js';
import { prng } from '../core/index.js';

describe('termCoverage', () => {
  it('counts content words only, with light stemming', () => {
    expect(termCoverage('How do I ingest PDFs?', 'Ingesting PDF files is easy')).toBe(1);
    expect(termCoverage('What is the capital of Peru?', 'Lima is a big city')).toBe(0);
    expect(termCoverage('the of and', 'anything')).toBe(0);
    expect(termCoverage('Rollo swore fealty to Charles', 'Rollo agreed to swear fealty')).toBeCloseTo(2 / 4);
  });
});

describe('calibration', () => {
  it('default maps full coverage to strong support and none to weak, monotonically', () => {
    const at = (coverage: number) => calibrate({ coverage, cosine: 0 });
    expect(at(0)).toBeLessThan(0.05);
    expect(at(1)).toBeGreaterThan(0.95);
    for (let c = 0; c < 1; c += 0.1) expect(at(c + 0.1)).toBeGreaterThan(at(c));
    expect(DEFAULT_SUPPORT_CALIBRATION.source).toMatch(/rag-dev/);
  });

  it('fitSupportCalibration recovers the weights of data drawn from a known logistic model', () => {
    const rand = prng(7);
    const truth = { intercept: -2, coverage: 5, cosine: 1.5, source: 'truth' };
    const samples = Array.from({ length: 4000 }, () => {
      const f = { coverage: rand(), cosine: rand() * 2 - 1 };
      return { ...f, supported: rand() < calibrate(f, truth) };
    });
    const fitted = fitSupportCalibration(samples, 'synthetic');
    expect(fitted.source).toBe('synthetic');
    expect(fitted.intercept).toBeCloseTo(-2, 0);
    expect(fitted.coverage).toBeCloseTo(5, 0);
    expect(fitted.cosine).toBeCloseTo(1.5, 0);
  });

  it('converges on separable data instead of running off to infinity', () => {
    const samples = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9].map((coverage) => ({ coverage, cosine: 0, supported: coverage > 0.5 }));
    const fitted = fitSupportCalibration(samples);
    expect(Number.isFinite(fitted.coverage)).toBe(true);
    expect(calibrate({ coverage: 0.9, cosine: 0 }, fitted)).toBeGreaterThan(0.5);
    expect(calibrate({ coverage: 0.1, cosine: 0 }, fitted)).toBeLessThan(0.5);
  });
});

describe.each(STORE_KINDS)('support on real retrieval (%s store)', (kind) => {
  let c: Corpus;
  beforeAll(async () => {
    c = await openCorpus(kind);
  });
  afterAll(() => c.close());
  const ask = (query: string) => retrievePipeline({ store: c.store, embedder: c.embedder }, { projectId: PROJECT, query, k: 3 });

  it('is strong for a question the documents answer and weak for one they do not', async () => {
    const answered = await ask('How does incremental re-ingest skip unchanged files?');
    expect(answered.support).toMatchObject({ basis: 'features', weak: false, chunkId: answered.hits[0]!.chunk.id });
    expect(answered.support.score).toBeGreaterThan(0.5);
    const offTopic = await ask('What is the boiling point of liquid nitrogen at sea level?');
    expect(offTopic.hits.length).toBeGreaterThan(0);
    expect(offTopic.support.weak).toBe(true);
    expect(offTopic.support.score).toBeLessThan(0.2);
    expect(offTopic.support.detail.calibration).toBe(DEFAULT_SUPPORT_CALIBRATION.source);
  });

  it('takes a custom calibration and threshold, and uses the cosine when the calibration weighs it', async () => {
    const r = await retrievePipeline(
      { store: c.store, embedder: c.embedder },
      { projectId: PROJECT, query: 'Rollo fealty Charles III', k: 2 },
      [],
      { support: { calibration: { intercept: 0, coverage: 0, cosine: 10, source: 'cosine only' }, threshold: 0.9 } },
    );
    const cosine = r.support.detail.cosine as number;
    expect(cosine).toBeGreaterThan(0);
    expect(r.support.score).toBeCloseTo(1 / (1 + Math.exp(-10 * cosine)), 3);
    expect(r.support.threshold).toBe(0.9);
    expect(r.support.weak).toBe(r.support.score < 0.9);
  });

  it('is zero and weak when nothing is found', async () => {
    const r = await retrievePipeline({ store: c.store, embedder: c.embedder }, { projectId: 'empty-project', query: 'anything', k: 3 });
    expect(r.hits).toEqual([]);
    expect(r.support).toMatchObject({ score: 0, weak: true, basis: 'none' });
  });
});
