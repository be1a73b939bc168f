/**
 * Server-sent events written straight onto Node's response. Hono's streamSSE goes through a web
 * TransformStream that @hono/node-server then pumps into the socket: two stream layers and their
 * promises per event, most of the server's own cost of a streamed /v1 answer. Under
 * @hono/node-server the events are written to `c.env.outgoing` (respecting backpressure) and the
 * handler returns RESPONSE_ALREADY_SENT; anywhere else (app.request in tests, other runtimes) it
 * is Hono's streamSSE, with the same framing.
 */
import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';

export interface SseSink {
  /** One event: `data` (split into `data:` lines) with an optional `event:` name. Resolves when the socket can take more. */
  write(data: string, event?: string): Promise<void>;
  /** The client went away: stop producing. */
  readonly aborted: boolean;
}

function frame(data: string, event: string | undefined): string {
  const lines = data.includes('\n') ? data.split(/\r?\n/).map((l) => `data: ${l}`).join('\n') : `data: ${data}`;
  return event ? `event: ${event}\n${lines}\n\n` : `${lines}\n\n`;
}

export function sse(c: Context, run: (sink: SseSink) => Promise<void>): Response | Promise<Response> {
  const out = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (!out || typeof out.writeHead !== 'function' || out.headersSent) {
    return streamSSE(c, (stream) =>
      run({
        write: (data, event) => stream.writeSSE({ data, ...(event ? { event } : {}) }),
        get aborted() {
          return stream.aborted;
        },
      }),
    );
  }
  let closed = false;
  out.once('close', () => (closed = true));
  out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const sink: SseSink = {
    write(data, event) {
      if (closed || out.writableEnded) return Promise.resolve();
      if (out.write(frame(data, event))) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('close', done);
          resolve();
        };
        out.once('drain', done);
        out.once('close', done);
      });
    },
    get aborted() {
      return closed;
    },
  };
  // The run writes its own error events; anything it throws still ends the response, never hangs it.
  void run(sink)
    .catch(() => undefined)
    .finally(() => {
      if (!out.writableEnded) out.end();
    });
  return RESPONSE_ALREADY_SENT;
}
