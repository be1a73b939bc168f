export type * from './types.js';
export { SPAN_KINDS } from './types.js';
export { createTracer, type Tracer, type TracerOptions, type TracePrivacy, type SpanHandle, type SpanContext, type SpanSink, type StartSpanOptions } from './tracer.js';
export { createMemoryTraceStore } from './memory.js';
export { openSqliteTraceStore, openSqliteTraceStore as openTraceStore, type SqliteTraceStoreOptions } from './sqlite.js';
export { forecast } from './shared.js';
export { createOtlpExporter, spanToOtlp, otlpRequest, type OtlpExporter, type OtlpExporterOptions } from './otlp.js';
export { traceMiddleware, promptText, type TraceMiddlewareOptions } from './middleware.js';
