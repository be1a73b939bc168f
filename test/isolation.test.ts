/**
 * Two projects on one server: every route, driven with project alpha's keys, never reads and
 * never writes project beta. The routes are taken from the app itself, so a route added later
 * fails this test until it is driven here too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incontext } from '../src/app/index.js';
import { createServerApp, startServer, type RunningServer } from '../src/server/index.js';
import { openApiDocument } from '../src/server/openapi.js';
import { ROUTE_SCOPES } from '../src/server/auth.js';
import { openTemp } from './helpers.js';

const MASTER_KEY = '1e'.repeat(32);
/** Words that exist only in beta's data: any of them in a response to alpha is a leak. */
const BETA_WORD = 'zebrafinch';
const BETA_FEEDBACK = 'beta-only-feedback-remark';
const BETA_SECRET = { name: 'BETA_ONLY_TOKEN', value: 'beta-secret-value-4242' };
const ALPHA_SECRET_VALUE = 'alpha-secret-value-1717';
const QUESTION = 'When does the quartz vault open?';

let ic: Incontext;
let server: RunningServer;
const keys = { alpha: '', alphaAdmin: '', beta: '', betaAdmin: '' };
const beta = { docIds: [] as string[], traceIds: [] as string[], keyIds: [] as string[] };
let betaBefore: string;

interface Reply {
  status: number;
  text: string;
  json: Record<string, unknown>;
}

/** Every response alpha got, to scan for beta's data at the end. */
const seen: Array<{ route: string; path: string; text: string }> = [];
const covered = new Set<string>();

async function send(key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const h: Record<string, string> = { authorization: `Bearer ${key}`, ...headers };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['content-type'] = 'application/json';
  }
  const r = await fetch(server.url + path, { method, headers: h, ...(payload === undefined ? {} : { body: payload }) });
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // SSE streams and the HTML page are checked as text.
  }
  return { status: r.status, text, json };
}

/** A call by alpha, on the route `route` (Hono's path syntax), recorded for coverage and the leak scan. */
async function alpha(route: string, path: string, options: { body?: unknown; admin?: boolean; headers?: Record<string, string> } = {}): Promise<Reply> {
  const method = route.split(' ')[0] ?? 'GET';
  covered.add(route);
  const r = await send(options.admin ? keys.alphaAdmin : keys.alpha, method, path, options.body, options.headers);
  seen.push({ route, path, text: r.text });
  return r;
}

/** Everything of beta's, through the library rather than the server under test. */
async function betaState(): Promise<string> {
  await ic.flushTraces();
  const t = ic.tenancy();
  const docs = (await ic.listDocuments({ project: 'beta', limit: 1000 })).map((d) => [d.id, d.source, d.contentHash, d.chunkCount]);
  const traces = (await ic.traces.listTraces('beta', { limit: 500 })).traces.map((x) => x.traceId).sort();
  const feedback = await Promise.all(traces.map((id) => ic.traces.listFeedback('beta', id)));
  const keyList = (await t.listKeys('beta', { includeRevoked: true })).map((k) => [k.id, k.revokedAt ?? null]);
  const secrets = await t.listSecrets('beta');
  const secretValue = await t.getSecret('beta', BETA_SECRET.name);
  const audit = (await t.listAudit({ project: 'beta', limit: 1000 })).map((e) => e.id);
  const project = await t.getProject('beta');
  const sessions = await ic.agent({ project: 'beta', builtins: false }).sessions();
  return JSON.stringify({ docs, traces, feedback, keyList, secrets, secretValue, audit, project, sessions });
}

