/**
 * A leaner transport for @ai-sdk/openai's chat model. The SDK builds the request body
 * (its own `getArgs`, so every parameter, reasoning-model rule and warning is the SDK's),
 * but the call is then sent with node:http on a keep-alive agent: a non-streamed answer is
 * read with one JSON.parse instead of `fetch` and a zod parse of the whole response, and a
 * stream (openai-lean-stream.ts) with one JSON.parse per SSE event into the very parts the
 * SDK's doStream emits, instead of fetch, a chain of web streams and zod per event.
 * Measured on loopback: 0.19 ms of CPU a call against 0.61 ms for the SDK's doGenerate
 * (bench/gateway). Streamed, in a warm loop of sequential calls against the fake upstream
 * in another process (bench/gateway/upstream-child.ts), client CPU per call, median of 7
 * rounds of 500: a 6-word echo (12 parts) 0.41-0.51 ms against 1.09-1.24 ms for the SDK's
 * doStream; a 100-word echo (108 parts) 1.5 ms against 2.6 ms (non-streamed in the same
 * runs: 0.27 against 0.58 ms). Through incontext's /v1 (server and upstream in their own
 * processes, default guards, a loaded 2-core machine): 1.7-2.0 ms of server CPU a streamed
 * call against 2.4-2.5 ms with the SDK's doStream. Custom fetch functions, SDK builds
 * without these internals and an SDK whose doStream source differs from the one mirrored
 * keep the SDK's own path.
 * Written by hand because no library offers the SDK's request building without its fetch.
 */
import http from 'node:http';
import https from 'node:https';
import { createHash, randomUUID } from 'node:crypto';
import { APICallError, InvalidResponseDataError } from '@ai-sdk/provider';
import { getRuntimeEnvironmentUserAgent, VERSION as UTILS_VERSION, withUserAgentSuffix } from '@ai-sdk/provider-utils';
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Content, LanguageModelV4GenerateResult, LanguageModelV4StreamResult, SharedV4Warning } from '@ai-sdk/provider';
import { finishOf, strippedUsage, usageOf, type WireUsage } from './openai-lean-chunks.js';
import { abortReason, chatStream, flatHeaders, isAbort } from './openai-lean-stream.js';

/** What the SDK's chat model has at run time but does not declare; checked before use. */
interface ChatInternals {
  getArgs(options: LanguageModelV4CallOptions): Promise<{ args: Record<string, unknown>; warnings: SharedV4Warning[] }>;
  config: {
    url(o: { path: string; modelId: string }): string;
    headers?: () => Record<string, string | undefined> | PromiseLike<Record<string, string | undefined>>;
    fetch?: unknown;
    requestModelId?: string;
  };
}

/** Per model instance: the endpoint, and the provider's headers once first built. */
interface Fixed {
  url: string;
  target: URL;
  headers?: Promise<Record<string, string>> | undefined;
}

function internalsOf(model: LanguageModelV4): ChatInternals | undefined {
  const m = model as unknown as Partial<ChatInternals>;
  if (typeof m.getArgs !== 'function' || typeof m.config?.url !== 'function' || m.config.fetch !== undefined) return undefined;
  return m as ChatInternals;
}

const agents = {
  'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo' }),
};

interface RawResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
}

/** One POST read whole; rejects with the signal's reason on abort, like fetch, and with the socket error otherwise. */
async function post(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal | undefined): Promise<RawResponse> {
  const { res } = await postHead(url, headers, body, signal);
  return readRest(res, signal);
}

/** Runs the first outcome only, and then stops listening for the abort (`listener` is read at that time). */
function once(signal: AbortSignal | undefined, listener: () => () => void): (fn: () => void) => void {
  let settled = false;
  return (fn) => {
    if (settled) return;
    settled = true;
    signal?.removeEventListener('abort', listener());
    fn();
  };
}

/** One POST whose body the caller reads: resolves at the response headers, rejects like post(). */
function postHead(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal | undefined): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const mod = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
    const done = once(signal, () => onAbort);
    const req = mod.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => done(() => resolve({ req, res })));
    const onAbort = () => {
      req.destroy();
      done(() => reject(abortReason(signal!)));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // After the headers, failures surface on the response and are the body reader's to report.
    req.on('error', (e) => done(() => reject(e)));
    req.end(body);
  });
}

/** The rest of an answer (a whole non-streamed one, or an error's body for failed()); an abort or a cut-off body rejects. */
function readRest(res: http.IncomingMessage, signal: AbortSignal | undefined): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const done = once(signal, () => onAbort);
    const onAbort = () => {
      res.destroy();
      done(() => reject(abortReason(signal!)));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    res.on('data', (d: Buffer) => chunks.push(d));
    res.on('end', () =>
      done(() => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: flatHeaders(res.headers), body: Buffer.concat(chunks).toString('utf8') })),
    );
    res.on('error', (e) => done(() => reject(e)));
    res.on('aborted', () => done(() => reject(Object.assign(new Error('The response was cut off before its end'), { code: 'ECONNRESET' }))));
  });
}

