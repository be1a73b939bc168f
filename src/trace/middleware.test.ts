import type { LanguageModelV4 } from '@ai-sdk/provider';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { describe, expect, it } from 'vitest';
import { formatRagUserMessage } from '../core/index.js';
import { countTokens, createLocalModel, estimateCost } from '../model/index.js';
import { createMemoryTraceStore, createTracer, traceMiddleware, type SpanNode } from './index.js';

const PROMPT = formatRagUserMessage([{ index: 1, source: 'geo.md', text: 'Paris is the capital of France.' }], 'What is the capital of France?');

function setup(model: LanguageModelV4 = createLocalModel()) {
  const store = createMemoryTraceStore();
  const tracer = createTracer({ store, projectId: 'p' });
  const wrapped = wrapLanguageModel({ model, middleware: traceMiddleware(tracer) });
  const spans = async (): Promise<SpanNode[]> => {
    await tracer.flush();
    const { traces } = await store.listTraces('p');
    return (await Promise.all(traces.map((t) => store.getTrace('p', t.traceId)))).flat();
  };
  return { tracer, model: wrapped, spans, store };
}

/** A model priced in the table, answering like the local one. */
function priced(): LanguageModelV4 {
  return { ...createLocalModel(), provider: 'openai.chat', modelId: 'gpt-4o-mini' };
}

describe('traceMiddleware', () => {
  it('records an llm span per generate call with model, tokens, cost and text', async () => {
    const { model, spans } = setup(priced());
    const result = await generateText({ model, prompt: PROMPT, temperature: 0, providerOptions: { incontext: { user: 'u7', promptVersion: 'rag@3' } } });
    const [span] = await spans();
    expect(span!.kind).toBe('llm');
    expect(span!.name).toBe('chat gpt-4o-mini');
    expect(span!.status).toBe('ok');
    const a = span!.attributes;
    expect(a).toMatchObject({ model: 'gpt-4o-mini', provider: 'openai.chat', temperature: 0, user: 'u7', promptVersion: 'rag@3', cached: false, finishReason: 'stop' });
    expect(a.inputTokens).toBe(result.usage.inputTokens);
    expect(a.outputTokens).toBe(result.usage.outputTokens);
    expect(a.inputTokens).toBeGreaterThan(5);
    expect(a.costUsd).toBeCloseTo(estimateCost('gpt-4o-mini', { inputTokens: a.inputTokens!, outputTokens: a.outputTokens! })!, 12);
    expect(a.costUsd).toBeGreaterThan(0);
    expect(span!.input).toContain('Question: What is the capital of France?');
    expect(span!.output).toBe(result.text);
    expect(result.text).toMatch(/Paris/);
  });

  it('records time to first token and the streamed text for streams', async () => {
    const { model, spans } = setup();
    const result = streamText({ model, prompt: PROMPT });
    const text = await result.text;
    const [span] = await spans();
    expect(span!.output).toBe(text);
    expect(span!.attributes.ttftMs).toBeGreaterThanOrEqual(0);
    expect(span!.attributes.ttftMs).toBeLessThanOrEqual(span!.endTime - span!.startTime);
    expect(span!.attributes.outputTokens).toBe((await result.usage).outputTokens);
    expect(span!.attributes.costUsd).toBe(0); // the local model is free
    expect(span!.status).toBe('ok');
  });

  it('nests under the active request span and marks errors', async () => {
    const failing: LanguageModelV4 = {
      ...createLocalModel(),
      doGenerate: async () => {
        throw new Error('rate limited');
      },
    };
    const { tracer, model, spans } = setup(failing);
    await expect(tracer.withSpan('ask', 'request', () => generateText({ model, prompt: PROMPT, maxRetries: 0 }))).rejects.toThrow(/rate limited/);
    const [root] = await spans();
    expect(root!.kind).toBe('request');
    expect(root!.status).toBe('error');
    expect(root!.children).toHaveLength(1);
    expect(root!.children[0]).toMatchObject({ kind: 'llm', status: 'error', error: 'rate limited' });
  });

  it('marks a stream that errors mid-way', async () => {
    const broken: LanguageModelV4 = {
      ...createLocalModel(),
      doStream: async () => ({
        stream: new ReadableStream({
          start(c) {
            c.enqueue({ type: 'stream-start', warnings: [] });
            c.enqueue({ type: 'text-start', id: 't' });
            c.enqueue({ type: 'text-delta', id: 't', delta: 'Par' });
            c.enqueue({ type: 'error', error: new Error('connection reset') });
            c.close();
          },
        }),
      }),
    };
    const { model, spans } = setup(broken);
    const result = streamText({ model, prompt: PROMPT, onError: () => undefined });
    await result.consumeStream();
    const [span] = await spans();
    expect(span).toMatchObject({ status: 'error', error: 'connection reset', output: 'Par' });
    expect(span!.attributes.ttftMs).toBeGreaterThanOrEqual(0);
  });

  it('a cache hit reported by inner middleware costs nothing and counts as cached', async () => {
    const hit: LanguageModelV4 = {
      ...priced(),
      doGenerate: async () => ({
        content: [{ type: 'text', text: 'Paris.' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: { inputTokens: { total: 40, noCache: 40, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 2, text: 2, reasoning: undefined } },
        providerMetadata: { incontext: { cache: 'semantic' } },
        warnings: [],
      }),
    };
    const { model, spans, store } = setup(hit);
    await generateText({ model, prompt: PROMPT });
    const [span] = await spans();
    expect(span!.attributes).toMatchObject({ cached: true, cacheKind: 'semantic', costUsd: 0, inputTokens: 40 });
    const stats = await store.stats('p', { from: 0, to: Date.now() + 1000 });
    expect(stats.cacheHitRate).toBe(1);
  });
});

describe('traceMiddleware without provider usage', () => {
  it('counts tokens with the tokenizer and flags them as estimated', async () => {
    const silent: LanguageModelV4 = {
      ...priced(),
      doGenerate: async () => ({
        content: [{ type: 'text', text: 'Paris is the capital of France.' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: { inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: undefined, text: undefined, reasoning: undefined } },
        warnings: [],
      }),
    };
    const { model, spans } = setup(silent);
    await generateText({ model, prompt: PROMPT });
    const [span] = await spans();
    expect(span!.attributes.tokensEstimated).toBe(true);
    expect(span!.attributes.outputTokens).toBe(countTokens('Paris is the capital of France.'));
    expect(span!.attributes.inputTokens).toBe(countTokens(span!.input!));
    expect(span!.attributes.costUsd).toBeGreaterThan(0);
  });
});