beforeAll(async () => {
  ({ ic } = openTemp({ server: { port: 0, auth: 'required' } }, { env: { INCONTEXT_MASTER_KEY: MASTER_KEY } }));
  server = await startServer(ic, { port: 0 });
  const t = ic.tenancy();
  for (const p of ['alpha', 'beta'] as const) {
    await t.createProject(p, { actor: 'test' });
    keys[p] = (await t.createKey({ project: p, scopes: ['ingest', 'query'], name: `${p}-app`, actor: 'test' })).secret;
    keys[`${p}Admin`] = (await t.createKey({ project: p, scopes: ['admin'], name: `${p}-root`, actor: 'test' })).secret;
  }

  // Beta's data, written through the server with beta's own keys.
  const ingest = async (key: string, text: string, source: string) => {
    const r = await send(key, 'POST', '/api/ingest', { text, source });
    expect(r.status).toBe(200);
    return (r.json.documentIds as string[])[0] ?? '';
  };
  beta.docIds.push(await ingest(keys.beta, `# Beta notes\n\nThe ${BETA_WORD} quartz vault opens at dawn, guarded by the ${BETA_WORD} keepers.`, 'notes/vault.md'));
  const form = new FormData();
  form.append('file', new Blob([`Upload of beta: the ${BETA_WORD} ledger lists every quartz shipment.`]), 'ledger.txt');
  const up = await send(keys.beta, 'POST', '/api/ingest', form);
  expect(up.status).toBe(200);
  beta.docIds.push(...((up.json.results as Array<{ documentIds: string[] }>)[0]?.documentIds ?? []));
  const asked = await send(keys.beta, 'POST', '/api/ask', { question: QUESTION });
  expect(asked.text).toContain(BETA_WORD);
  // A conversation of beta's under a session id that alpha will use too.
  expect((await send(keys.beta, 'POST', '/api/agent', { input: `Remember the ${BETA_WORD} keepers.`, session: 'shared-session' })).status).toBe(200);
  expect((await send(keys.beta, 'POST', '/api/agent', { input: `Note the ${BETA_WORD} ledger.`, session: 'beta-notes' })).status).toBe(200);
  await ic.flushTraces();
  beta.traceIds = (await ic.traces.listTraces('beta')).traces.map((x) => x.traceId);
  expect(beta.traceIds.length).toBeGreaterThan(0);
  expect((await send(keys.beta, 'POST', `/api/traces/${beta.traceIds[0]}/feedback`, { score: 1, comment: BETA_FEEDBACK })).status).toBe(201);
  expect((await send(keys.betaAdmin, 'POST', '/api/admin/keys', { name: 'beta-extra', scopes: ['query'] })).status).toBe(201);
  expect((await send(keys.betaAdmin, 'PUT', `/api/admin/secrets/${BETA_SECRET.name}`, { value: BETA_SECRET.value })).status).toBe(201);
  beta.keyIds = (await t.listKeys('beta')).map((k) => k.id);

  // Alpha's own data, so its reads have something to return.
  await ingest(keys.alpha, 'The alpha quartz vault opens at noon, after the bell.', 'notes/vault.md');
  betaBefore = await betaState();
});

afterAll(async () => {
  await server?.close();
  await ic?.close();
});

