import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import {
  APICallError,
  RetryError,
  embed,
  embedMany,
  generateText,
  stepCountIs,
  streamText,
  tool,
  type LanguageModel,
} from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { countFakeTokens, fakeEmbedding, startFakeUpstream, type FakeUpstream } from './index.js';

let upstream: FakeUpstream;
let openai: ReturnType<typeof createOpenAI>;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  openai = createOpenAI({ baseURL: upstream.openaiBaseURL, apiKey: 'test-key' });
});
afterAll(() => upstream.close());
beforeEach(() => upstream.reset());

type Part = { type: string; text?: string; error?: unknown };

/** Collect fullStream parts; an error thrown by the iterator is returned, not rethrown. */
async function collect(stream: AsyncIterable<Part>): Promise<{ parts: Part[]; thrown: unknown }> {
  const parts: Part[] = [];
  try {
    for await (const part of stream) parts.push(part);
  } catch (error) {
    return { parts, thrown: error };
  }
  return { parts, thrown: undefined };
}

const weather = tool({
  description: 'Weather for a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `sunny in ${city}`,
});

// `openai(model)` uses the Responses API in this AI SDK version; `openai.chat(model)` uses chat completions.
describe.each([
  { api: 'chat completions', path: '/v1/chat/completions', model: () => openai.chat('gpt-4o-mini') },
  { api: 'responses', path: '/v1/responses', model: () => openai('gpt-4o-mini') },
])('@ai-sdk/openai over $api', ({ path, model }: { path: string; model: () => LanguageModel }) => {
  it('generates the scripted text with word-count usage', async () => {
    upstream.script({ text: 'The capital of France is Paris.' });
    const result = await generateText({ model: model(), system: 'Be brief.', prompt: 'What is the capital of France?' });
    expect(result.text).toBe('The capital of France is Paris.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage.inputTokens).toBe(countFakeTokens('Be brief.') + countFakeTokens('What is the capital of France?'));
    expect(result.usage.outputTokens).toBe(6);
    expect(upstream.requests).toHaveLength(1);
    const request = upstream.requests[0];
    expect(request?.path).toBe(path);
    expect(request?.hasAuth).toBe(true);
    expect(request?.headers['authorization']).toBe('[redacted]');
    expect(JSON.stringify(request)).not.toContain('test-key');
    expect(request?.body).toMatchObject({ model: 'gpt-4o-mini' });
  });

  it('echoes the last user message when nothing is scripted', async () => {
    const result = await generateText({ model: model(), prompt: 'ping pong' });
    expect(result.text).toBe('echo: ping pong');
  });

  it('streams text in chunks and reports usage at the end', async () => {
    upstream.script({ text: 'alpha beta gamma', chunkSize: 3, usage: { inputTokens: 11, outputTokens: 7 } });
    const result = streamText({ model: model(), prompt: 'go' });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas).toEqual(['alp', 'ha ', 'bet', 'a g', 'amm', 'a']);
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(11);
    expect(usage.outputTokens).toBe(7);
    expect(await result.finishReason).toBe('stop');
    expect(upstream.requests[0]?.stream).toBe(true);
  });

  it('returns tool calls and runs a second step with the tool result', async () => {
    upstream.script({ toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }] }, { text: 'It is sunny.' });
    const result = await generateText({
      model: model(),
      prompt: 'Weather in Paris?',
      tools: { weather },
      stopWhen: stepCountIs(3),
    });
    expect(result.text).toBe('It is sunny.');
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]?.finishReason).toBe('tool-calls');
    expect(result.steps[0]?.toolCalls.map((c) => [c.toolName, c.input])).toEqual([['weather', { city: 'Paris' }]]);
    // The second request carries the tool result back to the model.
    expect(JSON.stringify(upstream.requests[1]?.body)).toContain('sunny in Paris');
    expect(JSON.stringify(upstream.requests[0]?.body)).toContain('"weather"');
  });

  it('streams tool-call arguments in pieces that reassemble', async () => {
    upstream.script(
      { toolCalls: [{ name: 'weather', arguments: { city: 'Rio de Janeiro' } }], chunkSize: 4 },
      { text: 'Warm.' },
    );
    const result = streamText({ model: model(), prompt: 'Weather?', tools: { weather }, stopWhen: stepCountIs(3) });
    const { parts, thrown } = await collect(result.fullStream as AsyncIterable<Part>);
    expect(thrown).toBeUndefined();
    expect(parts.filter((p) => p.type === 'tool-input-delta').length).toBeGreaterThan(3);
    const steps = await result.steps;
    expect(steps[0]?.toolResults.map((r) => r.output)).toEqual(['sunny in Rio de Janeiro']);
    expect(await result.text).toBe('Warm.');
  });

  it('surfaces a 429 as APICallError with the Retry-After header when retries are off', async () => {
    upstream.script({ error: { status: 429, retryAfter: 7 } });
    const error = await generateText({ model: model(), prompt: 'x', maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    const apiError = error as APICallError;
    expect(apiError.statusCode).toBe(429);
    expect(apiError.isRetryable).toBe(true);
    expect(apiError.responseHeaders?.['retry-after']).toBe('7');
    expect(apiError.message).toBe('Rate limit reached for requests.');
  });

  it('retries a 429 after exactly the Retry-After delay, then succeeds', async () => {
    upstream.script({ error: { status: 429, retryAfter: 1 } }, { text: 'second time lucky' });
    // Record the delays the SDK schedules: honouring Retry-After means 1000 ms, not its 2000 ms default backoff.
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const result = await generateText({ model: model(), prompt: 'x' });
      expect(result.text).toBe('second time lucky');
      const delays = spy.mock.calls.map((call) => call[1]);
      expect(delays).toContain(1000);
      expect(delays).not.toContain(2000);
    } finally {
      spy.mockRestore();
    }
    expect(upstream.requests).toHaveLength(2);
    expect(upstream.pending).toBe(0);
  });

  it('gives up on repeated 500s with a RetryError that holds every attempt', async () => {
    upstream.script({ error: { status: 500, retryAfter: 0 } }, { error: { status: 500, retryAfter: 0 } });
    const error = await generateText({ model: model(), prompt: 'x', maxRetries: 1 }).catch((e: unknown) => e);
    expect(RetryError.isInstance(error)).toBe(true);
    const retry = error as RetryError;
    expect(retry.errors).toHaveLength(2);
    expect(retry.errors.every((e) => APICallError.isInstance(e) && e.statusCode === 500)).toBe(true);
    expect(upstream.requests).toHaveLength(2);
  });

  it('delivers an in-stream error after output as an error part', async () => {
    upstream.script({ error: { status: 429, afterChunks: 2 }, text: 'a b c d' });
    const result = streamText({ model: model(), prompt: 'x', maxRetries: 0, onError: () => undefined });
    const { parts, thrown } = await collect(result.fullStream as AsyncIterable<Part>);
    expect(thrown).toBeUndefined();
    expect(parts.filter((p) => p.type === 'text-delta').map((p) => p.text)).toEqual(['a', ' b']);
    const errors = parts.filter((p) => p.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toMatchObject({ statusCode: 429, isRetryable: true, message: 'Rate limit reached for requests.' });
  });

  it('retries an in-stream error that arrives before any output', async () => {
    upstream.script({ error: { status: 429, afterChunks: 0, retryAfter: 0 } }, { text: 'recovered' });
    const result = streamText({ model: model(), prompt: 'x', onError: () => undefined });
    expect(await result.text).toBe('recovered');
    expect(upstream.requests).toHaveLength(2);
    expect(upstream.requests.every((r) => r.stream)).toBe(true);
  });

  it('reports a broken SSE event as a JSON parse error part and keeps streaming', async () => {
    upstream.script({ malformed: 'sse', text: 'one two three' });
    const result = streamText({ model: model(), prompt: 'x', onError: () => undefined });
    const { parts, thrown } = await collect(result.fullStream as AsyncIterable<Part>);
    expect(thrown).toBeUndefined();
    const errors = parts.filter((p) => p.type === 'error');
    expect(errors).toHaveLength(1);
    expect(String((errors[0]?.error as Error).message)).toMatch(/JSON parsing failed/);
    const text = parts.filter((p) => p.type === 'text-delta').map((p) => p.text).join('');
    expect(text).toBe('one two three');
  });

  it('rejects an invalid JSON body with "Invalid JSON response"', async () => {
    upstream.script({ malformed: 'json' });
    const error = await generateText({ model: model(), prompt: 'x', maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).message).toBe('Invalid JSON response');
  });

  it('fails the stream when the socket is reset mid-stream', async () => {
    upstream.script({ resetAfterChunks: 2, text: 'one two three four' });
    const result = streamText({ model: model(), prompt: 'x', maxRetries: 0, onError: () => undefined });
    const { parts, thrown } = await collect(result.fullStream as AsyncIterable<Part>);
    // The AI SDK delivers the two chunks, then the iterator throws (no 'finish' part).
    expect(parts.filter((p) => p.type === 'text-delta').map((p) => p.text)).toEqual(['one', ' two']);
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
    expect(APICallError.isInstance(thrown)).toBe(true);
    expect(((thrown as APICallError).cause as Error).message).toBe('terminated');
  });

  it('aborts a hung request on the caller timeout', async () => {
    upstream.script({ hang: true });
    const error = await generateText({ model: model(), prompt: 'x', abortSignal: AbortSignal.timeout(500) }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('TimeoutError');
    expect(upstream.requests).toHaveLength(1);
    // The client's abort closed the socket, which ends the hang on the server side too.
    await vi.waitFor(() => expect(upstream.inFlight).toBe(0));
  });
});

describe('@ai-sdk/openai embeddings', () => {
  it('returns the deterministic vectors and honours dimensions', async () => {
    const model = openai.embedding('text-embedding-3-small');
    const one = await embed({ model, value: 'cats purr', providerOptions: { openai: { dimensions: 64 } } });
    expect(one.embedding).toHaveLength(64);
    const expected = fakeEmbedding('cats purr', 64);
    one.embedding.forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? NaN, 6));
    expect(one.usage.tokens).toBe(2);
    const many = await embedMany({ model, values: ['a b', 'c'] });
    expect(many.embeddings.map((e) => e.length)).toEqual([1536, 1536]);
    expect(upstream.requests.at(-1)?.path).toBe('/v1/embeddings');
  });
});

