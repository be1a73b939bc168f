/**
 * The streamed half of the lean OpenAI chat transport: the SSE body read from node:http,
 * split into events by hand, each parsed once (openai-lean-chunks.ts) and turned into
 * exactly the parts @ai-sdk/openai 4.0's OpenAIChatLanguageModel.doStream emits: same
 * order, same errors, the same pre-output check, the SDK's own tool-call tracker.
 * CPU figures against the SDK's doStream: see openai-lean.ts.
 */
import type http from 'node:http';
import { APICallError, type LanguageModelV4CallOptions, type LanguageModelV4FinishReason, type LanguageModelV4StreamPart, type LanguageModelV4StreamResult, type SharedV4Warning } from '@ai-sdk/provider';
import { createLanguageModelResponseMetadata, generateId, StreamingToolCallTracker } from '@ai-sdk/provider-utils';
import { errorBeforeOutput, finishOf, isOutputChunk, parseEvent, providerStreamError, strippedUsage, usageOf, type Parsed, type WireUsage } from './openai-lean-chunks.js';

// ---------------------------------------------------------------- node:http helpers (shared with openai-lean.ts)

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
  const step = (p: Parsed) => {
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
          // The SDK hands out the stream at the end too; a throw in its flush then errors that stream.
          openStream();
          flush();
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
                    step(r);
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
          } else step(p);
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
