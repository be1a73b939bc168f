import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ollamaBaseURL, parseModelSpec, resolveLanguageModel } from './registry.js';
import { thrownError as caught } from '../testing/index.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** A minimal upstream on 127.0.0.1 that records requests and answers like OpenAI chat completions. */
let server: Server;
let base = '';
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} });
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1,
          model: 'gpt-4o-mini',
          choices: [{ index: 0, message: { role: 'assistant', content: 'hello from upstream' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
        }),
      );
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));


describe('parseModelSpec', () => {
  it('splits provider and model at the first colon only', () => {
    expect(parseModelSpec('ollama:llama3.2:3b')).toEqual({ provider: 'ollama', modelId: 'llama3.2:3b' });
    expect(parseModelSpec(' OpenAI:gpt-4o-mini ')).toEqual({ provider: 'openai', modelId: 'gpt-4o-mini' });
    expect(parseModelSpec('local')).toEqual({ provider: 'local', modelId: 'extractive' });
  });

  it('rejects unknown providers naming the model key and the allowed providers', () => {
    const err = caught(() => parseModelSpec('bedrock:claude'));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.input?.key).toBe('model');
    expect(err.hint).toContain('openai');
    expect(err.hint).toContain('ollama');
    expect(caught(() => parseModelSpec('gpt-4o')).code).toBe('CONFIG_INVALID');
    expect(caught(() => parseModelSpec('openai:')).code).toBe('CONFIG_INVALID');
  });
});

