import { createAnthropic } from '@ai-sdk/anthropic';
import { APICallError, generateText, stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { countFakeTokens, startFakeUpstream, type FakeUpstream } from './index.js';

let upstream: FakeUpstream;
let anthropic: ReturnType<typeof createAnthropic>;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  anthropic = createAnthropic({ baseURL: upstream.anthropicBaseURL, apiKey: 'sk-ant-test' });
});
afterAll(() => upstream.close());
beforeEach(() => upstream.reset());

const lookup = tool({
  description: 'Look up a word',
  inputSchema: z.object({ word: z.string(), lang: z.string() }),
  execute: async ({ word, lang }) => `${word} (${lang}): a greeting`,
});

describe('@ai-sdk/anthropic against the fake upstream', () => {
  it('generates text with usage and sends the Messages API request shape', async () => {
    upstream.script({ text: 'Bonjour means hello.' });
    const result = await generateText({
      model: anthropic('claude-sonnet-5-5'),
      system: 'You translate words.',
      prompt: 'What does bonjour mean?',
    });
    expect(result.text).toBe('Bonjour means hello.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage.inputTokens).toBe(countFakeTokens('You translate words.') + countFakeTokens('What does bonjour mean?'));
    expect(result.usage.outputTokens).toBe(3);
    const request = upstream.requests[0];
    expect(request?.path).toBe('/v1/messages');
    expect(request?.endpoint).toBe('anthropic.messages');
    expect(request?.headers['x-api-key']).toBe('[redacted]');
    expect(request?.headers['anthropic-version']).toBe('2023-06-01');
    expect(JSON.stringify(request)).not.toContain('sk-ant-test');
    expect(request?.body).toMatchObject({ model: 'claude-sonnet-5-5' });
    expect(request?.stream).toBe(false);
    expect(typeof (request?.body as { max_tokens: unknown }).max_tokens).toBe('number');
  });

  it('streams text deltas and reports usage from message_start and message_delta', async () => {
    upstream.script({ text: 'one two three four', usage: { inputTokens: 20, outputTokens: 9 } });
    const result = streamText({ model: anthropic('claude-sonnet-5-5'), prompt: 'count' });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas).toEqual(['one', ' two', ' three', ' four']);
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(20);
    expect(usage.outputTokens).toBe(9);
    expect(await result.finishReason).toBe('stop');
  });

  it('returns tool_use blocks as tool calls and sends the tool_result back', async () => {
    upstream.script(
      { text: 'Let me look.', toolCalls: [{ name: 'lookup', arguments: { word: 'hola', lang: 'es' } }] },
      { text: 'Hola is a greeting.' },
    );
    const result = await generateText({
      model: anthropic('claude-sonnet-5-5'),
      prompt: 'What is hola?',
      tools: { lookup },
      stopWhen: stepCountIs(3),
    });
    expect(result.steps[0]?.text).toBe('Let me look.');
    expect(result.steps[0]?.finishReason).toBe('tool-calls');
    expect(result.steps[0]?.toolCalls.map((c) => c.input)).toEqual([{ word: 'hola', lang: 'es' }]);
    expect(result.text).toBe('Hola is a greeting.');
    const second = JSON.stringify(upstream.requests[1]?.body);
    expect(second).toContain('"tool_result"');
    expect(second).toContain('hola (es): a greeting');
  });

  it('assembles streamed input_json_delta pieces into the tool input', async () => {
    upstream.script(
      { toolCalls: [{ name: 'lookup', arguments: { word: 'ciao', lang: 'it' }, id: 'toolu_fixed' }], chunkSize: 5 },
      { text: 'Done.' },
    );
    const result = streamText({
      model: anthropic('claude-sonnet-5-5'),
      prompt: 'ciao?',
      tools: { lookup },
      stopWhen: stepCountIs(3),
    });
    const inputDeltas: string[] = [];
    for await (const part of result.fullStream) if (part.type === 'tool-input-delta') inputDeltas.push(part.delta);
    expect(inputDeltas.length).toBeGreaterThan(3);
    expect(JSON.parse(inputDeltas.join(''))).toEqual({ word: 'ciao', lang: 'it' });
    const steps = await result.steps;
    expect(steps[0]?.toolCalls.map((c) => c.toolCallId)).toEqual(['toolu_fixed']);
    expect(steps[0]?.toolResults.map((r) => r.output)).toEqual(['ciao (it): a greeting']);
    expect(await result.text).toBe('Done.');
  });

  it('surfaces a 429 in the Anthropic error shape as APICallError', async () => {
    upstream.script({ error: { status: 429, retryAfter: 3 } });
    const error = await generateText({ model: anthropic('claude-sonnet-5-5'), prompt: 'x', maxRetries: 0 }).catch(
      (e: unknown) => e,
    );
    expect(APICallError.isInstance(error)).toBe(true);
    const apiError = error as APICallError;
    expect(apiError.statusCode).toBe(429);
    expect(apiError.message).toBe('Number of requests has exceeded your rate limit.');
    expect(apiError.responseHeaders?.['retry-after']).toBe('3');
    expect(JSON.parse(apiError.responseBody ?? '{}')).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit.' },
    });
  });

  it('retries a 529 overloaded answer and then succeeds', async () => {
    upstream.script({ error: { status: 529, retryAfter: 0 } }, { text: 'back again' });
    const result = await generateText({ model: anthropic('claude-sonnet-5-5'), prompt: 'x' });
    expect(result.text).toBe('back again');
    expect(upstream.requests).toHaveLength(2);
  });

  it('delivers an in-stream overloaded_error as an error part', async () => {
    upstream.script({ error: { status: 529, afterChunks: 1 }, text: 'partial answer here' });
    const result = streamText({
      model: anthropic('claude-sonnet-5-5'),
      prompt: 'x',
      maxRetries: 0,
      onError: () => undefined,
    });
    const deltas: string[] = [];
    const errors: unknown[] = [];
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') deltas.push(part.text);
      if (part.type === 'error') errors.push(part.error);
    }
    expect(deltas).toEqual(['partial']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ statusCode: 529, isRetryable: true, message: 'Overloaded' });
  });

  it('fails the stream when the socket is reset mid-stream', async () => {
    upstream.script({ resetAfterChunks: 1, text: 'first second third' });
    const result = streamText({
      model: anthropic('claude-sonnet-5-5'),
      prompt: 'x',
      maxRetries: 0,
      onError: () => undefined,
    });
    const deltas: string[] = [];
    const thrown = await (async () => {
      for await (const part of result.fullStream) if (part.type === 'text-delta') deltas.push(part.text);
    })().catch((e: unknown) => e);
    expect(deltas).toEqual(['first']);
    expect(APICallError.isInstance(thrown)).toBe(true);
  });

  it('aborts a hung request and frees the server side', async () => {
    upstream.script({ hang: true });
    const error = await generateText({
      model: anthropic('claude-sonnet-5-5'),
      prompt: 'x',
      abortSignal: AbortSignal.timeout(500),
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    await vi.waitFor(() => expect(upstream.inFlight).toBe(0));
  });
});
