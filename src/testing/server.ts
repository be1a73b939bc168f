/**
 * startFakeUpstream(): a `node:http` server speaking the OpenAI and Anthropic
 * wire protocols, answering from a script of replies (or a handler, or an
 * echo), recording every request, and closing promptly even with hung requests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { IncontextError } from '../core/index.js';
import { anthropicErrorBody, anthropicMessages, anthropicModels } from './anthropic.js';
import {
  parseBody,
  readBody,
  sendJson,
  sendSse,
  sleep,
  untilAborted,
  type Exchange,
} from './http.js';
import { openaiChat, openaiEmbeddings, openaiErrorBody, openaiModels } from './openai.js';
import { openaiResponses } from './openai-responses.js';
import { cutAfterContent, type GenerationProtocol, type GenerationReply } from './protocol.js';
import { asRecord, echoText, fakeId, ReplyQueue, resolveUsage, splitChunks, toolArguments } from './script.js';
import type {
  ErrorReplySpec,
  FakeEndpoint,
  FakeHandler,
  FakeToolCall,
  FakeUpstream,
  FakeUpstreamOptions,
  FakeUsage,
  RecordedRequest,
  ReplyItem,
} from './types.js';

const DEFAULT_MODELS = ['gpt-4o-mini', 'text-embedding-3-small', 'claude-sonnet-5-5'];
const GENERATION: Partial<Record<FakeEndpoint, GenerationProtocol>> = {
  'openai.chat': openaiChat,
  'openai.responses': openaiResponses,
  'anthropic.messages': anthropicMessages,
};

function route(method: string, path: string, headers: Record<string, string>): FakeEndpoint | undefined {
  const p = path.replace(/\/+$/, '');
  if (method === 'POST' && p === '/v1/chat/completions') return 'openai.chat';
  if (method === 'POST' && p === '/v1/responses') return 'openai.responses';
  if (method === 'POST' && p === '/v1/embeddings') return 'openai.embeddings';
  if (method === 'POST' && p === '/v1/messages') return 'anthropic.messages';
  // Both SDKs list models at the same path; the Anthropic one always sends its version header.
  if (method === 'GET' && p === '/v1/models') {
    return headers['anthropic-version'] === undefined ? 'openai.models' : 'anthropic.models';
  }
  return undefined;
}

function isAnthropic(endpoint: FakeEndpoint | undefined): boolean {
  return endpoint === 'anthropic.messages' || endpoint === 'anthropic.models';
}

function idHeaders(record: RecordedRequest): Record<string, string> {
  const id = fakeId('req_', record);
  return isAnthropic(record.endpoint) ? { 'request-id': id } : { 'x-request-id': id };
}

function sendError(ex: Exchange, spec: ErrorReplySpec): void {
  const body =
    spec.body ??
    (isAnthropic(ex.record.endpoint)
      ? anthropicErrorBody(spec.status, spec.message)
      : openaiErrorBody(spec.status, spec.message));
  sendJson(ex, spec.status, body, {
    ...idHeaders(ex.record),
    ...(spec.retryAfter === undefined ? {} : { 'retry-after': String(spec.retryAfter) }),
  });
}

/** A reply item flattened, so the driver reads fields without narrowing the union at every use. */
interface Plan {
  text: string | undefined;
  toolCalls: readonly FakeToolCall[];
  usage: FakeUsage | undefined;
  chunkSize: number | undefined;
  chunkDelayMs: number | undefined;
  resetAfterChunks: number | undefined;
  malformed: 'sse' | 'json' | undefined;
}

function toPlan(item: ReplyItem | undefined): Plan {
  const plan: Plan = {
    text: undefined,
    toolCalls: [],
    usage: undefined,
    chunkSize: undefined,
    chunkDelayMs: undefined,
    resetAfterChunks: undefined,
    malformed: undefined,
  };
  if (item === undefined) return plan;
  if ('text' in item) plan.text = item.text;
  if ('toolCalls' in item) plan.toolCalls = item.toolCalls;
  if ('usage' in item) plan.usage = item.usage;
  if ('chunkSize' in item) plan.chunkSize = item.chunkSize;
  if ('chunkDelayMs' in item) plan.chunkDelayMs = item.chunkDelayMs;
  if ('resetAfterChunks' in item) plan.resetAfterChunks = item.resetAfterChunks;
  if ('malformed' in item) plan.malformed = item.malformed;
  return plan;
}

