/**
 * A project's vault keys pay for its embeddings and its provider reranking too, not only for its
 * model calls: ingest, search, /v1/embeddings and the provider-rerank step of a project with its own
 * OPENAI_API_KEY / COHERE_API_KEY reach the provider with that key; a project without one uses the
 * server's; a project that sets its own base URL never gets the server's key sent there.
 *
 * A recording proxy sits in front of the fake upstream (which redacts the Authorization header it
 * records) and plays Cohere's rerank endpoint itself.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generateText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIncontext, type Incontext } from '../src/app/index.js';
import { createServerApp } from '../src/server/index.js';
import { startFakeUpstream, type FakeUpstream } from '../src/testing/index.js';
import { CORPUS, tempDir, writeTree } from './helpers.js';

const MASTER_KEY = randomBytes(32).toString('hex');
const SERVER_OPENAI = 'sk-server-openai-000000001';
const SERVER_COHERE = 'co-server-cohere-000000001';
const ALPHA_OPENAI = 'sk-alpha-openai-0000000001';
const ALPHA_COHERE = 'co-alpha-cohere-0000000001';

let upstream: FakeUpstream;
let proxy: Server;
let base = '';
/** `path authorization` of every request that reached the proxy, in order. */
const seen: string[] = [];
let cwd: string;
let ic: Incontext;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  proxy = createServer((req, res) => {
    const path = (req.url ?? '').replace(/^\/(own)?/, '/');
    seen.push(`${req.url} ${String(req.headers.authorization ?? '')}`);
    if (path.endsWith('/rerank')) {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const { documents } = JSON.parse(body) as { documents: string[] };
        // Reverse order, so a test can see the step ran.
        const results = documents.map((_, i) => ({ index: documents.length - 1 - i, relevance_score: 1 - i / documents.length }));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'rr-1', results, meta: {} }));
      });
      return;
    }
    const up = request({ host: '127.0.0.1', port: upstream.port, path, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  cwd = tempDir('ic-vault-embed-');
  ic = createIncontext({
    cwd,
    env: { OPENAI_API_KEY: SERVER_OPENAI, OPENAI_BASE_URL: `${base}/v1`, COHERE_API_KEY: SERVER_COHERE, COHERE_BASE_URL: `${base}/v2`, INCONTEXT_MASTER_KEY: MASTER_KEY },
    config: {
      home: join(cwd, '.incontext'),
      embed: { model: 'openai:text-embedding-3-small' },
      logLevel: 'silent',
      retrieve: { rerankModel: 'cohere:rerank-v3.5', steps: [{ type: 'provider-rerank' }] },
    },
  });
  const t = ic.tenancy();
  for (const p of ['alpha', 'beta', 'own-url']) await t.createProject(p);
  await t.setSecret('alpha', 'OPENAI_API_KEY', ALPHA_OPENAI);
  await t.setSecret('alpha', 'COHERE_API_KEY', ALPHA_COHERE);
  // A project with its own endpoint and no key of its own: the server's key must not follow it there.
  await t.setSecret('own-url', 'OPENAI_BASE_URL', `${base}/own/v1`);
  writeTree(join(cwd, 'c'), CORPUS);
  // Other texts for beta: the embedding cache would otherwise answer beta's ingest from alpha's.
  writeTree(join(cwd, 'b'), { 'tides.md': '# Tides\n\nTides are the rise and fall of sea levels caused by the Moon and the Sun.\n' });
});

afterAll(async () => {
  await ic?.close();
  await new Promise<void>((ok) => proxy.close(() => ok()));
  await upstream?.close();
});

beforeEach(() => {
  seen.length = 0;
});

const keysOn = (suffix: string) => seen.filter((s) => s.split(' ')[0]!.endsWith(suffix)).map((s) => s.split(' ').slice(1).join(' '));

