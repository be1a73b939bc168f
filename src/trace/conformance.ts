import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Span, SpanAttributes, SpanKind, TraceStore } from './types.js';
import { rejectedError as rejection } from '../testing/index.js';

const P = 'proj';
const DAY = 86_400_000;
/** 2025-11-03T10:00:00Z: a Monday early in a 30-day month. */
export const T0 = Date.UTC(2025, 10, 3, 10);

const tid = (n: number) => n.toString(16).padStart(32, '0');
const sid = (n: number) => n.toString(16).padStart(16, '0');

function span(trace: number, id: number, parent: number | undefined, kind: SpanKind, start: number, ms: number, attributes: SpanAttributes = {}, extra: Partial<Span> = {}): Span {
  return {
    traceId: tid(trace),
    spanId: sid(id),
    ...(parent === undefined ? {} : { parentId: sid(parent) }),
    projectId: P,
    name: kind,
    kind,
    startTime: start,
    endTime: start + ms,
    status: 'ok',
    attributes,
    ...extra,
  };
}

/**
 * Five traces over three days:
 *  1  day 0  ok     user alice  gpt-4o-mini 100/20 $0.002 (+ a failed attempt that must not count), cached no
 *  2  day 0  error  user bob    claude-3-5-haiku 50/0 $0.001
 *  3  day 1  ok     user alice  gpt-4o-mini cached 100/20 $0
 *  4  day 2  ok     no user     two llm calls gpt-4o 1000/100 $0.0035 + gpt-4o-mini 10/10 $0.0001
 *  5  day 2  ok     other project
 */
export function fixtureSpans(): Span[] {
  return [
    span(1, 10, undefined, 'request', T0, 400, { user: 'alice' }, { name: 'POST /v1/chat/completions', input: 'What is the Capital of France?', output: 'Paris.' }),
    span(1, 11, 10, 'retrieval', T0 + 10, 50, { hits: 3 }),
    span(1, 12, 10, 'llm', T0 + 100, 250, { model: 'gpt-4o-mini', provider: 'openai', inputTokens: 100, outputTokens: 20, costUsd: 0.002, cached: false }),
    span(1, 13, 12, 'llm.attempt', T0 + 100, 50, { model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 0, costUsd: 0.5 }, { status: 'error', error: 'HTTP 500' }),
    span(1, 14, 12, 'llm.attempt', T0 + 160, 190, { model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 20, costUsd: 0.002 }),
    span(2, 20, undefined, 'request', T0 + 1000, 1000, { user: 'bob' }, { status: 'error', error: 'provider timeout', input: 'hello 100%_done' }),
    span(2, 21, 20, 'llm', T0 + 1100, 900, { model: 'claude-3-5-haiku', inputTokens: 50, outputTokens: 0, costUsd: 0.001 }, { status: 'error', error: 'timeout' }),
    span(3, 30, undefined, 'request', T0 + DAY, 100, { user: 'alice' }, { input: 'capital of france?' }),
    span(3, 31, 30, 'llm', T0 + DAY + 5, 10, { model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 20, costUsd: 0, cached: true }, { output: 'Paris.' }),
    span(4, 40, undefined, 'request', T0 + 2 * DAY, 3000),
    span(4, 41, 40, 'llm', T0 + 2 * DAY + 10, 2000, { model: 'gpt-4o', inputTokens: 1000, outputTokens: 100, costUsd: 0.0035 }),
    span(4, 42, 40, 'llm', T0 + 2 * DAY + 2100, 800, { model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 10, costUsd: 0.0001 }),
    { ...span(5, 50, undefined, 'request', T0 + 2 * DAY, 10, { user: 'alice' }), projectId: 'other' },
  ];
}


