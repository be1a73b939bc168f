import { generateText, streamText, wrapLanguageModel } from 'ai';
import { describe, expect, it } from 'vitest';
import { cacheMiddleware, createMemoryCacheBackend } from '../cache/index.js';
import { formatRagUserMessage } from '../core/index.js';
import { createHashingEmbedder } from '../embed/index.js';
import { createLocalModel } from '../model/index.js';
import { createMemoryTraceStore, createTracer, traceMiddleware } from './index.js';

describe('trace outside cache', () => {
  it('records cache hits as free cached llm spans, and stats count the hit rate', async () => {
    const store = createMemoryTraceStore();
    const tracer = createTracer({ store, projectId: 'p' });
    const backend = createMemoryCacheBackend();
    const model = wrapLanguageModel({
      model: { ...createLocalModel(), provider: 'openai.chat', modelId: 'gpt-4o-mini' },
      // The first middleware is the outermost: trace sees what the cache returns.
      middleware: [traceMiddleware(tracer), cacheMiddleware({ exact: { backend }, semantic: { backend, embedder: createHashingEmbedder() } })],
    });
    const ask = (q: string) => formatRagUserMessage([{ index: 1, source: 'geo.md', text: 'Paris is the capital of France.' }], q);
    // The user tag orders the spans: three quick calls may start in the same millisecond.
    const tag = (n: number) => ({ incontext: { user: `call${n}` } });
    await generateText({ model, prompt: ask('What is the capital of France?'), providerOptions: tag(1) });
    await generateText({ model, prompt: ask('What is the capital of France?'), providerOptions: tag(2) });
    await streamText({ model, prompt: ask("What's the capital of France?"), providerOptions: tag(3) }).consumeStream();
    await tracer.flush();
    const { traces } = await store.listTraces('p', { limit: 10 });
    const spans = (await Promise.all(traces.map((t) => store.getTrace('p', t.traceId)))).flat().sort((a, b) => String(a.attributes.user).localeCompare(String(b.attributes.user)));
    expect(spans.map((s) => [s.attributes.cached, s.attributes.cacheKind])).toEqual([
      [false, undefined],
      [true, 'exact'],
      [true, 'semantic'],
    ]);
    expect(spans[0]!.attributes.costUsd).toBeGreaterThan(0);
    expect(spans[1]!.attributes.costUsd).toBe(0);
    expect(spans[2]!.attributes.ttftMs).toBeGreaterThanOrEqual(0);
    expect(spans[2]!.output).toBe(spans[0]!.output);
    const stats = await store.stats('p', { from: 0, to: Date.now() + 1000 });
    expect(stats.llmCalls).toBe(3);
    expect(stats.cacheHitRate).toBeCloseTo(2 / 3, 10);
    expect(stats.costUsd).toBeCloseTo(spans[0]!.attributes.costUsd!, 12);
  });
});