/** Missing required fields get a 400, as the real APIs answer. */
function invalidField(endpoint: FakeEndpoint, body: unknown): string | undefined {
  const b = asRecord(body);
  if (typeof b['model'] !== 'string') return 'model';
  if (endpoint === 'openai.responses') return b['input'] === undefined ? 'input' : undefined;
  if (!Array.isArray(b['messages'])) return 'messages';
  if (endpoint === 'anthropic.messages' && typeof b['max_tokens'] !== 'number') return 'max_tokens';
  return undefined;
}

function buildReply(protocol: GenerationProtocol, record: RecordedRequest, plan: Plan): GenerationReply {
  const text = plan.text ?? (plan.toolCalls.length > 0 ? '' : echoText(protocol.lastUserText(record.body)));
  const model = asRecord(record.body)['model'];
  return {
    request: record,
    model: typeof model === 'string' ? model : 'fake-model',
    text,
    chunks: splitChunks(text, plan.chunkSize),
    toolCalls: plan.toolCalls.map((call, i) => ({
      id: call.id ?? fakeId(record.endpoint === 'anthropic.messages' ? 'toolu_' : 'call_', record, i),
      name: call.name,
      arguments: toolArguments(call),
    })),
    argumentChunkSize: plan.chunkSize ?? 12,
    usage: resolveUsage(protocol.promptTexts(record.body), text, plan.toolCalls, plan.usage),
  };
}

const BROKEN_JSON = '{"id": "broken", "object": ';

type Settings = Required<Pick<FakeUpstreamOptions, 'models' | 'embeddingDimensions'>>;

async function answer(ex: Exchange, endpoint: FakeEndpoint, item: ReplyItem | undefined, settings: Settings): Promise<void> {
  if (item?.delayMs !== undefined) await sleep(item.delayMs, ex.signal);
  if (ex.signal.aborted) return;
  if (item !== undefined && 'hang' in item) return untilAborted(ex.signal);
  const protocol = GENERATION[endpoint];
  const streaming = protocol !== undefined && ex.record.stream;
  const error = item !== undefined && 'error' in item ? item.error : undefined;
  if (error !== undefined && !(streaming && error.afterChunks !== undefined)) return sendError(ex, error);
  if (protocol !== undefined) {
    const missing = invalidField(endpoint, ex.record.body);
    if (missing !== undefined) {
      return sendError(ex, { status: 400, message: `Missing or invalid required field '${missing}'.` });
    }
  }
  const plan = toPlan(item);
  if (!streaming && plan.resetAfterChunks !== undefined) {
    ex.req.socket.destroy();
    return;
  }
  if (!streaming && plan.malformed !== undefined) return sendJson(ex, 200, BROKEN_JSON, idHeaders(ex.record));
  if (protocol === undefined) return answerUtility(ex, endpoint, settings);
  const reply = buildReply(protocol, ex.record, plan);
  if (!streaming) return sendJson(ex, 200, protocol.json(reply), idHeaders(ex.record));
  return streamReply(ex, protocol, reply, plan, error);
}

async function streamReply(
  ex: Exchange,
  protocol: GenerationProtocol,
  reply: GenerationReply,
  plan: Plan,
  error: ErrorReplySpec | undefined,
): Promise<void> {
  let events = protocol.events(reply);
  let headers = idHeaders(ex.record);
  if (error !== undefined) {
    events = cutAfterContent(events, error.afterChunks ?? 0);
    events.push(protocol.errorEvent(error.status, error.message, events.length));
    // Clients that retry an in-stream error read the delay from the response headers.
    if (error.retryAfter !== undefined) headers = { ...headers, 'retry-after': String(error.retryAfter) };
  }
  await sendSse(
    ex,
    {
      events,
      brokenEvent: protocol.brokenEvent,
      ...(plan.chunkDelayMs === undefined ? {} : { chunkDelayMs: plan.chunkDelayMs }),
      ...(plan.resetAfterChunks === undefined ? {} : { resetAfterChunks: plan.resetAfterChunks }),
      ...(plan.malformed === undefined ? {} : { malformed: plan.malformed }),
    },
    headers,
  );
}

