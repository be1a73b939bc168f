/** Traces: spans of every operation, the store that keeps them, and what it answers. */

export type SpanKind = 'request' | 'retrieval' | 'rerank' | 'prompt' | 'llm' | 'llm.attempt' | 'cache' | 'route' | 'tool' | 'embed' | 'ingest';
export const SPAN_KINDS: readonly SpanKind[] = ['request', 'retrieval', 'rerank', 'prompt', 'llm', 'llm.attempt', 'cache', 'route', 'tool', 'embed', 'ingest'];

export type SpanStatus = 'ok' | 'error';

export type AttributeValue = string | number | boolean | string[];

/**
 * Well-known attributes are typed; anything else may be added. Usage attributes
 * (tokens, cost) belong on the operation that spent them: totals add them up over
 * every span of a trace except `llm.attempt` spans, which detail their `llm` parent.
 */
export interface SpanAttributes {
  model?: string;
  provider?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  /** True when the answer came from the response cache. */
  cached?: boolean;
  /** Time to first token of a stream, ms from the span's start. */
  ttftMs?: number;
  promptVersion?: string;
  user?: string;
  finishReason?: string;
  [key: string]: AttributeValue | undefined;
}

export interface Span {
  /** 32 hex characters, as OpenTelemetry wants them. */
  traceId: string;
  /** 16 hex characters. */
  spanId: string;
  parentId?: string;
  projectId: string;
  name: string;
  kind: SpanKind;
  /** Milliseconds since the epoch. */
  startTime: number;
  endTime: number;
  status: SpanStatus;
  error?: string;
  attributes: SpanAttributes;
  /** Text, `sha256:<hex>` under privacy 'hash', absent under privacy 'none'. */
  input?: string;
  output?: string;
}

export interface SpanNode extends Span {
  children: SpanNode[];
}

/** Times are epoch milliseconds or ISO 8601 strings. */
export type TimeInput = number | string;

export interface TraceFilters {
  /** Root start time, inclusive. */
  from?: TimeInput;
  /** Root start time, exclusive. */
  to?: TimeInput;
  /** Some span of the trace used this model. */
  model?: string;
  /** Status of the root span. */
  status?: SpanStatus;
  /** Some span of the trace carries this `user` attribute. */
  user?: string;
  /** Total cost of the trace at least this. */
  minCostUsd?: number;
  /** Case-insensitive substring of some span's input or output (ASCII case folding). */
  text?: string;
  /** Default 50, at most 500. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** A root span with its trace's totals. */
export interface TraceSummary {
  traceId: string;
  projectId: string;
  name: string;
  kind: SpanKind;
  startTime: number;
  endTime: number;
  durationMs: number;
  status: SpanStatus;
  error?: string;
  user?: string;
  /** Models used in the trace, sorted. */
  models: string[];
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  spanCount: number;
}

export interface TracePage {
  traces: TraceSummary[];
  nextCursor?: string;
}

export interface FeedbackInput {
  /** Any number; conventionally 0..1 or -1/1 for thumbs. */
  score?: number;
  label?: string;
  comment?: string;
}

export interface Feedback extends FeedbackInput {
  id: string;
  projectId: string;
  traceId: string;
  createdAt: number;
}

export interface StatsRange {
  from: TimeInput;
  to: TimeInput;
}

export interface TraceStats {
  from: number;
  to: number;
  traces: number;
  errors: number;
  errorRate: number;
  /** Root span durations. */
  latencyMs: { p50: number; p95: number };
  tokens: { input: number; output: number };
  costUsd: number;
  /** UTC days that had traces, ascending. */
  costPerDay: Array<{ day: string; costUsd: number }>;
  costPerModel: Array<{ model: string; calls: number; inputTokens: number; outputTokens: number; costUsd: number }>;
  llmCalls: number;
  cacheHits: number;
  cacheHitRate: number;
  feedback: { count: number; avgScore?: number };
  /** Linear trend of the daily cost in the month of `to`, extended to the month's end. */
  forecast: { month: string; spentUsd: number; forecastUsd: number };
}

export interface TraceStore {
  write(spans: Span[]): Promise<void>;
  listTraces(projectId: string, filters?: TraceFilters): Promise<TracePage>;
  /** The span tree (roots first, children by start time); NOT_FOUND when the trace has no spans. */
  getTrace(projectId: string, traceId: string): Promise<SpanNode[]>;
  addFeedback(projectId: string, traceId: string, feedback: FeedbackInput): Promise<Feedback>;
  listFeedback(projectId: string, traceId: string): Promise<Feedback[]>;
  stats(projectId: string, range: StatsRange): Promise<TraceStats>;
  /** Inputs of the root spans that started in the range, newest first, at most `limit`; hashed or absent inputs are skipped. */
  rootInputs(projectId: string, range: StatsRange, limit: number): Promise<string[]>;
  /** Retention: drop traces whose root started before `before`, with their spans and feedback. Returns how many traces went. */
  deleteTraces(projectId: string, options: { before: TimeInput }): Promise<number>;
  close(): Promise<void>;
}