describe('resolveLanguageModel', () => {
  it('resolves local and local:extractive to the extractive model', () => {
    for (const spec of ['local', 'local:extractive']) {
      const r = resolveLanguageModel(spec, {});
      expect(r).toMatchObject({ id: 'local:extractive', provider: 'local' });
      expect(r.model.modelId).toBe('extractive');
    }
    expect(caught(() => resolveLanguageModel('local:gpt2', {})).code).toBe('CONFIG_INVALID');
  });

  it('names the missing API key', () => {
    const openai = caught(() => resolveLanguageModel('openai:gpt-4o-mini', {}));
    expect(openai.code).toBe('MODEL_NOT_CONFIGURED');
    expect(openai.message).toContain('OPENAI_API_KEY');
    expect(openai.input?.key).toBe('OPENAI_API_KEY');
    expect(openai.hint).toContain('OPENAI_API_KEY');
    const anthropic = caught(() => resolveLanguageModel('anthropic:claude-3-5-haiku-latest', { OPENAI_API_KEY: 'x' }));
    expect(anthropic.code).toBe('MODEL_NOT_CONFIGURED');
    expect(anthropic.input?.key).toBe('ANTHROPIC_API_KEY');
    const compatible = caught(() => resolveLanguageModel('openai-compatible:qwen', {}));
    expect(compatible.input?.key).toBe('OPENAI_COMPATIBLE_BASE_URL');
  });

  it('explains that llama-cpp needs node-llama-cpp installed by the user', () => {
    const err = caught(() => resolveLanguageModel('llama-cpp:/models/qwen.gguf', {}));
    expect(err.code).toBe('MODEL_NOT_CONFIGURED');
    expect(err.message).toContain('node-llama-cpp');
    expect(err.input?.path).toBe('/models/qwen.gguf');
  });

  it('points openai:<model> at OPENAI_BASE_URL over chat completions', async () => {
    const r = resolveLanguageModel('openai:gpt-4o-mini', { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${base}/v1` });
    expect(r).toMatchObject({ id: 'openai:gpt-4o-mini', provider: 'openai' });
    expect(r.model.provider).toBe('openai.chat');
    seen.length = 0;
    const result = await generateText({ model: r.model, prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('hello from upstream');
    expect(seen[0]?.url).toBe('/v1/chat/completions');
    expect(seen[0]?.headers.authorization).toBe('Bearer sk-test');
    expect(seen[0]?.body.model).toBe('gpt-4o-mini');
  });

  it('builds an openai model for an unreachable base URL and fails there, not elsewhere', async () => {
    const r = resolveLanguageModel('openai:gpt-4o-mini', { OPENAI_API_KEY: 'x', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' });
    const err = await generateText({ model: r.model, prompt: 'hi', maxRetries: 0 }).then(
      () => undefined,
      (e: unknown) => e as { url?: string },
    );
    expect(err?.url).toBe('http://127.0.0.1:1/v1/chat/completions');
  });

  it('sends openai-compatible requests to its base URL with the optional key', async () => {
    const r = resolveLanguageModel('openai-compatible:qwen2.5', { OPENAI_COMPATIBLE_BASE_URL: `${base}/v1`, OPENAI_COMPATIBLE_API_KEY: 'k2' });
    seen.length = 0;
    const result = await generateText({ model: r.model, prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('hello from upstream');
    expect(seen[0]?.url).toBe('/v1/chat/completions');
    expect(seen[0]?.headers.authorization).toBe('Bearer k2');
    expect(seen[0]?.body.model).toBe('qwen2.5');
  });

  it('sends anthropic requests to ANTHROPIC_BASE_URL with the key', async () => {
    const r = resolveLanguageModel('anthropic:claude-3-5-haiku-latest', { ANTHROPIC_API_KEY: 'ak', ANTHROPIC_BASE_URL: `${base}/v1` });
    seen.length = 0;
    // The fake speaks OpenAI's shape, so the call fails on parsing; the request is what matters here.
    await generateText({ model: r.model, prompt: 'hi', maxRetries: 0 }).catch(() => undefined);
    expect(seen[0]?.url).toBe('/v1/messages');
    expect(seen[0]?.headers['x-api-key']).toBe('ak');
  });

  it.each([
    ['google:gemini-2.0-flash', { GOOGLE_GENERATIVE_AI_API_KEY: 'gk', GOOGLE_BASE_URL: '' }, '/v1beta/models/gemini-2.0-flash:generateContent', 'x-goog-api-key', 'gk'],
    ['mistral:mistral-small-latest', { MISTRAL_API_KEY: 'mk', MISTRAL_BASE_URL: '' }, '/v1/chat/completions', 'authorization', 'Bearer mk'],
    ['cohere:command-r', { COHERE_API_KEY: 'ck', COHERE_BASE_URL: '' }, '/v2/chat', 'authorization', 'Bearer ck'],
  ] as const)('sends %s requests to its base URL with its key', async (spec, env, path, header, value) => {
    const prefix = path.slice(0, path.indexOf('/', 1));
    const name = Object.keys(env).find((k) => k.endsWith('_BASE_URL'))!;
    const r = resolveLanguageModel(spec, { ...env, [name]: `${base}${prefix}` });
    seen.length = 0;
    // The fake speaks OpenAI's shape, so most calls fail on parsing; the request is what matters here.
    await generateText({ model: r.model, prompt: 'hi', maxRetries: 0 }).catch(() => undefined);
    expect(seen[0]?.url).toBe(path);
    expect(seen[0]?.headers[header]).toBe(value);
    expect(caught(() => resolveLanguageModel(spec, {})).message).toContain(Object.keys(env)[0]!);
  });

  it('sends ollama requests under /api even when OLLAMA_BASE_URL is the server root', async () => {
    const r = resolveLanguageModel('ollama:llama3.2:3b', { OLLAMA_BASE_URL: base });
    expect(r.id).toBe('ollama:llama3.2:3b');
    seen.length = 0;
    await generateText({ model: r.model, prompt: 'hi', maxRetries: 0 }).catch(() => undefined);
    expect(seen[0]?.url).toBe('/api/chat');
    expect(seen[0]?.body.model).toBe('llama3.2:3b');
  });

  it('normalises the Ollama base URL', () => {
    expect(ollamaBaseURL(undefined)).toBe('http://localhost:11434/api');
    expect(ollamaBaseURL('http://gpu-box:11434/')).toBe('http://gpu-box:11434/api');
    expect(ollamaBaseURL('http://gpu-box:11434/api')).toBe('http://gpu-box:11434/api');
  });
});
