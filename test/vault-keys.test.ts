/**
 * A project's vault secrets are its provider credentials: the same spec, called through the app
 * by two projects, reaches the upstream with each project's own key; a project without one uses
 * the server's environment; a key set, rotated or deleted (through the admin API, or by another
 * process on the same file) is used from the next call; nothing ever prints the value.
 *
 * The fake upstream redacts the Authorization header it records, so a small proxy in front of it
 * records the header instead (and plays a provider that fails or echoes the key for chosen keys).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIncontext, createLogger, type Incontext } from '../src/app/index.js';
import { createServerApp } from '../src/server/index.js';
import { rejectedError, startFakeUpstream, type FakeUpstream } from '../src/testing/index.js';
import { CORPUS, tempDir, writeTree } from './helpers.js';

const MASTER_KEY = randomBytes(32).toString('hex');
const SERVER_KEY = 'sk-server-env-key-0000000001';
const SPEC = 'openai:gpt-4o-mini';

let upstream: FakeUpstream;
let proxy: Server;
let proxyURL = '';
/** Authorization header of each request that reached the proxy, in order. */
const seen: string[] = [];
/** Keys for which the proxy answers like a provider in trouble, or like one that echoes a bad key. */
const failFor = new Set<string>();
const echoFor = new Set<string>();

