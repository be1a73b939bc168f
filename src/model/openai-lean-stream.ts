/**
 * The streamed half of the lean OpenAI chat transport: one SSE body read from node:http,
 * split into events by hand, one JSON.parse per event, and turned into exactly the parts
 * @ai-sdk/openai 4.0's OpenAIChatLanguageModel.doStream emits (same order, same errors,
 * the SDK's own tool-call tracker). Events that a cheap shape check cannot vouch for go
 * through a copy of the SDK's zod chunk schema and its safeParseJSON, so an odd chunk
 * (logprobs, annotations, a broken field, a prototype key) is judged, stripped and
 * reported exactly as the SDK would; only the common chunk skips zod.
 * Measured in a warm loop against an upstream in another process: see openai-lean.ts.
 */
import type http from 'node:http';
import { APICallError, type LanguageModelV4CallOptions, type LanguageModelV4FinishReason, type LanguageModelV4StreamPart, type LanguageModelV4StreamResult, type LanguageModelV4Usage, type SharedV4Warning } from '@ai-sdk/provider';
import {
  createLanguageModelResponseMetadata,
  createNullLanguageModelUsage,
  createProviderStreamError,
  generateId,
  safeParseJSON,
  safeValidateTypes,
  StreamingToolCallTracker,
  zodSchema,
} from '@ai-sdk/provider-utils';
import { z } from 'zod/v4';

// ---------------------------------------------------------------- shared wire helpers

export function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export function isAbort(e: unknown): boolean {
  return e instanceof Error || (typeof DOMException === 'function' && e instanceof DOMException) ? ['AbortError', 'ResponseAborted', 'TimeoutError'].includes((e as Error).name) : false;
}

export interface WireUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null; cache_write_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null; accepted_prediction_tokens?: number | null; rejected_prediction_tokens?: number | null } | null;
}

function pick<T extends object>(from: T, keys: readonly (keyof T)[]): T {
  const out = {} as T;
  for (const k of keys) if (k in from) out[k] = from[k];
  return out;
}

/** The usage object as the SDK's zod schema leaves it (unknown keys such as audio_tokens dropped), since it is handed out as `raw`. */
export function strippedUsage(u: WireUsage): WireUsage {
  const out = pick(u, ['prompt_tokens', 'completion_tokens', 'total_tokens']);
  const p = u.prompt_tokens_details;
  if (p !== undefined) out.prompt_tokens_details = p === null ? p : pick(p, ['cached_tokens', 'cache_write_tokens']);
  const c = u.completion_tokens_details;
  if (c !== undefined) out.completion_tokens_details = c === null ? c : pick(c, ['reasoning_tokens', 'accepted_prediction_tokens', 'rejected_prediction_tokens']);
  return out;
}

/** The SDK's convertOpenAIChatUsage. */
export function usageOf(u: WireUsage | null | undefined): LanguageModelV4Usage {
  if (u == null) return createNullLanguageModelUsage();
  const input = u.prompt_tokens ?? 0;
  const output = u.completion_tokens ?? 0;
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  const written = u.prompt_tokens_details?.cache_write_tokens ?? undefined;
  const reasoning = u.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    inputTokens: { total: input, noCache: input - cached - (written ?? 0), cacheRead: cached, cacheWrite: written },
    outputTokens: { total: output, text: Math.max(0, output - reasoning), reasoning },
    raw: u as Record<string, never>,
  };
}

export function finishOf(reason: string | null | undefined, hasRefusal: boolean): 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'other' {
  switch (reason) {
    case 'stop':
      return hasRefusal ? 'content-filter' : 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    case 'function_call':
    case 'tool_calls':
      return 'tool-calls';
    default:
      return 'other';
  }
}

// ---------------------------------------------------------------- chunk parsing

interface ToolCallDelta {
  index: number;
  id?: string | null;
  type?: 'function' | null;
  function: { name?: string | null; arguments?: string | null };
}

