import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpenAI } from '@ai-sdk/openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IncontextError } from '../core/index.js';
import { createProviderEmbedder, dot, EMBEDDER_SPECS, resolveEmbedder } from './index.js';

interface Recorded {
  path: string;
  auth: string | undefined;
  body: { model: string; input: string[] };
}

/** A stand-in for an embeddings server: OpenAI's /v1/embeddings and Ollama's /api/embed wire formats. */
let server: Server;
let baseUrl: string;
const requests: Recorded[] = [];
let failWith: { status: number; times: number } | undefined;
const cacheDir = mkdtempSync(join(tmpdir(), 'incontext-resolve-'));

// A deterministic, un-normalised vector that identifies the text: [length, vowels, 1].
const fakeVector = (text: string) => [text.length, (text.match(/[aeiou]/g) ?? []).length, 1];

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      const body = JSON.parse(await readBody(req)) as { model: string; input: string[] };
      requests.push({ path: req.url ?? '', auth: req.headers.authorization, body });
      res.setHeader('content-type', 'application/json');
      if (failWith && failWith.times > 0) {
        failWith.times--;
        res.statusCode = failWith.status;
        res.end(JSON.stringify({ error: { message: `fake failure ${failWith.status}`, type: 'server_error', code: null } }));
        return;
      }
      if (req.url === '/v1/embeddings') {
        res.end(
          JSON.stringify({
            object: 'list',
            data: body.input.map((t, index) => ({ object: 'embedding', index, embedding: fakeVector(t) })),
            model: body.model,
            usage: { prompt_tokens: body.input.length, total_tokens: body.input.length },
          }),
        );
      } else if (req.url === '/api/embed') {
        res.end(JSON.stringify({ model: body.model, embeddings: body.input.map(fakeVector), total_duration: 1, load_duration: 1, prompt_eval_count: 1 }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { message: 'no such route' } }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(cacheDir, { recursive: true, force: true });
});

beforeEach(() => {
  requests.length = 0;
  failWith = undefined;
});

const expectedUnit = (text: string) => {
  const v = fakeVector(text);
  const n = Math.hypot(...v);
  return v.map((x) => expect.closeTo(x / n, 5));
};

