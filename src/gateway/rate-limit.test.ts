import { generateText, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { useFakeProviders } from './__fixtures__/providers.js';
import { createGateway, GatewayError, MemoryRateLimitStore, type RateLimitOptions } from './index.js';
import { manualClock, recorder } from './__fixtures__/helpers.js';
import { runRateLimitStoreConformance } from './conformance.js';

const fake = useFakeProviders();

function setup(rateLimit: RateLimitOptions) {
  const clock = manualClock();
  const rec = recorder();
  const gateway = createGateway({ rateLimit, clock, onEvent: rec.onEvent });
  const model = gateway(fake.openai.chat('gpt-4o-mini'));
  const ask = (incontext: Record<string, string>, maxOutputTokens = 10) =>
    generateText({ model, prompt: 'hello there', maxOutputTokens, maxRetries: 0, providerOptions: { incontext } });
  return { clock, ask, ...rec };
}

describe('rate limits', () => {
  it('refuses the request over the per-minute limit with 429 and a Retry-After, without calling the provider', async () => {
    const { ask, clock } = setup({ perKey: { requestsPerMinute: 2 } });
    await ask({ key: 'k1' });
    await ask({ key: 'k1' });
    const error = await ask({ key: 'k1' }).catch((e: unknown) => e);
    expect(GatewayError.is(error, 'rate-limited')).toBe(true);
    const g = error as GatewayError;
    expect(g.status).toBe(429);
    // One request's worth refills in 60 s / 2.
    expect(g.retryAfterMs).toBe(30_000);
    expect(g.hint).toMatch(/retry after 30 s/);
    expect(g.input?.key).toBe('key:k1');
    expect(fake.upstream.requests).toHaveLength(2);
    // Other keys are unaffected; the same key passes once the bucket has refilled.
    await ask({ key: 'k2' });
    clock.advance(30_000);
    await ask({ key: 'k1' });
    expect(fake.upstream.requests).toHaveLength(4);
  });

  it('limits tokens per minute and returns unused tokens after the call', async () => {
    const store = new MemoryRateLimitStore();
    const { ask, events } = setup({ store, projects: { acme: { tokensPerMinute: 300 } } });
    // Charged up front: prompt tokens + maxOutputTokens (100); the echo reply uses far fewer.
    for (let i = 0; i < 5; i++) await ask({ project: 'acme' }, 100);
    expect(fake.upstream.requests).toHaveLength(5);
    const charged = events.filter((e) => e.type === 'rate-limit').map((e) => (e.type === 'rate-limit' ? e.tokens : 0));
    expect(charged.every((t) => t > 100)).toBe(true);
    // Without the refund, 5 × >100 tokens could never fit in 300.
    const error = await ask({ project: 'acme' }, 1000).catch((e: unknown) => e);
    expect(GatewayError.is(error, 'rate-limited')).toBe(true);
    expect((error as GatewayError).hint).toMatch(/more than the whole per-minute allowance/);
  });

  it('applies key and project limits together and refunds the first when the second refuses', async () => {
    const { ask, clock } = setup({ perKey: { requestsPerMinute: 10 }, perProject: { requestsPerMinute: 1 } });
    await ask({ key: 'k', project: 'p' });
    const error = await ask({ key: 'k', project: 'p' }).catch((e: unknown) => e);
    expect((error as GatewayError).input?.key).toBe('project:p');
    clock.advance(60_000);
    await ask({ key: 'k', project: 'p' });
    expect(fake.upstream.requests).toHaveLength(2);
  });

  it('counts a streamed call and settles on its finish', async () => {
    const clock = manualClock();
    const gateway = createGateway({ rateLimit: { perKey: { requestsPerMinute: 1 } }, clock });
    const model = gateway(fake.openai.chat('gpt-4o-mini'));
    const first = streamText({ model, prompt: 'x', maxRetries: 0, providerOptions: { incontext: { key: 'k' } } });
    expect(await first.text).toBe('echo: x');
    const second = streamText({ model, prompt: 'x', maxRetries: 0, providerOptions: { incontext: { key: 'k' } }, onError: () => undefined });
    const parts: Array<{ type: string; error?: unknown }> = [];
    for await (const p of second.fullStream) parts.push(p);
    expect(GatewayError.is(parts.find((p) => p.type === 'error')?.error, 'rate-limited')).toBe(true);
  });
});

runRateLimitStoreConformance('memory', () => ({ store: new MemoryRateLimitStore() }));
