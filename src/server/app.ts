import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { serve, type ServerType } from '@hono/node-server';
import { IncontextError } from '../core/index.js';
import type { Incontext } from '../app/index.js';
import { adminRoutes } from './admin.js';
import { createServerAuth, routePathRegExp } from './auth.js';
import { errorResponse } from './errors.js';
import { limitBody } from './body-limit.js';
import { nativeRoutes } from './native.js';
import { anthropicRoutes } from './anthropic.js';
import { openaiRoutes } from './openai.js';
import { traceRoutes } from './traces.js';
import { openApiDocument } from './openapi.js';
import { INDEX_HTML } from './page.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The HTTP face of an Incontext: native /api, OpenAI-compatible /v1, the OpenAPI document and a minimal page. */
export function createServerApp(ic: Incontext, options: { host?: string } = {}): Hono {
  const app = new Hono();
  app.onError((e, c) => errorResponse(c, e));
  app.notFound((c) => errorResponse(c, new IncontextError('NOT_FOUND', `No route ${c.req.method} ${c.req.path}`, { hint: 'See GET /openapi.json for the routes.' })));
  // Keys are checked before any body is read, so an unauthenticated client cannot make the server buffer one.
  const auth = createServerAuth(ic, { host: options.host ?? ic.config.server.host, hasRoute: (method, path) => hasRoute(app, method, path) });
  app.use('/api/*', auth.middleware);
  app.use('/v1/*', auth.middleware);
  app.use(
    '*',
    limitBody(ic.config.server.maxBodyBytes, (c) =>
      errorResponse(c, new IncontextError('PAYLOAD_TOO_LARGE', `Request body over ${ic.config.server.maxBodyBytes} bytes`, { hint: 'Split the upload, or raise server.maxBodyBytes.' })),
    ),
  );
  // Store counts are project data: shown only while the server is open.
  app.get('/healthz', async (c) =>
    c.json({ ok: true, version: VERSION, ...((await auth.enforced()) ? { auth: 'required' } : { auth: 'open', project: ic.config.project, ...(await ic.store.stats(ic.config.project)) }) }),
  );
  app.get('/openapi.json', (c) => c.json(openApiDocument(VERSION)));
  app.get('/', (c) => c.html(INDEX_HTML));
  app.route('/api', nativeRoutes(ic));
  app.route('/api', traceRoutes(ic));
  app.route('/api/admin', adminRoutes(ic));
  app.route('/v1', openaiRoutes(ic));
  app.route('/v1', anthropicRoutes(ic));
  return app;
}

/** Whether a handler (not a middleware) of `app` answers `method path`; read per request, so later routes count. */
function hasRoute(app: Hono, method: string, path: string): boolean {
  const m = method === 'HEAD' ? 'GET' : method;
  return app.routes.some((r) => r.method === m && routePathRegExp(r.path).test(path));
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
  server: ServerType;
}

export function startServer(ic: Incontext, options: { port?: number; host?: string } = {}): Promise<RunningServer> {
  const host = options.host ?? ic.config.server.host;
  const app = createServerApp(ic, { host });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? ic.config.server.port, hostname: host }, (info) => {
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolve({
        url: `http://${shown}:${info.port}`,
        port: info.port,
        server,
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res());
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new IncontextError('BAD_REQUEST', `Port ${options.port ?? ic.config.server.port} is already in use`, { input: { key: 'server.port' }, hint: 'Stop the other process or pass --port N.' })
          : e,
      ),
    );
  });
}