function answerUtility(ex: Exchange, endpoint: FakeEndpoint, options: Settings): void {
  if (endpoint === 'openai.models') return sendJson(ex, 200, openaiModels(options.models), idHeaders(ex.record));
  if (endpoint === 'anthropic.models') return sendJson(ex, 200, anthropicModels(options.models), idHeaders(ex.record));
  const result = openaiEmbeddings(ex.record.body, options.embeddingDimensions);
  if (!result.ok) return sendError(ex, { status: result.status, message: result.message });
  sendJson(ex, 200, result.body, idHeaders(ex.record));
}

function recordHeaders(req: IncomingMessage): { headers: Record<string, string>; key: string | undefined } {
  const headers: Record<string, string> = {};
  let key: string | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (name === 'authorization' || name === 'x-api-key') {
      key = name === 'authorization' ? text.replace(/^Bearer\s+/i, '') : text;
      headers[name] = '[redacted]';
    } else {
      headers[name] = text;
    }
  }
  return { headers, key };
}

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const host = options.host ?? '127.0.0.1';
  const settings = {
    models: options.models ?? DEFAULT_MODELS,
    embeddingDimensions: options.embeddingDimensions ?? 1536,
  };
  const requests: RecordedRequest[] = [];
  const queue = new ReplyQueue();
  let handler: FakeHandler | undefined = options.handler;
  let counter = 0;
  const live = new Set<AbortController>();
  const sockets = new Set<Socket>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController();
    live.add(controller);
    controller.signal.addEventListener('abort', () => live.delete(controller), { once: true });
    res.on('close', () => controller.abort());
    const url = new URL(req.url ?? '/', 'http://localhost');
    const text = await readBody(req);
    const { headers, key } = recordHeaders(req);
    const body = parseBody(text);
    const endpoint = route(req.method ?? 'GET', url.pathname, headers);
    const record: RecordedRequest = {
      index: counter++,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      hasAuth: key !== undefined,
      body,
      endpoint,
      stream: asRecord(body)['stream'] === true,
      receivedAt: Date.now(),
    };
    requests.push(record);
    const ex: Exchange = { req, res, record, signal: controller.signal };
    if (endpoint === undefined) {
      return sendJson(ex, 404, openaiErrorBody(404, `The fake upstream has no route ${record.method} ${record.path}. Use upstream.openaiBaseURL or upstream.anthropicBaseURL as the client's baseURL.`));
    }
    if (options.apiKey !== undefined && key !== options.apiKey) return sendError(ex, { status: 401 });
    let item = queue.take(endpoint);
    if (item === undefined && handler !== undefined) {
      try {
        item = await handler(record);
      } catch (error) {
        // The test's own handler failed: answer 500 so the client under test fails loudly with the reason.
        const message = error instanceof Error ? error.message : String(error);
        return sendError(ex, { status: 500, message: `fake upstream handler threw: ${message}` });
      }
    }
    await answer(ex, endpoint, item, settings);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(openaiErrorBody(500, `fake upstream failed: ${String(error)}`)));
      } else {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error): void => {
      reject(
        new IncontextError('INTERNAL', `The fake upstream could not listen on ${host}:${options.port ?? 0}: ${error.message}`, {
          cause: error,
          input: { key: 'port' },
          hint: 'Pass port: 0 (the default) to let the system pick a free port.',
        }),
      );
    };
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: `${url}/v1`,
    port,
    requests,
    get pending() {
      return queue.size;
    },
    get inFlight() {
      return live.size;
    },
    script: (...items) => queue.push(items),
    setHandler: (next) => {
      handler = next;
    },
    reset: () => {
      requests.length = 0;
      queue.clear();
    },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const controller of live) controller.abort();
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
