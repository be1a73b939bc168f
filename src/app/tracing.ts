import { wrapLanguageModel } from 'ai';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { Hit } from '../core/index.js';
import { createTracer, traceMiddleware, type SpanHandle, type Tracer, type TraceStore } from '../trace/index.js';

/**
 * One tracer per project over one trace store. Every ask is a `request` span with a
 * `retrieval` child and an `llm` child recorded by the trace middleware around the model.
 */
export interface Tracing {
  readonly store: TraceStore;
  /** Start the root span of one ask. Spans started inside `root.run(...)` become its children. */
  begin(projectId: string, question: string): { root: SpanHandle; tracer: Tracer };
  /** The model with an `llm` span recorded for every call made under the active span. */
  traced(model: LanguageModelV4, tracer: Tracer): LanguageModelV4;
  retrieval(tracer: Tracer, run: () => Promise<Hit[]>): Promise<Hit[]>;
  flush(): Promise<void>;
}

export function createTracing(store: TraceStore): Tracing {
  const tracers = new Map<string, Tracer>();
  const tracerFor = (projectId: string): Tracer => {
    let t = tracers.get(projectId);
    if (!t) {
      t = createTracer({ store, projectId });
      tracers.set(projectId, t);
    }
    return t;
  };
  const wrapped = new WeakMap<LanguageModelV4, Map<Tracer, LanguageModelV4>>();
  return {
    store,
    begin(projectId, question) {
      const tracer = tracerFor(projectId);
      const root = tracer.startSpan('ask', 'request', { parent: null }).setInput(question);
      return { root, tracer };
    },
    traced(model, tracer) {
      let byTracer = wrapped.get(model);
      if (!byTracer) wrapped.set(model, (byTracer = new Map()));
      let m = byTracer.get(tracer);
      if (!m) byTracer.set(tracer, (m = wrapLanguageModel({ model, middleware: traceMiddleware(tracer) })));
      return m;
    },
    retrieval(tracer, run) {
      return tracer.withSpan('retrieve', 'retrieval', async (span) => {
        const hits = await run();
        span.setAttributes({ hits: hits.length }).setOutput(hits.map((h) => ({ chunkId: h.chunk.id, source: h.document.source, score: h.score })));
        return hits;
      });
    },
    async flush() {
      await Promise.all([...tracers.values()].map((t) => t.flush()));
    },
  };
}