interface Chunk {
  id?: string | null;
  created?: number | null;
  model?: string | null;
  choices: Array<{
    delta?: {
      content?: string | null;
      refusal?: string | null;
      tool_calls?: ToolCallDelta[] | null;
      annotations?: Array<{ url_citation: { url: string; title: string } }> | null;
    } | null;
    logprobs?: { content?: unknown[] | null; refusal?: unknown[] | null } | null;
    finish_reason?: string | null;
  }>;
  usage?: WireUsage | null;
}

type ErrorFrame = { message: string; type?: string | null; param?: unknown; code?: string | number | null };

/** The parse of one event, as the SDK's safeParseJSON gives it, with the union branch already told apart. */
type Parsed = { success: true; chunk: Chunk; rawValue: unknown } | { success: true; error: ErrorFrame; rawValue: unknown } | { success: false; error: unknown; rawValue: unknown };

const logprobItems = () => z.array(z.object({ token: z.string(), logprob: z.number(), top_logprobs: z.array(z.object({ token: z.string(), logprob: z.number() })) })).nullish();
const usageSchema = () =>
  z.object({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
    total_tokens: z.number().nullish(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().nullish(), cache_write_tokens: z.number().nullish() }).nullish(),
    completion_tokens_details: z.object({ reasoning_tokens: z.number().nullish(), accepted_prediction_tokens: z.number().nullish(), rejected_prediction_tokens: z.number().nullish() }).nullish(),
  }).nullish();

/** A copy of @ai-sdk/openai's openaiChatChunkSchema, built only when an event needs it. */
let chunkSchema: ReturnType<typeof buildChunkSchema> | undefined;
function buildChunkSchema() {
  return zodSchema(
    z.union([
      z.object({
        id: z.string().nullish(),
        created: z.number().nullish(),
        model: z.string().nullish(),
        choices: z.array(
          z.object({
            delta: z.object({
              role: z.enum(['assistant']).nullish(),
              content: z.string().nullish(),
              refusal: z.string().nullish(),
              tool_calls: z.array(z.object({ index: z.number(), id: z.string().nullish(), type: z.literal('function').nullish(), function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }) })).nullish(),
              annotations: z.array(z.object({ type: z.literal('url_citation'), url_citation: z.object({ start_index: z.number(), end_index: z.number(), url: z.string(), title: z.string() }) })).nullish(),
            }).nullish(),
            logprobs: z.object({ content: logprobItems(), refusal: logprobItems() }).nullish(),
            finish_reason: z.string().nullish(),
            index: z.number(),
          }),
        ),
        usage: usageSchema(),
      }),
      z.object({ error: z.object({ message: z.string(), type: z.string().nullish(), param: z.any().nullish(), code: z.union([z.string(), z.number()]).nullish() }) }),
    ]),
  );
}

const optStr = (v: unknown) => v == null || typeof v === 'string';
const optNum = (v: unknown) => v == null || (typeof v === 'number' && Number.isFinite(v));
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function plainUsage(u: unknown): boolean {
  if (u == null) return true;
  if (!isObj(u) || !optNum(u.prompt_tokens) || !optNum(u.completion_tokens) || !optNum(u.total_tokens)) return false;
  const p = u.prompt_tokens_details;
  if (p != null && (!isObj(p) || !optNum(p.cached_tokens) || !optNum(p.cache_write_tokens))) return false;
  const c = u.completion_tokens_details;
  return c == null || (isObj(c) && optNum(c.reasoning_tokens) && optNum(c.accepted_prediction_tokens) && optNum(c.rejected_prediction_tokens));
}

/**
 * True only for chunks the schema surely accepts and whose stripped form differs from the
 * parsed one in nothing this module hands out (usage is stripped separately). Logprobs
 * and non-empty annotations are left to the schema.
 */
