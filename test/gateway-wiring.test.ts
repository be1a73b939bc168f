/**
 * The gateway, cache and traces in the request path: every ask and every `/v1`
 * pass-through call goes through the same stack, against the fake upstream.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../src/config/index.js';
import type { Incontext } from '../src/app/index.js';
import { createServerApp } from '../src/server/index.js';
import type { SpanNode } from '../src/trace/index.js';
import { startFakeUpstream, type FakeUpstream } from '../src/testing/index.js';
import { CORPUS, openTemp, writeTree } from './helpers.js';

let upstream: FakeUpstream;
const open: Incontext[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterEach(() => upstream.reset());
afterAll(async () => {
  await Promise.all(open.map((ic) => ic.close()));
  await upstream?.close();
});

async function setup(config: ConfigInput = {}, ingest = true): Promise<{ ic: Incontext; cwd: string }> {
  const t = openTemp(
    { ...config, gateway: { retry: { maxAttempts: 2 }, ...config.gateway } },
    { env: { OPENAI_API_KEY: 'sk-test-openai-0001', OPENAI_BASE_URL: upstream.openaiBaseURL } },
  );
  open.push(t.ic);
  if (ingest) {
    writeTree(join(t.cwd, 'c'), CORPUS);
    await t.ic.ingest([join(t.cwd, 'c')]);
  }
  return t;
}

/** Every span of the newest trace, depth first. */
async function lastTrace(ic: Incontext, project = 'default'): Promise<SpanNode[]> {
  await ic.flushTraces();
  const { traces } = await ic.traces.listTraces(project, { limit: 1 });
  const id = traces[0]?.traceId;
  if (!id) return [];
  const flat: SpanNode[] = [];
  const walk = (nodes: SpanNode[]) => nodes.forEach((n) => (flat.push(n), walk(n.children)));
  walk(await ic.traces.getTrace(project, id));
  return flat;
}

