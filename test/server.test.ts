import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incontext } from '../src/app/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { startFakeUpstream, type FakeUpstream } from '../src/testing/index.js';
import { CORPUS, openTemp, writeTree } from './helpers.js';

let ic: Incontext;
let server: RunningServer;
let upstream: FakeUpstream;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  // The env a user would set to reach OpenAI; here it points at the fake upstream.
  const t = openTemp({ server: { port: 0, maxBodyBytes: 64 * 1024 } }, { env: { OPENAI_API_KEY: 'sk-test-key-123456', OPENAI_BASE_URL: upstream.openaiBaseURL } });
  ic = t.ic;
  writeTree(join(t.cwd, 'c'), CORPUS);
  await ic.ingest([join(t.cwd, 'c')]);
  server = await startServer(ic, { port: 0 });
});

afterAll(async () => {
  await server?.close();
  await ic?.close();
  await upstream?.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('OpenAI-compatible /v1 with the official openai client', () => {
  it('streams an incontext-rag answer with citations', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused' });
    const stream = await client.chat.completions.create({
      model: 'incontext-rag',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'In which year did William the Conqueror invade England?' }],
    });
    let text = '';
    let chunks = 0;
    let usage: unknown;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toMatch(/1066/);
    expect(text).toMatch(/\[\d\]/);
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
  });

  it('answers non-streamed with a citations field', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused' });
    const r = await client.chat.completions.create({ model: 'incontext-rag', messages: [{ role: 'user', content: 'What does the borrow checker enforce?' }] });
    expect(r.choices[0]?.message.content).toMatch(/references|borrow/i);
    const citations = (r as unknown as { citations: Array<{ source: string }> }).citations;
    expect(citations[0]?.source).toMatch(/rust\.md$/);
  });

  it('passes other models to the configured provider, streaming through the real AI SDK provider', async () => {
    upstream.script({ text: 'Hello from the upstream model.' });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused' });
    const stream = await client.chat.completions.create({ model: 'openai:gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }], temperature: 0.2, max_tokens: 50 });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the upstream model.');
    const sent = upstream.requests.at(-1);
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, max_tokens: 50 });
  });

  const weatherTool = {
    type: 'function' as const,
    function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  };

  it('passes tools, tool_choice and JSON schema through and returns tool calls, then sends the tool result back', async () => {
    upstream.script({ toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused' });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const r = await client.chat.completions.create({ model: 'openai:gpt-4o-mini', messages, tools: [weatherTool], tool_choice: 'required', seed: 7, stop: ['END'] });
    const choice = r.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
    expect(upstream.requests.at(-1)?.body).toMatchObject({ tools: [{ type: 'function', function: { name: 'get_weather' } }], tool_choice: 'required', seed: 7, stop: ['END'] });

    upstream.script({ text: '{"sky":"sunny"}' });
    messages.push(choice.message, { role: 'tool', tool_call_id: 'call_1', content: '{"sky":"sunny"}' });
    const second = await client.chat.completions.create({ model: 'openai:gpt-4o-mini', messages, tools: [weatherTool], response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object', properties: { sky: { type: 'string' } } } } } });
    expect(JSON.parse(second.choices[0]!.message.content!)).toEqual({ sky: 'sunny' });
    const sent = upstream.requests.at(-1)?.body as { messages: Array<{ role: string; tool_call_id?: string; content?: unknown; tool_calls?: unknown }>; response_format?: unknown };
    expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(sent.messages[2]).toMatchObject({ tool_call_id: 'call_1', content: '{"sky":"sunny"}' });
    expect(sent.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'w' } });
  });

  it('validates a JSON-schema answer: re-asks with the error, then refuses an answer that never fits', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const response_format = { type: 'json_schema' as const, json_schema: { name: 'w', schema: { type: 'object', properties: { sky: { type: 'string' } }, required: ['sky'] } } };
    upstream.reset();
    upstream.script({ text: '{"weather": 1}' }, { text: '{"sky": "sunny"}' });
    const r = await client.chat.completions.create({ model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'Sky over Paris?' }], response_format });
    expect(JSON.parse(r.choices[0]!.message.content!)).toEqual({ sky: 'sunny' });
    expect(upstream.requests).toHaveLength(2);
    expect(JSON.stringify(upstream.requests[1]!.body)).toMatch(/sky/);
    upstream.reset();
    upstream.setHandler(() => ({ text: 'no JSON here at all' }));
    const err = await client.chat.completions.create({ model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'Sky?' }], response_format }).catch((e: unknown) => e);
    upstream.setHandler(undefined);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBeGreaterThanOrEqual(400);
  });

  it('validates a streamed JSON-schema answer before its first token: re-asks, streams the valid answer, or ends in one error chunk', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const response_format = { type: 'json_schema' as const, json_schema: { name: 'w', schema: { type: 'object', properties: { sky: { type: 'string' } }, required: ['sky'] } } };
    const collect = async () => {
      const stream = await client.chat.completions.create({ model: 'openai:gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Sky over Paris?' }], response_format });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    };
    upstream.reset();
    upstream.script({ text: '{"weather": 1}' }, { text: '{"sky": "sunny"}' });
    expect(JSON.parse(await collect())).toEqual({ sky: 'sunny' });
    expect(upstream.requests).toHaveLength(2);
    // The invalid first answer never reached the client: only the second one was streamed.
    upstream.reset();
    upstream.setHandler(() => ({ text: 'no JSON here at all' }));
    const err = await collect().catch((e: unknown) => e);
    upstream.setHandler(undefined);
    expect(String(err)).toMatch(/validation/i);
  });

  it('streams tool calls in OpenAI chunk shape', async () => {
    upstream.script({ toolCalls: [{ id: 'call_9', name: 'get_weather', arguments: { city: 'Oslo' } }] });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused' });
    const stream = await client.chat.completions.create({ model: 'openai:gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools: [weatherTool] });
    let args = '';
    let name = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      const d = chunk.choices[0];
      for (const t of d?.delta.tool_calls ?? []) {
        name += t.function?.name ?? '';
        args += t.function?.arguments ?? '';
      }
      finish = d?.finish_reason ?? finish;
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ city: 'Oslo' });
    expect(finish).toBe('tool_calls');
  });

  it('names the bad field when a tool message answers no earlier call', async () => {
    const r = await post('/v1/chat/completions', { model: 'openai:gpt-4o-mini', messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { param: string } }).error.param).toBe('messages.0.tool_call_id');
  });

  it('returns an OpenAI-shaped error stream when the upstream fails mid-way, and never hangs', async () => {
    upstream.script({ error: { status: 500 } }, { error: { status: 500 } }, { error: { status: 500 } });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(r).toBeInstanceOf(OpenAI.APIError);
    expect((r as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });

  it('stops the upstream call when the client goes away in the middle of a stream', async () => {
    upstream.reset();
    upstream.script({ text: 'word '.repeat(400), chunkDelayMs: 10 });
    const ac = new AbortController();
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai:gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Talk for a long time.' }] }),
      signal: ac.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^data: \{/);
    ac.abort();
    // The answer would take 4 s; the call's llm span ends as an error soon after the hang-up.
    await expect
      .poll(
        async () => {
          await ic.flushTraces();
          const { traces } = await ic.traces.listTraces(ic.config.project, { limit: 1 });
          return traces[0]?.status;
        },
        { timeout: 2500, interval: 100 },
      )
      .toBe('error');
  });

  it('embeds with the configured embedder and lists models', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused' });
    const e = await client.embeddings.create({ model: 'local', input: ['hello world', 'second'] });
    expect(e.data).toHaveLength(2);
    expect(e.data[0]?.embedding.length).toBe(384);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('incontext-rag');
  });
});

