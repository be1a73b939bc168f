import { generateText } from 'ai';
import { describe, expect, it } from 'vitest';
import { useFakeProviders } from './__fixtures__/providers.js';
import { createGateway, GatewayError, type BreakerOptions, type GatewayEvent } from './index.js';
import { manualClock, recorder } from './__fixtures__/helpers.js';

const fake = useFakeProviders();

/** Model `a` fails as scripted by `failA`; model `b` always answers. */
function setup(failA: () => boolean, breaker: BreakerOptions = { failureThreshold: 2, cooldownMs: 10_000 }) {
  const clock = manualClock();
  const rec = recorder();
  fake.upstream.setHandler((req) => {
    const model = (req.body as { model?: string }).model;
    if (model === 'a' && failA()) return { error: { status: 500 } };
    return { text: `from ${model}` };
  });
  const gateway = createGateway({
    models: { 'openai:a': fake.openai.chat('a'), 'openai:b': fake.openai.chat('b') },
    route: { aliases: { m: ['openai:a', 'openai:b'] } },
    retry: { maxAttempts: 1 },
    breaker,
    clock,
    onEvent: rec.onEvent,
  });
  const ask = async (): Promise<string> => (await generateText({ model: gateway('m'), prompt: 'q', maxRetries: 0 })).text;
  const modelsAsked = (): string[] => fake.upstream.requests.map((r) => (r.body as { model: string }).model);
  return { gateway, clock, ask, modelsAsked, ...rec };
}

const breakerMoves = (events: GatewayEvent[]) =>
  events.flatMap((e) => (e.type === 'breaker' ? [`${e.target} ${e.previous}->${e.state}`] : []));

describe('circuit breaker', () => {
  it('opens after N consecutive failures, skips while open, half-opens one probe, closes on success', async () => {
    let failing = true;
    const { gateway, clock, ask, modelsAsked, events } = setup(() => failing);
    expect(await ask()).toBe('from b');
    expect(await ask()).toBe('from b');
    expect(gateway.breakerState('openai:a')).toBe('open');
    expect(modelsAsked()).toEqual(['a', 'b', 'a', 'b']);

    // While open, `a` is not even asked.
    expect(await ask()).toBe('from b');
    expect(modelsAsked().slice(4)).toEqual(['b']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'breaker-skip', target: 'openai:a', retryAfterMs: 10_000 }));

    failing = false;
    clock.advance(10_000);
    expect(await ask()).toBe('from a');
    expect(gateway.breakerState('openai:a')).toBe('closed');
    expect(breakerMoves(events)).toEqual([
      'openai:a closed->open',
      'openai:a open->half-open',
      'openai:a half-open->closed',
    ]);
  });

  it('re-opens when the half-open probe fails, and lets only one probe through', async () => {
    const { gateway, clock, ask, modelsAsked } = setup(() => true);
    await ask();
    await ask();
    clock.advance(10_000);
    fake.upstream.reset();
    // Two calls at once: one probes `a`, the other must not.
    await Promise.all([ask(), ask()]);
    expect(modelsAsked().filter((m) => m === 'a')).toHaveLength(1);
    expect(gateway.breakerState('openai:a')).toBe('open');
    // The cool-down starts again from the failed probe.
    clock.advance(9_999);
    fake.upstream.reset();
    await ask();
    expect(modelsAsked()).toEqual(['b']);
  });

  it('opens on a failure rate in a window', async () => {
    let n = 0;
    const { gateway, ask } = setup(() => n++ % 2 === 0, {
      failureThreshold: 100,
      cooldownMs: 1000,
      failureRate: { rate: 0.6, windowMs: 60_000, minRequests: 3 },
    });
    await ask(); // fail
    await ask(); // ok
    expect(gateway.breakerState('openai:a')).toBe('closed');
    await ask(); // fail: 2 of 3 >= 0.6
    expect(gateway.breakerState('openai:a')).toBe('open');
  });

  it('does not count a 400 against the provider', async () => {
    const clock = manualClock();
    const gateway = createGateway({ retry: { maxAttempts: 1 }, breaker: { failureThreshold: 1 }, clock });
    fake.upstream.setHandler(() => ({ error: { status: 400 } }));
    const model = gateway(fake.openai.chat('gpt-4o-mini'));
    await generateText({ model, prompt: 'q', maxRetries: 0 }).catch(() => undefined);
    expect(gateway.breakerState('openai:gpt-4o-mini')).toBe('closed');
  });

  it('does not count callers hanging up (a server aborts with a plain Error) against the provider', async () => {
    const gateway = createGateway({ retry: { maxAttempts: 1 }, breaker: { failureThreshold: 2 } });
    fake.upstream.setHandler(() => ({ text: 'slow', delayMs: 200 }));
    const model = gateway(fake.openai.chat('gpt-4o-mini'));
    for (let i = 0; i < 4; i++) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('Client connection prematurely closed.')), 20);
      await expect(generateText({ model, prompt: 'q', maxRetries: 0, abortSignal: controller.signal })).rejects.toThrow();
    }
    expect(gateway.breakerState('openai:gpt-4o-mini')).toBe('closed');
    fake.upstream.setHandler(undefined);
  });

  it('answers 503 with the time to the next probe when every circuit is open', async () => {
    const clock = manualClock();
    const gateway = createGateway({ retry: { maxAttempts: 1 }, breaker: { failureThreshold: 1, cooldownMs: 20_000 }, clock });
    fake.upstream.setHandler(() => ({ error: { status: 500 } }));
    const model = gateway(fake.openai.chat('solo'));
    await generateText({ model, prompt: 'q', maxRetries: 0 }).catch(() => undefined);
    clock.advance(5_000);
    const error = await generateText({ model, prompt: 'q', maxRetries: 0 }).catch((e: unknown) => e);
    expect(GatewayError.is(error, 'circuit-open')).toBe(true);
    expect((error as GatewayError).status).toBe(503);
    expect((error as GatewayError).retryAfterMs).toBe(15_000);
    expect(fake.upstream.requests).toHaveLength(1);
  });
});
