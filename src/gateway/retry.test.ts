import { generateText, jsonSchema, streamText, tool, wrapLanguageModel } from 'ai';
import { describe, expect, it, vi } from 'vitest';
import { useFakeProviders } from './__fixtures__/providers.js';
import { asMiddleware, createGateway, GatewayError, parseRetryAfter, type GatewayOptions } from './index.js';
import { collect, manualClock, recorder, textOf } from './__fixtures__/helpers.js';

const fake = useFakeProviders();

function setup(extra: Partial<GatewayOptions> = {}) {
  const clock = manualClock();
  const rec = recorder();
  const gateway = createGateway({
    models: { 'openai:gpt-4o-mini': fake.openai.chat('gpt-4o-mini'), 'anthropic:claude-3-5-haiku': fake.anthropic('claude-3-5-haiku-latest') },
    route: { aliases: { chat: ['openai:gpt-4o-mini', 'anthropic:claude-3-5-haiku'] } },
    clock,
    onEvent: rec.onEvent,
    ...extra,
  });
  return { gateway, clock, ...rec };
}

describe('retry', () => {
  it('retries a 500 on the same model, then succeeds', async () => {
    const { gateway, events, clock } = setup();
    fake.upstream.script({ error: { status: 500 } }, { text: 'recovered' });
    const result = await generateText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('recovered');
    expect(fake.upstream.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
    const attempts = events.filter((e) => e.type === 'attempt');
    expect(attempts.map((a) => [a.target, a.ok])).toEqual([
      ['openai:gpt-4o-mini', false],
      ['openai:gpt-4o-mini', true],
    ]);
    expect(attempts[0]).toMatchObject({ status: 500, retryable: true });
    // Full jitter with random 0.5 and the 250 ms base: half the first cap.
    expect(clock.sleeps).toEqual([125]);
    const meta = result.providerMetadata?.incontext as { answeredBy: string; attempts: unknown[] };
    expect(meta.answeredBy).toBe('openai:gpt-4o-mini');
    expect(meta.attempts).toHaveLength(2);
  });

  it('waits exactly the Retry-After a 429 asks for', async () => {
    const { gateway, clock, events } = setup();
    fake.upstream.script({ error: { status: 429, retryAfter: 7 } }, { text: 'ok' });
    const result = await generateText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('ok');
    expect(clock.sleeps).toEqual([7000]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'retry-wait', delayMs: 7000, source: 'retry-after' }));
  });

  it('falls back at once when Retry-After is longer than it will wait', async () => {
    const { gateway, clock } = setup({ retry: { maxRetryAfterMs: 5000 } });
    fake.upstream.script({ error: { status: 429, retryAfter: 60 } }, { text: 'from claude' });
    const result = await generateText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('from claude');
    expect(clock.sleeps).toEqual([]);
    expect(fake.upstream.requests[1]?.path).toBe('/v1/messages');
  });

  it('backs off exponentially with full jitter, capped', async () => {
    const { gateway, clock } = setup({ retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300 } });
    fake.upstream.script(...Array.from({ length: 4 }, () => ({ error: { status: 503 } })), { text: 'ok' });
    await generateText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0 });
    expect(clock.sleeps).toEqual([50, 100, 150, 150]);
  });

  it('does not retry or fall back on a 400', async () => {
    const { gateway } = setup();
    fake.upstream.script({ error: { status: 400, message: 'bad field' } });
    const error = await generateText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/bad field/);
    expect(fake.upstream.requests).toHaveLength(1);
  });

  it('skips to the next model on a 401 without retrying the same one', async () => {
    const { gateway } = setup();
    fake.upstream.script({ error: { status: 401 } }, { text: 'claude answers' });
    const result = await generateText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('claude answers');
    expect(fake.upstream.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/messages']);
  });

  it('times out a hung attempt and falls back', async () => {
    const { gateway, events } = setup({ retry: { maxAttempts: 1, attemptTimeoutMs: 50 } });
    fake.upstream.script({ hang: true }, { text: 'fallback answer' });
    const result = await generateText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('fallback answer');
    expect(events).toContainEqual(expect.objectContaining({ type: 'attempt', ok: false, error: expect.stringMatching(/within 50 ms/) }));
    expect(events).toContainEqual({ type: 'fallback', from: 'openai:gpt-4o-mini', to: 'anthropic:claude-3-5-haiku', reason: expect.any(String) });
    await vi.waitFor(() => expect(fake.upstream.inFlight).toBe(0));
  });

  it('gives a clear 502 error naming every attempt when all models fail', async () => {
    const { gateway } = setup({ retry: { maxAttempts: 2 } });
    fake.upstream.script(...Array.from({ length: 4 }, () => ({ error: { status: 500 } })));
    const error = await generateText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0 }).catch((e: unknown) => e);
    expect(GatewayError.is(error, 'all-failed')).toBe(true);
    expect((error as GatewayError).status).toBe(502);
    expect((error as Error).message).toMatch(/openai:gpt-4o-mini#2.*anthropic:claude-3-5-haiku#2/);
    expect(fake.upstream.requests).toHaveLength(4);
  });

  it('owns the retries: the AI SDK does not retry again on top of the gateway', async () => {
    const { gateway } = setup({ retry: { maxAttempts: 2 } });
    fake.upstream.setHandler(() => ({ error: { status: 503 } }));
    // Default maxRetries (2) left on purpose.
    const error = await generateText({ model: gateway('openai:gpt-4o-mini'), prompt: 'hi' }).catch((e: unknown) => e);
    fake.upstream.setHandler(undefined);
    expect(GatewayError.is(error, 'all-failed')).toBe(true);
    expect(fake.upstream.requests).toHaveLength(2);
  });

  it('never hands the AI SDK a retryable error, even one a custom classify gave up on', async () => {
    const { gateway } = setup({ retry: { classify: () => 'fatal' } });
    fake.upstream.setHandler(() => ({ error: { status: 503 } }));
    const error = await generateText({ model: gateway('openai:gpt-4o-mini'), prompt: 'hi' }).catch((e: unknown) => e);
    fake.upstream.setHandler(undefined);
    expect(GatewayError.is(error)).toBe(true);
    expect(fake.upstream.requests).toHaveLength(1);
  });

  it('stops at the total deadline', async () => {
    const { gateway } = setup({ retry: { maxAttempts: 10, deadlineMs: 1000 } });
    fake.upstream.script(...Array.from({ length: 10 }, () => ({ error: { status: 500, retryAfter: 0.4 } })));
    const error = await generateText({ model: gateway('openai:gpt-4o-mini'), prompt: 'hi', maxRetries: 0 }).catch((e: unknown) => e);
    expect(GatewayError.is(error)).toBe(true);
    // 3 attempts: after two 400 ms waits a third would end past the deadline.
    expect(fake.upstream.requests).toHaveLength(3);
  });
});

