/**
 * The linear query adapter on real text: the SQuAD "Normans" paragraphs and their
 * questions (rag-dev, CC BY-SA 4.0; copied into __fixtures__/adapter-*.jsonl),
 * embedded with the local hashing embedder.
 */
import { describe, expect, it } from 'vitest';
import { thrownError } from '../testing/index.js';
import { ADAPTER_DOCS, ADAPTER_QUESTIONS } from './__fixtures__/adapter-data.js';
import {
  adapterDrift,
  applyAdapter,
  createHashingEmbedder,
  dot,
  identityAdapter,
  inverseClozeQueries,
  makeAdapter,
  parseAdapter,
  serializeAdapter,
  trainLinearAdapter,
  withQueryAdapter,
  type AdapterPair,
  type Embedder,
  type LinearAdapter,
} from './index.js';

const docs = ADAPTER_DOCS;
const questions = ADAPTER_QUESTIONS;

/** nDCG@10 with one relevant document: documents ranked by cosine. */
function ndcg10(q: Float32Array, doc: string, docVectors: Float32Array[]): number {
  const order = docVectors.map((v, i) => ({ id: docs[i]!.id, s: dot(q, v) })).sort((a, b) => b.s - a.s);
  const r = order.findIndex((o) => o.id === doc);
  return r >= 0 && r < 10 ? 1 / Math.log2(r + 2) : 0;
}

describe('trainLinearAdapter', () => {
  const embedder = createHashingEmbedder();

  it('learned from some questions, ranks the relevant paragraph higher for questions it never saw', async () => {
    const docVectors = await embedder.embed(docs.map((d) => d.text), { kind: 'document' });
    const byId = new Map(docs.map((d, i) => [d.id, docVectors[i]!]));
    const qv = await embedder.embed(questions.map((q) => q.query), { kind: 'query' });
    const held = questions.map((_, i) => i).filter((i) => i % 4 === 0);
    const train = questions.map((_, i) => i).filter((i) => i % 4 !== 0);
    const pairs: AdapterPair[] = train.map((i) => ({ query: qv[i]!, positive: byId.get(questions[i]!.doc)!, group: questions[i]!.doc }));
    const adapter = trainLinearAdapter(pairs, { embedder: embedder.id, corpus: { vectors: docVectors, groups: docs.map((d) => d.id) }, validationSplit: 'pair', seed: 7 });

    const mean = (f: (i: number) => number) => held.reduce((s, i) => s + f(i), 0) / held.length;
    const before = mean((i) => ndcg10(qv[i]!, questions[i]!.doc, docVectors));
    const after = mean((i) => ndcg10(applyAdapter(adapter, qv[i]!), questions[i]!.doc, docVectors));
    expect(after).toBeGreaterThan(before + 0.03);
    expect(adapter.training!.bestEpoch).toBeGreaterThan(0);
    expect(adapter.training!.validationMrrAfter!).toBeGreaterThan(adapter.training!.validationMrrBefore!);
    expect(adapterDrift(adapter)).toBeGreaterThan(0);
  });

  it('keeps the epoch with the lowest validation loss among those that rank no worse than the identity, and stops when it stops improving', async () => {
    const qv = await embedder.embed(questions.map((q) => q.query), { kind: 'query' });
    const dv = await embedder.embed(docs.map((d) => d.text), { kind: 'document' });
    const byId = new Map(docs.map((d, i) => [d.id, dv[i]!]));
    const pairs = qv.map((q, i) => ({ query: q, positive: byId.get(questions[i]!.doc)!, group: questions[i]!.doc }));
    const seen: Array<{ epoch: number; loss: number; mrr: number }> = [];
    const adapter = trainLinearAdapter(pairs, { embedder: embedder.id, seed: 5, patience: 2, learningRate: 0.01, onEpoch: (e) => seen.push({ epoch: e.epoch, loss: e.validationLoss!, mrr: e.validationMrr! }) });
    const t = adapter.training!;
    const best = seen.filter((e) => e.mrr >= t.validationMrrBefore! - 1e-4).reduce((m, e) => (e.loss < m.loss ? e : m), { epoch: 0, loss: t.validationLossBefore! });
    expect(best.epoch).toBeGreaterThan(0);
    expect(t.bestEpoch).toBe(best.epoch);
    expect(t.validationLossAfter).toBeCloseTo(best.loss, 3);
    // Patience 2: it ran exactly two epochs past the best one (or to the end).
    expect(t.epochs).toBe(Math.min(30, best.epoch + 2));
    expect(seen.length).toBe(t.epochs);
  });

  it('gives the same adapter for the same pairs and seed', async () => {
    const qv = await embedder.embed(questions.slice(0, 60).map((q) => q.query), { kind: 'query' });
    const dv = await embedder.embed(docs.map((d) => d.text), { kind: 'document' });
    const byId = new Map(docs.map((d, i) => [d.id, dv[i]!]));
    const pairs = qv.map((q, i) => ({ query: q, positive: byId.get(questions[i]!.doc)!, group: questions[i]!.doc }));
    const a = trainLinearAdapter(pairs, { embedder: embedder.id, seed: 11, epochs: 3, validation: 0 });
    const b = trainLinearAdapter(pairs, { embedder: embedder.id, seed: 11, epochs: 3, validation: 0 });
    expect(a.version).toBe(b.version);
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(b.weights.buffer))).toBe(true);
  });

  it('rejects vectors of different sizes, naming the pair', () => {
    const err = thrownError(() =>
      trainLinearAdapter(
        [
          { query: new Float32Array(4), positive: new Float32Array(4) },
          { query: new Float32Array(4), positive: new Float32Array(3) },
        ],
        { embedder: 'x' },
      ),
    );
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.input?.key).toBe('pairs[1].positive');
  });
});

