import { createOpenAI } from '@ai-sdk/openai';
import { wrapLanguageModel } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { IncontextError } from '../core/index.js';
import { createMemoryTraceStore, createTracer, traceMiddleware, type SpanNode, type Tracer, type TraceStore } from '../trace/index.js';
import { startFakeUpstream, type FakeUpstream } from '../testing/index.js';
import { AgentError, defineTool, REPEAT_LIMIT, runAgent, streamAgent, type AgentStreamPart, type AgentTool } from './index.js';

let upstream: FakeUpstream;
let store: TraceStore;
let tracer: Tracer;

beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.reset();
  store = createMemoryTraceStore();
  tracer = createTracer({ store, projectId: 'p1' });
});

/** A chat-completions model wrapped with the trace middleware, as the app wraps every model. */
const model = () => wrapLanguageModel({ model: createOpenAI({ baseURL: upstream.openaiBaseURL, apiKey: 'k' }).chat('gpt-4o-mini'), middleware: [traceMiddleware(tracer)] });

const weather = defineTool({
  name: 'weather',
  description: 'Weather for a city',
  input: z.object({ city: z.string() }),
  execute: ({ city }) => ({ city, sky: 'sunny', celsius: 21 }),
});

async function spans(traceId: string): Promise<SpanNode[]> {
  await tracer.flush();
  const flat: SpanNode[] = [];
  const walk = (nodes: SpanNode[]) => nodes.forEach((n) => (flat.push(n), walk(n.children)));
  walk(await store.getTrace('p1', traceId));
  return flat;
}

const bodyText = (i: number) => JSON.stringify(upstream.requests[i]?.body);

