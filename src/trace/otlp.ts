import { createLogger, IncontextError } from '../core/index.js';
import type { SpanSink } from './tracer.js';
import type { AttributeValue, Span, SpanKind } from './types.js';

export interface OtlpExporterOptions {
  /** Collector endpoint; a bare origin gets `/v1/traces` appended (as OTEL_EXPORTER_OTLP_ENDPOINT does). */
  url: string;
  headers?: Record<string, string>;
  /** Spans per request; default 64. */
  batchSize?: number;
  /** Send whatever is queued this often; default 2000 ms. */
  flushIntervalMs?: number;
  /** Spans held while the collector is slow or down; the oldest are dropped beyond it. Default 2048. */
  maxQueue?: number;
  /** Retries of a batch after a 5xx, 429 or network error; default 3. */
  maxRetries?: number;
  /** First retry delay, doubled each time with jitter; default 250 ms. */
  retryDelayMs?: number;
  timeoutMs?: number;
  serviceName?: string;
  /** Called once per batch that could not be delivered. Default: a warning on stderr. */
  onError?: (err: IncontextError) => void;
}

export interface OtlpExporter extends SpanSink {
  /** Send everything queued now; resolves when the queue is empty or undeliverable. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
  readonly dropped: number;
  readonly sent: number;
  readonly failed: number;
}

type OtlpValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean } | { arrayValue: { values: OtlpValue[] } };

function otlpValue(v: AttributeValue): OtlpValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { arrayValue: { values: v.map((x) => ({ stringValue: x })) } };
}

const OPERATION: Partial<Record<SpanKind, string>> = { llm: 'chat', 'llm.attempt': 'chat', embed: 'embeddings', tool: 'execute_tool' };

/** Our attribute names → OpenTelemetry GenAI semantic conventions; the rest go under `incontext.`. */
const GEN_AI: Record<string, string> = {
  model: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  temperature: 'gen_ai.request.temperature',
  maxOutputTokens: 'gen_ai.request.max_tokens',
  topP: 'gen_ai.request.top_p',
  responseId: 'gen_ai.response.id',
};

/** Our provider ids ('openai.chat', 'anthropic.messages') → the convention's well-known names. */
function providerName(provider: string): string {
  const base = provider.split('.')[0]!.toLowerCase();
  if (base === 'google' || base === 'vertex') return 'gcp.gemini';
  if (base === 'mistral') return 'mistral_ai';
  if (base === 'incontext') return 'incontext';
  return base;
}

const MAX_TEXT = 8192;
const cap = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…[truncated ${text.length - MAX_TEXT} chars]` : text);

export function spanToOtlp(span: Span): Record<string, unknown> {
  const attributes: Array<{ key: string; value: OtlpValue }> = [];
  const put = (key: string, v: AttributeValue | undefined) => {
    if (v !== undefined) attributes.push({ key, value: otlpValue(v) });
  };
  const op = OPERATION[span.kind];
  if (op) put('gen_ai.operation.name', op);
  for (const [k, v] of Object.entries(span.attributes)) {
    if (v === undefined) continue;
    if (k === 'provider' && typeof v === 'string') {
      put('gen_ai.provider.name', providerName(v));
      // Deprecated name, still what many backends key their LLM views on.
      put('gen_ai.system', providerName(v));
    } else if (k === 'finishReason') put('gen_ai.response.finish_reasons', [String(v)]);
    else if (k === 'user') put('enduser.id', v);
    else put(GEN_AI[k] ?? `incontext.${k}`, v);
  }
  put('incontext.project_id', span.projectId);
  put('incontext.span_kind', span.kind);
  if (span.error !== undefined) put('error.type', span.error.slice(0, 200));
  // Collectors commonly reject attributes over a few tens of KB; the full text stays in the local store.
  if (span.input !== undefined) put('incontext.input', cap(span.input));
  if (span.output !== undefined) put('incontext.output', cap(span.output));
  const model = typeof span.attributes.model === 'string' ? span.attributes.model : undefined;
  const ns = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentId ? { parentSpanId: span.parentId } : {}),
    // The convention names model spans "{operation} {model}".
    name: op && model ? `${op} ${model}` : span.name,
    // 3 = CLIENT for calls that leave the process, 1 = INTERNAL otherwise.
    kind: span.kind === 'llm' || span.kind === 'llm.attempt' || span.kind === 'embed' ? 3 : 1,
    startTimeUnixNano: ns(span.startTime),
    endTimeUnixNano: ns(span.endTime),
    attributes,
    status: span.status === 'error' ? { code: 2, message: span.error ?? 'error' } : { code: 1 },
  };
}

export function otlpRequest(spans: Span[], serviceName = 'incontext'): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeSpans: [{ scope: { name: 'incontext' }, spans: spans.map(spanToOtlp) }],
      },
    ],
  };
}

function endpoint(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new IncontextError('CONFIG_INVALID', `OTLP endpoint ${JSON.stringify(url)} is not a URL`, {
      input: { key: 'trace.otlp.url' },
      hint: 'Give the collector as http://host:4318 (or the full http://host:4318/v1/traces).',
      cause: err,
    });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new IncontextError('CONFIG_INVALID', `OTLP endpoint must be http(s), got ${u.protocol}`, { input: { key: 'trace.otlp.url' }, hint: 'OTLP/HTTP runs over http or https.' });
  }
  if (u.pathname === '' || u.pathname === '/') u.pathname = '/v1/traces';
  return u.href;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * OTLP/HTTP JSON exporter. `export` only queues, so the app never waits on a
 * collector; a timer and full batches trigger sends. When the queue is full
 * the oldest spans are dropped and counted.
 */
export function createOtlpExporter(options: OtlpExporterOptions): OtlpExporter {
  const url = endpoint(options.url);
  const batchSize = options.batchSize ?? 64;
  const maxQueue = options.maxQueue ?? 2048;
  const maxRetries = options.maxRetries ?? 3;
  const retryDelay = options.retryDelayMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const log = createLogger('warn');
  const onError = options.onError ?? ((e: IncontextError) => log.warn(e.message, { hint: e.hint }));
  const queue: Span[] = [];
  let dropped = 0;
  let sent = 0;
  let failed = 0;
  let running: Promise<void> | undefined;
  let closed = false;

  const post = async (batch: Span[]): Promise<void> => {
    let lastError = '';
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      if (attempt > 0) await sleep(retryDelay * 2 ** (attempt - 1) * (0.5 + Math.random()));
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          body: JSON.stringify(otlpRequest(batch, options.serviceName)),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.arrayBuffer();
        if (res.ok) {
          sent += batch.length;
          return;
        }
        lastError = `HTTP ${res.status}`;
        // Other 4xx mean the collector refuses this payload: retrying cannot help.
        if (res.status < 500 && res.status !== 429) break;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      }
    }
    failed += batch.length;
    onError(
      new IncontextError('INTERNAL', `OTLP export of ${batch.length} spans to ${url} failed: ${lastError}`, {
        input: { path: url },
        hint: 'Check that the collector is running and accepts OTLP/HTTP JSON on /v1/traces; spans are kept in the local trace store regardless.',
      }),
    );
  };

  const drain = (): Promise<void> => {
    if (running) return running;
    if (!queue.length) return Promise.resolve();
    const p = (async () => {
      while (queue.length) await post(queue.splice(0, batchSize));
    })();
    running = p;
    // The derived promise only clears the flag; p itself carries any failure to its awaiters.
    p.finally(() => {
      if (running === p) running = undefined;
    }).catch(() => undefined);
    return p;
  };

  const timer = setInterval(() => void drain(), options.flushIntervalMs ?? 2000);
  timer.unref();

  return {
    export(span) {
      if (closed) {
        // Counted, not thrown: a span ending after shutdown must not break the app.
        dropped++;
        return;
      }
      queue.push(span);
      while (queue.length > maxQueue) {
        queue.shift();
        dropped++;
      }
      if (queue.length >= batchSize) void drain();
    },
    async flush() {
      while (queue.length || running) await drain();
    },
    async shutdown() {
      closed = true;
      clearInterval(timer);
      while (queue.length || running) await drain();
    },
    get dropped() {
      return dropped;
    },
    get sent() {
      return sent;
    },
    get failed() {
      return failed;
    },
  };
}
