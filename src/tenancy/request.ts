import { IncontextError } from '../core/index.js';
import { requireProject, requireScope, unauthorized } from './errors.js';
import type { Principal, Scope, Tenancy } from './types.js';

/** Reads one request header by (lower-case) name, e.g. `(n) => c.req.header(n)` in Hono. */
export type HeaderGetter = (name: string) => string | null | undefined;

/**
 * The API key of a request: `Authorization: Bearer <key>` (OpenAI clients) or `x-api-key: <key>`
 * (Anthropic clients). Two different keys in one request is refused rather than guessed between.
 */
export function apiKeyFromHeaders(get: HeaderGetter): string | undefined {
  const auth = get('authorization')?.trim();
  const bearer = auth ? /^Bearer\s+(\S+)$/i.exec(auth)?.[1] : undefined;
  if (auth && bearer === undefined) {
    throw new IncontextError('UNAUTHORIZED', 'The Authorization header is not "Bearer <key>"', {
      input: { key: 'authorization' },
      hint: 'Send "Authorization: Bearer ic_..." or "x-api-key: ic_...".',
    });
  }
  const header = get('x-api-key')?.trim() || undefined;
  if (bearer !== undefined && header !== undefined && bearer !== header) {
    throw new IncontextError('UNAUTHORIZED', 'The request carries two different API keys (Authorization and x-api-key)', {
      input: { key: 'authorization' },
      hint: 'Send one key, in either header.',
    });
  }
  return bearer ?? header;
}

/** The principal of a request, or 401 naming why (missing, malformed, invalid, revoked, expired). */
export async function authenticateRequest(tenancy: Pick<Tenancy, 'checkKey'>, get: HeaderGetter): Promise<Principal> {
  const result = await tenancy.checkKey(apiKeyFromHeaders(get));
  if (!result.ok) throw unauthorized(result.reason);
  return result.principal;
}

/** requireScope + requireProject: what every route checks after authenticating. */
export function authorize(principal: Principal | undefined, need: { scope: Scope; project?: string }): Principal {
  const p = requireScope(principal, need.scope);
  return need.project === undefined ? p : requireProject(p, need.project);
}
