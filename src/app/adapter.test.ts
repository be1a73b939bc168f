/**
 * Per-project query adapters through the app: trained from an eval file, from feedback
 * on answers and from synthetic questions, over the SQuAD "Normans" paragraphs (the
 * embed stage's fixtures), then used by search, ask and explain.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncontextError } from '../core/index.js';
import { createHashingEmbedder, embeddingCacheKey, identityAdapter, serializeAdapter } from '../embed/index.js';
import { createIncontext, type Incontext } from './index.js';
import { adapterPath } from './adapter.js';
import { ADAPTER_DOCS, ADAPTER_QUESTIONS } from '../embed/__fixtures__/adapter-data.js';

const docs = ADAPTER_DOCS;
const questions = ADAPTER_QUESTIONS;
const textOf = new Map(docs.map((d) => [d.id, d.text]));

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function open(project = 'normans'): Promise<{ ic: Incontext; cwd: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'ic-adapter-'));
  dirs.push(cwd);
  // No retrieval steps: the local reranker would need the GloVe cache, and the vector leg is what the adapter changes.
  const ic = createIncontext({ cwd, env: {}, config: { home: join(cwd, '.incontext'), project, embed: { model: 'local:hash' }, retrieve: { steps: [], mode: 'vector' }, logLevel: 'silent' } });
  for (const d of docs) await ic.ingestBytes(new TextEncoder().encode(d.text), `${d.id.replace('#', '-')}.txt`);
  return { ic, cwd };
}

async function rejected(p: Promise<unknown>): Promise<IncontextError> {
  try {
    await p;
  } catch (e) {
    if (IncontextError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected an IncontextError');
}

describe('ic.trainAdapter from an eval file', () => {
  let ic: Incontext;
  let cwd: string;
  let file: string;
  const probe = questions.slice(0, 40).map((q) => q.query);
  let before: string[][];

  beforeAll(async () => {
    ({ ic, cwd } = await open());
    file = join(cwd, 'questions.jsonl');
    // Relevant passages given as text (as an eval set exported from elsewhere would have them).
    writeFileSync(file, questions.map((q) => JSON.stringify({ query: q.query, relevant: [textOf.get(q.doc)] })).join('\n') + '\n');
    before = [];
    for (const q of probe) before.push((await ic.search(q, { k: 5 })).map((h) => h.chunk.id));
  });
  afterAll(() => ic.close());

  it('measures held-apart questions before and after, and saves the adapter because it helps', async () => {
    const r = await ic.trainAdapter({ from: 'file', file });
    expect(r.questions).toBe(questions.length);
    expect(r.heldOut).toBe(Math.round(questions.length * 0.2));
    expect(r.trainQuestions + r.heldOut).toBe(questions.length);
    expect(r.after.ndcg10).toBeGreaterThan(r.before.ndcg10 + 0.02);
    expect(r.saved).toBe(true);
    expect(r.reason).toMatch(/saved/);
    expect(r.path).toBe(adapterPath(ic.homeDir, 'normans', 'local:hash-384'));
    expect(existsSync(r.path!)).toBe(true);
    const info = await ic.adapterInfo();
    expect(info).toMatchObject({ project: 'normans', embedder: 'local:hash-384', version: r.version, dimensions: 384 });
    expect(info!.drift).toBeGreaterThan(0);
    expect(info!.training?.notes).toMatchObject({ source: 'file', ndcg10Before: r.before.ndcg10, ndcg10After: r.after.ndcg10 });
  });

  it('search and explain now embed questions through it; the embedding cache keeps the raw query vector', async () => {
    const info = (await ic.adapterInfo())!;
    const ex = await ic.explain(probe[0]!);
    expect(ex.queryAdapter).toBe(info.version);
    const after: string[][] = [];
    for (const q of probe) after.push((await ic.search(q, { k: 5 })).map((h) => h.chunk.id));
    const changed = after.filter((ids, i) => ids.join() !== before[i]!.join()).length;
    expect(changed).toBeGreaterThan(5);
    // The persistent cache holds what the base embedder makes, never the adapted vector.
    const raw = (await createHashingEmbedder().embed([probe[0]!], { kind: 'query' }))[0]!;
    const cached = (await ic.store.embeddingCache.getMany('local:hash-384', [embeddingCacheKey(probe[0]!, 'query')])).get(embeddingCacheKey(probe[0]!, 'query'));
    expect(cached).toBeDefined();
    expect([...cached!]).toEqual([...raw]);
  });

  it('is per project: another project searches with plain query vectors', async () => {
    const other = await ic.explain(probe[0]!, { project: 'elsewhere' });
    expect(other.queryAdapter).toBeUndefined();
  });

  it('remove puts plain query embeddings back, with nothing re-embedded', async () => {
    expect(await ic.removeAdapter()).toBe(true);
    expect(await ic.removeAdapter()).toBe(false);
    expect(await ic.adapterInfo()).toBeUndefined();
    expect((await ic.explain(probe[0]!)).queryAdapter).toBeUndefined();
    for (const [i, q] of probe.entries()) expect((await ic.search(q, { k: 5 })).map((h) => h.chunk.id)).toEqual(before[i]);
  });

  it('names the line of a bad file', async () => {
    const bad = join(cwd, 'bad.jsonl');
    writeFileSync(bad, '{"query": "Who was Rollo?", "relevant": ["Normans#0"]}\n{"query": "no relevant"}\n');
    const err = await rejected(ic.trainAdapter({ from: 'file', file: bad }));
    expect(err.code).toBe('PARSE_FAILED');
    expect(err.input).toEqual({ path: bad, line: 2 });
  });
});

describe('ic.trainAdapter from feedback and synthetic questions', () => {
  it('uses asks with positive feedback, paired with the chunks their answers cited', async () => {
    const { ic } = await open();
    try {
      const liked: string[] = [];
      for (const [i, q] of questions.slice(0, 30).entries()) {
        const answer = await ic.ask(q.query);
        await ic.flushTraces();
        const { traces } = await ic.traces.listTraces('normans', { limit: 1 });
        // Two in three liked; the rest disliked, which must not train.
        const good = i % 3 !== 2;
        await ic.traces.addFeedback('normans', traces[0]!.traceId, good ? { score: 1 } : { label: 'bad' });
        if (good && answer.citations.length > 0) liked.push(q.query);
      }
      expect(liked.length).toBeGreaterThanOrEqual(10);
      const r = await ic.trainAdapter({ from: 'feedback', force: true });
      expect(r.questions).toBe(liked.length);
      expect(r.saved).toBe(true);
      expect(r.reason).toMatch(/forced|saved/);
      expect((await ic.explain(questions[0]!.query)).queryAdapter).toBe(r.version);
    } finally {
      await ic.close();
    }
  });

  it('synthetic cloze questions: saved exactly when the held-apart questions improve', async () => {
    const { ic } = await open();
    try {
      const r = await ic.trainAdapter({ from: 'synthetic', seed: 3 });
      expect(r.questions).toBeGreaterThan(docs.length);
      expect(r.heldOut).toBeGreaterThan(10);
      expect(r.saved).toBe(r.after.ndcg10 > r.before.ndcg10);
      expect((await ic.adapterInfo())?.version).toBe(r.saved ? r.version : undefined);
    } finally {
      await ic.close();
    }
  });

  it('model-written questions need a model that writes them: the local extractive one is refused', async () => {
    const { ic } = await open();
    try {
      const err = await rejected(ic.trainAdapter({ from: 'synthetic', generator: 'model', count: 12 }));
      expect(err.code).toBe('MODEL_FAILED');
      expect(err.hint).toMatch(/cloze/);
      expect(await ic.adapterInfo()).toBeUndefined();
    } finally {
      await ic.close();
    }
  });

  it('too few questions is a clear error; so is an adapter of another embedder', async () => {
    const { ic, cwd } = await open();
    try {
      const err = await rejected(ic.trainAdapter({ from: 'feedback' }));
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.message).toMatch(/at least 10/);
      // A file left for this project and embedder that was made for another one.
      const path = adapterPath(join(cwd, '.incontext'), 'normans', 'local:hash-384');
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, serializeAdapter(identityAdapter('local:glove-sif-100d', 100)));
      const mismatch = await rejected(ic.search('Who was Rollo?'));
      expect(mismatch.code).toBe('CONFIG_INVALID');
      expect(mismatch.message).toContain('local:glove-sif-100d');
      expect(mismatch.message).toContain('local:hash-384');
      expect(mismatch.input?.path).toBe(path);
    } finally {
      await ic.close();
    }
  });
});