function plainChunk(v: unknown): v is Chunk {
  if (!isObj(v) || !optStr(v.id) || !optNum(v.created) || !optStr(v.model) || !Array.isArray(v.choices) || !plainUsage(v.usage)) return false;
  for (const c of v.choices as unknown[]) {
    if (!isObj(c) || typeof c.index !== 'number' || !optStr(c.finish_reason) || c.logprobs != null) return false;
    const d = c.delta;
    if (d == null) continue;
    if (!isObj(d) || (d.role != null && d.role !== 'assistant') || !optStr(d.content) || !optStr(d.refusal)) return false;
    if (d.annotations != null && !(Array.isArray(d.annotations) && d.annotations.length === 0)) return false;
    if (d.tool_calls != null) {
      if (!Array.isArray(d.tool_calls)) return false;
      for (const t of d.tool_calls as unknown[]) {
        if (!isObj(t) || typeof t.index !== 'number' || !optStr(t.id) || (t.type != null && t.type !== 'function') || !isObj(t.function) || !optStr(t.function.name) || !optStr(t.function.arguments)) return false;
      }
    }
  }
  return true;
}

// The SDK parses with secureJsonParse; text that could carry a prototype key takes its path.
const suspectProto = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const suspectConstructor = /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;

function fromSdkParse(r: { success: true; value: unknown; rawValue: unknown } | { success: false; error: unknown; rawValue: unknown }): Parsed {
  if (!r.success) return r;
  const value = r.value as Chunk | { error: ErrorFrame };
  return 'error' in value ? { success: true, error: value.error, rawValue: r.rawValue } : { success: true, chunk: value, rawValue: r.rawValue };
}

function parseEvent(text: string): Parsed | Promise<Parsed> {
  const schema = (chunkSchema ??= buildChunkSchema());
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return safeParseJSON({ text, schema }).then(fromSdkParse);
  }
  if (typeof value === 'object' && value !== null && (suspectProto.test(text) || suspectConstructor.test(text))) return safeParseJSON({ text, schema }).then(fromSdkParse);
  if (plainChunk(value)) return { success: true, chunk: value, rawValue: value };
  return safeValidateTypes({ value, schema }).then(fromSdkParse);
}

function isOutputChunk(chunk: Chunk): boolean {
  return chunk.choices.some((c) => {
    const d = c.delta;
    return (d?.content != null && d.content.length > 0) || (d?.refusal != null && d.refusal.length > 0) || (d?.tool_calls != null && d.tool_calls.length > 0) || (d?.annotations != null && d.annotations.length > 0);
  });
}

// ---------------------------------------------------------------- in-band errors (the SDK's openai-stream-error)

const asRecord = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v != null ? (v as Record<string, unknown>) : undefined);
const strOrNum = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? v : undefined);

function parseStreamError(frame: unknown): { message: string; code: string | number | undefined; type: string | undefined } | undefined {
  const value = asRecord(frame);
  if (value == null) return undefined;
  if (value.type === 'response.failed') {
    const e = asRecord(asRecord(value.response)?.error);
    return typeof e?.message === 'string' ? { message: e.message, code: strOrNum(e.code), type: 'response.failed' } : undefined;
  }
  const error = asRecord(value.error) ?? value;
  return typeof error.message === 'string' && (asRecord(value.error) != null || typeof error.type === 'string' || 'code' in error || 'param' in error)
    ? { message: error.message, code: strOrNum(error.code), type: typeof error.type === 'string' ? error.type : undefined }
    : undefined;
}

function statusOf(e: { code: string | number | undefined; type: string | undefined }): number {
  const explicit = typeof e.code === 'string' && /^\d{3}$/.test(e.code) ? Number(e.code) : e.code;
  if (typeof explicit === 'number' && Number.isInteger(explicit) && explicit >= 400 && explicit <= 599) return explicit;
  const d = [e.code, e.type].filter((v) => typeof v === 'string' || typeof v === 'number').join(' ').toLowerCase();
  if (['insufficient_quota', 'rate_limit'].some((t) => d.includes(t))) return 429;
  if (d.includes('authentication')) return 401;
  if (d.includes('permission')) return 403;
  if (d.includes('not_found')) return 404;
  if (['invalid', 'bad_request', 'context_length'].some((t) => d.includes(t))) return 400;
  if (d.includes('overload')) return 503;
  if (d.includes('timeout')) return 504;
  return 500;
}