describe('embeddings and reranking on the project\'s own provider keys', () => {
  it('ingests and searches with the project\'s key, and with the server\'s for a project without one', async () => {
    await ic.ingest([join(cwd, 'c')], { project: 'alpha' });
    expect(keysOn('/embeddings').length).toBeGreaterThan(0);
    expect(new Set(keysOn('/embeddings'))).toEqual(new Set([`Bearer ${ALPHA_OPENAI}`]));

    seen.length = 0;
    await ic.ingest([join(cwd, 'b')], { project: 'beta' });
    expect(new Set(keysOn('/embeddings'))).toEqual(new Set([`Bearer ${SERVER_OPENAI}`]));

    seen.length = 0;
    const hits = await ic.search('Where does photosynthesis happen?', { project: 'alpha' });
    expect(hits.length).toBeGreaterThan(0);
    expect(keysOn('/embeddings')).toEqual([`Bearer ${ALPHA_OPENAI}`]);
    // The provider-rerank step ran on alpha's Cohere key.
    expect(keysOn('/rerank')).toEqual([`Bearer ${ALPHA_COHERE}`]);

    seen.length = 0;
    await ic.search('What causes the tides?', { project: 'beta' });
    expect(keysOn('/embeddings')).toEqual([`Bearer ${SERVER_OPENAI}`]);
    expect(keysOn('/rerank')).toEqual([`Bearer ${SERVER_COHERE}`]);
  });

  it('serves /v1/embeddings on the calling key\'s project keys', async () => {
    const app = createServerApp(ic);
    const secret = (await ic.tenancy().createKey({ project: 'alpha', scopes: ['query'], name: 'reader' })).secret;
    const r = await app.request('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'any', input: ['a fresh sentence to embed'] }),
    });
    expect(r.status).toBe(200);
    expect(keysOn('/embeddings')).toEqual([`Bearer ${ALPHA_OPENAI}`]);
  });

  it('embeds the semantic cache\'s questions with the calling project\'s key', async () => {
    const cached = createIncontext({
      cwd,
      env: { OPENAI_API_KEY: SERVER_OPENAI, OPENAI_BASE_URL: `${base}/v1`, INCONTEXT_MASTER_KEY: MASTER_KEY },
      config: { home: join(cwd, '.incontext'), embed: { model: 'openai:text-embedding-3-small' }, logLevel: 'silent', cache: { semantic: true } },
    });
    try {
      for (const project of ['alpha', 'beta']) {
        const { model } = cached.languageModel('openai:gpt-4o-mini', { project });
        await generateText({ model, prompt: `A question only ${project} asks about tides and moons?`, maxRetries: 0 });
      }
      expect(keysOn('/embeddings')).toEqual([`Bearer ${ALPHA_OPENAI}`, `Bearer ${SERVER_OPENAI}`]);
      // The model calls themselves went out on the same keys.
      expect(keysOn('/chat/completions')).toEqual([`Bearer ${ALPHA_OPENAI}`, `Bearer ${SERVER_OPENAI}`]);
    } finally {
      await cached.close();
    }
  });

  it('uses a rotated key from the next call, and never sends the server\'s key to a project\'s own base URL', async () => {
    await ic.tenancy().setSecret('alpha', 'OPENAI_API_KEY', 'sk-alpha-rotated-000000002');
    await ic.embed(['rotation check'], { project: 'alpha' });
    expect(keysOn('/embeddings')).toEqual(['Bearer sk-alpha-rotated-000000002']);

    seen.length = 0;
    const err = await ic.ingest([join(cwd, 'c')], { project: 'own-url' }).then(
      (r) => r.failed[0] ?? r,
      (e: unknown) => e,
    );
    expect(String((err as { error?: unknown }).error ?? err)).toMatch(/OPENAI_API_KEY.*project "own-url" sets its own OPENAI_BASE_URL/);
    expect(seen.some((s) => s.includes(SERVER_OPENAI))).toBe(false);
  });
});