describe('streams', () => {
  it('falls back transparently when the stream breaks before its first token', async () => {
    const { gateway } = setup();
    fake.upstream.script({ resetAfterChunks: 0, text: 'lost' }, { text: 'clean answer here', chunkSize: 3 });
    const result = streamText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0, onError: () => undefined });
    const { parts, thrown } = await collect(result.fullStream);
    expect(thrown).toBeUndefined();
    expect(parts.filter((p) => p.type === 'error')).toEqual([]);
    expect(textOf(parts)).toBe('clean answer here');
    expect(fake.upstream.requests).toHaveLength(2);
  });

  it('falls back when a stream answers 500', async () => {
    const { gateway } = setup({ retry: { maxAttempts: 1 } });
    fake.upstream.script({ error: { status: 500 } }, { text: 'second' });
    const result = streamText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0, onError: () => undefined });
    expect(textOf((await collect(result.fullStream)).parts)).toBe('second');
    expect(fake.upstream.requests[1]?.path).toBe('/v1/messages');
  });

  it('ends with one clean error part when the stream breaks after its first token', async () => {
    const { gateway } = setup();
    fake.upstream.script({ resetAfterChunks: 2, text: 'one two three four' });
    const result = streamText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0, onError: () => undefined });
    const { parts, thrown } = await collect(result.fullStream);
    expect(thrown).toBeUndefined();
    expect(textOf(parts)).toBe('one two');
    expect(parts.filter((p) => p.type === 'error')).toHaveLength(1);
    // No retry once text was sent: a second request would duplicate it.
    expect(fake.upstream.requests).toHaveLength(1);
  });

  it('passes a malformed SSE event through as an error part without duplicating text', async () => {
    const { gateway } = setup();
    fake.upstream.script({ malformed: 'sse', text: 'alpha beta gamma' });
    const result = streamText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0, onError: () => undefined });
    const { parts, thrown } = await collect(result.fullStream);
    expect(thrown).toBeUndefined();
    expect(textOf(parts)).toBe('alpha beta gamma');
    const errors = parts.filter((p) => p.type === 'error');
    expect(errors).toHaveLength(1);
    expect(String((errors[0]?.error as Error).message)).toMatch(/JSON/);
    expect(fake.upstream.requests).toHaveLength(1);
  });

  it('aborts a stream that stalls after starting, with an error part instead of a hang', async () => {
    const { gateway } = setup({ streamIdleTimeoutMs: 50 });
    fake.upstream.script({ text: 'slow words here', chunkDelayMs: 5000 });
    const result = streamText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0, onError: () => undefined });
    const { parts, thrown } = await collect(result.fullStream);
    expect(thrown).toBeUndefined();
    expect(textOf(parts)).toBe('slow');
    const errors = parts.filter((p) => p.type === 'error');
    expect(GatewayError.is(errors[0]?.error, 'stream-idle')).toBe(true);
    await vi.waitFor(() => expect(fake.upstream.inFlight).toBe(0));
  });

  it('records the answering model in the finish part metadata', async () => {
    const { gateway } = setup();
    fake.upstream.script({ error: { status: 503 } }, { text: 'x y' });
    const result = streamText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0 });
    await result.consumeStream();
    const meta = (await result.providerMetadata)?.incontext as { answeredBy: string; attempts: unknown[] };
    expect(meta.answeredBy).toBe('openai:gpt-4o-mini');
    expect(meta.attempts).toHaveLength(2);
  });
});

