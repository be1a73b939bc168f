import { IncontextError } from '../core/index.js';
import type { Feedback, FeedbackInput, Span, SpanNode, TimeInput, TraceFilters, TraceStats, TraceSummary } from './types.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export function toMs(t: TimeInput, key: string): number {
  const ms = typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(ms)) {
    throw new IncontextError('BAD_REQUEST', `Invalid time ${JSON.stringify(t)}`, {
      input: { key },
      hint: 'Give epoch milliseconds or an ISO 8601 date such as 2025-11-01T00:00:00Z.',
    });
  }
  return ms;
}

export function limitOf(filters: TraceFilters): number {
  const limit = filters.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new IncontextError('BAD_REQUEST', `limit must be an integer from 1 to ${MAX_LIMIT}, got ${limit}`, { input: { key: 'limit' }, hint: `Use a page size up to ${MAX_LIMIT} and follow nextCursor.` });
  }
  return limit;
}

/** Pages are ordered newest first by (startTime, traceId); the cursor is the last row's position. */
export function encodeCursor(t: TraceSummary): string {
  return Buffer.from(`${t.startTime}:${t.traceId}`).toString('base64url');
}

export function decodeCursor(cursor: string): { startTime: number; traceId: string } {
  const raw = Buffer.from(cursor, 'base64url').toString();
  const at = raw.indexOf(':');
  const startTime = Number(raw.slice(0, at));
  if (at < 0 || !Number.isFinite(startTime)) {
    throw new IncontextError('BAD_REQUEST', 'Invalid trace cursor', { input: { key: 'cursor' }, hint: 'Pass nextCursor from the previous page unchanged.' });
  }
  return { startTime, traceId: raw.slice(at + 1) };
}

export function validateFeedback(f: FeedbackInput): void {
  if (f.score === undefined && f.label === undefined && f.comment === undefined) {
    throw new IncontextError('BAD_REQUEST', 'Feedback needs a score, a label or a comment', { input: { key: 'feedback' }, hint: 'Send e.g. {"score": 1} or {"label": "wrong-source"}.' });
  }
  if (f.score !== undefined && !Number.isFinite(f.score)) {
    throw new IncontextError('BAD_REQUEST', 'Feedback score must be a finite number', { input: { key: 'score' }, hint: 'Use e.g. 0..1, or -1/1 for thumbs down/up.' });
  }
}

export function traceNotFound(traceId: string): IncontextError {
  return new IncontextError('NOT_FOUND', `No trace ${traceId} in this project`, { input: { key: 'traceId' }, hint: 'List traces with listTraces (GET /api/traces) to find its id.' });
}

/** Spans that count toward a trace's totals: attempts detail their llm parent. */
export const counts = (s: Pick<Span, 'kind'>) => s.kind !== 'llm.attempt';

export function buildTree(spans: Span[]): SpanNode[] {
  const nodes = new Map<string, SpanNode>();
  for (const s of [...spans].sort((a, b) => a.startTime - b.startTime || (a.spanId < b.spanId ? -1 : 1))) nodes.set(s.spanId, { ...s, children: [] });
  const roots: SpanNode[] = [];
  for (const n of nodes.values()) {
    const parent = n.parentId === undefined ? undefined : nodes.get(n.parentId);
    // A span whose parent never arrived (crash, sampling) still shows, as a root.
    if (parent) parent.children.push(n);
    else roots.push(n);
  }
  return roots;
}

