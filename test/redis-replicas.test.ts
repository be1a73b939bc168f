/**
 * Two replicas (two Incontext instances, each with its own SQLite file) sharing one
 * real redis-server: rate limits, budgets and the response cache hold across both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incontext } from '../src/app/index.js';
import { createServerApp } from '../src/server/index.js';
import { startFakeUpstream, startRedisServer, type FakeUpstream } from '../src/testing/index.js';
import { openTemp } from './helpers.js';

let upstream: FakeUpstream;
let redis: Awaited<ReturnType<typeof startRedisServer>>;
const open: Incontext[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  redis = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(open.map((ic) => ic.close()));
  await upstream?.close();
  await redis?.stop();
});

function replica(prefix: string) {
  const { ic } = openTemp(
    {
      redis: { url: redis.url },
      cache: { exact: true },
      gateway: { rateLimit: { perProject: { requestsPerMinute: 3 }, projects: { tight: { requestsPerMinute: 100 } } }, budget: { projects: { tight: { dailyUsd: 0.0015 } } } },
    },
    { env: { OPENAI_API_KEY: 'sk-test-openai-0001', OPENAI_BASE_URL: upstream.openaiBaseURL, INCONTEXT_PROJECT: prefix } },
  );
  open.push(ic);
  return createServerApp(ic);
}

const chat = (app: ReturnType<typeof createServerApp>, content: string, project = 'shared', max = 16) =>
  app.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-incontext-project': project },
    body: JSON.stringify({ model: 'openai:gpt-4o-mini', max_tokens: max, messages: [{ role: 'user', content }] }),
  });

describe('replicas sharing Redis', () => {
  it('share the response cache, the rate limit and the budget', async () => {
    const a = replica('default');
    const b = replica('default');
    upstream.setHandler(() => ({ text: 'Paris.', usage: { inputTokens: 10, outputTokens: 2 } }));
    expect((await chat(a, 'Capital of France?')).status).toBe(200);
    // B answers the same request from the entry A stored: no second upstream call, no rate-limit token.
    const fromCache = await chat(b, 'Capital of France?');
    expect(((await fromCache.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe('Paris.');
    expect(upstream.requests).toHaveLength(1);
    expect((await chat(b, 'Capital of Spain?')).status).toBe(200);
    expect((await chat(a, 'Capital of Italy?')).status).toBe(200);
    // Three requests per minute for the project, counted across both replicas.
    const limited = await chat(b, 'Capital of Peru?');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();

    // The budget of project "tight" is spent through either replica: each call costs ~0.0006 USD.
    upstream.setHandler(() => ({ text: 'ok', usage: { inputTokens: 10, outputTokens: 990 } }));
    const statuses: number[] = [];
    for (const [i, app] of [a, b, a, b].entries()) statuses.push((await chat(app, `question ${i}`, 'tight', 1000)).status);
    expect(statuses.filter((s) => s === 200).length).toBe(2);
    expect(statuses.slice(2)).toEqual([402, 402]);
    upstream.setHandler(undefined);
  });
});