/** The SDK's error for a non-2xx answer: the provider's `error.message` when the body has one, else the status text. */
function failed(r: RawResponse, url: string, requestBodyValues: unknown): APICallError {
  let message = r.statusText;
  let data: unknown;
  if (r.body.trim() !== '') {
    try {
      const parsed = JSON.parse(r.body) as { error?: { message?: unknown } };
      if (typeof parsed?.error?.message === 'string') {
        message = parsed.error.message;
        data = parsed;
      }
    } catch {
      // Not JSON: keep the status text, as the SDK does.
    }
  }
  return new APICallError({ message, url, requestBodyValues, statusCode: r.status, responseHeaders: r.headers, responseBody: r.body, ...(data === undefined ? {} : { data }) });
}

interface ChatResponse {
  id?: string | null;
  created?: number | null;
  model?: string | null;
  choices: Array<{
    message: {
      content?: string | null;
      refusal?: string | null;
      audio?: { transcript?: string | null } | null;
      tool_calls?: Array<{ id?: string | null; function: { name: string; arguments: string } }> | null;
      annotations?: Array<{ url_citation: { url: string; title: string } }> | null;
    };
    finish_reason?: string | null;
    logprobs?: { content?: unknown[] | null; refusal?: unknown[] | null } | null;
  }>;
  usage?: WireUsage | null;
}

const isStr = (v: unknown) => v === undefined || v === null || typeof v === 'string';

/** The few shape checks the rest relies on (the SDK's zod schema checks more, at 3× the cost). */
function shapeError(j: unknown): string | undefined {
  if (typeof j !== 'object' || j === null || !Array.isArray((j as ChatResponse).choices)) return 'the body has no choices array';
  for (const c of (j as ChatResponse).choices) {
    const m = (c as { message?: unknown } | null)?.message as ChatResponse['choices'][number]['message'] | undefined;
    if (typeof m !== 'object' || m === null) return 'a choice has no message';
    if (!isStr(m.content) || !isStr(m.refusal)) return 'message content is not a string';
    if (m.tool_calls != null && (!Array.isArray(m.tool_calls) || m.tool_calls.some((t) => typeof t?.function?.name !== 'string' || typeof t.function.arguments !== 'string'))) {
      return 'a tool call has no function name or arguments string';
    }
  }
  return undefined;
}

/** The SDK's doGenerate result, built from the parsed answer. */
function toResult(response: ChatResponse, args: Record<string, unknown>, headers: Record<string, string>, warnings: SharedV4Warning[]): LanguageModelV4GenerateResult {
  const choice = response.choices[0];
  if (choice == null) throw new InvalidResponseDataError({ data: response, message: 'Response did not contain any choices.' });
  const m = choice.message;
  const content: LanguageModelV4Content[] = [];
  const text = m.content != null && m.content.length > 0 ? m.content : m.audio?.transcript;
  if (text != null && text.length > 0) content.push({ type: 'text', text });
  const hasRefusal = m.refusal != null && m.refusal.length > 0;
  if (hasRefusal) content.push({ type: 'text', text: m.refusal! });
  for (const t of m.tool_calls ?? []) content.push({ type: 'tool-call', toolCallId: t.id || randomUUID(), toolName: t.function.name, input: t.function.arguments });
  for (const a of m.annotations ?? []) content.push({ type: 'source', sourceType: 'url', id: randomUUID(), url: a.url_citation.url, title: a.url_citation.title });
  const details = response.usage?.completion_tokens_details;
  const openai: Record<string, never> = {};
  const meta = openai as Record<string, unknown>;
  if (details?.accepted_prediction_tokens != null) meta.acceptedPredictionTokens = details.accepted_prediction_tokens;
  if (details?.rejected_prediction_tokens != null) meta.rejectedPredictionTokens = details.rejected_prediction_tokens;
  if (choice.logprobs?.content != null || choice.logprobs?.refusal != null) meta.logprobs = [...(choice.logprobs.content ?? []), ...(choice.logprobs.refusal ?? [])];
  return {
    content,
    finishReason: { unified: finishOf(choice.finish_reason, hasRefusal), raw: choice.finish_reason ?? undefined },
    usage: usageOf(response.usage == null ? response.usage : strippedUsage(response.usage)),
    request: { body: args },
    response: {
      ...(response.id == null ? {} : { id: response.id }),
      ...(response.model == null ? {} : { modelId: response.model }),
      ...(response.created ? { timestamp: new Date(response.created * 1000) } : {}),
      headers,
      body: response,
    },
    warnings,
    providerMetadata: { openai },
  };
}

