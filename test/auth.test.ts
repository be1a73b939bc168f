import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput, Incontext } from '../src/app/index.js';
import { createServerApp, startServer, type RunningServer } from '../src/server/index.js';
import { openTemp, tempDir, writeTree } from './helpers.js';

const MASTER_KEY = '0f'.repeat(32);

interface Running {
  ic: Incontext;
  server: RunningServer;
  call(method: string, path: string, options?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: { error?: { code: string; message: string; param?: string } } & Record<string, unknown>; headers: Headers }>;
}

const opened: Running[] = [];

async function serve(config: ConfigInput = {}): Promise<Running> {
  const { ic } = openTemp({ ...config, server: { port: 0, ...(config.server ?? {}) } }, { env: { INCONTEXT_MASTER_KEY: MASTER_KEY } });
  const server = await startServer(ic, { port: 0 });
  const call: Running['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...(o.key ? { authorization: `Bearer ${o.key}` } : {}), ...(o.headers ?? {}) };
    let body: BodyInit | undefined;
    if (o.body instanceof FormData || typeof o.body === 'string') body = o.body;
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] = 'application/json';
    }
    const r = await fetch(server.url + path, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await r.text();
    return { status: r.status, headers: r.headers, body: (text.startsWith('{') ? JSON.parse(text) : { text }) as { error?: { code: string; message: string } } };
  };
  const running = { ic, server, call };
  opened.push(running);
  return running;
}

afterAll(async () => {
  for (const r of opened) {
    await r.server.close();
    await r.ic.close();
  }
});

describe("server.auth 'auto' on loopback", () => {
  it('is open while no key exists, and asks for a key from the first key on, without a restart', async () => {
    const { ic, call } = await serve();
    expect((await call('GET', '/api/documents')).status).toBe(200);
    expect((await call('GET', '/healthz')).body).toMatchObject({ ok: true, auth: 'open', documents: 0 });
    // The page's and OpenAI clients' placeholder keys are ignored while open, as before tenancy.
    expect((await call('GET', '/api/documents', { key: 'unused' })).status).toBe(200);

    const created = await ic.tenancy().createKey({ project: 'default', scopes: ['query'], name: 'reader' });
    const denied = await call('GET', '/api/documents');
    expect(denied.status).toBe(401);
    expect(denied.body.error?.code).toBe('UNAUTHORIZED');
    expect(denied.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await call('GET', '/healthz')).body).toEqual({ ok: true, version: expect.any(String), auth: 'required' });
    expect((await call('GET', '/api/documents', { key: created.secret })).status).toBe(200);
    // Anthropic clients send the key as x-api-key.
    expect((await call('GET', '/api/documents', { headers: { 'x-api-key': created.secret } })).status).toBe(200);
    // The unauthenticated routes stay open.
    expect((await call('GET', '/openapi.json')).status).toBe(200);
    expect((await call('GET', '/')).status).toBe(200);
  });

  it('admin routes need an admin key even while the server is open', async () => {
    const { call } = await serve();
    const r = await call('GET', '/api/admin/keys');
    expect(r.status).toBe(401);
    expect((await call('GET', '/api/documents')).status).toBe(200);
  });

  it('asks for a key when listening beyond loopback, even with no key in the store', async () => {
    const { ic } = await serve();
    const app = createServerApp(ic, { host: '0.0.0.0' });
    const r = await app.request('/api/documents');
    expect(r.status).toBe(401);
    expect((await createServerApp(ic, { host: '127.0.0.1' }).request('/api/documents')).status).toBe(200);
  });
});

