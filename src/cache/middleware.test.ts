import type { LanguageModelV4 } from '@ai-sdk/provider';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { describe, expect, it } from 'vitest';
import { formatRagUserMessage } from '../core/index.js';
import { createHashingEmbedder } from '../embed/index.js';
import { createLocalModel } from '../model/index.js';
import { cacheMiddleware, createMemoryCacheBackend, type CacheEvent, type CacheMiddlewareOptions } from './index.js';

const BLOCKS = [
  { index: 1, source: 'geo.md', text: 'Paris is the capital of France. It lies on the Seine.' },
  { index: 2, source: 'water.md', text: 'Water boils at 100 degrees Celsius at sea level.' },
];

function counting(model: LanguageModelV4): { model: LanguageModelV4; calls: () => number } {
  let n = 0;
  return {
    model: {
      ...model,
      doGenerate: (o) => {
        n++;
        return model.doGenerate(o);
      },
      doStream: (o) => {
        n++;
        return model.doStream(o);
      },
    },
    calls: () => n,
  };
}

function setup(extra: Partial<CacheMiddlewareOptions> = {}, withSemantic = true) {
  const base = counting(createLocalModel());
  const events: CacheEvent[] = [];
  const backend = createMemoryCacheBackend();
  const model = wrapLanguageModel({
    model: base.model,
    middleware: cacheMiddleware({
      exact: { backend },
      ...(withSemantic ? { semantic: { backend, embedder: createHashingEmbedder(), threshold: 0.8 } } : {}),
      onEvent: (e) => events.push(e),
      ...extra,
    }),
  });
  return { model, calls: base.calls, events, backend };
}

const ask = (question: string) => formatRagUserMessage(BLOCKS, question);
const opts = (o: Record<string, string | boolean>) => ({ incontext: o });

