import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * Hono's bodyLimit, decided from the headers when they can decide it. Hono's own reads
 * `c.req.raw.body` first, which makes @hono/node-server build a full fetch Request (an
 * undici object and a web stream) for every POST: about 4% of a /v1 call's CPU. With a
 * Content-Length and no Transfer-Encoding, Node's parser never delivers more bytes than
 * the header says, so comparing the header is the whole check; chunked bodies are still
 * counted as they stream, by Hono's middleware.
 */
export function limitBody(maxSize: number, onError: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const streaming = bodyLimit({ maxSize, onError });
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && /^\d+$/.test(length) && c.req.header('transfer-encoding') === undefined) {
      return Number(length) > maxSize ? onError(c) : next();
    }
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return streaming(c, next);
  };
}