function providerStreamError(frame: unknown) {
  const e = parseStreamError(frame);
  if (e == null) return undefined;
  const statusCode = statusOf(e);
  const retryable = e.code === 'insufficient_quota' || e.type === 'insufficient_quota' ? false : statusCode === 408 || statusCode === 409 || statusCode === 429 || statusCode >= 500;
  // Keys with undefined values included, as the SDK builds it.
  return createProviderStreamError({ message: e.message, type: e.type, code: e.code, statusCode, isRetryable: retryable, data: frame } as Parameters<typeof createProviderStreamError>[0]);
}

function errorBeforeOutput(frame: ErrorFrame, url: string, requestBodyValues: unknown, responseHeaders: Record<string, string>): APICallError {
  const e = providerStreamError(frame);
  return new APICallError({
    message: e?.message ?? 'OpenAI stream failed before any output was generated',
    url,
    requestBodyValues,
    statusCode: e?.statusCode ?? 500,
    responseHeaders,
    responseBody: JSON.stringify(frame),
    data: frame,
    ...(e?.isRetryable === undefined ? {} : { isRetryable: e.isRetryable }),
  });
}

// ---------------------------------------------------------------- the stream

export interface StreamStart {
  /** The response, status 2xx, headers read, body not yet consumed. */
  res: http.IncomingMessage;
  /** Ends the exchange (the socket is not reused). */
  destroy: () => void;
  url: string;
  body: Record<string, unknown>;
  warnings: SharedV4Warning[];
  options: LanguageModelV4CallOptions;
}

/** Queued parts past which the socket is paused until the reader catches up. */
const PAUSE_AT = 64;

type Input = { kind: 'data'; text: string } | { kind: 'end' } | { kind: 'fail'; error: unknown };

/**
 * Reads the SSE body and resolves once the SDK would return from doStream: at the first
 * output chunk, a chunk that fails to parse, or the end; rejects on an in-band error (or a
 * dropped connection or abort) before any output, as the SDK's pre-output check does.
 */
