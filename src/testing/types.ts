/**
 * Public types of the fake upstream server: a `node:http` server that speaks
 * the OpenAI and Anthropic wire protocols so real clients (the AI SDK
 * providers, the official SDKs, incontext itself) can be tested without network.
 */

/** The endpoints the fake serves; used to record requests and to aim script items. */
export type FakeEndpoint =
  | 'openai.chat'
  | 'openai.responses'
  | 'openai.embeddings'
  | 'openai.models'
  | 'anthropic.messages'
  | 'anthropic.models';

/** Endpoints that generate text and consume script items by default. */
export type FakeGenerationEndpoint = 'openai.chat' | 'openai.responses' | 'anthropic.messages';

/** Token counts to report instead of the computed ones. */
export interface FakeUsage {
  inputTokens?: number;
  outputTokens?: number;
}

export interface FakeToolCall {
  name: string;
  /** An object is serialised with JSON.stringify; a string is sent verbatim (so it may be invalid JSON on purpose). */
  arguments: Record<string, unknown> | string;
  /** Tool call id; generated deterministically when absent. */
  id?: string;
}

interface ReplyBase {
  /** Wait this long before answering (cancelled when the client goes away or the server closes). */
  delayMs?: number;
  /**
   * Which endpoints may consume this item. Default: the generation endpoints
   * (chat, responses, messages), so an embeddings call never eats a scripted chat reply.
   */
  on?: FakeEndpoint | readonly FakeEndpoint[];
}

/** Answer with this text. Streaming splits it into chunks (words by default, or `chunkSize` characters). */
export interface TextReply extends ReplyBase {
  text: string;
  usage?: FakeUsage;
  chunkSize?: number;
  /** Pause between streamed chunks. */
  chunkDelayMs?: number;
}

/** Answer with tool calls (optionally preceded by text). */
export interface ToolCallsReply extends ReplyBase {
  toolCalls: readonly FakeToolCall[];
  text?: string;
  usage?: FakeUsage;
  chunkSize?: number;
  chunkDelayMs?: number;
}

export interface ErrorReplySpec {
  /** HTTP status, e.g. 400, 401, 404, 429, 500, 529. */
  status: number;
  /** Seconds, sent as the `Retry-After` header (also on a stream that carries the error in-band). */
  retryAfter?: number;
  /** Overrides the protocol's error body (an object is sent as JSON, a string verbatim). */
  body?: unknown;
  /** Message for the protocol's default error body. */
  message?: string;
  /**
   * Streaming requests only: answer 200, stream this many content chunks, then
   * send the error as an in-stream error event (as the real APIs do when they
   * fail mid-answer, e.g. Anthropic's `overloaded_error`) and end the stream.
   */
  afterChunks?: number;
}

/** Answer with an HTTP error in the protocol's own error shape. */
export interface ErrorReply extends ReplyBase {
  error: ErrorReplySpec;
  /** With `error.afterChunks`: the text streamed before the error (default: the echo reply). */
  text?: string;
  chunkSize?: number;
}

/** Accept the request and never answer, until the client aborts or the server closes. */
export interface HangReply extends ReplyBase {
  hang: true;
}

/**
 * Stream `resetAfterChunks` content chunks, then destroy the socket. On a
 * non-streaming request the socket is destroyed before any byte is sent.
 */
export interface ResetReply extends ReplyBase {
  resetAfterChunks: number;
  text?: string;
  chunkSize?: number;
}

/**
 * `'json'`: the body (non-streaming) or the first event (streaming) is not valid JSON.
 * `'sse'`: a streaming reply starts well, then one event's data is broken JSON,
 * then the stream ends normally; on a non-streaming request it acts like `'json'`.
 */
export interface MalformedReply extends ReplyBase {
  malformed: 'sse' | 'json';
  text?: string;
}

/** Only a delay, then the default echo reply. */
export interface DelayReply extends ReplyBase {
  delayMs: number;
}

export type ReplyItem =
  | TextReply
  | ToolCallsReply
  | ErrorReply
  | HangReply
  | ResetReply
  | MalformedReply
  | DelayReply;

/** What the server received, with credentials redacted. */
export interface RecordedRequest {
  /** Sequence number, from 0, in arrival order. */
  index: number;
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names; `authorization` and `x-api-key` values are replaced by `[redacted]`. */
  headers: Record<string, string>;
  /** True when an `authorization` or `x-api-key` header was sent. */
  hasAuth: boolean;
  /** Parsed JSON body; the raw text if it was not JSON; undefined when empty. */
  body: unknown;
  endpoint: FakeEndpoint | undefined;
  /** True when the body asked for a streaming answer. */
  stream: boolean;
  /** `Date.now()` when the request body had been read. */
  receivedAt: number;
}

/** Chooses a reply from the request; return undefined for the default echo reply. */
export type FakeHandler = (
  request: RecordedRequest,
) => ReplyItem | undefined | Promise<ReplyItem | undefined>;

export interface FakeUpstreamOptions {
  /** Default 0 (a free port). */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Consulted when the script queue has no item for the request. */
  handler?: FakeHandler;
  /** When set, requests whose key differs get a 401 in the protocol's shape. */
  apiKey?: string;
  /** Model ids listed by `GET /v1/models`. */
  models?: readonly string[];
  /** Default vector length for embeddings when the request has no `dimensions`. Default 1536. */
  embeddingDimensions?: number;
}

export interface FakeUpstream {
  /** `http://127.0.0.1:PORT` — also the `baseURL` of the official Anthropic SDK (it appends `/v1/...`). */
  readonly url: string;
  /** `url + '/v1'`: the baseURL of `createOpenAI` and of the official OpenAI SDK. */
  readonly openaiBaseURL: string;
  /** `url + '/v1'`: the baseURL of `createAnthropic` (it appends `/messages`). */
  readonly anthropicBaseURL: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Number of script items not yet consumed. */
  readonly pending: number;
  /** Requests still open (being answered, hanging or streaming); 0 once clients are done or gone. */
  readonly inFlight: number;
  /** Queue replies, consumed in order by matching requests. */
  script(...items: readonly ReplyItem[]): void;
  /** Replace the handler (undefined removes it). */
  setHandler(handler: FakeHandler | undefined): void;
  /** Forget recorded requests and queued items. */
  reset(): void;
  /** Stop listening and destroy open sockets, so hung requests end. */
  close(): Promise<void>;
}
