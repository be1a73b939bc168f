import { recordSteps, type RetrievalRun } from './retrieval.js';
import { createTracer, type SpanHandle, type SpanSink, type TracePrivacy, type Tracer, type TraceStore } from '../trace/index.js';

/**
 * One tracer per project over one trace store. Every ask is a `request` span with a
 * `retrieval` child and an `llm` child recorded by the model stack (models.ts).
 */
export interface Tracing {
  readonly store: TraceStore;
  /** Start the root span of one ask. Spans started inside `root.run(...)` become its children. */
  begin(projectId: string, question: string): { root: SpanHandle; tracer: Tracer };
  tracer(projectId: string): Tracer;
  /** A `retrieve` span with one child span per pipeline step. */
  retrieval(tracer: Tracer, run: () => Promise<RetrievalRun>): Promise<RetrievalRun>;
  flush(): Promise<void>;
}

export function createTracing(store: TraceStore, options: { privacy?: TracePrivacy; exporters?: SpanSink[] } = {}): Tracing {
  const tracers = new Map<string, Tracer>();
  const tracerFor = (projectId: string): Tracer => {
    let t = tracers.get(projectId);
    if (!t) {
      t = createTracer({ store, projectId, ...options });
      tracers.set(projectId, t);
    }
    return t;
  };
  return {
    store,
    begin(projectId, question) {
      const tracer = tracerFor(projectId);
      const root = tracer.startSpan('ask', 'request', { parent: null }).setInput(question);
      return { root, tracer };
    },
    tracer: tracerFor,
    retrieval(tracer, run) {
      return tracer.withSpan('retrieve', 'retrieval', async (span) => {
        const result = await run();
        const { hits } = result;
        span.setAttributes({ hits: hits.length }).setOutput(hits.map((h) => ({ chunkId: h.chunk.id, source: h.document.source, score: h.score })));
        recordSteps(tracer, span, result);
        return result;
      });
    },
    async flush() {
      await Promise.all([...tracers.values()].map((t) => t.flush()));
    },
  };
}

/**
 * The trace store as callers see it: every read first writes the spans still waiting in the
 * tracers' batch window, so a trace is readable as soon as its request has answered.
 */
export function readYourWrites(store: TraceStore, flush: () => Promise<void>): TraceStore {
  return {
    write: (spans) => store.write(spans),
    listTraces: async (p, f) => (await flush(), store.listTraces(p, f)),
    getTrace: async (p, id) => (await flush(), store.getTrace(p, id)),
    addFeedback: async (p, id, f) => (await flush(), store.addFeedback(p, id, f)),
    listFeedback: async (p, id) => (await flush(), store.listFeedback(p, id)),
    stats: async (p, r) => (await flush(), store.stats(p, r)),
    rootInputs: async (p, r, n) => (await flush(), store.rootInputs(p, r, n)),
    deleteTraces: async (p, o) => (await flush(), store.deleteTraces(p, o)),
    close: () => store.close(),
  };
}