export function chatStream({ res, destroy, url, body, warnings, options }: StreamStart): Promise<LanguageModelV4StreamResult> {
  const responseHeaders = flatHeaders(res.headers);
  const signal = options.abortSignal;
  const raw = options.includeRawChunks === true;

  let controller!: ReadableStreamDefaultController<LanguageModelV4StreamPart>;
  const stream = new ReadableStream<LanguageModelV4StreamPart>(
    {
      start: (c) => {
        controller = c;
      },
      pull: () => {
        if (res.isPaused() && !closed) res.resume();
      },
      cancel: () => {
        closed = true;
        finishExchange();
        destroy();
      },
    },
    // No read-ahead of its own: pull() then only runs when a reader waits on an empty queue,
    // which is when a paused socket should resume; the socket pauses past PAUSE_AT parts.
    { highWaterMark: 0 },
  );
  const emit = (p: LanguageModelV4StreamPart) => controller.enqueue(p);

  let settle!: { resolve: (v: LanguageModelV4StreamResult) => void; reject: (e: unknown) => void };
  const ready = new Promise<LanguageModelV4StreamResult>((resolve, reject) => (settle = { resolve, reject }));
  let open = false; // the caller has the stream
  let closed = false; // nothing more goes out
  const openStream = () => {
    if (open) return;
    open = true;
    settle.resolve({ stream, request: { body, url }, response: { headers: responseHeaders } });
  };
  const fail = (e: unknown) => {
    if (closed) return;
    closed = true;
    finishExchange();
    if (open) controller.error(e);
    else settle.reject(e);
  };

  // The SDK's transform state.
  const tracker = new StreamingToolCallTracker({ enqueue: emit }, { generateId, typeValidation: 'if-present' });
  let finishReason: LanguageModelV4FinishReason = { unified: 'interrupted', raw: undefined };
  let usage: WireUsage | undefined;
  let metadataSent = false;
  let activeText = false;
  let hasRefusal = false;
  let rawFinish: string | undefined;
  let hasLogprobs = false;
  const logprobs: unknown[] = [];
  const openai: Record<string, unknown> = {};
  emit({ type: 'stream-start', warnings });

  const handle = (p: Parsed) => {
    if (raw) emit({ type: 'raw', rawValue: p.rawValue });
    if (!p.success) {
      finishReason = { unified: 'error', raw: undefined };
      rawFinish = undefined;
      emit({ type: 'error', error: p.error });
      return;
    }
    if ('error' in p) {
      finishReason = { unified: 'error', raw: undefined };
      rawFinish = undefined;
      emit({ type: 'error', error: providerStreamError(p.error) ?? p.error });
      return;
    }
    const value = p.chunk;
    if (!metadataSent && (value.id || value.model || value.created)) {
      metadataSent = true;
      emit({ type: 'response-metadata', ...createLanguageModelResponseMetadata({ id: value.id ?? null, model: value.model ?? null, created: value.created || null }) });
    }
    if (value.usage != null) {
      usage = p.rawValue === value ? strippedUsage(value.usage) : value.usage;
      const d = value.usage.completion_tokens_details;
      if (d?.accepted_prediction_tokens != null) openai.acceptedPredictionTokens = d.accepted_prediction_tokens;
      if (d?.rejected_prediction_tokens != null) openai.rejectedPredictionTokens = d.rejected_prediction_tokens;
    }
    const choice = value.choices[0];
    if (choice?.finish_reason != null) rawFinish = choice.finish_reason;
    if (choice?.logprobs != null) {
      const { content, refusal } = choice.logprobs;
      if (content != null || refusal != null) {
        hasLogprobs = true;
        logprobs.push(...(content ?? []), ...(refusal ?? []));
      }
    }
    const delta = choice?.delta;
    if (delta == null) return;
    const texts: string[] = [];
    if (delta.content != null && delta.content.length > 0) texts.push(delta.content);
    if (delta.refusal != null && delta.refusal.length > 0) {
      hasRefusal = true;
      texts.push(delta.refusal);
    }
    if (texts.length === 0 && delta.content === '') texts.push('');
    for (const t of texts) {
      if (!activeText) {
        emit({ type: 'text-start', id: '0' });
        activeText = true;
      }
      emit({ type: 'text-delta', id: '0', delta: t });
    }
    if (delta.tool_calls != null) for (const t of delta.tool_calls) tracker.processDelta(t);
    if (delta.annotations != null) {
      for (const a of delta.annotations) emit({ type: 'source', sourceType: 'url', id: generateId(), url: a.url_citation.url, title: a.url_citation.title });
    }
  };

  const flush = () => {
    if (activeText) emit({ type: 'text-end', id: '0' });
    tracker.flush();
    if (rawFinish != null) finishReason = { unified: finishOf(rawFinish, hasRefusal), raw: rawFinish };
    if (hasLogprobs) openai.logprobs = logprobs;
    emit({ type: 'finish', finishReason, usage: usageOf(usage), providerMetadata: { openai: openai as Record<string, never> } });
  };

  /** One event, in order; before any output it also plays the SDK's pre-output check. */
  const process = (p: Parsed) => {
    if (!open) {
      if (p.success && 'error' in p) {
        // The SDK drains the rest of the body and throws; the caller never sees a stream.
        fail(errorBeforeOutput(p.error, url, body, responseHeaders));
        return;
      }
      if (!p.success || isOutputChunk(p.chunk)) openStream();
    }
    handle(p);
  };

  // Events are handled synchronously; only one that needs the SDK's async parse makes the rest wait.
  const queue: Input[] = [];
  let waiting = false;
  const drain = () => {
    while (!waiting && !closed && queue.length > 0) {
      const item = queue.shift()!;
      try {
        if (item.kind === 'fail') {
          fail(item.error);
        } else if (item.kind === 'end') {
          flush();
          openStream();
          closed = true;
          finishExchange();
          controller.close();
        } else if (item.text !== '[DONE]') {
          const p = parseEvent(item.text);
          if (p instanceof Promise) {
            waiting = true;
            p.then(
              (r) => {
                waiting = false;
                if (!closed) {
                  try {
                    process(r);
                  } catch (e) {
                    fail(e);
                    destroy();
                  }
                }
                drain();
              },
              (e: unknown) => {
                waiting = false;
                fail(e);
                destroy();
              },
            );
          } else process(p);
        }
      } catch (e) {
        // A throw in the SDK's transform (e.g. the tool-call tracker on a nameless new call) errors its stream.
        fail(e);
        destroy();
      }
    }
    if (!closed && open && (controller.desiredSize ?? 0) <= -PAUSE_AT && !res.isPaused()) res.pause();
  };
  const push = (item: Input) => {
    queue.push(item);
    if (!waiting) drain();
  };

  // SSE framing as eventsource-parser does it: CR, LF or CRLF lines; a blank line ends an
  // event; `data:` lines (one optional space) joined by LF; other fields ignored; an
  // unterminated event at the end of the body is dropped.
  let pending = '';
  let data = '';
  let dataLines = 0;
  let first = true;
  const onText = (chunk: string) => {
    if (first) {
      first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    const text = pending === '' ? chunk : pending + chunk;
    let start = 0;
    const crlf = text.indexOf('\r') !== -1;
    for (;;) {
      let end: number;
      let next: number;
      if (!crlf) {
        end = text.indexOf('\n', start);
        next = end + 1;
      } else {
        const cr = text.indexOf('\r', start);
        const lf = text.indexOf('\n', start);
        end = cr !== -1 && lf !== -1 ? Math.min(cr, lf) : cr !== -1 ? cr : lf;
        // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
        if (end !== -1 && end === cr && cr === text.length - 1) end = -1;
        next = end !== -1 && end === cr && text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
      }
      if (end === -1) break;
      if (end === start) {
        if (dataLines > 0) queue.push({ kind: 'data', text: data });
        data = '';
        dataLines = 0;
      } else if (text.startsWith('data:', start)) {
        const value = text.slice(text.charCodeAt(start + 5) === 32 ? start + 6 : start + 5, end);
        data = dataLines === 0 ? value : `${data}\n${value}`;
        dataLines++;
      }
      start = next;
    }
    pending = start === 0 ? text : text.slice(start);
    if (!waiting) drain();
  };

  const onAbort = () => {
    fail(abortReason(signal!));
    destroy();
  };
  const onData = (chunk: string) => onText(chunk);
  const onEnd = () => push({ kind: 'end' });
  const onError = (e: Error) => {
    // What fetch's body stream gives: the SDK wraps the socket error and marks it retryable.
    push({ kind: 'fail', error: new APICallError({ message: 'Failed to process successful response', cause: e, statusCode: res.statusCode ?? 200, url, responseHeaders, requestBodyValues: body, isRetryable: true }) });
  };
  const onAborted = () => onError(Object.assign(new Error('The response was cut off before its end'), { code: 'ECONNRESET' }));
  function finishExchange() {
    signal?.removeEventListener('abort', onAbort);
    res.off('data', onData);
    res.off('end', onEnd);
    res.off('error', onError);
    res.off('aborted', onAborted);
    // Read what is left so a finished or refused exchange can give its socket back.
    res.on('error', () => {});
    if (res.isPaused()) res.resume();
  }

  if (signal?.aborted) {
    onAbort();
    return ready;
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  res.setEncoding('utf8');
  res.on('data', onData);
  res.on('end', onEnd);
  res.on('error', onError);
  res.on('aborted', onAborted);
  return ready;
}
