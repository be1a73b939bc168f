import { newId } from '../core/index.js';
import { buildTree, computeStats, decodeCursor, encodeCursor, limitOf, summarize, toMs, traceNotFound, validateFeedback } from './shared.js';
import type { Feedback, Span, TraceFilters, TracePage, TraceStore, TraceSummary } from './types.js';

/** In-process trace store with the semantics of the SQLite one (the conformance suite checks). */
export function createMemoryTraceStore(): TraceStore {
  // project -> trace -> spans
  const traces = new Map<string, Map<string, Span[]>>();
  const feedback: Feedback[] = [];

  const spansOf = (projectId: string, traceId: string) => traces.get(projectId)?.get(traceId) ?? [];
  const rootOf = (spans: Span[]) => spans.find((s) => s.parentId === undefined);
  const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

  const matches = (root: Span, spans: Span[], summary: TraceSummary, f: TraceFilters, from?: number, to?: number) => {
    if (from !== undefined && root.startTime < from) return false;
    if (to !== undefined && root.startTime >= to) return false;
    if (f.status !== undefined && root.status !== f.status) return false;
    if (f.model !== undefined && !spans.some((s) => s.attributes.model === f.model)) return false;
    if (f.user !== undefined && !spans.some((s) => s.attributes.user === f.user)) return false;
    if (f.minCostUsd !== undefined && summary.costUsd < f.minCostUsd) return false;
    if (f.text !== undefined && f.text !== '') {
      const needle = asciiLower(f.text);
      if (!spans.some((s) => asciiLower(s.input ?? '').includes(needle) || asciiLower(s.output ?? '').includes(needle))) return false;
    }
    return true;
  };

  return {
    async write(spans) {
      for (const s of spans) {
        let project = traces.get(s.projectId);
        if (!project) traces.set(s.projectId, (project = new Map()));
        const list = project.get(s.traceId) ?? [];
        const at = list.findIndex((x) => x.spanId === s.spanId);
        const copy = structuredClone(s);
        if (at >= 0) list[at] = copy;
        else list.push(copy);
        project.set(s.traceId, list);
      }
    },
    async listTraces(projectId, filters = {}): Promise<TracePage> {
      const limit = limitOf(filters);
      const from = filters.from === undefined ? undefined : toMs(filters.from, 'from');
      const to = filters.to === undefined ? undefined : toMs(filters.to, 'to');
      const after = filters.cursor === undefined ? undefined : decodeCursor(filters.cursor);
      const out: TraceSummary[] = [];
      for (const spans of traces.get(projectId)?.values() ?? []) {
        const root = rootOf(spans);
        if (!root) continue;
        const summary = summarize(root, spans);
        if (!matches(root, spans, summary, filters, from, to)) continue;
        if (after && !(root.startTime < after.startTime || (root.startTime === after.startTime && root.traceId < after.traceId))) continue;
        out.push(structuredClone(summary));
      }
      out.sort((a, b) => b.startTime - a.startTime || (a.traceId < b.traceId ? 1 : -1));
      const page = out.slice(0, limit);
      return { traces: page, ...(out.length > limit ? { nextCursor: encodeCursor(page[page.length - 1]!) } : {}) };
    },
    async getTrace(projectId, traceId) {
      const spans = spansOf(projectId, traceId);
      if (!spans.length) throw traceNotFound(traceId);
      return buildTree(structuredClone(spans));
    },
    async addFeedback(projectId, traceId, input) {
      validateFeedback(input);
      if (!spansOf(projectId, traceId).length) throw traceNotFound(traceId);
      const f: Feedback = { id: newId('fb'), projectId, traceId, createdAt: Date.now(), ...input };
      feedback.push(f);
      return { ...f };
    },
    async listFeedback(projectId, traceId) {
      return feedback.filter((f) => f.projectId === projectId && f.traceId === traceId).map((f) => ({ ...f }));
    },
    async rootInputs(projectId, range, limit) {
      const from = toMs(range.from, 'from');
      const to = toMs(range.to, 'to');
      const roots: Span[] = [];
      for (const list of traces.get(projectId)?.values() ?? []) {
        const root = rootOf(list);
        if (root && root.startTime >= from && root.startTime < to && root.input !== undefined && !root.input.startsWith('sha256:')) roots.push(root);
      }
      return roots.sort((a, b) => b.startTime - a.startTime).slice(0, limit).map((r) => r.input!);
    },
    async stats(projectId, range) {
      const from = toMs(range.from, 'from');
      const to = toMs(range.to, 'to');
      const roots: Span[] = [];
      const spans: Span[] = [];
      for (const list of traces.get(projectId)?.values() ?? []) {
        const root = rootOf(list);
        if (!root || root.startTime < from || root.startTime >= to) continue;
        roots.push(root);
        spans.push(...list);
      }
      const ids = new Set(roots.map((r) => r.traceId));
      return computeStats(from, to, roots, spans, feedback.filter((f) => f.projectId === projectId && ids.has(f.traceId)));
    },
    async deleteTraces(projectId, { before }) {
      const cut = toMs(before, 'before');
      const project = traces.get(projectId);
      let n = 0;
      for (const [traceId, spans] of project ?? []) {
        const root = rootOf(spans);
        if (!root || root.startTime >= cut) continue;
        project!.delete(traceId);
        for (let i = feedback.length - 1; i >= 0; i--) if (feedback[i]!.projectId === projectId && feedback[i]!.traceId === traceId) feedback.splice(i, 1);
        n++;
      }
      return n;
    },
    async close() {
      traces.clear();
    },
  };
}