const chat = (app: ReturnType<typeof createServerApp>, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('retries and fallback in the ask path', () => {
  it('retries a 500, answers, and records both provider attempts under the llm span', async () => {
    const { ic } = await setup();
    upstream.script({ error: { status: 500 } }, { text: 'Photosynthesis happens in chloroplasts [1].' });
    const a = await ic.ask('Where does photosynthesis happen?', { model: 'openai:gpt-4o-mini' });
    expect(a.answer).toBe('Photosynthesis happens in chloroplasts [1].');
    expect(upstream.requests).toHaveLength(2);
    const spans = await lastTrace(ic);
    const llm = spans.find((s) => s.kind === 'llm');
    const attempts = spans.filter((s) => s.kind === 'llm.attempt');
    expect(attempts.map((s) => s.status)).toEqual(['error', 'ok']);
    expect(attempts.every((s) => s.parentId === llm?.spanId)).toBe(true);
    expect(attempts[0]!.attributes.httpStatus).toBe(500);
    expect(spans.some((s) => s.kind === 'route')).toBe(true);
  });

  it('falls back through an alias to the local model when the provider keeps failing, and says who answered', async () => {
    const { ic } = await setup({ gateway: { aliases: { smart: ['openai:gpt-4o-mini', 'local'] } } });
    upstream.setHandler(() => ({ error: { status: 503 } }));
    const a = await ic.ask('When did William invade England?', { model: 'smart' });
    upstream.setHandler(undefined);
    expect(a.answer).toMatch(/1066/);
    const spans = await lastTrace(ic);
    const llm = spans.find((s) => s.kind === 'llm');
    expect(llm?.attributes.answeredBy).toBe('local:extractive');
    expect(spans.some((s) => s.name === 'fallback')).toBe(true);
    expect(spans.filter((s) => s.kind === 'llm.attempt' && s.attributes.model === 'openai:gpt-4o-mini')).toHaveLength(2);
  });

  it('a typo in the model spec fails before retrieval, naming the model', async () => {
    const { ic } = await setup({}, false);
    await expect(ic.ask('anything', { model: 'nosuch:model' })).rejects.toThrow(/nosuch/);
  });
});

describe('cascade from the config', () => {
  it('answers with the cheap tier, escalates when it abstains, and records which tier answered', async () => {
    const { ic } = await setup({
      gateway: { rules: [{ name: 'auto', when: { model: 'auto' }, cascade: { tiers: ['openai:gpt-4o-mini', 'openai:gpt-4o'], verify: ['answered'] } }] },
    });
    upstream.setHandler((req) => ({ text: (req.body as { model: string }).model === 'gpt-4o-mini' ? "I don't know: the documents don't contain the answer." : 'In 1066 [1].' }));
    const a = await ic.ask('When did William invade England?', { model: 'auto' });
    upstream.setHandler(undefined);
    expect(a.answer).toBe('In 1066 [1].');
    expect(upstream.requests.map((r) => (r.body as { model: string }).model)).toEqual(['gpt-4o-mini', 'gpt-4o']);
    const spans = await lastTrace(ic);
    expect(spans.find((s) => s.kind === 'llm')?.attributes.answeredBy).toBe('openai:gpt-4o');
    expect(spans.filter((s) => s.name.startsWith('cascade tier')).map((s) => s.attributes.passed)).toEqual([false, true]);
  });

  it('verify: judge asks the configured judge model; its FAIL escalates, and every call is an attempt span', async () => {
    const { ic } = await setup({
      gateway: { rules: [{ name: 'auto', when: { model: 'auto' }, cascade: { tiers: ['openai:gpt-4o-mini', 'openai:gpt-4o'], verify: ['answered', 'judge'], judge: 'openai:gpt-4.1-nano' } }] },
    });
    upstream.setHandler((req) => {
      const model = (req.body as { model: string }).model;
      return { text: model === 'gpt-4o-mini' ? 'William invaded in 1067 [1].' : model === 'gpt-4.1-nano' ? 'FAIL: the passage says 1066.' : 'In 1066 [1].' };
    });
    const a = await ic.ask('When did William invade England?', { model: 'auto' });
    upstream.setHandler(undefined);
    expect(a.answer).toBe('In 1066 [1].');
    expect(upstream.requests.map((r) => (r.body as { model: string }).model)).toEqual(['gpt-4o-mini', 'gpt-4.1-nano', 'gpt-4o']);
    const spans = await lastTrace(ic);
    expect(spans.filter((s) => s.kind === 'llm.attempt').map((s) => s.attributes.model)).toEqual(['openai:gpt-4o-mini', 'openai:gpt-4.1-nano', 'openai:gpt-4o']);
    expect(spans.find((s) => s.name === 'cascade tier 0')?.attributes).toMatchObject({ passed: false, reason: expect.stringMatching(/^judge: FAIL/) });
    expect(spans.find((s) => s.kind === 'llm')?.attributes.answeredBy).toBe('openai:gpt-4o');
  });
});

describe('/v1 pass-through goes through the same stack', () => {
  it('is traced with project, tokens and cost', async () => {
    const { ic } = await setup({}, false);
    const app = createServerApp(ic);
    upstream.script({ text: 'Hello there.', usage: { inputTokens: 12, outputTokens: 3 } });
    const res = await chat(app, { model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] }, { 'x-incontext-project': 'acme' });
    expect(res.status).toBe(200);
    await ic.flushTraces();
    const { traces } = await ic.traces.listTraces('acme', { limit: 5 });
    expect(traces).toHaveLength(1);
    const spans = await ic.traces.getTrace('acme', traces[0]!.traceId);
    const llm = spans[0]!;
    expect(llm.kind).toBe('llm');
    expect(llm.attributes).toMatchObject({ inputTokens: 12, outputTokens: 3, answeredBy: 'openai:gpt-4o-mini' });
    expect(llm.attributes.costUsd).toBeGreaterThan(0);
    expect(llm.children.filter((s) => s.kind === 'llm.attempt')).toHaveLength(1);
  });

  it('refuses past the rate limit with 429 and Retry-After, without calling the provider', async () => {
    const { ic } = await setup({ gateway: { rateLimit: { perProject: { requestsPerMinute: 2 } } } }, false);
    const app = createServerApp(ic);
    const body = { model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
    expect((await chat(app, body)).status).toBe(200);
    expect((await chat(app, body)).status).toBe(200);
    const refused = await chat(app, body);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect(upstream.requests).toHaveLength(2);
    // Another project has its own bucket.
    expect((await chat(app, body, { 'x-incontext-project': 'other' })).status).toBe(200);
  });

  it('keeps concurrent calls within the budget (402 past it), never overspending by more than one reservation', async () => {
    const dailyUsd = 0.002;
    const { ic } = await setup({ gateway: { budget: { perProject: { dailyUsd } } } }, false);
    const app = createServerApp(ic);
    upstream.setHandler(() => ({ text: 'ok', usage: { inputTokens: 400, outputTokens: 200 }, delayMs: 5 }));
    // gpt-4o-mini: $0.15 / $0.60 per Mtok; reservation = input + 1000 max output tokens ≈ $0.0006.
    const body = { model: 'openai:gpt-4o-mini', max_tokens: 1000, messages: [{ role: 'user', content: 'count to three '.repeat(20) }] };
    const res = await Promise.all(Array.from({ length: 20 }, () => chat(app, body)));
    upstream.setHandler(undefined);
    const ok = res.filter((r) => r.status === 200).length;
    const refused = res.filter((r) => r.status === 402);
    expect(ok + refused.length).toBe(20);
    expect(refused.length).toBeGreaterThan(0);
    expect(((await refused[0]!.json()) as { error: { code: string } }).error.code).toBe('BUDGET_EXCEEDED');
    const spent = ok * (400 * 0.15 + 200 * 0.6) / 1e6;
    const oneReservation = (400 * 0.15 + 1000 * 0.6) / 1e6;
    expect(spent).toBeLessThanOrEqual(dailyUsd + oneReservation);
    expect(upstream.requests.length).toBe(ok);
  });
});

describe('response cache in the ask path', () => {
  it('answers a repeated question from the exact cache, free, and misses after the documents change', async () => {
    const { ic, cwd } = await setup({ cache: { exact: true } });
    upstream.setHandler(() => ({ text: 'In 1066 [1].' }));
    const q = 'When did William invade England?';
    await ic.ask(q, { model: 'openai:gpt-4o-mini' });
    const second = await ic.ask(q, { model: 'openai:gpt-4o-mini' });
    expect(second.answer).toBe('In 1066 [1].');
    expect(upstream.requests).toHaveLength(1);
    const cachedSpan = (await lastTrace(ic)).find((s) => s.kind === 'llm');
    expect(cachedSpan?.attributes).toMatchObject({ cached: true, cacheKind: 'exact', costUsd: 0 });
    // The lookup is its own span under the llm span; the first ask's trace has the miss.
    const lookup = (await lastTrace(ic)).find((s) => s.kind === 'cache');
    expect(lookup).toMatchObject({ name: 'cache exact', parentId: cachedSpan?.spanId, attributes: { hit: true, cacheKind: 'exact' } });
    expect(lookup!.endTime).toBeGreaterThanOrEqual(lookup!.startTime);
    const { traces } = await ic.traces.listTraces('default', { limit: 2 });
    const first = await ic.traces.getTrace('default', traces[1]!.traceId);
    expect(JSON.stringify(first)).toMatch(/"name":"cache exact".*?"hit":false/);
    // A re-ingest that changes the retrieved text changes the context version: the model is asked again.
    writeTree(join(cwd, 'c'), { 'history.md': `${CORPUS['history.md']}\n\nWilliam was crowned on Christmas Day 1066.` });
    await ic.ingest([join(cwd, 'c')]);
    await ic.ask(q, { model: 'openai:gpt-4o-mini' });
    expect(upstream.requests).toHaveLength(2);
    upstream.setHandler(undefined);
  });
});

describe('OTLP export from config', () => {
  let server: Server;
  const received: unknown[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends the spans of an ask to trace.otlpEndpoint with GenAI attributes', async () => {
    const { port } = server.address() as { port: number };
    const { ic } = await setup({ trace: { otlpEndpoint: `http://127.0.0.1:${port}` } });
    upstream.script({ text: 'In 1066 [1].' });
    await ic.ask('When did William invade England?', { model: 'openai:gpt-4o-mini' });
    await ic.close();
    const text = JSON.stringify(received);
    expect(text).toContain('gen_ai.request.model');
    expect(text).toContain('gpt-4o-mini');
    expect(text).toContain('"name":"ask"');
  });
});

