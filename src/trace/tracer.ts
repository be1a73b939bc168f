import { AsyncLocalStorage } from 'node:async_hooks';
import { randomHex, sha256, toIncontextError, type IncontextError } from '../core/index.js';
import type { Span, SpanAttributes, SpanKind, SpanStatus, TraceStore } from './types.js';

export type TracePrivacy = 'full' | 'hash' | 'none';

/** Where a finished span goes besides the store, e.g. an OTLP exporter. Must not block. */
export interface SpanSink {
  export(span: Span): void;
}

export interface TracerOptions {
  store: TraceStore;
  projectId: string;
  /** 'full' keeps input/output text, 'hash' keeps sha256 of it, 'none' keeps neither. Default 'full'. */
  privacy?: TracePrivacy;
  /** Epoch milliseconds; injectable for tests. */
  clock?: () => number;
  exporters?: SpanSink[];
  /** Called when the store rejects a span; the error is also rethrown by flush(). */
  onError?: (err: IncontextError) => void;
}

export interface SpanContext {
  traceId: string;
  spanId: string;
}

export interface StartSpanOptions {
  /** Explicit parent; by default the span active in the current async context. */
  parent?: SpanContext | null;
  attributes?: SpanAttributes;
  /** When the work began, if before now (events reported after the fact, e.g. a finished gateway attempt). */
  startTime?: number;
}

export interface SpanHandle extends SpanContext {
  readonly name: string;
  readonly kind: SpanKind;
  readonly startTime: number;
  readonly ended: boolean;
  setAttributes(attributes: SpanAttributes): this;
  /** Strings are kept as they are; anything else as JSON. Subject to the tracer's privacy. */
  setInput(value: unknown): this;
  setOutput(value: unknown): this;
  /** Ends the span once; later calls are ignored so cleanup paths may call it freely. */
  end(status?: SpanStatus, error?: unknown): void;
  /** Run fn with this span as the active parent of spans started inside it. */
  run<T>(fn: () => T): T;
}

export interface Tracer {
  readonly projectId: string;
  /** The tracer's clock (epoch ms), so durations measured outside spans agree with them. */
  now(): number;
  startSpan(name: string, kind: SpanKind, options?: StartSpanOptions): SpanHandle;
  /** Start a span, run fn inside it, end it ok or with fn's error (which is rethrown). */
  withSpan<T>(name: string, kind: SpanKind, fn: (span: SpanHandle) => Promise<T> | T, options?: StartSpanOptions): Promise<T>;
  /** The span active in the current async context, if any. */
  active(): SpanContext | undefined;
  /** Wait for every span written so far; rejects with the first store failure since the last flush. */
  flush(): Promise<void>;
}

const context = new AsyncLocalStorage<SpanContext>();

/** How long a finished span may wait to be written with others, and the most spans in one write. */
const BATCH_MS = 25;
const BATCH_MAX = 512;

/**
 * A W3C/OTLP trace id (32 hex) led by the start time in ms, as UUIDv7 does: the trace tables are
 * keyed by it, and time-ordered keys append to their B-trees instead of landing on a random
 * page, which halves the cost of writing spans (measured: 0.060 → 0.030 ms for a request's three).
 * The other 80 bits stay random, so ids are unique across processes and replicas.
 */
function newTraceId(ms: number): string {
  return Math.floor(ms).toString(16).padStart(12, '0').slice(-12) + randomHex(10);
}

function errorText(err: unknown): string {
  if (err === undefined) return 'error';
  return err instanceof Error ? err.message : String(err);
}

function clean(attributes: SpanAttributes): SpanAttributes {
  const out: SpanAttributes = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) out[k] = v;
  return out;
}

export function createTracer(options: TracerOptions): Tracer {
  const clock = options.clock ?? Date.now;
  const privacy = options.privacy ?? 'full';
  const pending = new Set<Promise<void>>();
  const failures: IncontextError[] = [];

  const keep = (value: unknown): string | undefined => {
    if (privacy === 'none' || value === undefined) return undefined;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return privacy === 'hash' ? `sha256:${sha256(text)}` : text;
  };

  // Spans are written in batches: one SQLite transaction per BATCH_MS window instead of one per
  // request, so under load many requests share a commit. flush() writes at once, and the app's
  // trace reads flush first, so nothing reads around the window. The pending timer keeps a
  // process that forgets close() alive just long enough to write.
  let batch: Span[] = [];
  let timer: NodeJS.Timeout | undefined;
  const writeBatch = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const spans = batch;
    batch = [];
    if (spans.length === 0) return;
    const p = options.store.write(spans).catch((err: unknown) => {
      const e = toIncontextError(err, 'STORE_FAILED');
      failures.push(e);
      options.onError?.(e);
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const finish = (span: Span) => {
    batch.push(span);
    if (batch.length >= BATCH_MAX) writeBatch();
    else timer ??= setTimeout(writeBatch, BATCH_MS);
    for (const sink of options.exporters ?? []) sink.export(span);
  };

  const startSpan = (name: string, kind: SpanKind, opts: StartSpanOptions = {}): SpanHandle => {
    const parent = opts.parent === null ? undefined : (opts.parent ?? context.getStore());
    const startTime = opts.startTime ?? clock();
    const traceId = parent?.traceId ?? newTraceId(startTime);
    const spanId = randomHex(8);
    let attributes: SpanAttributes = clean(opts.attributes ?? {});
    let input: string | undefined;
    let output: string | undefined;
    let ended = false;
    const handle: SpanHandle = {
      traceId,
      spanId,
      name,
      kind,
      startTime,
      get ended() {
        return ended;
      },
      setAttributes(a) {
        attributes = { ...attributes, ...clean(a) };
        return this;
      },
      setInput(v) {
        input = keep(v);
        return this;
      },
      setOutput(v) {
        output = keep(v);
        return this;
      },
      end(status = 'ok', error) {
        if (ended) return;
        ended = true;
        finish({
          traceId,
          spanId,
          ...(parent ? { parentId: parent.spanId } : {}),
          projectId: options.projectId,
          name,
          kind,
          startTime,
          endTime: Math.max(startTime, clock()),
          status,
          ...(status === 'error' ? { error: errorText(error) } : {}),
          attributes,
          ...(input === undefined ? {} : { input }),
          ...(output === undefined ? {} : { output }),
        });
      },
      run(fn) {
        return context.run({ traceId, spanId }, fn);
      },
    };
    return handle;
  };

  return {
    projectId: options.projectId,
    now: clock,
    startSpan,
    async withSpan(name, kind, fn, opts) {
      const span = startSpan(name, kind, opts);
      try {
        const result = await span.run(() => fn(span));
        span.end('ok');
        return result;
      } catch (err) {
        span.end('error', err);
        throw err;
      }
    },
    active: () => context.getStore(),
    async flush() {
      writeBatch();
      while (pending.size) await Promise.all([...pending]);
      const first = failures.shift();
      failures.length = 0;
      if (first) throw first;
    },
  };
}