describe('runAgent', () => {
  it('calls a tool, feeds its result back, answers, and traces request → llm per step + tool', async () => {
    upstream.script({ toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }], usage: { inputTokens: 30, outputTokens: 5 } }, { text: 'Sunny, 21 °C.', usage: { inputTokens: 60, outputTokens: 4 } });
    const r = await runAgent({ model: model(), tracer, input: 'Weather in Paris?', tools: [weather] });
    expect(r.text).toBe('Sunny, 21 °C.');
    expect(r.stoppedBy).toBe('answer');
    expect(r.steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(r.steps[0]?.toolCalls).toEqual([{ id: expect.any(String), name: 'weather', input: { city: 'Paris' } }]);
    expect(r.steps[0]?.toolResults[0]?.output).toEqual({ city: 'Paris', sky: 'sunny', celsius: 21 });
    expect(r.usage).toEqual({ inputTokens: 90, outputTokens: 9, totalTokens: 99 });
    // The second request carries the tool result back to the model.
    expect(bodyText(1)).toContain('sunny');
    expect(r.model).toBe('openai.chat:gpt-4o-mini');

    const all = await spans(r.traceId);
    const root = all.find((s) => s.kind === 'request');
    expect(root?.parentId).toBeUndefined();
    expect(root?.input).toBe('Weather in Paris?');
    expect(root?.output).toBe('Sunny, 21 °C.');
    expect(root?.attributes).toMatchObject({ steps: 2, toolCalls: 1, stoppedBy: 'answer' });
    const llm = all.filter((s) => s.kind === 'llm');
    expect(llm).toHaveLength(2);
    expect(llm.every((s) => s.parentId === root?.spanId)).toBe(true);
    const tool = all.filter((s) => s.kind === 'tool');
    expect(tool).toHaveLength(1);
    expect(tool[0]).toMatchObject({ name: 'tool weather', status: 'ok', parentId: root?.spanId, attributes: { tool: 'weather', step: 0 } });
    expect(JSON.parse(tool[0]?.input ?? '')).toEqual({ city: 'Paris' });
    expect(JSON.parse(tool[0]?.output ?? '')).toMatchObject({ sky: 'sunny' });
    expect(tool[0]!.startTime).toBeGreaterThanOrEqual(llm[0]!.endTime);
  });

  it('a tool that throws is a tool error the model reads (with the hint), an error span, and the run goes on', async () => {
    const broken: AgentTool<{ id: string }> = {
      name: 'lookup',
      description: 'Look up an order',
      input: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      execute: () => {
        throw new IncontextError('NOT_FOUND', 'No order 42', { hint: 'Ask the user for the order number.' });
      },
    };
    upstream.script({ toolCalls: [{ name: 'lookup', arguments: { id: '42' } }] }, { text: 'I could not find order 42.' });
    const r = await runAgent({ model: model(), tracer, input: 'Where is order 42?', tools: [broken] });
    expect(r.text).toBe('I could not find order 42.');
    expect(r.steps[0]?.toolResults).toEqual([{ id: expect.any(String), name: 'lookup', error: expect.stringContaining('No order 42') }]);
    expect(bodyText(1)).toContain('NOT_FOUND: No order 42 (hint: Ask the user for the order number.)');
    const tool = (await spans(r.traceId)).find((s) => s.kind === 'tool');
    expect(tool).toMatchObject({ status: 'error', error: expect.stringContaining('No order 42') });
  });

  it('an unknown tool and input failing the JSON Schema are tool errors with invalid spans; execute never runs', async () => {
    let ran = 0;
    const strict: AgentTool<{ n: number }> = {
      name: 'square',
      description: 'Square a number',
      input: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'], additionalProperties: false },
      execute: ({ n }) => (ran++, n * n),
    };
    upstream.script({ toolCalls: [{ name: 'cube', arguments: { n: 2 } }, { name: 'square', arguments: { n: 'two' } }] }, { text: 'Sorry.' });
    const r = await runAgent({ model: model(), tracer, input: 'Square two', tools: [strict] });
    expect(ran).toBe(0);
    const results = r.steps[0]?.toolResults ?? [];
    expect(results.find((x) => x.name === 'cube')).toMatchObject({ invalid: true, error: expect.stringMatching(/cube/) });
    expect(results.find((x) => x.name === 'square')).toMatchObject({ invalid: true, error: expect.stringMatching(/\/n must be number/) });
    const tools = (await spans(r.traceId)).filter((s) => s.kind === 'tool');
    expect(tools.map((s) => [s.name, s.status, s.attributes.invalid]).sort()).toEqual([
      ['tool cube', 'error', true],
      ['tool square', 'error', true],
    ]);
    // Both errors went back to the model.
    expect(bodyText(1)).toMatch(/cube/);
    expect(bodyText(1)).toMatch(/must be number/);
  });

  it(`stops after ${REPEAT_LIMIT} identical failing calls instead of burning every step`, async () => {
    const failing = defineTool({ name: 'flaky', description: 'fails', input: z.object({ q: z.string() }), execute: () => Promise.reject(new Error('down')) });
    upstream.setHandler(() => ({ toolCalls: [{ name: 'flaky', arguments: { q: 'same' } }] }));
    const r = await runAgent({ model: model(), tracer, input: 'go', tools: [failing], maxSteps: 10 });
    upstream.setHandler(undefined);
    expect(r.stoppedBy).toBe('repeated-tool-error');
    expect(r.steps).toHaveLength(REPEAT_LIMIT);
  });

  it('forces an answer on the last allowed step (tool_choice none) and says the run was capped', async () => {
    upstream.setHandler((req) =>
      (req.body as { tool_choice?: string }).tool_choice === 'none' ? { text: 'From what I found: c0 and c1.' } : { toolCalls: [{ name: 'weather', arguments: { city: `c${req.index}` } }] },
    );
    const r = await runAgent({ model: model(), tracer, input: 'go', tools: [weather], maxSteps: 3 });
    upstream.setHandler(undefined);
    expect(upstream.requests.map((q) => (q.body as { tool_choice?: string }).tool_choice)).toEqual(['auto', 'auto', 'none']);
    expect(r.text).toBe('From what I found: c0 and c1.');
    expect(r.stoppedBy).toBe('max-steps');
    expect(r.steps).toHaveLength(3);
  });

  it('a model that calls a tool on the forced last step fails clearly, keeping the steps done', async () => {
    upstream.setHandler((req) => ({ toolCalls: [{ name: 'weather', arguments: { city: `c${req.index}` } }] }));
    const err = await runAgent({ model: model(), tracer, input: 'go', tools: [weather], maxSteps: 2 }).catch((e: unknown) => e);
    upstream.setHandler(undefined);
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ code: 'MODEL_FAILED', input: { key: 'maxSteps' }, message: expect.stringMatching(/last allowed step/) });
    expect((err as AgentError).steps).toHaveLength(1);
    expect(upstream.requests).toHaveLength(2);
  });

  it('a tool that hangs past its time limit is aborted and reported to the model as a timeout', async () => {
    let aborted = false;
    const hang = defineTool({
      name: 'hang',
      description: 'never answers',
      input: z.object({}),
      execute: (_input, { signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => ((aborted = true), reject(new Error('aborted'))))),
    });
    upstream.script({ toolCalls: [{ name: 'hang', arguments: {} }] }, { text: 'It timed out.' });
    const r = await runAgent({ model: model(), tracer, input: 'go', tools: [hang], toolTimeoutMs: 20 });
    expect(aborted).toBe(true);
    expect(r.text).toBe('It timed out.');
    expect(r.steps[0]?.toolResults[0]?.error).toMatch(/PROVIDER_TIMEOUT: Tool hang did not finish within 20 ms/);
    expect(bodyText(1)).toContain('did not finish within 20 ms');
    expect((await spans(r.traceId)).find((s) => s.kind === 'tool')?.status).toBe('error');
  });

  it('cuts a huge tool output before the model sees it, and says so', async () => {
    const big = defineTool({ name: 'dump', description: 'big', input: z.object({}), execute: () => 'word '.repeat(5000) });
    upstream.script({ toolCalls: [{ name: 'dump', arguments: {} }] }, { text: 'ok' });
    await runAgent({ model: model(), tracer, input: 'dump', tools: [big], maxToolOutputChars: 100 });
    expect(bodyText(1)).toContain('[output cut at 100 of 25000 characters]');
    expect(bodyText(1).length).toBeLessThan(2000);
  });

  it('a failing model step rejects with an AgentError that keeps the steps done, and the trace records it', async () => {
    upstream.script({ toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }] }, { error: { status: 400, message: 'context too long' } });
    const err = await runAgent({ model: model(), tracer, input: 'Weather in Oslo?', tools: [weather] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    const e = err as AgentError;
    expect(e.code).toBe('MODEL_FAILED');
    expect(e.steps).toHaveLength(1);
    expect(e.steps[0]?.toolResults[0]?.output).toMatchObject({ city: 'Oslo' });
    const all = await spans(e.traceId);
    expect(all.find((s) => s.kind === 'request')?.status).toBe('error');
    expect(all.filter((s) => s.kind === 'llm').map((s) => s.status)).toEqual(['ok', 'error']);
    expect(all.find((s) => s.kind === 'tool')?.status).toBe('ok');
  });

  it('refuses bad options before any call', async () => {
    await expect(runAgent({ model: model(), tracer, input: '  ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(runAgent({ model: model(), tracer, input: 'x', maxSteps: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST', input: { key: 'maxSteps' } });
    await expect(runAgent({ model: model(), tracer, input: 'x', tools: [weather, weather] })).rejects.toThrow(/Two tools are named "weather"/);
    await expect(runAgent({ model: model(), tracer, input: 'x', tools: [{ ...weather, name: 'has space' }] })).rejects.toThrow(/not allowed/);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('streamAgent', () => {
  it('streams text deltas, the tool call and result, each step, usage and done', async () => {
    upstream.script({ toolCalls: [{ name: 'weather', arguments: { city: 'Rome' } }] }, { text: 'Sunny in Rome.', chunkSize: 4 });
    const parts: AgentStreamPart[] = [];
    for await (const p of streamAgent({ model: model(), tracer, input: 'Weather in Rome?', tools: [weather] })) parts.push(p);
    const types = parts.map((p) => p.type);
    expect(types.indexOf('tool-call')).toBeLessThan(types.indexOf('tool-result'));
    expect(types.filter((t) => t === 'step')).toHaveLength(2);
    expect(types.slice(-2)).toEqual(['usage', 'done']);
    const text = parts.flatMap((p) => (p.type === 'text-delta' ? [p.text] : [])).join('');
    expect(text).toBe('Sunny in Rome.');
    const done = parts.at(-1);
    expect(done?.type === 'done' && done.result.text).toBe('Sunny in Rome.');
    const res = parts.find((p) => p.type === 'tool-result');
    expect(res?.type === 'tool-result' && res.result.output).toMatchObject({ city: 'Rome' });
    const all = await spans(done?.type === 'done' ? done.result.traceId : '');
    expect(all.filter((s) => s.kind === 'llm')).toHaveLength(2);
    expect(all.find((s) => s.kind === 'request')?.status).toBe('ok');
  });

  it('bad options end the stream with an error part instead of throwing', async () => {
    const parts: AgentStreamPart[] = [];
    for await (const p of streamAgent({ model: model(), tracer, input: 'x', maxSteps: 0 })) parts.push(p);
    expect(parts).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'BAD_REQUEST' }), steps: [] }]);
  });

  it('ends with an error part carrying the steps done when a step fails', async () => {
    upstream.script({ toolCalls: [{ name: 'weather', arguments: { city: 'Rome' } }] }, { error: { status: 400 } });
    const parts: AgentStreamPart[] = [];
    for await (const p of streamAgent({ model: model(), tracer, input: 'Weather?', tools: [weather] })) parts.push(p);
    const last = parts.at(-1);
    expect(last?.type).toBe('error');
    expect(last?.type === 'error' && last.steps).toHaveLength(1);
  });
});