describe('every upstream fault ends in a retried answer or a clear error, with each attempt in the trace', () => {
  const faults = [
    ['500', { error: { status: 500 } }],
    ['429 with Retry-After', { error: { status: 429, retryAfter: 0 } }],
    ['a hang', { hang: true }],
    ['a reset before any byte', { resetAfterChunks: 0 }],
    ['malformed SSE', { malformed: 'sse' }],
    ['invalid JSON', { malformed: 'json' }],
  ] as const;

  it.each(faults)('%s on the first attempt, streamed and not', async (_name, fault) => {
    const { ic } = await setup({ gateway: { retry: { maxAttempts: 2, attemptTimeoutMs: 400 } } });
    for (const stream of [false, true]) {
      upstream.reset();
      upstream.script(fault as never, { text: 'In 1066 [1].' });
      let text = '';
      let error: string | undefined;
      if (stream) {
        for await (const p of ic.askStream('When did William invade England?', { model: 'openai:gpt-4o-mini' })) {
          if (p.type === 'text-delta') text += p.text;
          if (p.type === 'error') error = p.error.message;
        }
      } else text = (await ic.ask('When did William invade England?', { model: 'openai:gpt-4o-mini' })).answer;
      const attempts = (await lastTrace(ic)).filter((s) => s.kind === 'llm.attempt');
      if (stream && fault === faults[4][1]) {
        // The broken event comes after the first token: no fallback (the client has text), one clean error part.
        expect(error).toMatch(/failed|JSON/i);
        expect(attempts).toHaveLength(1);
        continue;
      }
      expect(error).toBeUndefined();
      expect(text).toContain('1066');
      expect(attempts.map((s) => s.status)).toEqual(['error', 'ok']);
    }
    expect(upstream.inFlight).toBe(0);
  });

  it('a stream that breaks after its first token ends with a clean error part, recorded on the trace', async () => {
    const { ic } = await setup();
    upstream.script({ resetAfterChunks: 2, text: 'William invaded England in the year 1066 with a large army.' });
    const parts: string[] = [];
    for await (const p of ic.askStream('When did William invade England?', { model: 'openai:gpt-4o-mini' })) parts.push(p.type);
    expect(parts).toContain('text-delta');
    expect(parts.at(-1)).toBe('error');
    const spans = await lastTrace(ic);
    expect(spans.find((s) => s.kind === 'request')?.status).toBe('error');
    expect(spans.find((s) => s.kind === 'llm')?.status).toBe('error');
  });
});