describe('more faults', () => {
  it('retries an invalid JSON body and then falls back', async () => {
    const { gateway } = setup({ retry: { maxAttempts: 2 } });
    fake.upstream.script({ malformed: 'json' }, { malformed: 'json' }, { text: 'valid at last' });
    const result = await generateText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('valid at last');
    expect(fake.upstream.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions', '/v1/messages']);
  });

  it('treats an in-stream error event before any text (Anthropic overloaded) as a failed attempt', async () => {
    const { gateway } = setup({ route: { aliases: { rev: ['anthropic:claude-3-5-haiku', 'openai:gpt-4o-mini'] } }, retry: { maxAttempts: 1 } });
    fake.upstream.script({ error: { status: 529, afterChunks: 0, message: 'Overloaded' } }, { text: 'openai steps in' });
    const result = streamText({ model: gateway('rev'), prompt: 'hi', maxRetries: 0, onError: () => undefined });
    const { parts } = await collect(result.fullStream);
    expect(parts.filter((p) => p.type === 'error')).toEqual([]);
    expect(textOf(parts)).toBe('openai steps in');
    expect(fake.upstream.requests.map((r) => r.path)).toEqual(['/v1/messages', '/v1/chat/completions']);
  });

  it('ends an Anthropic stream that errors in-band after text with the error part, no retry', async () => {
    const { gateway } = setup({ route: { aliases: { rev: ['anthropic:claude-3-5-haiku', 'openai:gpt-4o-mini'] } } });
    fake.upstream.script({ error: { status: 529, afterChunks: 2, message: 'Overloaded' }, text: 'one two three' });
    const result = streamText({ model: gateway('rev'), prompt: 'hi', maxRetries: 0, onError: () => undefined });
    const { parts, thrown } = await collect(result.fullStream);
    expect(thrown).toBeUndefined();
    expect(textOf(parts)).toBe('one two');
    expect(parts.filter((p) => p.type === 'error')).toHaveLength(1);
    expect(fake.upstream.requests).toHaveLength(1);
  });

  it('passes the caller abort through to the provider after the stream has started', async () => {
    const { gateway } = setup();
    fake.upstream.script({ text: 'a b c d e f', chunkDelayMs: 200 });
    const controller = new AbortController();
    const result = streamText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0, abortSignal: controller.signal, onError: () => undefined });
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') {
        controller.abort();
        break;
      }
    }
    await vi.waitFor(() => expect(fake.upstream.inFlight).toBe(0));
    expect(fake.upstream.requests).toHaveLength(1);
  });

  it('falls back to the next model when the prompt is over the context window', async () => {
    const { gateway } = setup();
    fake.upstream.script({
      error: { status: 400, body: { error: { message: "This model's maximum context length is 8192 tokens", type: 'invalid_request_error', code: 'context_length_exceeded' } } },
    }, { text: 'bigger window' });
    const result = await generateText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('bigger window');
    expect(fake.upstream.requests).toHaveLength(2);
  });

  it('lets the caller override the retry decision', async () => {
    const { gateway } = setup({ retry: { classify: (_e, info) => (info.status === 400 ? 'retry' : info.kind) } });
    fake.upstream.script({ error: { status: 400 } }, { text: 'second time lucky' });
    const result = await generateText({ model: gateway('chat'), prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('second time lucky');
    expect(fake.upstream.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
  });

  it('streams a tool-call-only answer after a failed first attempt', async () => {
    const { gateway } = setup({ retry: { maxAttempts: 1 } });
    fake.upstream.script({ resetAfterChunks: 0 }, { toolCalls: [{ name: 'lookup', arguments: { q: 'paris' } }] });
    const result = streamText({
      model: gateway('chat'),
      prompt: 'hi',
      maxRetries: 0,
      tools: { lookup: tool({ inputSchema: jsonSchema<{ q: string }>({ type: 'object', properties: { q: { type: 'string' } }, required: ['q'] }) }) },
    });
    const calls = await result.toolCalls;
    expect(calls.map((c) => [c.toolName, c.input])).toEqual([['lookup', { q: 'paris' }]]);
    expect(fake.upstream.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/messages']);
  });

  it('works as an AI SDK middleware through wrapLanguageModel', async () => {
    const clock = manualClock();
    const gateway = createGateway({ clock });
    const model = wrapLanguageModel({ model: fake.openai.chat('gpt-4o-mini'), middleware: asMiddleware(gateway) });
    fake.upstream.script({ error: { status: 502 } }, { text: 'through middleware' });
    const result = await generateText({ model, prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('through middleware');
    expect(clock.sleeps).toHaveLength(1);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, milliseconds and HTTP dates', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter({ 'Retry-After': '3' }, now)).toBe(3000);
    expect(parseRetryAfter({ 'retry-after-ms': '250' }, now)).toBe(250);
    expect(parseRetryAfter({ 'retry-after': new Date(now + 90_000).toUTCString() }, now)).toBe(90_000);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