/** The one test suite every TraceStore must pass; `open` must return an empty store. */
export function runTraceStoreConformance(name: string, open: () => Promise<TraceStore> | TraceStore, cleanup?: () => void): void {
  describe(`TraceStore conformance: ${name}`, () => {
    let store: TraceStore;
    beforeEach(async () => {
      store = await open();
      await store.write(fixtureSpans());
    });
    afterEach(async () => {
      await store.close();
      cleanup?.();
    });

    const ids = async (filters: Parameters<TraceStore['listTraces']>[1]) => (await store.listTraces(P, filters)).traces.map((t) => Number.parseInt(t.traceId, 16));

    it('returns the span tree with children by start time, text and attributes intact', async () => {
      const roots = await store.getTrace(P, tid(1));
      expect(roots).toHaveLength(1);
      const root = roots[0]!;
      expect(root.spanId).toBe(sid(10));
      expect(root.input).toBe('What is the Capital of France?');
      expect(root.attributes).toEqual({ user: 'alice' });
      expect(root.children.map((c) => c.kind)).toEqual(['retrieval', 'llm']);
      const llm = root.children[1]!;
      expect(llm.attributes).toEqual({ model: 'gpt-4o-mini', provider: 'openai', inputTokens: 100, outputTokens: 20, costUsd: 0.002, cached: false });
      expect(llm.children.map((c) => [c.spanId, c.status, c.error])).toEqual([
        [sid(13), 'error', 'HTTP 500'],
        [sid(14), 'ok', undefined],
      ]);
      expect(llm.children[0]!.parentId).toBe(sid(12));
      expect((await rejection(store.getTrace('other', tid(1)))).code).toBe('NOT_FOUND');
    });

    it('lists root spans newest first with totals that skip attempts', async () => {
      const page = await store.listTraces(P);
      expect(page.traces.map((t) => Number.parseInt(t.traceId, 16))).toEqual([4, 3, 2, 1]);
      expect(page.nextCursor).toBeUndefined();
      const t1 = page.traces[3]!;
      expect(t1).toMatchObject({ name: 'POST /v1/chat/completions', kind: 'request', status: 'ok', user: 'alice', durationMs: 400, inputTokens: 100, outputTokens: 20, spanCount: 5, models: ['gpt-4o-mini'] });
      expect(t1.costUsd).toBeCloseTo(0.002, 10);
      const t4 = page.traces[0]!;
      expect(t4.models).toEqual(['gpt-4o', 'gpt-4o-mini']);
      expect(t4.inputTokens).toBe(1010);
      expect(t4.costUsd).toBeCloseTo(0.0036, 10);
      expect(t4.user).toBeUndefined();
      expect(page.traces[2]).toMatchObject({ status: 'error', error: 'provider timeout' });
    });

    it('filters by time, model, status, user, cost and text', async () => {
      expect(await ids({ from: T0 + 1000, to: T0 + 2 * DAY })).toEqual([3, 2]);
      expect(await ids({ from: new Date(T0 + DAY).toISOString() })).toEqual([4, 3]);
      expect(await ids({ model: 'gpt-4o' })).toEqual([4]);
      expect(await ids({ model: 'gpt-4o-mini' })).toEqual([4, 3, 1]);
      expect(await ids({ status: 'error' })).toEqual([2]);
      expect(await ids({ user: 'alice' })).toEqual([3, 1]);
      expect(await ids({ minCostUsd: 0.002 })).toEqual([4, 1]);
      expect(await ids({ text: 'CAPITAL of' })).toEqual([3, 1]);
      expect(await ids({ text: 'paris' })).toEqual([3, 1]);
      expect(await ids({ text: '100%_' })).toEqual([2]);
      expect(await ids({ text: '0%d' })).toEqual([]);
      expect(await ids({ user: 'alice', model: 'gpt-4o-mini', from: T0 + 1 })).toEqual([3]);
      expect(await ids({ user: 'nobody' })).toEqual([]);
      expect((await store.listTraces('other')).traces.map((t) => t.projectId)).toEqual(['other']);
    });

    it('pages with a cursor through ties in start time without repeats or gaps', async () => {
      const extra: Span[] = [];
      for (let i = 0; i < 5; i++) extra.push(span(100 + i, 1000 + i, undefined, 'request', T0 + 3 * DAY, 5));
      await store.write(extra);
      const all = await ids({ limit: 500 });
      const seen: number[] = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 10; guard++) {
        const page = await store.listTraces(P, { limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.traces.map((t) => Number.parseInt(t.traceId, 16)));
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toEqual(all);
      expect(all).toEqual([104, 103, 102, 101, 100, 4, 3, 2, 1]);
      const filtered = await store.listTraces(P, { limit: 1, user: 'alice' });
      expect(filtered.traces.map((t) => Number.parseInt(t.traceId, 16))).toEqual([3]);
      expect(await ids({ limit: 1, user: 'alice', cursor: filtered.nextCursor! })).toEqual([1]);
    });

    it('rejects a bad limit, cursor or time with BAD_REQUEST', async () => {
      expect((await rejection(store.listTraces(P, { limit: 0 }))).code).toBe('BAD_REQUEST');
      expect((await rejection(store.listTraces(P, { cursor: 'nonsense' }))).code).toBe('BAD_REQUEST');
      expect((await rejection(store.listTraces(P, { from: 'yesterday' }))).input?.key).toBe('from');
    });

    it('writing a span again replaces it', async () => {
      await store.write([span(3, 30, undefined, 'request', T0 + DAY, 700, { user: 'carol' }, { status: 'error', error: 'late' })]);
      const [t] = (await store.listTraces(P, { user: 'carol' })).traces;
      expect(t).toMatchObject({ durationMs: 700, status: 'error', error: 'late', spanCount: 2 });
    });

    it('records feedback on a trace of the project only', async () => {
      const f = await store.addFeedback(P, tid(1), { score: 1, label: 'good', comment: 'cited the right doc' });
      expect(f).toMatchObject({ projectId: P, traceId: tid(1), score: 1, label: 'good', comment: 'cited the right doc' });
      await store.addFeedback(P, tid(1), { score: 0 });
      expect((await store.listFeedback(P, tid(1))).map((x) => x.score)).toEqual([1, 0]);
      expect(await store.listFeedback(P, tid(2))).toEqual([]);
      expect((await rejection(store.addFeedback('other', tid(1), { score: 1 }))).code).toBe('NOT_FOUND');
      expect((await rejection(store.addFeedback(P, tid(1), {}))).code).toBe('BAD_REQUEST');
    });

    it('deletes traces older than a time with their spans and feedback, in one project only', async () => {
      await store.addFeedback(P, tid(2), { score: 0 });
      expect(await store.deleteTraces(P, { before: T0 + DAY })).toBe(2);
      expect(await ids({})).toEqual([4, 3]);
      expect((await rejection(store.getTrace(P, tid(1)))).code).toBe('NOT_FOUND');
      expect(await store.listFeedback(P, tid(2))).toEqual([]);
      expect((await store.stats(P, { from: 0, to: T0 + 10 * DAY })).traces).toBe(2);
      expect(await store.deleteTraces('other', { before: T0 })).toBe(0);
      expect((await store.listTraces('other')).traces).toHaveLength(1);
    });

    it('lists root inputs of a time range newest first, skipping hashed ones, in one project only', async () => {
      await store.write([{ ...span(6, 60, undefined, 'request', T0 + 2 * DAY + 5, 10), input: 'sha256:abc' }]);
      expect(await store.rootInputs(P, { from: T0 - 1, to: T0 + 3 * DAY }, 10)).toEqual(['capital of france?', 'hello 100%_done', 'What is the Capital of France?']);
      expect(await store.rootInputs(P, { from: T0 - 1, to: T0 + 3 * DAY }, 1)).toEqual(['capital of france?']);
      expect(await store.rootInputs(P, { from: T0 + DAY + 1, to: T0 + 3 * DAY }, 10)).toEqual([]);
      expect(await store.rootInputs('other', { from: 0, to: T0 + 3 * DAY }, 10)).toEqual([]);
    });

    it('computes stats: cost per day and model, latency percentiles, error and cache rates, forecast', async () => {
      await store.addFeedback(P, tid(1), { score: 1 });
      await store.addFeedback(P, tid(3), { score: 0.5, label: 'slow' });
      const s = await store.stats(P, { from: T0 - 1000, to: Date.UTC(2025, 10, 6) });
      expect(s.traces).toBe(4);
      expect(s.errors).toBe(1);
      expect(s.errorRate).toBe(0.25);
      // Root durations 100, 400, 1000, 3000 → nearest-rank p50 = 400, p95 = 3000.
      expect(s.latencyMs).toEqual({ p50: 400, p95: 3000 });
      expect(s.tokens).toEqual({ input: 1260, output: 150 });
      expect(s.costUsd).toBeCloseTo(0.0066, 10);
      expect(s.llmCalls).toBe(5);
      expect(s.cacheHits).toBe(1);
      expect(s.cacheHitRate).toBeCloseTo(0.2, 10);
      expect(s.costPerDay.map((d) => d.day)).toEqual(['2025-11-03', '2025-11-04', '2025-11-05']);
      expect(s.costPerDay[0]!.costUsd).toBeCloseTo(0.003, 10);
      expect(s.costPerDay[1]!.costUsd).toBe(0);
      expect(s.costPerModel.map((m) => [m.model, m.calls, m.inputTokens])).toEqual([
        ['gpt-4o', 1, 1000],
        ['gpt-4o-mini', 3, 210],
        ['claude-3-5-haiku', 1, 50],
      ]);
      expect(s.feedback.count).toBe(2);
      expect(s.feedback.avgScore).toBeCloseTo(0.75, 10);
      // Days 3,4,5 cost 0.003, 0, 0.0036: slope 0.0003/day, mean 0.0022 at day 4.
      // Days 6..30 add sum(0.0022 + 0.0003 (d - 4)) = 25 * 0.0022 + 0.0003 * sum(2..26) = 0.055 + 0.105.
      expect(s.forecast.month).toBe('2025-11');
      expect(s.forecast.spentUsd).toBeCloseTo(0.0066, 10);
      expect(s.forecast.forecastUsd).toBeCloseTo(0.0066 + 0.055 + 0.105, 8);
      const none = await store.stats(P, { from: T0 + 10 * DAY, to: T0 + 11 * DAY });
      expect(none).toMatchObject({ traces: 0, errorRate: 0, cacheHitRate: 0, costUsd: 0, latencyMs: { p50: 0, p95: 0 }, forecast: { spentUsd: 0, forecastUsd: 0 } });
    });
  });
}
