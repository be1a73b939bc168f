import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, type LanguageModelV4, type LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream, type ReplyItem } from '../testing/index.js';
import { leanOpenAIChat } from './openai-lean.js';

let upstream: FakeUpstream;
let sdk: LanguageModelV4;
let lean: LanguageModelV4;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  sdk = createOpenAI({ baseURL: upstream.openaiBaseURL, apiKey: 'test-key' }).chat('gpt-4o-mini');
  lean = leanOpenAIChat(sdk);
});
afterAll(() => upstream.close());
beforeEach(() => upstream.reset());

const call = (extra: Partial<LanguageModelV4CallOptions> = {}): LanguageModelV4CallOptions => ({
  prompt: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'What is the capital of France?' }] },
  ],
  maxOutputTokens: 64,
  temperature: 0,
  seed: 7,
  stopSequences: ['\n\n'],
  ...extra,
});

/** The same reply through both transports; returns both results or both errors, and both request bodies. */
async function both(reply: ReplyItem, options = call()) {
  const run = async (m: LanguageModelV4) => {
    upstream.reset();
    upstream.script(reply);
    const out = await m.doGenerate(options).then(
      (r) => ({ ok: true as const, r }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    return { out, body: upstream.requests[0]?.body, headers: upstream.requests[0]?.headers };
  };
  return { viaSdk: await run(sdk), viaLean: await run(lean) };
}

/** What callers read of a result; the fake upstream's per-response id and clock are not compared. */
function visible(r: Awaited<ReturnType<LanguageModelV4['doGenerate']>>) {
  const { id: _id, created: _created, ...body } = r.response?.body as Record<string, unknown>;
  return {
    content: r.content,
    finishReason: r.finishReason,
    usage: { inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens },
    warnings: r.warnings,
    request: r.request?.body,
    response: { id: typeof r.response?.id, modelId: r.response?.modelId, timestamp: r.response?.timestamp instanceof Date, body },
    providerMetadata: r.providerMetadata,
  };
}

describe('leanOpenAIChat: the SDK chat model on node:http', () => {
  it('takes the lean path for an @ai-sdk/openai chat model and keeps the model identity', () => {
    expect(lean).not.toBe(sdk);
    expect(lean.provider).toBe(sdk.provider);
    expect(lean.modelId).toBe('gpt-4o-mini');
    // A model that is not the SDK's chat model (here: already wrapped) is returned unchanged.
    expect(leanOpenAIChat(lean)).toBe(lean);
  });

  it('sends the same request body and headers as the SDK and returns the same result for text', async () => {
    const { viaSdk, viaLean } = await both({ text: 'Paris.', usage: { inputTokens: 12, outputTokens: 2 } });
    expect(viaLean.body).toEqual(viaSdk.body);
    expect(viaLean.headers?.['content-type']).toBe('application/json');
    expect(viaLean.headers?.['user-agent']).toBe(viaSdk.headers?.['user-agent']);
    expect(viaLean.headers?.authorization).toBe('[redacted]');
    expect(viaSdk.out.ok && viaLean.out.ok).toBe(true);
    if (!viaSdk.out.ok || !viaLean.out.ok) return;
    expect(visible(viaLean.out.r)).toEqual(visible(viaSdk.out.r));
    expect(viaLean.out.r.content).toEqual([{ type: 'text', text: 'Paris.' }]);
    expect(viaLean.out.r.usage.inputTokens.total).toBe(12);
  });

  it('maps tool calls, tools and response format like the SDK', async () => {
    const options = call({
      tools: [{ type: 'function', name: 'weather', description: 'Weather for a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
      toolChoice: { type: 'required' },
    });
    const { viaSdk, viaLean } = await both({ toolCalls: [{ name: 'weather', arguments: { city: 'Paris' }, id: 'call_1' }] }, options);
    expect(viaLean.body).toEqual(viaSdk.body);
    if (!viaSdk.out.ok || !viaLean.out.ok) throw new Error('expected answers');
    expect(visible(viaLean.out.r)).toEqual(visible(viaSdk.out.r));
    expect(viaLean.out.r.finishReason.unified).toBe('tool-calls');

    const json = call({ responseFormat: { type: 'json', schema: { type: 'object', properties: { a: { type: 'number' } } }, name: 'answer' } });
    const formatted = await both({ text: '{"a":1}' }, json);
    expect(formatted.viaLean.body).toEqual(formatted.viaSdk.body);
  });

  it.each<[string, ReplyItem]>([
    ['a 500 with an OpenAI error body', { error: { status: 500, message: 'upstream broke' } }],
    ['a 429 with Retry-After', { error: { status: 429, retryAfter: 3, message: 'slow down' } }],
    ['a 400 whose body is not JSON', { error: { status: 400, body: 'bad things' } }],
    ['a 200 whose body is not JSON', { malformed: 'json' }],
  ])('fails like the SDK on %s', async (_name, reply) => {
    const { viaSdk, viaLean } = await both(reply);
    expect(viaSdk.out.ok || viaLean.out.ok).toBe(false);
    if (viaSdk.out.ok || viaLean.out.ok) return;
    const [a, b] = [viaSdk.out.e, viaLean.out.e];
    expect(APICallError.isInstance(b)).toBe(true);
    if (!APICallError.isInstance(a) || !APICallError.isInstance(b)) return;
    expect({ message: b.message, status: b.statusCode, retryable: b.isRetryable, body: b.responseBody, retryAfter: b.responseHeaders?.['retry-after'] }).toEqual({
      message: a.message,
      status: a.statusCode,
      retryable: a.isRetryable,
      body: a.responseBody,
      retryAfter: a.responseHeaders?.['retry-after'],
    });
  });

  it('reports a dropped connection as a retryable APICallError, and an abort as the abort', async () => {
    upstream.script({ resetAfterChunks: 0 });
    const reset = await Promise.resolve(lean.doGenerate(call())).catch((e: unknown) => e);
    expect(APICallError.isInstance(reset) && reset.isRetryable).toBe(true);
    expect((reset as Error).message).toMatch(/^Cannot connect to API: /);

    upstream.script({ hang: true });
    const controller = new AbortController();
    const pending = Promise.resolve(lean.doGenerate(call({ abortSignal: controller.signal }))).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 50);
    const aborted = (await pending) as Error;
    expect(aborted.name).toBe('AbortError');
    expect(APICallError.isInstance(aborted)).toBe(false);

    const timeout = await Promise.resolve(lean.doGenerate(call({ abortSignal: AbortSignal.abort(new DOMException('late', 'TimeoutError')) }))).catch((e: unknown) => e);
    expect((timeout as Error).name).toBe('TimeoutError');
  });

  it('streams too (compared part by part with the SDK in openai-lean-stream.test.ts)', async () => {
    upstream.script({ text: 'Streamed answer.' });
    const { stream } = await lean.doStream(call());
    let text = '';
    for await (const part of stream as unknown as AsyncIterable<{ type: string; delta?: string }>) if (part.type === 'text-delta') text += part.delta ?? '';
    expect(text).toBe('Streamed answer.');
    expect((upstream.requests[0]?.body as { stream?: boolean }).stream).toBe(true);
  });
});