describe('cacheMiddleware', () => {
  it('answers a repeated request from the exact cache without calling the model', async () => {
    const { model, calls, events } = setup({}, false);
    const first = await generateText({ model, prompt: ask('What is the capital of France?') });
    expect(calls()).toBe(1);
    expect(first.text).toMatch(/Paris/);
    // Whitespace differences normalise to the same key.
    const second = await generateText({ model, prompt: ask('What is  the capital of\nFrance?') });
    expect(calls()).toBe(1);
    expect(second.text).toBe(first.text);
    expect(second.providerMetadata?.['incontext']?.['cache']).toBe('exact');
    expect(first.providerMetadata?.['incontext']).toBeUndefined();
    expect(second.usage.inputTokens).toBe(first.usage.inputTokens);
    expect(events.map((e) => `${e.type}:${'kind' in e ? e.kind : ''}`)).toEqual(['miss:exact', 'store:exact', 'hit:exact']);
  });

  it('generation parameters that change the output change the key', async () => {
    const { model, calls } = setup({}, false);
    await generateText({ model, prompt: ask('What is the capital of France?'), temperature: 0 });
    await generateText({ model, prompt: ask('What is the capital of France?'), temperature: 0.7 });
    await generateText({ model, prompt: ask('What is the capital of France?'), system: 'Be brief.', temperature: 0 });
    expect(calls()).toBe(3);
  });

  it('replays a cached answer as a stream of text parts, and caches streamed answers', async () => {
    const { model, calls } = setup({}, false);
    const live = streamText({ model, prompt: ask('At what temperature does water boil?') });
    const liveText = await live.text;
    expect(calls()).toBe(1);
    const replay = streamText({ model, prompt: ask('At what temperature does water boil?') });
    const chunks: string[] = [];
    for await (const delta of replay.textStream) chunks.push(delta);
    expect(calls()).toBe(1);
    expect(chunks.join('')).toBe(liveText);
    expect(chunks.length).toBeGreaterThan(1);
    expect((await replay.providerMetadata)?.['incontext']?.['cache']).toBe('exact');
    expect(await replay.finishReason).toBe('stop');
    // A streamed entry answers a generate call too.
    const gen = await generateText({ model, prompt: ask('At what temperature does water boil?') });
    expect(gen.text).toBe(liveText);
    expect(calls()).toBe(1);
  });

  it('a paraphrase hits the semantic cache; a different question misses', async () => {
    const { model, calls, events } = setup();
    const first = await generateText({ model, prompt: ask('What is the capital of France?') });
    const para = await generateText({ model, prompt: ask("What's the capital of France?") });
    expect(calls()).toBe(1);
    expect(para.text).toBe(first.text);
    expect(para.providerMetadata?.['incontext']?.['cache']).toBe('semantic');
    const hit = events.find((e) => e.type === 'hit');
    expect(hit && 'score' in hit ? hit.score : 0).toBeGreaterThanOrEqual(0.8);
    await generateText({ model, prompt: ask('At what temperature does water boil?') });
    expect(calls()).toBe(2);
  });

  it('never shares answers across projects, context versions or models', async () => {
    const { model, calls } = setup();
    const q = ask('What is the capital of France?');
    await generateText({ model, prompt: q, providerOptions: opts({ projectId: 'a', contextVersion: 'v1' }) });
    await generateText({ model, prompt: q, providerOptions: opts({ projectId: 'a', contextVersion: 'v1' }) });
    expect(calls()).toBe(1);
    await generateText({ model, prompt: q, providerOptions: opts({ projectId: 'b', contextVersion: 'v1' }) });
    expect(calls()).toBe(2);
    await generateText({ model, prompt: q, providerOptions: opts({ projectId: 'a', contextVersion: 'v2' }) });
    expect(calls()).toBe(3);
    await generateText({ model, prompt: ask('what is the capital city of France'), providerOptions: opts({ projectId: 'a', contextVersion: 'v3' }) });
    expect(calls()).toBe(4);
    const other = wrapLanguageModel({ model: createLocalModel({ modelId: 'other' }), middleware: cacheMiddleware({ exact: { backend: createMemoryCacheBackend() } }) });
    const r = await generateText({ model: other, prompt: q, providerOptions: opts({ projectId: 'a', contextVersion: 'v1' }) });
    expect(r.providerMetadata?.['incontext']).toBeUndefined();
  });

  it('different retrieved context without a contextVersion misses the semantic cache', async () => {
    const { model, calls } = setup();
    await generateText({ model, prompt: ask('What is the capital of France?') });
    const changed = formatRagUserMessage([{ index: 1, source: 'geo.md', text: 'Lyon was once proposed as a capital.' }], 'what is the capital city of France');
    await generateText({ model, prompt: changed });
    expect(calls()).toBe(2);
  });

  it('the word-swap guard refuses a near-identical question with a different subject', async () => {
    const loose = (guard: 'word-swap' | 'none') => setup({ semantic: { backend: createMemoryCacheBackend(), embedder: createHashingEmbedder(), threshold: 0.3, guard } });
    const guarded = loose('word-swap');
    await generateText({ model: guarded.model, prompt: ask('What is the capital of France?') });
    await generateText({ model: guarded.model, prompt: ask('What is the capital of Germany?') });
    expect(guarded.calls()).toBe(2);
    expect(guarded.events).toContainEqual(expect.objectContaining({ type: 'miss', kind: 'semantic', refused: 'word-swap' }));
    await generateText({ model: guarded.model, prompt: ask('what is the capital city of France') });
    expect(guarded.calls()).toBe(2);
    const trusting = loose('none');
    await generateText({ model: trusting.model, prompt: ask('What is the capital of France?') });
    const wrong = await generateText({ model: trusting.model, prompt: ask('What is the capital of Germany?') });
    expect(trusting.calls()).toBe(1);
    expect(wrong.providerMetadata?.['incontext']?.['cache']).toBe('semantic');
  });

  it('a per-route threshold overrides the default', async () => {
    const { model, calls } = setup({ semantic: { backend: createMemoryCacheBackend(), embedder: createHashingEmbedder(), threshold: 0.8, routeThresholds: { strict: 0.999 } } });
    await generateText({ model, prompt: ask('What is the capital of France?'), providerOptions: opts({ route: 'strict' }) });
    await generateText({ model, prompt: ask('what is the capital city of France'), providerOptions: opts({ route: 'strict' }) });
    expect(calls()).toBe(2);
    await generateText({ model, prompt: ask('what is the capital city of France?!'), providerOptions: opts({ route: 'loose' }) });
    expect(calls()).toBe(2);
  });

  it('cache: false bypasses lookup and storage', async () => {
    const { model, calls, backend } = setup();
    await generateText({ model, prompt: ask('What is the capital of France?'), providerOptions: opts({ cache: false }) });
    await generateText({ model, prompt: ask('What is the capital of France?'), providerOptions: opts({ cache: false }) });
    expect(calls()).toBe(2);
    expect(await backend.size()).toEqual({ exact: 0, semantic: 0 });
  });

  it('fails open: a broken backend reports an error event and the model still answers', async () => {
    for (const [broken, message] of [
      [{ ...createMemoryCacheBackend(), getExact: () => Promise.reject(new Error('database disk image is malformed')) }, 'database disk image is malformed'],
      [{ ...createMemoryCacheBackend(), setExact: () => Promise.reject(new Error('disk full')) }, 'disk full'],
    ] as const) {
      const events: CacheEvent[] = [];
      const base = counting(createLocalModel());
      const model = wrapLanguageModel({ model: base.model, middleware: cacheMiddleware({ exact: { backend: broken }, onEvent: (e) => events.push(e) }) });
      const r = await generateText({ model, prompt: ask('What is the capital of France?') });
      expect(r.text).toMatch(/Paris/);
      expect(base.calls()).toBe(1);
      expect(events.flatMap((e) => (e.type === 'error' ? [e.error.message] : []))).toEqual([message]);
    }
  });

  it('does not store answers cut off by an error', async () => {
    const failing: LanguageModelV4 = {
      ...createLocalModel(),
      doGenerate: async () => {
        throw new Error('upstream 500');
      },
    };
    const backend = createMemoryCacheBackend();
    const model = wrapLanguageModel({ model: failing, middleware: cacheMiddleware({ exact: { backend } }) });
    await expect(generateText({ model, prompt: 'hi', maxRetries: 0 })).rejects.toThrow(/upstream 500/);
    expect(await backend.size()).toEqual({ exact: 0, semantic: 0 });
  });
});
