import { describe, expect, it } from 'vitest';
import { sha256 } from '../core/index.js';
import { createMemoryTraceStore, createTracer, type Span, type TraceStore } from './index.js';

function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, tick: (ms: number) => (t += ms) };
}

describe('tracer', () => {
  it('nests spans through async context without passing parents around', async () => {
    const store = createMemoryTraceStore();
    const clock = fakeClock();
    const tracer = createTracer({ store, projectId: 'p', clock: clock.now });
    const retrieve = async () =>
      tracer.withSpan('search', 'retrieval', async (s) => {
        clock.tick(5);
        await new Promise((r) => setTimeout(r, 1));
        s.setAttributes({ hits: 3 });
      });
    const callModel = async () =>
      tracer.withSpan('chat m', 'llm', async () => {
        // Two levels deep, after an await, still under the llm span.
        await Promise.resolve();
        await tracer.withSpan('attempt 1', 'llm.attempt', async () => clock.tick(20));
        return 'Paris';
      });
    const answer = await tracer.withSpan('ask', 'request', async (root) => {
      root.setInput('capital of France?');
      await Promise.all([retrieve(), retrieve()]);
      const a = await callModel();
      root.setOutput(a);
      return a;
    });
    expect(answer).toBe('Paris');
    await tracer.flush();
    const { traces } = await store.listTraces('p');
    expect(traces).toHaveLength(1);
    const [root] = await store.getTrace('p', traces[0]!.traceId);
    expect(root!.kind).toBe('request');
    expect(root!.input).toBe('capital of France?');
    expect(root!.output).toBe('Paris');
    expect(root!.children.map((c) => c.kind)).toEqual(['retrieval', 'retrieval', 'llm']);
    expect(root!.children[2]!.children.map((c) => c.name)).toEqual(['attempt 1']);
    expect(root!.endTime - root!.startTime).toBe(30);
    expect(root!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root!.spanId).toMatch(/^[0-9a-f]{16}$/);
    // Outside any span a new trace starts.
    const lone = tracer.startSpan('x', 'tool');
    lone.end();
    expect(lone.traceId).not.toBe(root!.traceId);
  });

  it('records errors, rethrows them, and ends a span only once', async () => {
    const store = createMemoryTraceStore();
    const tracer = createTracer({ store, projectId: 'p' });
    await expect(tracer.withSpan('boom', 'tool', async () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    const s = tracer.startSpan('twice', 'tool');
    s.end('error', 'first');
    s.end('ok');
    await tracer.flush();
    const page = await store.listTraces('p');
    expect(page.traces.map((t) => [t.name, t.status, t.error])).toEqual(expect.arrayContaining([
      ['boom', 'error', 'disk full'],
      ['twice', 'error', 'first'],
    ]));
  });

  it('an explicit parent wins over the context, and null starts a new trace', async () => {
    const store = createMemoryTraceStore();
    const tracer = createTracer({ store, projectId: 'p' });
    const a = tracer.startSpan('a', 'request');
    const b = tracer.startSpan('b', 'request');
    await b.run(async () => {
      const child = tracer.startSpan('child', 'tool', { parent: a });
      expect(child.traceId).toBe(a.traceId);
      const fresh = tracer.startSpan('fresh', 'request', { parent: null });
      expect(fresh.traceId).not.toBe(b.traceId);
      expect(tracer.active()?.spanId).toBe(b.spanId);
    });
  });

  it("privacy 'hash' stores sha256 of inputs and outputs, 'none' stores neither", async () => {
    for (const privacy of ['hash', 'none'] as const) {
      const store = createMemoryTraceStore();
      const tracer = createTracer({ store, projectId: 'p', privacy });
      await tracer.withSpan('q', 'request', async (s) => {
        s.setInput('my secret question');
        s.setOutput({ answer: 42 });
      });
      await tracer.flush();
      const [root] = await store.getTrace('p', (await store.listTraces('p')).traces[0]!.traceId);
      if (privacy === 'hash') {
        expect(root!.input).toBe(`sha256:${sha256('my secret question')}`);
        expect(root!.output).toBe(`sha256:${sha256('{"answer":42}')}`);
      } else {
        expect(root!.input).toBeUndefined();
        expect(root!.output).toBeUndefined();
      }
      expect((await store.listTraces('p', { text: 'secret' })).traces).toEqual([]);
    }
  });

  it('reports store failures through onError and flush, and still exports the span', async () => {
    const failing: TraceStore = { ...createMemoryTraceStore(), write: () => Promise.reject(new Error('database is locked')) };
    const seen: string[] = [];
    const exported: Span[] = [];
    const tracer = createTracer({ store: failing, projectId: 'p', onError: (e) => seen.push(e.code), exporters: [{ export: (s) => exported.push(s) }] });
    tracer.startSpan('s', 'tool').end();
    await expect(tracer.flush()).rejects.toThrow('database is locked');
    expect(seen).toEqual(['STORE_FAILED']);
    expect(exported.map((s) => s.name)).toEqual(['s']);
    await expect(tracer.flush()).resolves.toBeUndefined();
  });
});