describe('@ai-sdk/openai-compatible (the path for any OpenAI-compatible server)', () => {
  it('streams text with usage and embeds', async () => {
    const local = createOpenAICompatible({
      name: 'local',
      baseURL: upstream.openaiBaseURL,
      apiKey: 'k',
      includeUsage: true,
    });
    upstream.script({ text: 'compatible reply', chunkDelayMs: 1 });
    const result = streamText({ model: local('llama'), prompt: 'four words of prompt' });
    expect(await result.text).toBe('compatible reply');
    expect((await result.usage).inputTokens).toBe(4);
    expect(upstream.requests[0]?.body).toMatchObject({ stream_options: { include_usage: true } });
    const { embedding } = await embed({ model: local.embeddingModel('nomic'), value: 'hello' });
    expect(embedding).toEqual(fakeEmbedding('hello', 1536).map((v) => expect.closeTo(v, 6) as unknown));
  });
});

describe('closing with a hung request', () => {
  it('ends the hung request and resolves close()', async () => {
    const own = await startFakeUpstream();
    own.script({ hang: true });
    const model = createOpenAI({ baseURL: own.openaiBaseURL, apiKey: 'k' }).chat('m');
    const pending = generateText({ model, prompt: 'x', maxRetries: 0 }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(own.requests).toHaveLength(1));
    await own.close();
    const error = await pending;
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).message).toMatch(/Cannot connect to API/);
  });
});
