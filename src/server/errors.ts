import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { z } from 'zod';
import { IncontextError, toIncontextError } from '../core/index.js';
import { parseJsonLimited } from '../tenancy/index.js';

export function errorResponse(c: Context, e: unknown): Response {
  const err =
    e instanceof HTTPException
      ? new IncontextError(e.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', e.message || 'Bad request', { status: e.status })
      : toIncontextError(e);
  const body = { error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}), ...(err.input?.key ? { param: err.input.key } : {}) } };
  // Rate limits (429), budgets (402) and open circuits (503) say when to come back.
  const retryAfterMs = (err as { retryAfterMs?: unknown }).retryAfterMs;
  if (typeof retryAfterMs === 'number' && retryAfterMs > 0) c.header('Retry-After', String(Math.ceil(retryAfterMs / 1000)));
  // RFC 6750: a 401 names the scheme, so clients know to send "Authorization: Bearer <key>".
  if (err.status === 401) c.header('WWW-Authenticate', 'Bearer realm="incontext"');
  return c.json(body, err.status as 400);
}

/** Parse a JSON body with a Zod schema; errors name the offending field. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  // Depth is checked on the text before parsing: the recursive walks after JSON.parse are what overflow.
  const raw = parseJsonLimited(await c.req.text());
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const key = issue?.path.join('.') || '(body)';
    const keys = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
    throw new IncontextError('BAD_REQUEST', keys ? `Unknown field(s): ${keys}` : `Invalid field "${key}": ${issue?.message ?? 'invalid'}`, {
      input: { key: keys || key },
      hint: 'See GET /openapi.json for the request schema.',
    });
  }
  return r.data;
}
