import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countFakeTokens, fakeEmbedding, startFakeUpstream, type FakeUpstream } from './index.js';

let upstream: FakeUpstream;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  openai = new OpenAI({ baseURL: upstream.openaiBaseURL, apiKey: 'sk-test', maxRetries: 0 });
  // The official Anthropic SDK appends `/v1/messages` itself, so it takes the bare server URL.
  anthropic = new Anthropic({ baseURL: upstream.url, apiKey: 'sk-ant-test', maxRetries: 0 });
});
afterAll(() => upstream.close());
beforeEach(() => upstream.reset());

describe('official openai client', () => {
  it('creates a chat completion with usage', async () => {
    upstream.script({ text: 'Hi there, friend.' });
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'Say hi' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe('Hi there, friend.');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
  });

  it('streams chunks, with a usage-only chunk when include_usage is set', async () => {
    upstream.script({ text: 'a b c' }, { text: 'a b c' });
    const withUsage = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'go' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of withUsage) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('a b c');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 1, completion_tokens: 3 });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');

    const without = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'go' }],
      stream: true,
    });
    const plain = [];
    for await (const chunk of without) plain.push(chunk);
    expect(plain.every((c) => c.usage === undefined || c.usage === null)).toBe(true);
    expect(plain.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('streams tool calls that reassemble into JSON arguments', async () => {
    upstream.script({ toolCalls: [{ name: 'search', arguments: { q: 'vector databases', k: 3 } }] });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'find' }],
      tools: [{ type: 'function', function: { name: 'search', parameters: { type: 'object' } } }],
      stream: true,
    });
    let name = '';
    let args = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const call = chunk.choices[0]?.delta.tool_calls?.[0];
      name += call?.function?.name ?? '';
      args += call?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe('search');
    expect(JSON.parse(args)).toEqual({ q: 'vector databases', k: 3 });
    expect(finish).toBe('tool_calls');
  });

  it('creates embeddings: base64 by default, floats on request, dimensions honoured', async () => {
    const decoded = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['red apple', 'green'] });
    expect(upstream.requests[0]?.body).toMatchObject({ encoding_format: 'base64' });
    expect(decoded.data).toHaveLength(2);
    const first = Array.from(decoded.data[0]?.embedding ?? []);
    const expected = fakeEmbedding('red apple', 1536);
    expect(first).toHaveLength(1536);
    first.forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? NaN, 6));
    expect(decoded.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });

    const floats = await openai.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'red apple',
      encoding_format: 'float',
      dimensions: 8,
    });
    expect(floats.data[0]?.embedding).toEqual(fakeEmbedding('red apple', 8));
  });

  it('lists models', async () => {
    const ids = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids).toContain('gpt-4o-mini');
  });

  it('creates a Responses API response, streamed and not', async () => {
    upstream.script({ text: 'plain answer' }, { text: 'streamed answer' });
    const response = await openai.responses.create({ model: 'gpt-4o-mini', input: 'question' });
    expect(response.output_text).toBe('plain answer');
    expect(response.usage).toMatchObject({ input_tokens: 1, output_tokens: 2 });
    const stream = await openai.responses.create({ model: 'gpt-4o-mini', input: 'question', stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe('streamed answer');
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
  });

  it('maps a 429 to RateLimitError with the Retry-After header', async () => {
    upstream.script({ error: { status: 429, retryAfter: 2 } });
    const error = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rate = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rate.status).toBe(429);
    expect(rate.code).toBe('rate_limit_exceeded');
    expect(rate.headers.get('retry-after')).toBe('2');
  });
});

describe('official @anthropic-ai/sdk client', () => {
  it('creates a message with usage', async () => {
    upstream.script({ text: 'Short answer.' });
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      system: 'Answer briefly.',
      messages: [{ role: 'user', content: 'Why is the sky blue?' }],
    });
    expect(message.type).toBe('message');
    expect(message.content).toEqual([{ type: 'text', text: 'Short answer.' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.input_tokens).toBe(countFakeTokens('Answer briefly. Why is the sky blue?'));
    expect(message.usage.output_tokens).toBe(2);
  });

  it('streams a message with messages.stream and builds the final message', async () => {
    upstream.script({ text: 'streaming works fine' });
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'test' }],
    });
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const final = await stream.finalMessage();
    expect(deltas).toEqual(['streaming', ' works', ' fine']);
    expect(final.content).toHaveLength(1);
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'streaming works fine' });
    expect(final.usage.output_tokens).toBe(3);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('streams tool_use input as input_json_delta and parses it', async () => {
    upstream.script({ toolCalls: [{ name: 'get_time', arguments: { zone: 'Europe/Paris' } }], chunkSize: 4 });
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      tools: [{ name: 'get_time', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'time?' }],
    });
    const partials: string[] = [];
    stream.on('inputJson', (partial) => partials.push(partial));
    const final = await stream.finalMessage();
    expect(partials.join('')).toBe('{"zone":"Europe/Paris"}');
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content[0]).toMatchObject({ type: 'tool_use', name: 'get_time', input: { zone: 'Europe/Paris' } });
  });

  it('maps a 529 to an APIError with the overloaded_error type', async () => {
    upstream.script({ error: { status: 529 } });
    const error = await anthropic.messages
      .create({ model: 'claude-sonnet-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    const apiError = error as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(529);
    expect(apiError.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });

  it('throws the in-stream error event of messages.stream as APIError', async () => {
    upstream.script({ error: { status: 529, afterChunks: 1 } });
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'a b c' }],
    });
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      error: { type: 'overloaded_error' },
    });
  });

  it('rejects a request without max_tokens with 400, as the real API does', async () => {
    const response = await fetch(`${upstream.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-5-5', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('lists models in the Anthropic shape', async () => {
    const page = await anthropic.models.list();
    expect(page.data.map((m) => m.id)).toContain('claude-sonnet-5-5');
    expect(page.data[0]?.type).toBe('model');
  });
});