describe('createProviderEmbedder', () => {
  const openai = () => createOpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'sk-test' }).embeddingModel('fake-embed');

  it('embeds through the AI SDK in batches, normalised, in input order', async () => {
    const embedder = createProviderEmbedder(openai(), 'openai:fake-embed', { batchSize: 2 });
    expect(embedder.id).toBe('openai:fake-embed');
    expect(embedder.dimensions).toBe(0);
    const texts = ['a', 'banana', 'kiwi', 'apple pie', 'x'];
    const vectors = await embedder.embed(texts);
    expect(requests.map((r) => r.body.input)).toEqual([['a', 'banana'], ['kiwi', 'apple pie'], ['x']]);
    expect(requests.every((r) => r.path === '/v1/embeddings' && r.auth === 'Bearer sk-test' && r.body.model === 'fake-embed')).toBe(true);
    vectors.forEach((v, i) => expect(Array.from(v)).toEqual(expectedUnit(texts[i]!)));
    expect(dot(vectors[0]!, vectors[0]!)).toBeCloseTo(1, 5);
    expect(embedder.dimensions).toBe(3);
  });

  it('uses 64 texts a request by default', async () => {
    const embedder = createProviderEmbedder(openai(), 'openai:fake-embed');
    await embedder.embed(Array.from({ length: 130 }, (_, i) => `t${i}`));
    expect(requests.map((r) => r.body.input.length)).toEqual([64, 64, 2]);
  });

  it('turns a rejected key into EMBEDDING_FAILED with a hint about the key', async () => {
    failWith = { status: 401, times: 1 };
    const embedder = createProviderEmbedder(openai(), 'openai:fake-embed', { maxRetries: 0 });
    const err = await embedder.embed(['x']).catch((e: unknown) => e);
    expect(IncontextError.isInstance(err)).toBe(true);
    expect(err).toMatchObject({ code: 'EMBEDDING_FAILED', hint: expect.stringMatching(/API key/) });
    expect((err as IncontextError).message).toContain('401');
  });

  it('retries a server error and succeeds, or fails with EMBEDDING_FAILED once retries run out', async () => {
    failWith = { status: 500, times: 1 };
    const embedder = createProviderEmbedder(openai(), 'openai:fake-embed', { maxRetries: 1 });
    expect(await embedder.embed(['ok'])).toHaveLength(1);
    expect(requests).toHaveLength(2);

    failWith = { status: 503, times: 5 };
    const err = await embedder.embed(['again']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EMBEDDING_FAILED', hint: expect.stringMatching(/server error/) });
  });

  it('reports an unreachable server as EMBEDDING_FAILED', async () => {
    const dead = createOpenAI({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k' }).embeddingModel('m');
    const err = await createProviderEmbedder(dead, 'openai:m', { maxRetries: 0 })
      .embed(['x'])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EMBEDDING_FAILED' });
  });
});

describe('resolveEmbedder', () => {

  it('resolves openai:<model> with the key and base URL from the environment', async () => {
    const embedder = await resolveEmbedder('openai:fake-embed', { OPENAI_API_KEY: 'sk-env', OPENAI_BASE_URL: `${baseUrl}/v1` }, cacheDir);
    expect(embedder.id).toBe('openai:fake-embed');
    await embedder.embed(['hello']);
    expect(requests[0]).toMatchObject({ path: '/v1/embeddings', auth: 'Bearer sk-env' });
  });

  it('knows the size of well-known models before the first call', async () => {
    const embedder = await resolveEmbedder('openai:text-embedding-3-small', { OPENAI_API_KEY: 'k' }, cacheDir);
    expect(embedder.dimensions).toBe(1536);
  });

  it('resolves openai-compatible:<model> against OPENAI_BASE_URL', async () => {
    const embedder = await resolveEmbedder('openai-compatible:local-model', { OPENAI_BASE_URL: `${baseUrl}/v1` }, cacheDir, { batchSize: 1 });
    const vs = await embedder.embed(['one', 'two']);
    expect(vs).toHaveLength(2);
    expect(requests.map((r) => r.body)).toEqual([
      expect.objectContaining({ model: 'local-model', input: ['one'] }),
      expect.objectContaining({ model: 'local-model', input: ['two'] }),
    ]);
  });

  it('resolves ollama:<model> against OLLAMA_BASE_URL', async () => {
    const embedder = await resolveEmbedder('ollama:fake-embed', { OLLAMA_BASE_URL: `${baseUrl}/api` }, cacheDir);
    const [v] = await embedder.embed(['ollama text']);
    expect(requests[0]).toMatchObject({ path: '/api/embed', body: { model: 'fake-embed', input: ['ollama text'] } });
    expect(Array.from(v!)).toEqual(expectedUnit('ollama text'));
  });

  it('resolves the local embedders', async () => {
    expect((await resolveEmbedder('local', {}, cacheDir)).id).toBe('local:glove-sif-100d');
    expect((await resolveEmbedder('local:glove', {}, cacheDir)).dimensions).toBe(100);
    expect((await resolveEmbedder('local:hash', {}, cacheDir)).id).toBe('local:hash-384');
    expect((await resolveEmbedder('local:hash-128', {}, cacheDir)).dimensions).toBe(128);
  });

  it('names the variable that is missing', async () => {
    await expect(resolveEmbedder('openai:text-embedding-3-small', {}, cacheDir)).rejects.toMatchObject({
      code: 'MODEL_NOT_CONFIGURED',
      input: { key: 'embed.model' },
      message: expect.stringContaining('OPENAI_API_KEY'),
    });
    await expect(resolveEmbedder('openai-compatible:m', {}, cacheDir)).rejects.toThrow(/OPENAI_BASE_URL/);
  });

  it('rejects an unknown provider with CONFIG_INVALID listing the allowed values', async () => {
    const err = (await resolveEmbedder('cohere:embed-v3', {}, cacheDir).catch((e: unknown) => e)) as IncontextError;
    expect(err).toMatchObject({ code: 'CONFIG_INVALID', input: { key: 'embed.model' } });
    for (const spec of EMBEDDER_SPECS) expect(err.hint).toContain(spec);
    await expect(resolveEmbedder('local:word2vec', {}, cacheDir)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(resolveEmbedder('openai:', { OPENAI_API_KEY: 'k' }, cacheDir)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