let cwd: string;
let ic: Incontext;
const logs: string[] = [];
const opened: Incontext[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  proxy = createServer((req, res) => {
    const auth = String(req.headers.authorization ?? '');
    seen.push(auth);
    const key = auth.replace(/^Bearer /, '');
    if (failFor.has(key) || echoFor.has(key)) {
      req.resume();
      const status = failFor.has(key) ? 503 : 401;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: status === 401 ? `Incorrect API key provided: ${key}` : 'overloaded', type: 'invalid_request_error' } }));
      return;
    }
    const up = request({ host: '127.0.0.1', port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
  proxyURL = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`;

  cwd = tempDir('ic-vault-keys-');
  ic = open({ OPENAI_API_KEY: SERVER_KEY });
  const tenancy = ic.tenancy();
  for (const p of ['alpha', 'beta', 'gamma', 'admin-api', 'crossproc', 'failing', 'healthy', 'leaky', 'own-url']) await tenancy.createProject(p);
  writeTree(join(cwd, 'c'), CORPUS);
  for (const p of ['alpha', 'leaky']) await ic.ingest([join(cwd, 'c')], { project: p });
});

afterAll(async () => {
  for (const i of opened) await i.close();
  await new Promise<void>((ok) => proxy.close(() => ok()));
  await upstream?.close();
});

beforeEach(() => {
  seen.length = 0;
});

/** The app on the shared home, with the vault's master key and the given provider environment. */
function open(env: Record<string, string>): Incontext {
  const i = createIncontext({
    cwd,
    env: { OPENAI_BASE_URL: proxyURL, INCONTEXT_MASTER_KEY: MASTER_KEY, ...env },
    config: {
      home: join(cwd, '.incontext'),
      embed: { model: 'local:hash' },
      logLevel: 'debug',
      gateway: { aliases: { smart: [SPEC] }, retry: { maxAttempts: 1 }, breaker: { failureThreshold: 2, cooldownMs: 600_000 } },
    },
    logger: createLogger('debug', (line) => logs.push(line)),
  });
  opened.push(i);
  return i;
}

const key = (secret: string) => `Bearer ${secret}`;

async function call(project: string, on: Incontext = ic, spec = SPEC): Promise<string> {
  const { model } = on.languageModel(spec, { project });
  return (await generateText({ model, prompt: 'Say hello.', maxRetries: 0 })).text;
}

describe('provider keys per project', () => {
  it('sends each project\'s own key for the same spec, and the environment\'s key for a project without one', async () => {
    const t = ic.tenancy();
    await t.setSecret('alpha', 'OPENAI_API_KEY', 'sk-alpha-project-key-000001');
    await t.setSecret('beta', 'OPENAI_API_KEY', 'sk-beta-project-key-0000002');

    await call('alpha');
    await call('beta');
    await call('gamma');
    expect(seen).toEqual([key('sk-alpha-project-key-000001'), key('sk-beta-project-key-0000002'), key(SERVER_KEY)]);

    // The ask path (retrieval, prompt, traced llm call) and a stream use the same per-project keys.
    seen.length = 0;
    const answer = await ic.ask('Where does photosynthesis happen?', { project: 'alpha', model: SPEC });
    expect(answer.abstained).toBe(false);
    const { model } = ic.languageModel(SPEC, { project: 'beta' });
    await streamText({ model, prompt: 'Stream please.', maxRetries: 0 }).consumeStream();
    expect(seen).toEqual([key('sk-alpha-project-key-000001'), key('sk-beta-project-key-0000002')]);

    // An alias is resolved by routing, inside the call: still the calling project's key.
    seen.length = 0;
    await call('beta', ic, 'smart');
    await call('gamma', ic, 'smart');
    expect(seen).toEqual([key('sk-beta-project-key-0000002'), key(SERVER_KEY)]);
  });

  it('uses a key set, replaced or deleted through the admin API from the next call, without a restart', async () => {
    const app = createServerApp(ic);
    const admin = (await ic.tenancy().createKey({ project: 'admin-api', scopes: ['admin'], name: 'ops' })).secret;
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    const chat = async () => {
      const r = await app.request('/v1/chat/completions', { method: 'POST', headers, body: JSON.stringify({ model: SPEC, messages: [{ role: 'user', content: 'hi' }] }) });
      expect(r.status).toBe(200);
    };
    const put = async (value: string) => {
      const r = await app.request('/api/admin/secrets/OPENAI_API_KEY', { method: 'PUT', headers, body: JSON.stringify({ value }) });
      expect([200, 201]).toContain(r.status);
    };

    await chat();
    await put('sk-admin-api-first-00000001');
    await chat();
    await put('sk-admin-api-rotated-000002');
    await chat();
    expect((await app.request('/api/admin/secrets/OPENAI_API_KEY', { method: 'DELETE', headers })).status).toBe(200);
    await chat();
    expect(seen).toEqual([key(SERVER_KEY), key('sk-admin-api-first-00000001'), key('sk-admin-api-rotated-000002'), key(SERVER_KEY)]);
  });

  it('uses a key another process stored in the same file within a second', async () => {
    await call('crossproc');
    const script = join(cwd, 'set-secret.mts');
    writeFileSync(
      script,
      `import { createTenancy } from ${JSON.stringify(resolve('src/tenancy/index.ts'))};\n` +
        `const t = createTenancy({ path: process.env.DB, masterKey: process.env.MK });\n` +
        `await t.setSecret('crossproc', 'OPENAI_API_KEY', process.env.VALUE);\nt.close();\n`,
    );
    execFileSync(process.execPath, ['--import', 'tsx', script], {
      cwd: resolve('.'),
      env: { ...process.env, DB: join(cwd, '.incontext', 'incontext.db'), MK: MASTER_KEY, VALUE: 'sk-crossproc-child-key-00001' },
      stdio: 'pipe',
    });
    // The other process's write is seen at the next poll of the vault's version row (at most once a second).
    await new Promise((ok) => setTimeout(ok, 1100));
    await call('crossproc');
    expect(seen).toEqual([key(SERVER_KEY), key('sk-crossproc-child-key-00001')]);
  });

  it('names the missing secret, the project and how to set it', async () => {
    const keyless = open({});
    const err = await rejectedError(keyless.ask('Where does photosynthesis happen?', { project: 'gamma', model: SPEC }));
    expect(err.code).toBe('MODEL_NOT_CONFIGURED');
    expect(err.input?.key).toBe('OPENAI_API_KEY');
    expect(err.message).toContain('project "gamma"');
    expect(err.hint).toContain('incontext secrets set OPENAI_API_KEY --project gamma');

    // Through /v1 the client gets the same words.
    const admin = (await keyless.tenancy().createKey({ project: 'gamma', scopes: ['query'], name: 'q' })).secret;
    const r = await createServerApp(keyless).request('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: SPEC, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await r.json()) as { error: { message: string; hint?: string } };
    expect(r.status).toBe(400);
    expect(body.error.message).toContain('OPENAI_API_KEY');
    expect(body.error.hint).toContain('--project gamma');

    // A project that chose its own endpoint but no key gets an error, not the server's key.
    await ic.tenancy().setSecret('own-url', 'OPENAI_BASE_URL', proxyURL);
    const own = await rejectedError(call('own-url'));
    expect(own.message).toContain('project "own-url"');
    expect(own.input?.key).toBe('OPENAI_API_KEY');
    expect(seen).toEqual([]);
  });

  it('refuses the calls of a project whose secrets it cannot decrypt, instead of paying for them with the server\'s key', async () => {
    await ic.tenancy().setSecret('alpha', 'OPENAI_API_KEY', 'sk-alpha-project-key-000001');
    const wrongKey = open({ OPENAI_API_KEY: SERVER_KEY, INCONTEXT_MASTER_KEY: randomBytes(32).toString('hex') });
    const err = await rejectedError(call('alpha', wrongKey));
    expect(err.message).toContain('project "alpha"');
    expect(err.input?.key).toBe('INCONTEXT_MASTER_KEY');
    expect(err.status).toBe(500);
    expect(err.hint).toContain("not sent with the server's own keys");
    expect(seen).toEqual([]);
    // Projects without secrets need no master key at all.
    await call('gamma', wrongKey);
    expect(seen).toEqual([key(SERVER_KEY)]);
  });

  it('opens the circuit for the project whose key keeps failing, not for the others', async () => {
    await ic.tenancy().setSecret('failing', 'OPENAI_API_KEY', 'sk-failing-project-key-0001');
    await ic.tenancy().setSecret('healthy', 'OPENAI_API_KEY', 'sk-healthy-project-key-0001');
    failFor.add('sk-failing-project-key-0001');
    try {
      for (let i = 0; i < 2; i++) await rejectedError(call('failing'));
      const open = await rejectedError(call('failing'));
      expect(open.status).toBe(503);
      expect(seen.filter((s) => s === key('sk-failing-project-key-0001'))).toHaveLength(2);
      expect(await call('healthy')).toMatch(/hello/i);
      expect(await call('gamma')).toMatch(/hello/i);
      // A new key is a new circuit.
      await ic.tenancy().setSecret('failing', 'OPENAI_API_KEY', 'sk-failing-replaced-key-002');
      expect(await call('failing')).toMatch(/hello/i);
    } finally {
      failFor.clear();
    }
  });

  it('keeps the value out of errors, trace rows, the database file and the logs', async () => {
    const secret = 'sk-leaky-project-key-zq81x7v0';
    await ic.tenancy().setSecret('leaky', 'OPENAI_API_KEY', secret);
    echoFor.add(secret);
    logs.length = 0;
    try {
      const err = await rejectedError(ic.ask('Where does photosynthesis happen?', { project: 'leaky', model: SPEC }));
      const parts = [];
      for await (const part of ic.askStream('When did William invade England?', { project: 'leaky', model: SPEC })) parts.push(part);
      const streamed = parts.find((p) => p.type === 'error');
      expect(seen).toEqual([key(secret), key(secret)]);

      // The provider echoed the key; what reaches the caller names the secret instead.
      expect(JSON.stringify({ m: err.message, h: err.hint, c: String((err.cause as Error | undefined)?.message) })).not.toContain(secret);
      expect(err.message).toContain('[secret OPENAI_API_KEY]');
      expect(streamed).toBeDefined();
      expect(JSON.stringify(streamed)).not.toContain(secret);

      await ic.flushTraces();
      const { traces } = await ic.traces.listTraces('leaky', { limit: 10 });
      expect(traces.length).toBeGreaterThanOrEqual(2);
      const trees = await Promise.all(traces.map((t) => ic.traces.getTrace('leaky', t.traceId)));
      const dump = JSON.stringify(trees);
      expect(dump).toContain('[secret OPENAI_API_KEY]');
      expect(dump).not.toContain(secret);

      // Nowhere in the SQLite file or its WAL: the vault holds only ciphertext, traces only the name.
      const db = join(cwd, '.incontext', 'incontext.db');
      for (const f of [db, `${db}-wal`]) if (existsSync(f)) expect(readFileSync(f).includes(secret)).toBe(false);

      expect(logs.some((l) => l.includes('provider secrets from the vault') && l.includes('OPENAI_API_KEY'))).toBe(true);
      expect(logs.some((l) => l.includes('ask stream failed'))).toBe(true);
      expect(logs.join('\n')).not.toContain(secret);
      expect((await ic.tenancy().listAudit({ project: 'leaky' })).map((a) => JSON.stringify(a)).join('\n')).not.toContain(secret);
    } finally {
      echoFor.clear();
    }
  });
});
