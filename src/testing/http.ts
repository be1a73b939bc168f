/**
 * Transport helpers of the fake upstream: one `Exchange` per request with an
 * abort signal that fires when the client goes away or the server closes, and
 * writers for JSON bodies and Server-Sent Events that stop quietly once the
 * socket is gone (a vanished client is the normal end of a hung or reset reply).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedRequest } from './types.js';

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  record: RecordedRequest;
  /** Aborted when the client disconnects or the server closes. */
  signal: AbortSignal;
}

/** One SSE event. `data` objects are JSON-encoded; strings are written verbatim. */
export interface SseEvent {
  event?: string;
  data: unknown;
  /** Counts towards `resetAfterChunks` and marks where `malformed: 'sse'` breaks in. */
  content?: boolean;
  /** Part of the stream's opening that carries no output yet (e.g. `message_start`, `response.created`). */
  head?: boolean;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

export function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Recording the raw text is the useful outcome for a test that sent a non-JSON body.
    return text;
  }
}

/** Resolves after `ms`, or early (without throwing) when the exchange is aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves only when the exchange is aborted: the client gave up or the server closed. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

export function sendJson(
  ex: Exchange,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (ex.signal.aborted) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  ex.res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  ex.res.end(text);
}

function write(ex: Exchange, text: string): Promise<void> {
  if (ex.signal.aborted || ex.res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    // The callback also fires with an error when the socket died; either way this write is over.
    ex.res.write(text, () => resolve());
  });
}

export function formatSse(event: SseEvent): string {
  const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
  return `${event.event === undefined ? '' : `event: ${event.event}\n`}data: ${data}\n\n`;
}

export interface StreamPlan {
  events: readonly SseEvent[];
  chunkDelayMs?: number;
  /** Destroy the socket once this many content events were written. */
  resetAfterChunks?: number;
  malformed?: 'sse' | 'json';
  /** An event the stream's consumer cannot parse, in the protocol's framing. */
  brokenEvent?: SseEvent;
}

export async function sendSse(
  ex: Exchange,
  plan: StreamPlan,
  headers: Record<string, string> = {},
): Promise<void> {
  if (ex.signal.aborted) return;
  ex.res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  const broken = plan.brokenEvent ?? { data: '{"broken": ' };
  let written = 0;
  let first = true;
  for (const event of plan.events) {
    if (ex.signal.aborted) return;
    if (event.content === true && plan.resetAfterChunks === 0) {
      ex.req.socket.destroy();
      return;
    }
    if (plan.malformed === 'json' && first) {
      await write(ex, formatSse(broken));
    } else {
      await write(ex, formatSse(event));
    }
    first = false;
    if (event.content === true) {
      written++;
      if (plan.malformed === 'sse' && written === 1) await write(ex, formatSse(broken));
      if (plan.resetAfterChunks !== undefined && written >= plan.resetAfterChunks) {
        ex.req.socket.destroy();
        return;
      }
      await sleep(plan.chunkDelayMs ?? 0, ex.signal);
    }
  }
  // A reset asked for more chunks than the reply has: still cut the stream before its end.
  if (plan.resetAfterChunks !== undefined) {
    ex.req.socket.destroy();
    return;
  }
  if (!ex.signal.aborted) ex.res.end();
}