describe('two projects, every route driven with project alpha', () => {
  it('native reads see only alpha: documents, search, ask (plain, streamed, explained), traces, stats', async () => {
    const docs = await alpha('GET /api/documents', '/api/documents');
    expect(docs.status).toBe(200);
    expect((docs.json.documents as Array<{ id: string }>).length).toBe(1);

    const search = await alpha('POST /api/search', '/api/search', { body: { query: `${BETA_WORD} quartz vault`, k: 10 } });
    expect(search.status).toBe(200);
    expect((search.json.hits as unknown[]).length).toBeGreaterThan(0);

    // The same question beta asked: neither beta's documents nor a cached answer built on them may come back.
    const ask = await alpha('POST /api/ask', '/api/ask', { body: { question: QUESTION } });
    expect(ask.status).toBe(200);
    expect(ask.json.answer).toMatch(/noon/);
    const stream = await alpha('POST /api/ask', '/api/ask', { body: { question: QUESTION, stream: true } });
    expect(stream.text).toContain('event: done');
    const explain = await alpha('POST /api/ask', '/api/ask', { body: { question: QUESTION, explain: true } });
    expect(explain.status).toBe(200);
    // Beta's session of the same id is not alpha's: alpha's run starts empty and its turn lands in alpha.
    const agent = await alpha('POST /api/agent', '/api/agent', { body: { input: QUESTION, session: 'shared-session' } });
    expect(agent.status).toBe(200);
    expect((await ic.agent({ project: 'alpha', builtins: false }).history('shared-session'))[0]).toEqual({ role: 'user', content: QUESTION });
    // Over MCP too, the key's project is the only one searched.
    const mcp = await alpha('POST /api/mcp', '/api/mcp', {
      body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search', arguments: { query: 'quartz vault keepers ledger', k: 10 } } },
      headers: { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
    });
    expect(mcp.status).toBe(200);
    expect(JSON.stringify(mcp.json)).toContain('noon');
    const sessions = await alpha('GET /api/agent/sessions', '/api/agent/sessions');
    expect(sessions.json.sessions).toEqual([expect.objectContaining({ session: 'shared-session', turns: 1 })]);
    const conversation = await alpha('GET /api/agent/sessions/:id', '/api/agent/sessions/shared-session');
    expect((conversation.json.messages as unknown[]).length).toBe(2);

    await ic.flushTraces();
    const traces = await alpha('GET /api/traces', '/api/traces');
    const alphaTraces = (traces.json.traces as Array<{ traceId: string }>).map((x) => x.traceId);
    expect(alphaTraces.length).toBeGreaterThanOrEqual(2);
    expect(alphaTraces.filter((id) => beta.traceIds.includes(id))).toEqual([]);
    const one = await alpha('GET /api/traces/:id', `/api/traces/${alphaTraces[0]}`);
    expect(one.status).toBe(200);

    const stats = await alpha('GET /api/stats', '/api/stats');
    expect(stats.status).toBe(200);
    expect(stats.json.traces).toBe(alphaTraces.length);
  });

  it("beta's ids are not found for alpha: document, trace, feedback", async () => {
    for (const id of beta.docIds) expect((await alpha('DELETE /api/documents/:id', `/api/documents/${id}`)).status).toBe(404);
    expect((await alpha('GET /api/agent/sessions/:id', '/api/agent/sessions/beta-notes')).status).toBe(404);
    expect((await alpha('DELETE /api/agent/sessions/:id', '/api/agent/sessions/beta-notes')).status).toBe(404);
    for (const id of beta.traceIds) {
      expect((await alpha('GET /api/traces/:id', `/api/traces/${id}`)).status).toBe(404);
      expect((await alpha('POST /api/traces/:id/feedback', `/api/traces/${id}/feedback`, { body: { score: -1, comment: 'from alpha' } })).status).toBe(404);
    }
  });

  it('native writes land in alpha: ingest (JSON and upload), feedback, delete', async () => {
    const json = await alpha('POST /api/ingest', '/api/ingest', { body: { text: 'Alpha keeps a second note about bells.', source: 'notes/bells.md' } });
    expect(json.status).toBe(200);
    const form = new FormData();
    form.append('file', new Blob(['Alpha upload: the bell rings twice.']), 'ledger.txt');
    const up = await alpha('POST /api/ingest', '/api/ingest', { body: form });
    expect(up.status).toBe(200);
    const alphaDocs = await ic.listDocuments({ project: 'alpha' });
    expect(alphaDocs.map((d) => d.source).sort()).toEqual(['api/notes/bells.md', 'api/notes/vault.md', 'upload/ledger.txt']);

    await ic.flushTraces();
    const own = (await ic.traces.listTraces('alpha')).traces[0]?.traceId ?? '';
    const fb = await alpha('POST /api/traces/:id/feedback', `/api/traces/${own}/feedback`, { body: { score: 1, label: 'good' } });
    expect(fb.status).toBe(201);
    expect(await ic.traces.listFeedback('alpha', own)).toHaveLength(1);

    // Forgetting alpha's conversation leaves beta's of the same id alone (checked with beta's state at the end).
    expect((await alpha('DELETE /api/agent/sessions/:id', '/api/agent/sessions/shared-session')).status).toBe(200);
    expect(await ic.agent({ project: 'alpha', builtins: false }).sessions()).toEqual([]);

    const bells = alphaDocs.find((d) => d.source === 'api/notes/bells.md');
    expect((await alpha('DELETE /api/documents/:id', `/api/documents/${bells?.id}`)).status).toBe(200);
  });

  it('/v1 routes answer from alpha only and trace into alpha', async () => {
    expect((await alpha('GET /v1/models', '/v1/models')).status).toBe(200);
    const emb = await alpha('POST /v1/embeddings', '/v1/embeddings', { body: { input: ['quartz vault'] } });
    expect(emb.status).toBe(200);

    const chat = await alpha('POST /v1/chat/completions', '/v1/chat/completions', { body: { model: 'incontext-rag', messages: [{ role: 'user', content: QUESTION }] } });
    expect(chat.status).toBe(200);
    expect(JSON.stringify(chat.json.choices)).toMatch(/noon/);
    const chatStream = await alpha('POST /v1/chat/completions', '/v1/chat/completions', { body: { model: 'incontext-rag', stream: true, messages: [{ role: 'user', content: QUESTION }] } });
    expect(chatStream.text).toContain('[DONE]');
    const passThrough = await alpha('POST /v1/chat/completions', '/v1/chat/completions', { body: { model: 'local', messages: [{ role: 'user', content: 'Say hello.' }] } });
    expect(passThrough.status).toBe(200);

    const msg = await alpha('POST /v1/messages', '/v1/messages', { body: { model: 'incontext-rag', max_tokens: 200, messages: [{ role: 'user', content: QUESTION }] } });
    expect(msg.status).toBe(200);
    expect(JSON.stringify(msg.json.content)).toMatch(/noon/);
    const msgStream = await alpha('POST /v1/messages', '/v1/messages', { body: { model: 'incontext-rag', max_tokens: 200, stream: true, messages: [{ role: 'user', content: QUESTION }] } });
    expect(msgStream.text).toContain('message_stop');
    expect((await alpha('POST /v1/messages', '/v1/messages', { body: { model: 'local', max_tokens: 50, messages: [{ role: 'user', content: 'Say hello.' }] } })).status).toBe(200);

    await ic.flushTraces();
    // Every call above was traced under alpha, with alpha's key id on it.
    const alphaTraces = (await ic.traces.listTraces('alpha', { limit: 500 })).traces;
    expect(alphaTraces.length).toBeGreaterThanOrEqual(8);
  });

  it('admin: keys of alpha only; beta keys are not found', async () => {
    const created = await alpha('POST /api/admin/keys', '/api/admin/keys', { admin: true, body: { name: 'alpha-ci', scopes: ['ingest'], limits: { requestsPerMinute: 5 } } });
    expect(created.status).toBe(201);
    expect((created.json.key as { project: string }).project).toBe('alpha');
    const list = await alpha('GET /api/admin/keys', '/api/admin/keys?includeRevoked=true', { admin: true });
    const listed = list.json.keys as Array<{ id: string; project: string }>;
    expect(new Set(listed.map((k) => k.project))).toEqual(new Set(['alpha']));
    expect(listed.map((k) => k.id)).toContain(created.json.id);
    expect(list.text).not.toContain('ic_' + String(created.json.secret).slice(3));

    for (const id of beta.keyIds) {
      const r = await alpha('DELETE /api/admin/keys/:id', `/api/admin/keys/${id}`, { admin: true });
      expect(r.status).toBe(404);
    }
    expect((await alpha('DELETE /api/admin/keys/:id', `/api/admin/keys/${String(created.json.id)}`, { admin: true })).status).toBe(200);
  });

  it('admin: projects — alpha sees only itself, cannot create projects nor delete beta', async () => {
    const list = await alpha('GET /api/admin/projects', '/api/admin/projects', { admin: true });
    expect((list.json.projects as Array<{ id: string }>).map((p) => p.id)).toEqual(['alpha']);
    const create = await alpha('POST /api/admin/projects', '/api/admin/projects', { admin: true, body: { id: 'gamma' } });
    expect(create.status).toBe(403);
    expect(await ic.tenancy().getProject('gamma')).toBeUndefined();
    expect((await alpha('DELETE /api/admin/projects/:id', '/api/admin/projects/beta?force=true', { admin: true })).status).toBe(403);
    // Its own project has documents: refused without force, so the rest of the test keeps alpha.
    expect((await alpha('DELETE /api/admin/projects/:id', '/api/admin/projects/alpha', { admin: true })).status).toBe(409);
  });

  it('admin: secrets — names only, alpha only; beta secret names are not found and never overwritten', async () => {
    const put = await alpha('PUT /api/admin/secrets/:name', '/api/admin/secrets/OPENAI_API_KEY', { admin: true, body: { value: ALPHA_SECRET_VALUE } });
    expect(put.status).toBe(201);
    expect(put.json).toMatchObject({ name: 'OPENAI_API_KEY', createdAt: expect.any(Number) });
    expect((await alpha('PUT /api/admin/secrets/:name', '/api/admin/secrets/OPENAI_API_KEY', { admin: true, body: { value: ALPHA_SECRET_VALUE + '2' } })).status).toBe(200);
    const list = await alpha('GET /api/admin/secrets', '/api/admin/secrets', { admin: true });
    expect((list.json.secrets as Array<{ name: string }>).map((s) => s.name)).toEqual(['OPENAI_API_KEY']);
    expect((await alpha('GET /api/admin/secrets/:name', '/api/admin/secrets/OPENAI_API_KEY', { admin: true })).status).toBe(200);
    expect((await alpha('GET /api/admin/secrets/:name', `/api/admin/secrets/${BETA_SECRET.name}`, { admin: true })).status).toBe(404);
    expect((await alpha('DELETE /api/admin/secrets/:name', `/api/admin/secrets/${BETA_SECRET.name}`, { admin: true })).status).toBe(404);
    // The same name in alpha is alpha's own secret; beta's value stays (checked with the state at the end).
    expect((await alpha('PUT /api/admin/secrets/:name', `/api/admin/secrets/${BETA_SECRET.name}`, { admin: true, body: { value: 'alpha-took-the-name' } })).status).toBe(201);
    expect((await alpha('DELETE /api/admin/secrets/:name', `/api/admin/secrets/${BETA_SECRET.name}`, { admin: true })).status).toBe(200);
    expect(await ic.tenancy().getSecret('alpha', 'OPENAI_API_KEY')).toBe(ALPHA_SECRET_VALUE + '2');
  });

  it('admin: the audit log shows alpha actions only, with the key as actor and no secret values', async () => {
    const audit = await alpha('GET /api/admin/audit', '/api/admin/audit?limit=1000', { admin: true });
    expect(audit.status).toBe(200);
    const entries = audit.json.entries as Array<{ project: string; actor: string; action: string }>;
    expect(new Set(entries.map((e) => e.project))).toEqual(new Set(['alpha']));
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['key.create', 'key.revoke', 'secret.set', 'secret.delete', 'project.create']));
    const adminKeyId = (await ic.tenancy().listKeys('alpha')).find((k) => k.name === 'alpha-root')?.id;
    expect(entries.find((e) => e.action === 'secret.set')?.actor).toBe(adminKeyId);
    const filtered = await alpha('GET /api/admin/audit', '/api/admin/audit?action=secret.set', { admin: true });
    expect((filtered.json.entries as unknown[]).length).toBe(3);
    for (const s of seen) expect(s.text, s.route).not.toContain(ALPHA_SECRET_VALUE);
  });

  it('the unauthenticated routes leak nothing of any project', async () => {
    const health = await alpha('GET /healthz', '/healthz');
    expect(health.json).toEqual({ ok: true, version: expect.any(String), auth: 'required' });
    expect((await alpha('GET /openapi.json', '/openapi.json')).status).toBe(200);
    expect((await alpha('GET /', '/')).status).toBe(200);
  });

  it("naming beta with alpha's key is 403 on every authenticated route", async () => {
    const app = createServerApp(ic);
    for (const r of app.routes.filter((x) => x.method !== 'ALL' && /^\/(api|v1)\//.test(x.path))) {
      const path = r.path.replace(/:[A-Za-z]+/g, 'x');
      const admin = ROUTE_SCOPES[`${r.method} ${r.path}`]?.includes('admin') ?? true;
      for (const [how, url, headers] of [
        ['header', path, { 'x-incontext-project': 'beta' }],
        ['query', `${path}?project=beta`, {}],
      ] as const) {
        const res = await send(admin ? keys.alphaAdmin : keys.alpha, r.method, url, r.method === 'GET' || r.method === 'DELETE' ? undefined : {}, headers);
        expect(res.status, `${r.method} ${r.path} by ${how}`).toBe(403);
        expect((res.json.error as { message: string }).message).toContain('belongs to project "alpha"');
      }
    }
  });

  it('drove every route of the app, each with a scope and in the OpenAPI document', () => {
    const routes = createServerApp(ic).routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
    expect([...covered].sort()).toEqual([...new Set(routes)].sort());
    const authenticated = routes.filter((r) => / \/(api|v1)\//.test(r));
    expect(authenticated.filter((r) => !(r in ROUTE_SCOPES))).toEqual([]);
    const doc = openApiDocument('test') as { paths: Record<string, Record<string, unknown>> };
    const undocumented = authenticated.filter((r) => {
      const [method = '', path = ''] = r.split(' ');
      return !doc.paths[path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[method.toLowerCase()];
    });
    expect(undocumented).toEqual([]);
  });

  it("nothing alpha did changed beta, and no response to alpha carried beta's data", async () => {
    expect(await betaState()).toBe(betaBefore);
    const markers = [BETA_WORD, BETA_FEEDBACK, BETA_SECRET.value, ...beta.docIds, ...beta.traceIds, ...beta.keyIds];
    expect(seen.length).toBeGreaterThan(40);
    for (const s of seen) {
      // A "not found" may echo the id alpha itself sent; that is no leak.
      for (const m of markers) if (!s.path.includes(m)) expect(s.text, `${s.route} returned beta's ${m}`).not.toContain(m);
    }
    // Beta still works with its own keys and still sees its own data.
    const own = await send(keys.beta, 'POST', '/api/search', { query: `${BETA_WORD} quartz` });
    expect(own.text).toContain(BETA_WORD);
  });
});