describe('adapter format', () => {
  const adapter = (): LinearAdapter => {
    const d = 8;
    const w = new Float32Array(d * d).map((_, i) => (i % (d + 1) === 0 ? 1 : 0) + Math.sin(i) * 0.05);
    return makeAdapter('local:hash-8', d, w, new Float32Array(d).map((_, i) => i * 0.01));
  };

  it('round-trips weights, bias, version and training summary exactly', () => {
    const a = { ...adapter(), training: { pairs: 10, validationPairs: 2, epochs: 3, bestEpoch: 2, validationLossBefore: 1, validationLossAfter: 0.5, validationMrrBefore: 0.4, validationMrrAfter: 0.6, seed: 1, notes: { source: 'file' } } };
    const b = parseAdapter(serializeAdapter(a));
    expect(b.version).toBe(a.version);
    expect([...b.weights]).toEqual([...a.weights]);
    expect([...b.bias!]).toEqual([...a.bias!]);
    expect(b.training).toEqual(a.training);
    expect(b.embedder).toBe('local:hash-8');
    const q = new Float32Array(8).map((_, i) => i - 3);
    expect([...applyAdapter(b, q)]).toEqual([...applyAdapter(a, q)]);
  });

  it('names both embedders when loaded for another one', () => {
    const err = thrownError(() => parseAdapter(serializeAdapter(adapter()), { path: '/x/a.json', embedder: { id: 'openai:text-embedding-3-small', dimensions: 1536 } }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('local:hash-8');
    expect(err.message).toContain('openai:text-embedding-3-small');
    expect(err.input).toEqual({ key: 'embed.model', path: '/x/a.json' });
    expect(err.hint).toMatch(/adapter train/);
  });

  it('refuses a damaged file and a newer format', () => {
    const text = serializeAdapter(adapter());
    const damaged = JSON.parse(text) as { weights: string };
    damaged.weights = Buffer.from(new Float32Array(64).fill(0.5).buffer).toString('base64');
    expect(thrownError(() => parseAdapter(JSON.stringify(damaged))).message).toMatch(/version hash/);
    expect(thrownError(() => parseAdapter(text.slice(0, 100), { path: 'a.json' })).code).toBe('PARSE_FAILED');
    const newer = { ...(JSON.parse(text) as object), version: 99 };
    expect(thrownError(() => parseAdapter(JSON.stringify(newer))).code).toBe('UNSUPPORTED_FORMAT');
  });
});

describe('withQueryAdapter', () => {
  it('moves query vectors only; document vectors and the embedder id stay as they were', async () => {
    const base: Embedder = createHashingEmbedder({ dimensions: 16 });
    const w = new Float32Array(16 * 16).map((_, i) => (i % 17 === 0 ? 1 : 0) + Math.cos(i) * 0.2);
    const adapter = makeAdapter(base.id, 16, w);
    const adapted = withQueryAdapter(base, adapter);
    expect(adapted.id).toBe(base.id);
    expect(adapted.dimensions).toBe(16);
    expect(adapted.adapterVersion).toBe(adapter.version);
    const texts = ['The Normans conquered England', 'Rollo swore fealty to Charles III'];
    const [docsRaw, docsAdapted] = [await base.embed(texts, { kind: 'document' }), await adapted.embed(texts, { kind: 'document' })];
    expect(docsAdapted.map((v) => [...v])).toEqual(docsRaw.map((v) => [...v]));
    const [qRaw] = await base.embed([texts[0]!], { kind: 'query' });
    const [qAdapted] = await adapted.embed([texts[0]!], { kind: 'query' });
    expect(dot(qAdapted!, qAdapted!)).toBeCloseTo(1, 5);
    expect(dot(qAdapted!, qRaw!)).toBeLessThan(0.999);
    expect([...qAdapted!]).toEqual([...adapted.apply(qRaw!)]);
  });

  it('refuses an adapter trained for another embedder', () => {
    const base = createHashingEmbedder({ dimensions: 16 });
    const err = thrownError(() => withQueryAdapter(base, identityAdapter('local:glove-sif-100d', 16)));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('local:glove-sif-100d');
    expect(err.message).toContain(base.id);
  });
});

describe('inverseClozeQueries', () => {
  it('cuts one sentence out of each chunk: the query is gone from what is left', () => {
    const out = inverseClozeQueries(
      docs.map((d) => ({ id: d.id, text: d.text, group: d.id })),
      { seed: 5, perSource: 2 },
    );
    expect(out.length).toBeGreaterThan(docs.length);
    for (const q of out) {
      const source = docs.find((d) => d.id === q.id)!.text;
      expect(source).toContain(q.query);
      expect(q.remainder).not.toContain(q.query);
      expect(q.remainder.length).toBeLessThan(source.length);
      expect(q.group).toBe(q.id);
    }
    expect(inverseClozeQueries(docs.map((d) => ({ id: d.id, text: d.text })), { seed: 5, perSource: 2 }).map((q) => q.query)).toEqual(out.map((q) => q.query));
  });
});