describe("server.auth 'required'", () => {
  let s: Running;
  let query: string;
  let ingest: string;
  let admin: string;
  beforeAll(async () => {
    s = await serve({ server: { auth: 'required' }, gateway: { rateLimit: { perProject: { requestsPerMinute: 10_000 } } } });
    const t = s.ic.tenancy();
    await t.createProject('alpha');
    query = (await t.createKey({ project: 'alpha', scopes: ['query'], name: 'reader', limits: { maxBodyBytes: 2000 } })).secret;
    ingest = (await t.createKey({ project: 'alpha', scopes: ['ingest'], name: 'loader' })).secret;
    admin = (await t.createKey({ project: 'alpha', scopes: ['admin'], name: 'root' })).secret;
  });

  it('refuses a request without a key, with a malformed key and with an unknown key (401, reason named)', async () => {
    const none = await s.call('POST', '/api/search', { body: { query: 'x' } });
    expect(none.status).toBe(401);
    expect(none.body.error?.message).toMatch(/No API key/);
    const bad = await s.call('POST', '/api/search', { key: 'sk-not-ours', body: { query: 'x' } });
    expect(bad.status).toBe(401);
    expect(bad.body.error?.message).toMatch(/format/);
    const twoKeys = await s.call('GET', '/api/documents', { key: query, headers: { 'x-api-key': ingest } });
    expect(twoKeys.status).toBe(401);
    expect((await s.call('GET', '/v1/models')).status).toBe(401);
  });

  it('refuses a key without the route scope (403) and lets the right scope through', async () => {
    const search = await s.call('POST', '/api/search', { key: ingest, body: { query: 'x' } });
    expect(search.status).toBe(403);
    expect(search.body.error?.code).toBe('FORBIDDEN');
    expect(search.body.error?.message).toMatch(/"query" scope/);
    const up = await s.call('POST', '/api/ingest', { key: query, body: { text: 'Tea grows on hills.', source: 'tea.md' } });
    expect(up.status).toBe(403);
    expect((await s.call('GET', '/api/admin/keys', { key: query })).status).toBe(403);
    expect((await s.call('POST', '/api/ingest', { key: ingest, body: { text: 'Tea grows on hills.', source: 'tea.md' } })).status).toBe(200);
    expect((await s.call('POST', '/api/search', { key: query, body: { query: 'tea' } })).status).toBe(200);
    // Admin implies the other scopes.
    expect((await s.call('POST', '/api/search', { key: admin, body: { query: 'tea' } })).status).toBe(200);
    // Both readers and loaders may list documents.
    expect((await s.call('GET', '/api/documents', { key: ingest })).status).toBe(200);
    expect((await s.call('GET', '/api/documents', { key: query })).status).toBe(200);
  });

  it('an unknown route is a 404 for any key (401 without one); a route without a scope in ROUTE_SCOPES is admin-only', async () => {
    expect((await s.call('GET', '/api/nope')).status).toBe(401);
    const missing = await s.call('GET', '/api/nope', { key: query });
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe('NOT_FOUND');
    const app = createServerApp(s.ic);
    app.get('/api/unlisted', (c) => c.json({ ok: true }));
    const as = (key: string) => app.request('/api/unlisted', { headers: { authorization: `Bearer ${key}` } });
    expect((await as(query)).status).toBe(403);
    expect((await as(admin)).status).toBe(200);
  });

  it('refuses a key on another project than its own (403), by header or query', async () => {
    const header = await s.call('POST', '/api/search', { key: query, body: { query: 'x' }, headers: { 'x-incontext-project': 'default' } });
    expect(header.status).toBe(403);
    expect(header.body.error?.message).toMatch(/belongs to project "alpha"/);
    expect((await s.call('GET', '/api/traces?project=default', { key: query })).status).toBe(403);
    expect((await s.call('GET', '/api/traces?project=alpha', { key: query })).status).toBe(200);
  });

  it('refuses a revoked key (401) at once', async () => {
    const t = s.ic.tenancy();
    const k = await t.createKey({ project: 'alpha', scopes: ['query'], name: 'short-lived' });
    expect((await s.call('GET', '/api/stats', { key: k.secret })).status).toBe(200);
    await t.revokeKey(k.id);
    const r = await s.call('GET', '/api/stats', { key: k.secret });
    expect(r.status).toBe(401);
    expect(r.body.error?.message).toMatch(/revoked/);
  });

  it("refuses a body over the key's maxBodyBytes (413) before reading it, and accepts one under it", async () => {
    const over = await s.call('POST', '/api/search', { key: query, body: { query: 'x'.repeat(3000) } });
    expect(over.status).toBe(413);
    expect(over.body.error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(over.body.error?.message).toMatch(/2000 bytes/);
    expect((await s.call('POST', '/api/search', { key: query, body: { query: 'x'.repeat(1500) } })).status).toBe(200);
    // A chunked body (no Content-Length) is counted as it streams.
    const chunked = await fetch(s.server.url + '/api/search', {
      method: 'POST',
      headers: { authorization: `Bearer ${query}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode(i === 0 ? '{"query":"' : 'y'.repeat(1000)));
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('refuses JSON nested deeper than the limit (400) on every JSON route', async () => {
    const deep = '['.repeat(200) + ']'.repeat(200);
    for (const [path, body] of [
      ['/api/search', `{"query":"x","filter":{"a":${deep}}}`],
      ['/v1/chat/completions', `{"model":"incontext-rag","messages":[{"role":"user","content":${deep}}]}`],
      ['/api/ingest', `{"text":"x","source":"a.md","metadata":${deep}}`],
    ] as const) {
      const r = await s.call('POST', path, { key: admin, body, headers: { 'content-type': 'application/json' } });
      expect(r.status, path).toBe(400);
      expect(r.body.error?.message, path).toMatch(/nested deeper than 64/);
    }
    // Depth within the limit is fine.
    expect((await s.call('POST', '/api/search', { key: query, body: { query: 'x', filter: { a: { in: ['b'] } } } })).status).toBe(200);
  });

  it('refuses path-traversal upload names (400) and stores nothing of the batch', async () => {
    const before = (await s.ic.listDocuments({ project: 'alpha' })).length;
    for (const name of ['../../etc/passwd', '/etc/passwd', 'a/../../b.txt', 'C:\\evil.txt', 'ok/./x.txt']) {
      const form = new FormData();
      form.append('file', new Blob(['Fine text that would be ingested.']), 'fine.txt');
      form.append('file', new Blob(['Bad.']), name);
      const r = await s.call('POST', '/api/ingest', { key: ingest, body: form });
      expect(r.status, name).toBe(400);
      expect(r.body.error?.param, name).toBe('filename');
    }
    const json = await s.call('POST', '/api/ingest', { key: ingest, body: { text: 'x', source: '../outside.md' } });
    expect(json.status).toBe(400);
    expect((await s.ic.listDocuments({ project: 'alpha' })).length).toBe(before);
    const nested = new FormData();
    nested.append('file', new Blob(['Nested folders are fine.']), 'guides/deep/notes.txt');
    const ok = await s.call('POST', '/api/ingest', { key: ingest, body: nested });
    expect(ok.status).toBe(200);
    expect((ok.body.results as Array<{ source: string }>)[0]?.source).toBe('upload/guides/deep/notes.txt');
  });

  it("hands the key id and the key's own rate limit to the model stack", async () => {
    const t = s.ic.tenancy();
    const limited = await t.createKey({ project: 'alpha', scopes: ['query'], name: 'one-a-minute', limits: { requestsPerMinute: 1 } });
    const ask = () => s.call('POST', '/api/ask', { key: limited.secret, body: { question: 'What grows on hills?' } });
    expect((await ask()).status).toBe(200);
    const second = await ask();
    expect(second.status).toBe(429);
    expect(second.body.error?.code).toBe('RATE_LIMITED');
    // Another key of the same project has its own bucket.
    expect((await s.call('POST', '/api/ask', { key: query, body: { question: 'What grows on hills?' } })).status).toBe(200);
  });
});

describe("server.auth 'off'", () => {
  it('stays open even when keys exist, but admin routes still need an admin key', async () => {
    const { ic, call } = await serve({ server: { auth: 'off' } });
    const k = await ic.tenancy().createKey({ project: 'default', scopes: ['admin'], name: 'root' });
    expect((await call('GET', '/api/documents')).status).toBe(200);
    expect((await call('GET', '/api/admin/keys')).status).toBe(401);
    const keys = await call('GET', '/api/admin/keys', { key: k.secret });
    expect(keys.status).toBe(200);
    expect((keys.body.keys as Array<{ id: string }>).map((x) => x.id)).toEqual([k.id]);
  });
});

describe('incontext projects, keys, secrets and audit (the built CLI)', () => {
  const BIN = join(import.meta.dirname, '..', 'bin', 'incontext.js');
  let cwd: string;

  /** Runs bin/incontext.js as a user would; `stdin` is piped in (secret values come only from there). */
  function cli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const env = { PATH: process.env.PATH ?? '', INCONTEXT_EMBED_MODEL: 'local:hash', INCONTEXT_LOG_LEVEL: 'silent', INCONTEXT_MASTER_KEY: MASTER_KEY, ...options.env };
      const child = execFile(process.execPath, [BIN, ...args], { cwd, env }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
      child.stdin?.end(options.stdin ?? '');
    });
  }
  const json = <T>(r: { stdout: string }) => JSON.parse(r.stdout) as T;

  beforeAll(() => {
    expect(existsSync(join(import.meta.dirname, '..', 'dist', 'cli', 'index.js')), 'run npm run build before the CLI tests').toBe(true);
    cwd = tempDir('ic-cli-admin-');
    writeTree(join(cwd, 'corpus'), { 'a.md': '# A\n\nSome text about tea gardens.' });
  });

  it('creates and lists projects; a duplicate is refused', async () => {
    expect(json<{ id: string }>(await cli(['projects', 'create', 'alpha', '--name', 'Alpha team', '--json'])).id).toBe('alpha');
    const list = json<{ projects: Array<{ id: string; name: string }> }>(await cli(['projects', 'list', '--json']));
    expect(list.projects.map((p) => p.id)).toEqual(['alpha', 'default']);
    const again = await cli(['projects', 'create', 'alpha']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('creates a key, printed once: the text output is the key alone, lists never show it, revoke stops it', async () => {
    const created = await cli(['keys', 'create', '--project', 'alpha', '--scopes', 'query,ingest', '--name', 'app', '--rpm', '10', '--daily-usd', '2.5', '--max-body-bytes', '4096']);
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^ic_[A-Za-z0-9]{59}$/);
    expect(created.stderr).toMatch(/not shown again/);
    const list = await cli(['keys', 'list', '--project', 'alpha', '--json']);
    expect(list.stdout).not.toContain(secret.slice(13));
    const keys = json<{ keys: Array<{ id: string; scopes: string[]; limits: Record<string, number> }> }>(list).keys;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ scopes: ['ingest', 'query'], limits: { requestsPerMinute: 10, dailyUsd: 2.5, maxBodyBytes: 4096 } });
    expect((await cli(['keys', 'list'])).stdout).toMatch(/no keys in project default/);

    const { ic } = openTemp({ home: '.incontext' }, { cwd });
    try {
      expect((await ic.tenancy().authenticate(secret))?.project).toBe('alpha');
      expect((await cli(['keys', 'revoke', keys[0]?.id ?? ''])).code).toBe(0);
      expect(await ic.tenancy().checkKey(secret)).toEqual({ ok: false, reason: 'revoked' });
    } finally {
      await ic.close();
    }
    expect((await cli(['keys', 'revoke', 'key_nope'])).code).toBe(1);
    expect((await cli(['keys', 'create', '--scopes', 'root', '--name', 'x'])).code).toBe(2);
    expect((await cli(['keys', 'create', '--scopes', 'query'])).code).toBe(2);
  });

  it('stores a secret from stdin only, never prints it, and refuses it as an argument', async () => {
    const value = 'sk-live-provider-credential-9876';
    const set = await cli(['secrets', 'set', 'OPENAI_API_KEY', '--project', 'alpha', '--json'], { stdin: value + '\n' });
    expect(set.code).toBe(0);
    expect(json<{ name: string }>(set)).toMatchObject({ name: 'OPENAI_API_KEY', createdAt: expect.any(Number) });
    expect(set.stdout + set.stderr).not.toContain(value);
    const list = await cli(['secrets', 'list', '--project', 'alpha', '--json']);
    expect(json<{ secrets: Array<{ name: string }> }>(list).secrets.map((s) => s.name)).toEqual(['OPENAI_API_KEY']);
    expect(list.stdout).not.toContain(value);
    const { ic } = openTemp({ home: '.incontext' }, { cwd, env: { INCONTEXT_MASTER_KEY: MASTER_KEY } });
    try {
      expect(await ic.tenancy().getSecret('alpha', 'OPENAI_API_KEY')).toBe(value);
    } finally {
      await ic.close();
    }
    expect((await cli(['secrets', 'set', 'OTHER', value, '--project', 'alpha'])).code).toBe(2);
    expect((await cli(['secrets', 'set', 'EMPTY', '--project', 'alpha'], { stdin: '' })).code).toBe(2);
    expect((await cli(['secrets', 'rm', 'OPENAI_API_KEY', '--project', 'alpha'])).code).toBe(0);
    expect((await cli(['secrets', 'rm', 'OPENAI_API_KEY', '--project', 'alpha'])).code).toBe(1);
  });

  it('audit lists the CLI actions with actor cli and never a secret value; --project filters', async () => {
    const all = await cli(['audit', '--json']);
    const entries = json<{ entries: Array<{ actor: string; project: string; action: string }> }>(all).entries;
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['project.create', 'key.create', 'key.revoke', 'secret.set', 'secret.delete']));
    expect(new Set(entries.map((e) => e.actor))).toEqual(new Set(['cli']));
    expect(all.stdout).not.toContain('sk-live-provider-credential-9876');
    expect((await cli(['audit'])).stdout).toMatch(/cli +alpha +secret\.set +OPENAI_API_KEY/);
    expect(json<{ entries: unknown[] }>(await cli(['audit', '--project', 'nobody', '--json'])).entries).toEqual([]);
    expect(json<{ entries: unknown[] }>(await cli(['audit', '--action', 'key.revoke', '--json'])).entries).toHaveLength(1);
  });

  it('removes a project: refused while it has documents, then with --force its documents go too', async () => {
    expect((await cli(['projects', 'create', 'beta'])).code).toBe(0);
    expect((await cli(['ingest', 'corpus', '--project', 'beta'])).code).toBe(0);
    const refused = await cli(['projects', 'rm', 'beta']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/still has data/);
    expect((await cli(['projects', 'rm', 'beta', '--force'])).code).toBe(0);
    expect(json<{ documents: unknown[] }>(await cli(['docs', 'list', '--project', 'beta', '--json'])).documents).toEqual([]);
    expect((await cli(['projects', 'rm', 'default'])).code).toBe(2);
  });
});
