/**
 * API keys on /api and /v1: who is calling, what they may do, and which project they see.
 *
 * The key's project is the only project of a request: routes read it through `projectOf`,
 * never from the request, so a query can no more reach another project than a SQL row can
 * leave its WHERE clause. A request that names another project is refused (403) rather than
 * silently answered from the key's own, so a misconfigured client learns about it.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { IncontextError } from '../core/index.js';
import type { CallerOptions, Incontext } from '../app/index.js';
import { authenticateRequest, hasScope, requireProject, requireScope, SCOPES, type Principal, type Scope } from '../tenancy/index.js';
import { errorResponse } from './errors.js';
import { limitBody } from './body-limit.js';

const PRINCIPAL = 'incontextPrincipal';

/**
 * The scopes that may call each route (any one of them suffices; `admin` implies the others).
 * Written in Hono's path syntax so a test can check that every route of the app is listed:
 * a route missing here needs an admin key (fail closed) until someone decides its scope.
 */
export const ROUTE_SCOPES: Readonly<Record<string, readonly Scope[]>> = {
  'POST /api/ingest': ['ingest'],
  // Listing documents is how an ingest client decides what to delete, and how a reader sees the corpus.
  'GET /api/documents': ['query', 'ingest'],
  'DELETE /api/documents/:id': ['ingest'],
  'POST /api/search': ['query'],
  'POST /api/ask': ['query'],
  'POST /api/agent': ['query'],
  'POST /api/mcp': ['query'],
  'GET /api/agent/sessions': ['query'],
  'GET /api/agent/sessions/:id': ['query'],
  'DELETE /api/agent/sessions/:id': ['query'],
  'GET /api/traces': ['query'],
  'GET /api/traces/:id': ['query'],
  'POST /api/traces/:id/feedback': ['query'],
  'GET /api/stats': ['query'],
  'GET /v1/models': ['query'],
  'POST /v1/embeddings': ['query'],
  'POST /v1/chat/completions': ['query'],
  'POST /v1/messages': ['query'],
  'POST /api/admin/keys': ['admin'],
  'GET /api/admin/keys': ['admin'],
  'DELETE /api/admin/keys/:id': ['admin'],
  'GET /api/admin/projects': ['admin'],
  'POST /api/admin/projects': ['admin'],
  'DELETE /api/admin/projects/:id': ['admin'],
  'GET /api/admin/secrets': ['admin'],
  'GET /api/admin/secrets/:name': ['admin'],
  'PUT /api/admin/secrets/:name': ['admin'],
  'DELETE /api/admin/secrets/:name': ['admin'],
  'GET /api/admin/audit': ['admin'],
};

/** A Hono route path (`/api/documents/:id`) as a regular expression over request paths. */
export function routePathRegExp(path: string): RegExp {
  return new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`);
}

const ROUTE_TABLE = Object.entries(ROUTE_SCOPES).map(([route, scopes]) => {
  const [method = '', path = ''] = route.split(' ');
  return { method, re: routePathRegExp(path), scopes };
});

/** The scopes that may call `method path`, or undefined when ROUTE_SCOPES does not list it. */
export function routeScopes(method: string, path: string): readonly Scope[] | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return ROUTE_TABLE.find((r) => r.method === m && r.re.test(path))?.scopes;
}

export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The authenticated caller of this request; undefined when the server is open. */
export function principalOf(c: Context): Principal | undefined {
  return c.get(PRINCIPAL) as Principal | undefined;
}

/** The caller as the model stack wants it: key id and the key's own rate limits and budgets. */
export function callerOf(c: Context): { key?: string; keyLimits?: NonNullable<CallerOptions['keyLimits']> } {
  const p = principalOf(c);
  if (!p) return {};
  const { maxBodyBytes: _body, ...limits } = p.limits;
  return { key: p.keyId, ...(Object.keys(limits).length ? { keyLimits: limits } : {}) };
}

/** The project a request names (`X-Incontext-Project` or `?project=`), if any. */
export function askedProject(c: Context): string | undefined {
  return c.req.header('x-incontext-project') ?? c.req.query('project');
}

export interface ServerAuth {
  /** Whether requests need a key right now (`auto` changes as keys are created and revoked). */
  enforced(): Promise<boolean>;
  middleware: MiddlewareHandler;
}

/**
 * How long `auto` keeps asking for keys after the last active key is gone. Only that direction is
 * cached: a first key created by the CLI in another process closes the server on the next request.
 */
const REOPEN_AFTER_MS = 1000;

export interface ServerAuthOptions {
  /** The interface the server listens on: `auto` asks for keys beyond loopback. */
  host: string;
  /** Whether the app has a route for `method path` (any scope): an unlisted one needs admin, a missing one is a 404. */
  hasRoute?: (method: string, path: string) => boolean;
}

export function createServerAuth(ic: Incontext, options: ServerAuthOptions): ServerAuth {
  const mode = ic.config.server.auth;
  const serverMax = ic.config.server.maxBodyBytes;
  let requiredAt = -Infinity;

  const anyActiveKey = async (): Promise<boolean> => ic.tenancy().hasActiveKey();

  const enforced = async (): Promise<boolean> => {
    if (mode === 'off') return false;
    if (mode === 'required' || !isLoopback(options.host)) return true;
    if (Date.now() - requiredAt < REOPEN_AFTER_MS) return true;
    const required = await anyActiveKey();
    if (required) requiredAt = Date.now();
    return required;
  };

  const middleware: MiddlewareHandler = async (c, next) => {
    const listed = routeScopes(c.req.method, c.req.path);
    const exists = listed !== undefined || (options.hasRoute?.(c.req.method, c.req.path) ?? true);
    // A route nobody gave a scope to is admin-only until someone does (fail closed); no route at all is a 404 for any key.
    const scopes: readonly Scope[] = listed ?? (exists ? ['admin'] : SCOPES);
    // Admin routes hand out keys and secrets: they need an admin key even on an open server.
    const adminOnly = exists && scopes.length === 1 && scopes[0] === 'admin';
    if (!adminOnly && !(await enforced())) return next();
    const principal = await authenticateRequest(ic.tenancy(), (n) => c.req.header(n));
    if (!scopes.some((s) => hasScope(principal, s))) requireScope(principal, scopes[0] ?? 'admin');
    const asked = askedProject(c);
    if (asked !== undefined) requireProject(principal, asked);
    c.set(PRINCIPAL, principal);
    const max = principal.limits.maxBodyBytes;
    if (max === undefined || max >= serverMax) return next();
    return limitBody(max, (ctx) =>
      errorResponse(ctx, new IncontextError('PAYLOAD_TOO_LARGE', `Request body over this API key's limit of ${max} bytes`, { hint: 'Split the request, or ask a project admin for a key with a larger maxBodyBytes.' })),
    )(c, next);
  };

  return { enforced, middleware };
}
