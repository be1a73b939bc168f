/**
 * incontext/testing: a fake upstream server that speaks the real OpenAI and
 * Anthropic wire protocols, for tests of incontext and of your own code.
 *
 * Routes: `POST /v1/chat/completions`, `POST /v1/responses` (what `openai(model)`
 * of @ai-sdk/openai uses by default), `POST /v1/embeddings`, `GET /v1/models`
 * and `POST /v1/messages` — JSON and SSE streaming alike.
 *
 * ```ts
 * const upstream = await startFakeUpstream();
 * const openai = createOpenAI({ baseURL: upstream.openaiBaseURL, apiKey: 'test' });
 * const anthropic = createAnthropic({ baseURL: upstream.anthropicBaseURL, apiKey: 'test' });
 * // official SDKs: new OpenAI({ baseURL: upstream.openaiBaseURL }), new Anthropic({ baseURL: upstream.url })
 *
 * upstream.script(
 *   { error: { status: 429, retryAfter: 0 } },          // then the client retries…
 *   { toolCalls: [{ name: 'search', arguments: { q: 'x' } }] },
 *   { text: 'Done.', chunkSize: 4 },
 * );
 * // unscripted requests get "echo: <last user message>"; usage counts words.
 * expect(upstream.requests[0]?.body).toMatchObject({ model: 'gpt-4o-mini' });
 * await upstream.close(); // also ends hung requests
 * ```
 *
 * Reply items: `{ text }`, `{ toolCalls }`, `{ error: { status, retryAfter?, body?, afterChunks? } }`,
 * `{ hang: true }`, `{ resetAfterChunks }`, `{ malformed: 'sse' | 'json' }`, `{ delayMs }`;
 * `on` aims an item at endpoints other than the generation ones (e.g. `'openai.embeddings'`).
 */
export { startFakeUpstream } from './server.js';
export { countFakeTokens, fakeEmbedding } from './script.js';
export type * from './types.js';
export { startRedisServer, type RedisServer, type RedisServerOptions } from './redis.js';
export { thrownError, rejectedError } from './errors.js';
export { freePort } from './ports.js';
