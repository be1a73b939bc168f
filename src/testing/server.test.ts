import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IncontextError } from '../core/index.js';
import { countFakeTokens, fakeEmbedding, startFakeUpstream, type FakeUpstream } from './index.js';

let upstream: FakeUpstream;

beforeAll(async () => {
  upstream = await startFakeUpstream({ models: ['m-one', 'm-two'] });
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.reset();
  upstream.setHandler(undefined);
});

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${upstream.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const chat = (content: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content }],
  ...extra,
});

/** Split an SSE body into its events as `{ event, data }`. */
function sseEvents(text: string): { event: string | undefined; data: string }[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? '';
      return { event, data };
    });
}

describe('recording', () => {
  it('records method, path, query, parsed body and redacts credentials', async () => {
    await post('/v1/chat/completions?trace=1', chat('hello'), { authorization: 'Bearer secret-123', 'x-custom': 'yes' });
    await post('/v1/messages', { model: 'c', max_tokens: 5, messages: [] }, { 'x-api-key': 'secret-456' });
    await fetch(`${upstream.url}/v1/models`);
    const [first, second, third] = upstream.requests;
    expect(first).toMatchObject({
      index: 0,
      method: 'POST',
      path: '/v1/chat/completions',
      query: { trace: '1' },
      endpoint: 'openai.chat',
      hasAuth: true,
      stream: false,
      body: chat('hello'),
    });
    expect(first?.headers['authorization']).toBe('[redacted]');
    expect(first?.headers['x-custom']).toBe('yes');
    expect(second?.headers['x-api-key']).toBe('[redacted]');
    expect(second?.hasAuth).toBe(true);
    expect(third).toMatchObject({ method: 'GET', endpoint: 'openai.models', hasAuth: false, body: undefined });
    expect(JSON.stringify(upstream.requests)).not.toMatch(/secret-/);
  });

  it('answers unknown routes with 404 and a hint about the base URL', async () => {
    const response = await post('/chat/completions', chat('x'));
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toContain('openaiBaseURL');
    expect(upstream.requests[0]?.endpoint).toBeUndefined();
  });

  it('rejects a generation request without a model with 400', async () => {
    const response = await post('/v1/chat/completions', { messages: [] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});

describe('script, handler and echo', () => {
  it('consumes items in order, then falls back to the echo reply', async () => {
    upstream.script({ text: 'first' }, { text: 'second' });
    expect(upstream.pending).toBe(2);
    const texts = [];
    for (const prompt of ['a', 'b', 'the third prompt']) {
      const body = (await (await post('/v1/chat/completions', chat(prompt))).json()) as {
        choices: { message: { content: string } }[];
      };
      texts.push(body.choices[0]?.message.content);
    }
    expect(texts).toEqual(['first', 'second', 'echo: the third prompt']);
    expect(upstream.pending).toBe(0);
  });

  it('keeps generation items away from embeddings unless aimed there with `on`', async () => {
    upstream.script({ text: 'for chat' }, { error: { status: 503 }, on: 'openai.embeddings' });
    const failed = await post('/v1/embeddings', { model: 'e', input: 'x' });
    expect(failed.status).toBe(503);
    const ok = await post('/v1/embeddings', { model: 'e', input: 'x' });
    expect(ok.status).toBe(200);
    const reply = (await (await post('/v1/chat/completions', chat('q'))).json()) as {
      choices: { message: { content: string } }[];
    };
    expect(reply.choices[0]?.message.content).toBe('for chat');
  });

  it('asks the handler when the script is empty, and reports a throwing handler as a 500', async () => {
    upstream.setHandler((request) => {
      const text = JSON.stringify(request.body);
      if (text.includes('boom')) throw new Error('handler exploded');
      return text.includes('capital') ? { text: 'Paris' } : undefined;
    });
    const paris = (await (await post('/v1/chat/completions', chat('the capital?'))).json()) as {
      choices: { message: { content: string } }[];
    };
    expect(paris.choices[0]?.message.content).toBe('Paris');
    const echo = (await (await post('/v1/chat/completions', chat('other'))).json()) as {
      choices: { message: { content: string } }[];
    };
    expect(echo.choices[0]?.message.content).toBe('echo: other');
    const boom = await post('/v1/chat/completions', chat('boom'));
    expect(boom.status).toBe(500);
    expect(((await boom.json()) as { error: { message: string } }).error.message).toContain('handler exploded');
  });

  it('checks the API key when one is configured, in each protocol’s error shape', async () => {
    const guarded = await startFakeUpstream({ apiKey: 'right' });
    try {
      const wrong = await fetch(`${guarded.openaiBaseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer wrong' },
        body: JSON.stringify(chat('x')),
      });
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
      const anthropic = await fetch(`${guarded.url}/v1/messages`, { method: 'POST', body: '{}' });
      expect(anthropic.status).toBe(401);
      expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      const right = await fetch(`${guarded.openaiBaseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer right' },
        body: JSON.stringify(chat('x')),
      });
      expect(right.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

describe('wire framing', () => {
  it('streams chat chunks as data lines ending with [DONE], usage only when asked', async () => {
    upstream.script({ text: 'x y', usage: { inputTokens: 5 } });
    const text = await (await post('/v1/chat/completions', chat('q', { stream: true, stream_options: { include_usage: true } }))).text();
    const events = sseEvents(text);
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(events.every((e) => e.event === undefined)).toBe(true);
    const usage = JSON.parse(events.at(-2)?.data ?? '{}') as { choices: unknown[]; usage: Record<string, number> };
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
  });

  it('streams Anthropic events with event names, a ping and usage in message_delta', async () => {
    upstream.script({ text: 'hi there' });
    const response = await post('/v1/messages', {
      model: 'c',
      max_tokens: 10,
      stream: true,
      system: [{ type: 'text', text: 'sys prompt' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'three word prompt' }] }],
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    const events = sseEvents(await response.text());
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const e of events) expect((JSON.parse(e.data) as { type: string }).type).toBe(e.event);
    const start = JSON.parse(events[0]?.data ?? '{}') as { message: { usage: { input_tokens: number } } };
    expect(start.message.usage.input_tokens).toBe(countFakeTokens('sys prompt three word prompt'));
    expect(JSON.parse(events[6]?.data ?? '{}')).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { output_tokens: 2 },
    });
  });

  it('numbers Responses API events in sequence', async () => {
    const text = await (await post('/v1/responses', { model: 'm', input: 'hello', stream: true })).text();
    const events = sseEvents(text).map((e) => JSON.parse(e.data) as { type: string; sequence_number: number });
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.filter((e) => e.type === 'response.output_text.delta')).toHaveLength(2);
  });

  it('sends an invalid JSON body for malformed json, and a broken first event when streaming', async () => {
    upstream.script({ malformed: 'json' }, { malformed: 'json' });
    const body = await (await post('/v1/chat/completions', chat('q'))).text();
    expect(() => JSON.parse(body) as unknown).toThrow();
    const stream = sseEvents(await (await post('/v1/chat/completions', chat('q', { stream: true }))).text());
    expect(() => JSON.parse(stream[0]?.data ?? '') as unknown).toThrow();
    expect(stream.at(-1)?.data).toBe('[DONE]');
  });

  it('destroys the socket before answering a non-streaming reset', async () => {
    upstream.script({ resetAfterChunks: 0 });
    await expect(post('/v1/chat/completions', chat('q'))).rejects.toThrow(/fetch failed/);
  });
});

describe('embeddings and models', () => {
  const embedding = async (input: unknown, extra: Record<string, unknown> = {}): Promise<number[][]> => {
    const body = (await (await post('/v1/embeddings', { model: 'e', input, ...extra })).json()) as {
      data: { embedding: number[] }[];
    };
    return body.data.map((d) => d.embedding);
  };
  const cosine = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0);

  it('is deterministic, unit length, and similar for texts that share words', async () => {
    const [a, b, c] = await embedding(['the cat sat on the mat', 'a cat on a mat', 'quantum chromodynamics']);
    const [again] = await embedding('the cat sat on the mat');
    expect(again).toEqual(a);
    expect(a).toEqual(fakeEmbedding('the cat sat on the mat', 1536));
    expect(cosine(a ?? [], a ?? [])).toBeCloseTo(1, 9);
    expect(cosine(a ?? [], b ?? [])).toBeGreaterThan(cosine(a ?? [], c ?? []));
    expect(cosine(a ?? [], b ?? [])).toBeGreaterThan(0.3);
  });

  it('honours dimensions and base64 float32 encoding, and gives texts without words a vector', async () => {
    const [floats] = await embedding('???', { dimensions: 16 });
    expect(floats).toHaveLength(16);
    expect(cosine(floats ?? [], floats ?? [])).toBeCloseTo(1, 9);
    const response = (await (
      await post('/v1/embeddings', { model: 'e', input: '???', dimensions: 16, encoding_format: 'base64' })
    ).json()) as { data: { embedding: string }[] };
    const bytes = Buffer.from(response.data[0]?.embedding ?? '', 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    decoded.forEach((v, i) => expect(v).toBeCloseTo(floats?.[i] ?? NaN, 6));
  });

  it('rejects a missing or empty input with 400', async () => {
    expect((await post('/v1/embeddings', { model: 'e' })).status).toBe(400);
    expect((await post('/v1/embeddings', { model: 'e', input: [] })).status).toBe(400);
  });

  it('lists the configured models in the shape of the asking SDK', async () => {
    const openai = (await (await fetch(`${upstream.openaiBaseURL}/models`)).json()) as { data: { id: string }[] };
    expect(openai.data.map((m) => m.id)).toEqual(['m-one', 'm-two']);
    const anthropic = (await (
      await fetch(`${upstream.url}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } })
    ).json()) as { data: { type: string }[]; has_more: boolean };
    expect(anthropic.has_more).toBe(false);
    expect(anthropic.data[0]?.type).toBe('model');
  });
});

describe('lifecycle', () => {
  it('closes promptly with delayed and hung requests open, failing them', async () => {
    const own = await startFakeUpstream();
    own.script({ delayMs: 600_000 }, { hang: true });
    const send = (prompt: string): Promise<unknown> =>
      fetch(`${own.openaiBaseURL}/chat/completions`, { method: 'POST', body: JSON.stringify(chat(prompt)) }).catch(
        (e: unknown) => e,
      );
    const delayed = send('a');
    const hung = send('b');
    await vi.waitFor(() => expect(own.inFlight).toBe(2));
    await own.close();
    expect(own.inFlight).toBe(0);
    expect(await delayed).toBeInstanceOf(TypeError);
    expect(await hung).toBeInstanceOf(TypeError);
  });

  it('answers after a delay item with the echo reply', async () => {
    upstream.script({ delayMs: 20 });
    const body = (await (await post('/v1/chat/completions', chat('later'))).json()) as {
      choices: { message: { content: string } }[];
    };
    expect(body.choices[0]?.message.content).toBe('echo: later');
  });

  it('fails with an IncontextError naming the port when it is taken', async () => {
    const error = await startFakeUpstream({ port: upstream.port }).catch((e: unknown) => e);
    expect(IncontextError.isInstance(error)).toBe(true);
    expect((error as IncontextError).input?.key).toBe('port');
    expect((error as IncontextError).hint).toMatch(/port: 0/);
  });
});