export function summarize(root: Span, spans: Span[]): TraceSummary {
  let inputTokens = 0;
  let outputTokens = 0;
  let costUsd = 0;
  const models = new Set<string>();
  for (const s of spans) {
    if (typeof s.attributes.model === 'string') models.add(s.attributes.model);
    if (!counts(s)) continue;
    inputTokens += s.attributes.inputTokens ?? 0;
    outputTokens += s.attributes.outputTokens ?? 0;
    costUsd += s.attributes.costUsd ?? 0;
  }
  const user = typeof root.attributes.user === 'string' ? root.attributes.user : undefined;
  return {
    traceId: root.traceId,
    projectId: root.projectId,
    name: root.name,
    kind: root.kind,
    startTime: root.startTime,
    endTime: root.endTime,
    durationMs: root.endTime - root.startTime,
    status: root.status,
    ...(root.error === undefined ? {} : { error: root.error }),
    ...(user === undefined ? {} : { user }),
    models: [...models].sort(),
    inputTokens,
    outputTokens,
    costUsd,
    spanCount: spans.length,
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Stats over the traces whose root started in [from, to). Both stores call
 * this with the same inputs, so their figures agree by construction.
 */
export function computeStats(from: number, to: number, roots: Span[], spans: Span[], feedback: Feedback[]): TraceStats {
  const durations = roots.map((r) => r.endTime - r.startTime).sort((a, b) => a - b);
  const errors = roots.filter((r) => r.status === 'error').length;
  const rootStart = new Map(roots.map((r) => [r.traceId, r.startTime]));
  const perDay = new Map<string, number>();
  const perModel = new Map<string, { model: string; calls: number; inputTokens: number; outputTokens: number; costUsd: number }>();
  let input = 0;
  let output = 0;
  let cost = 0;
  let llmCalls = 0;
  let cacheHits = 0;
  for (const s of spans) {
    const start = rootStart.get(s.traceId);
    if (start === undefined || !counts(s)) continue;
    const a = s.attributes;
    const c = a.costUsd ?? 0;
    input += a.inputTokens ?? 0;
    output += a.outputTokens ?? 0;
    cost += c;
    perDay.set(day(start), (perDay.get(day(start)) ?? 0) + c);
    if (s.kind === 'llm') {
      llmCalls++;
      if (a.cached === true) cacheHits++;
    }
    if (typeof a.model === 'string') {
      const m = perModel.get(a.model) ?? { model: a.model, calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
      if (s.kind === 'llm') m.calls++;
      m.inputTokens += a.inputTokens ?? 0;
      m.outputTokens += a.outputTokens ?? 0;
      m.costUsd += c;
      perModel.set(a.model, m);
    }
  }
  for (const r of roots) if (!perDay.has(day(r.startTime))) perDay.set(day(r.startTime), 0);
  const scores = feedback.map((f) => f.score).filter((s): s is number => s !== undefined);
  const costPerDay = [...perDay].sort(([a], [b]) => (a < b ? -1 : 1)).map(([d, c]) => ({ day: d, costUsd: c }));
  return {
    from,
    to,
    traces: roots.length,
    errors,
    errorRate: roots.length ? errors / roots.length : 0,
    latencyMs: { p50: percentile(durations, 0.5), p95: percentile(durations, 0.95) },
    tokens: { input, output },
    costUsd: cost,
    costPerDay,
    costPerModel: [...perModel.values()].sort((a, b) => b.costUsd - a.costUsd || (a.model < b.model ? -1 : 1)),
    llmCalls,
    cacheHits,
    cacheHitRate: llmCalls ? cacheHits / llmCalls : 0,
    feedback: { count: feedback.length, ...(scores.length ? { avgScore: scores.reduce((x, y) => x + y, 0) / scores.length } : {}) },
    forecast: forecast(costPerDay, to),
  };
}

/**
 * Month-end cost: what the month of `to` has spent so far plus a least-squares
 * line through its daily costs (days without traffic count as zero), extended
 * over the remaining days and never below zero. One day of data means flat.
 */
export function forecast(costPerDay: Array<{ day: string; costUsd: number }>, to: number): TraceStats['forecast'] {
  const last = new Date(to - 1);
  const month = last.toISOString().slice(0, 7);
  const daysInMonth = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() + 1, 0)).getUTCDate();
  const inMonth = costPerDay.filter((d) => d.day.startsWith(month));
  const spentUsd = inMonth.reduce((s, d) => s + d.costUsd, 0);
  if (!inMonth.length) return { month, spentUsd: 0, forecastUsd: 0 };
  const dom = (d: string) => Number(d.slice(8, 10));
  const first = dom(inMonth[0]!.day);
  const lastDay = Math.max(dom(inMonth[inMonth.length - 1]!.day), last.getUTCDate());
  const byDay = new Map(inMonth.map((d) => [dom(d.day), d.costUsd]));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let x = first; x <= lastDay; x++) {
    xs.push(x);
    ys.push(byDay.get(x) ?? 0);
  }
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  let rest = 0;
  for (let x = lastDay + 1; x <= daysInMonth; x++) rest += Math.max(0, my + slope * (x - mx));
  return { month, spentUsd, forecastUsd: spentUsd + rest };
}