describe('native /api', () => {
  it('searches', async () => {
    const r = await post('/api/search', { query: 'chlorophyll absorbs light', k: 2 });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { hits: Array<{ source: string; score: number; chunkId: string; documentId: string; text: string }> };
    expect(body.hits).toHaveLength(2);
    expect(body.hits[0]).toMatchObject({ source: expect.stringMatching(/photosynthesis\.txt$/), chunkId: expect.any(String), documentId: expect.any(String) });
  });

  it('streams /api/ask as named SSE parts', async () => {
    const r = await post('/api/ask', { question: 'How tall is Mount Everest?' }, { accept: 'text/event-stream' });
    expect(r.headers.get('content-type')).toMatch(/text\/event-stream/);
    const raw = await r.text();
    const events = [...raw.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    expect(events[0]).toBe('hit');
    expect(events).toContain('text-delta');
    expect(events).toContain('citation');
    expect(events.at(-1)).toBe('done');
    expect(raw).toMatch(/8849/);
  });

  it('explains without calling the model', async () => {
    const before = upstream.requests.length;
    const r = await post('/api/ask', { question: 'What is ownership?', explain: true, model: 'openai:gpt-4o' });
    const x = (await r.json()) as { messages: Array<{ role: string; content: string }>; inputTokens: number; estimatedCostUsd: number };
    expect(x.messages[0]?.role).toBe('system');
    expect(x.inputTokens).toBeGreaterThan(0);
    expect(x.estimatedCostUsd).toBeGreaterThan(0);
    expect(upstream.requests.length).toBe(before);
  });

  it('ingests JSON text and multipart uploads, lists and deletes documents', async () => {
    const r = await post('/api/ingest', { text: '# Tea\n\nGreen tea is made from unoxidised leaves of Camellia sinensis.', source: 'tea.md' });
    expect(r.status).toBe(200);
    const form = new FormData();
    form.append('file', new Blob(['Coffee beans are roasted seeds of the Coffea plant.']), 'coffee.txt');
    form.append('file', new Blob([new Uint8Array([0, 1, 2, 3, 0, 0, 255, 254])]), 'evil.txt');
    const up = await fetch(server.url + '/api/ingest', { method: 'POST', body: form });
    const upBody = (await up.json()) as { ingested: number; failed: number; results: Array<{ source: string; error?: { code: string } }> };
    expect(upBody.ingested).toBe(1);
    expect(upBody.failed).toBe(1);
    expect(upBody.results.map((x) => x.source)).toEqual(['upload/coffee.txt', 'upload/evil.txt']);
    expect(upBody.results[1]?.error?.code).toBe('FILE_BINARY');
    const list = (await (await fetch(server.url + '/api/documents')).json()) as { documents: Array<{ id: string; source: string }> };
    const tea = list.documents.find((d) => d.source === 'api/tea.md');
    expect(tea).toBeDefined();
    const del = await fetch(`${server.url}/api/documents/${tea?.id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    const again = await fetch(`${server.url}/api/documents/${tea?.id}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('rejects malformed requests with a clear error', async () => {
    const bad = await post('/api/search', '{"query": ');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; hint: string } }).error).toMatchObject({ code: 'BAD_REQUEST', hint: expect.any(String) });
    const unknown = await post('/api/search', { query: 'x', limit: 3 });
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/limit/);
    const wrongType = await post('/api/ask', { question: 42 });
    expect(((await wrongType.json()) as { error: { message: string } }).error.message).toMatch(/question/);
    const big = await post('/api/ingest', { text: 'x'.repeat(100_000), source: 'big.txt' });
    expect(big.status).toBe(413);
    const project = await post('/api/search', { query: 'x' }, { 'x-incontext-project': '../etc' });
    expect(project.status).toBe(400);
  });

  it('serves /healthz, /openapi.json and the page', async () => {
    expect(((await (await fetch(server.url + '/healthz')).json()) as { ok: boolean }).ok).toBe(true);
    const doc = (await (await fetch(server.url + '/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/ask', '/v1/chat/completions']));
    const page = await (await fetch(server.url + '/')).text();
    expect(page).toContain('<form');
  });
});
