import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateText, streamText } from 'ai';
import { APICallError } from '@ai-sdk/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thrownError } from '../testing/index.js';
import { PROVIDER_SECRET_NAMES } from './credentials.js';
import { scrubError } from './redact-secrets.js';
import { resolveLanguageModel } from './registry.js';

/** Records each request's headers; answers 401 with the presented key echoed back, as some providers do. */
let server: Server;
let base = '';
const seen: IncomingHttpHeaders[] = [];
let reply: 'ok' | 'echo-401' = 'ok';

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(req.headers);
      res.setHeader('content-type', 'application/json');
      if (reply === 'echo-401') {
        res.statusCode = 401;
        res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${String(req.headers.authorization).replace('Bearer ', '')}`, type: 'invalid_request_error', code: 'invalid_api_key' } }));
        return;
      }
      res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

const lastAuth = () => seen[seen.length - 1]?.authorization;

describe('a project\'s vault secrets over the environment', () => {
  it('sends the project\'s key when it has one, and the environment\'s otherwise', async () => {
    const env = { OPENAI_API_KEY: 'sk-server-key-000001', OPENAI_BASE_URL: base };
    await generateText({ model: resolveLanguageModel('openai:m', env, { project: 'acme', secrets: { OPENAI_API_KEY: 'sk-acme-key-000002' } }).model, prompt: 'x', maxRetries: 0 });
    expect(lastAuth()).toBe('Bearer sk-acme-key-000002');
    await generateText({ model: resolveLanguageModel('openai:m', env, { project: 'other', secrets: {} }).model, prompt: 'x', maxRetries: 0 });
    expect(lastAuth()).toBe('Bearer sk-server-key-000001');
  });

  it('never sends the server\'s key to a base URL the project chose', () => {
    const env = { OPENAI_API_KEY: 'sk-server-key-000001' };
    const err = thrownError(() => resolveLanguageModel('openai:m', env, { project: 'acme', secrets: { OPENAI_BASE_URL: base } }));
    expect(err.code).toBe('MODEL_NOT_CONFIGURED');
    expect(err.input?.key).toBe('OPENAI_API_KEY');
    expect(err.message).toContain('project "acme"');
    expect(err.message).toContain('sets its own OPENAI_BASE_URL');
    expect(err.hint).toContain('incontext secrets set OPENAI_API_KEY --project acme');
    // openai-compatible: the key is optional, so the call goes out with no key rather than the server's.
    const compatible = resolveLanguageModel('openai-compatible:m', { OPENAI_COMPATIBLE_API_KEY: 'sk-server-compat-01' }, { project: 'acme', secrets: { OPENAI_COMPATIBLE_BASE_URL: base } });
    return generateText({ model: compatible.model, prompt: 'x', maxRetries: 0 }).then(() => expect(lastAuth()).toBeUndefined());
  });

  it('lets a project\'s key go to the operator\'s base URL (e.g. a company proxy)', async () => {
    const r = resolveLanguageModel('openai:m', { OPENAI_BASE_URL: base }, { project: 'acme', secrets: { OPENAI_API_KEY: 'sk-acme-key-000002' } });
    await generateText({ model: r.model, prompt: 'x', maxRetries: 0 });
    expect(lastAuth()).toBe('Bearer sk-acme-key-000002');
  });

  it('names the missing secret, the project and the command that stores it', () => {
    const err = thrownError(() => resolveLanguageModel('anthropic:claude-x', {}, { project: 'team-7' }));
    expect(err.code).toBe('MODEL_NOT_CONFIGURED');
    expect(err.input?.key).toBe('ANTHROPIC_API_KEY');
    expect(err.message).toContain('project "team-7" has no such secret');
    expect(err.hint).toContain('incontext secrets set ANTHROPIC_API_KEY --project team-7');
    expect(err.hint).toContain('PUT /api/admin/secrets/ANTHROPIC_API_KEY');
    // Without a project the message stays about the environment.
    expect(thrownError(() => resolveLanguageModel('anthropic:claude-x', {})).message).toBe('model anthropic:claude-x needs ANTHROPIC_API_KEY, which is not set');
    expect(thrownError(() => resolveLanguageModel('openai-compatible:m', {}, { project: 'team-7' })).hint).toContain('--project team-7');
  });

  it('refuses a stored base URL that is not an http(s) URL, without echoing it', () => {
    const err = thrownError(() => resolveLanguageModel('openai:m', {}, { project: 'acme', secrets: { OPENAI_API_KEY: 'sk-acme-key-000002', OPENAI_BASE_URL: 'file:///etc/secret-path' } }));
    expect(err.message).toBe('project "acme" stores OPENAI_BASE_URL, but it is not an http(s) URL');
    expect(`${err.message} ${err.hint ?? ''}`).not.toContain('secret-path');
    expect(thrownError(() => resolveLanguageModel('ollama:m', {}, { project: 'acme', secrets: { OLLAMA_BASE_URL: 'not a url' } })).input?.key).toBe('OLLAMA_BASE_URL');
  });

  it('lists every variable the registry reads as a provider secret name', () => {
    expect(PROVIDER_SECRET_NAMES).toEqual(expect.arrayContaining(['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'OLLAMA_BASE_URL', 'OPENAI_COMPATIBLE_BASE_URL', 'COHERE_API_KEY']));
    expect(PROVIDER_SECRET_NAMES).not.toContain('INCONTEXT_MASTER_KEY');
  });
});

describe('errors of a model built from vault secrets', () => {
  it('never carry the secret value, in generate and stream alike', async () => {
    const secret = 'sk-acme-leaky-key-123456';
    const { model } = resolveLanguageModel('openai:m', { OPENAI_BASE_URL: base }, { project: 'acme', secrets: { OPENAI_API_KEY: secret } });
    reply = 'echo-401';
    try {
      const err = await model.doGenerate({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(APICallError.isInstance(err)).toBe(true);
      const text = JSON.stringify({ message: (err as Error).message, stack: (err as Error).stack, body: (err as APICallError).responseBody });
      expect(text).not.toContain(secret);
      expect((err as APICallError).responseBody).toContain('[secret OPENAI_API_KEY]');

      let streamed: unknown;
      const result = streamText({ model, prompt: 'x', maxRetries: 0, onError: ({ error }) => void (streamed = error) });
      await result.consumeStream();
      expect(streamed).toBeDefined();
      expect(JSON.stringify({ m: (streamed as Error).message, b: (streamed as APICallError).responseBody })).not.toContain(secret);
    } finally {
      reply = 'ok';
    }
  });

  it('scrubErrors the cause chain and leaves short values alone', () => {
    const inner = new Error('url https://x.test/?key=AIzaSECRET-VALUE-1');
    const outer = new Error('failed: AIzaSECRET-VALUE-1', { cause: inner });
    scrubError(outer, { GOOGLE_GENERATIVE_AI_API_KEY: 'AIzaSECRET-VALUE-1', SHORT: 'ab' });
    expect(outer.message).toBe('failed: [secret GOOGLE_GENERATIVE_AI_API_KEY]');
    expect(inner.message).toBe('url https://x.test/?key=[secret GOOGLE_GENERATIVE_AI_API_KEY]');
    expect(outer.stack).not.toContain('AIzaSECRET-VALUE-1');
  });
});