/** Request headers as the SDK's postToApi sends them, user agent included. */
async function sdkHeaders(internals: ChatInternals, extra: LanguageModelV4CallOptions['headers']): Promise<Record<string, string>> {
  const merged: Record<string, string | undefined> = { 'content-type': 'application/json', ...(await internals.config.headers?.()), ...extra };
  return withUserAgentSuffix(merged, `ai-sdk-provider-utils/${UTILS_VERSION}`, getRuntimeEnvironmentUserAgent());
}

/** The provider's own headers (key, organization, user agent) do not change for a model instance. */
function headersFor(internals: ChatInternals, fixed: Fixed, options: LanguageModelV4CallOptions): Promise<Record<string, string>> {
  if (options.headers) return sdkHeaders(internals, options.headers);
  return (fixed.headers ??= sdkHeaders(internals, undefined).catch((e: unknown) => {
    fixed.headers = undefined;
    throw e;
  }));
}

async function generate(internals: ChatInternals, fixed: Fixed, options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
  const { args, warnings } = await internals.getArgs(options);
  const url = fixed.url;
  const headers = await headersFor(internals, fixed, options);
  let r: RawResponse;
  try {
    r = await post(fixed.target, headers, JSON.stringify(args), options.abortSignal);
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new APICallError({ message: `Cannot connect to API: ${(e as Error).message}`, cause: e, url, requestBodyValues: args, isRetryable: true });
  }
  if (r.status < 200 || r.status > 299) throw failed(r, url, args);
  let json: unknown;
  try {
    json = JSON.parse(r.body);
  } catch (e) {
    throw new APICallError({ message: 'Invalid JSON response', cause: e, statusCode: r.status, responseHeaders: r.headers, responseBody: r.body, url, requestBodyValues: args });
  }
  const problem = shapeError(json);
  if (problem) {
    throw new APICallError({ message: 'Invalid JSON response', cause: new Error(problem), statusCode: r.status, responseHeaders: r.headers, responseBody: r.body, url, requestBodyValues: args });
  }
  return toResult(json as ChatResponse, args, r.headers, warnings);
}

async function stream(internals: ChatInternals, fixed: Fixed, options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
  const { args, warnings } = await internals.getArgs(options);
  const body = { ...args, stream: true, stream_options: { include_usage: true } };
  const url = fixed.url;
  const headers = await headersFor(internals, fixed, options);
  const cannotConnect = (e: unknown) => {
    if (isAbort(e)) return e;
    return new APICallError({ message: `Cannot connect to API: ${(e as Error).message}`, cause: e, url, requestBodyValues: body, isRetryable: true });
  };
  let head: { req: http.ClientRequest; res: http.IncomingMessage };
  try {
    head = await postHead(fixed.target, headers, JSON.stringify(body), options.abortSignal);
  } catch (e) {
    throw cannotConnect(e);
  }
  const { req, res } = head;
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299) {
    let r: RawResponse;
    try {
      r = await readRest(res, options.abortSignal);
    } catch (e) {
      throw cannotConnect(e);
    }
    throw failed(r, url, body);
  }
  return chatStream({ res, destroy: () => req.destroy(), url, body, warnings, options });
}

/**
 * The chat model's doStream as mirrored (a hash of its source text in @ai-sdk/openai 4.0.118):
 * an SDK whose doStream reads differently keeps its own, until someone re-reads it.
 */
const MIRRORED_DO_STREAM = '1f534e1226a2794e';
const mirrored = new WeakMap<object, boolean>();

function streamMirrored(model: LanguageModelV4): boolean {
  const fn = (model as { doStream?: unknown }).doStream;
  if (typeof fn !== 'function') return false;
  let ok = mirrored.get(fn);
  if (ok === undefined) {
    ok = createHash('sha256').update(Function.prototype.toString.call(fn)).digest('hex').slice(0, 16) === MIRRORED_DO_STREAM;
    mirrored.set(fn, ok);
  }
  return ok;
}

/**
 * The same model with its calls, streamed or not, on the lean transport. `model` must be an
 * @ai-sdk/openai chat model; anything else (or one with a custom fetch) is returned as is.
 */
export function leanOpenAIChat(model: LanguageModelV4): LanguageModelV4 {
  const internals = internalsOf(model);
  if (!internals) return model;
  const url = internals.config.url({ path: '/chat/completions', modelId: internals.config.requestModelId ?? model.modelId });
  const fixed: Fixed = { url, target: new URL(url) };
  const streams = streamMirrored(model);
  return {
    specificationVersion: 'v4',
    provider: model.provider,
    modelId: model.modelId,
    get supportedUrls() {
      return model.supportedUrls;
    },
    doGenerate: (options) => generate(internals, fixed, options),
    doStream: streams ? (options) => stream(internals, fixed, options) : (options) => model.doStream(options),
  };
}
