import { generateText, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { priceFor } from '../model/index.js';
import { useFakeProviders } from './__fixtures__/providers.js';
import { budgetPeriods, createGateway, GatewayError, MemoryBudgetStore, type BudgetOptions } from './index.js';
import { manualClock, recorder } from './__fixtures__/helpers.js';
import { runBudgetStoreConformance } from './conformance.js';

const fake = useFakeProviders();

function setup(budget: BudgetOptions, model = 'gpt-4o') {
  const clock = manualClock();
  const rec = recorder();
  const store = (budget.store as MemoryBudgetStore | undefined) ?? new MemoryBudgetStore();
  const gateway = createGateway({
    budget: { ...budget, store },
    resolve: (spec) => fake.openai.chat(spec.replace(/^openai:/, '')),
    retry: { maxAttempts: 1 },
    clock,
    onEvent: rec.onEvent,
  });
  const day = budgetPeriods(clock.now()).day;
  const ask = (maxOutputTokens: number, incontext: Record<string, string> = { project: 'p' }) =>
    generateText({ model: gateway(`openai:${model}`), prompt: 'hello', maxOutputTokens, maxRetries: 0, providerOptions: { incontext } });
  return { store, ask, day, clock, ...rec };
}

const gpt4o = priceFor('openai:gpt-4o');
const outputUsd = (tokens: number): number => (tokens * (gpt4o?.outputPerMTok ?? NaN)) / 1e6;

describe('budgets', () => {
  it('never lets 50 concurrent calls spend past the budget by more than one reservation', async () => {
    // Each call reserves ~ $0.01 (1000 output tokens of gpt-4o); the budget fits about five.
    const limit = 0.05;
    const { store, ask, day, events } = setup({ projects: { p: { dailyUsd: limit } } });
    // The delay keeps every call in flight until all 50 have asked for their reservation.
    fake.upstream.setHandler(() => ({ delayMs: 100, text: 'a b c' }));
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => ask(1000)));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ok).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(GatewayError.is((r as PromiseRejectedResult).reason, 'budget-exceeded')).toBe(true);
    // All 50 were in flight together, so only the atomic reservation kept the admitted count down.
    const reserve = events.find((e) => e.type === 'budget' && e.action === 'reserve');
    const reservation = reserve?.type === 'budget' ? reserve.amountUsd : NaN;
    expect(ok).toBeLessThanOrEqual(Math.floor(limit / reservation));
    expect(fake.upstream.requests).toHaveLength(ok);
    const usage = await store.usage('project:p', day);
    expect(usage.reservedUsd).toBeCloseTo(0, 12);
    expect(usage.spentUsd).toBeGreaterThan(0);
    expect(usage.spentUsd).toBeLessThanOrEqual(limit + reservation);
    // Reconciled to actual usage, far below what was reserved.
    expect(usage.spentUsd).toBeLessThan(ok * reservation);
  });

  it('refuses with a 402-style error naming the budget', async () => {
    const { ask } = setup({ projects: { p: { monthlyUsd: outputUsd(500) } } });
    const error = await ask(1000).catch((e: unknown) => e);
    expect(GatewayError.is(error, 'budget-exceeded')).toBe(true);
    expect((error as GatewayError).status).toBe(402);
    expect((error as GatewayError).message).toMatch(/project:p \(month:2026-11\)/);
    expect(fake.upstream.requests).toHaveLength(0);
  });

  it('reserves for tool results, tool call arguments and tool definitions, not only for the message text', async () => {
    // An agent step: a short question, a tool call, and a ~3,000-token tool result.
    const big = 'row '.repeat(3000);
    const reserveFor = async (withTools: boolean) => {
      const { events, onEvent } = recorder();
      const gateway = createGateway({ budget: { projects: { p: { dailyUsd: 100 } } }, resolve: (spec) => fake.openai.chat(spec.replace(/^openai:/, '')), retry: { maxAttempts: 1 }, onEvent });
      await generateText({
        model: gateway('openai:gpt-4o'),
        maxOutputTokens: 10,
        maxRetries: 0,
        providerOptions: { incontext: { project: 'p' } },
        messages: [
          { role: 'user', content: 'Count the rows.' },
          { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'table', input: { name: 'orders' } }] },
          { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'table', output: { type: 'text', value: withTools ? big : 'row' } }] },
        ],
      });
      const reserve = events.find((e) => e.type === 'budget' && e.action === 'reserve');
      return reserve?.type === 'budget' ? reserve.amountUsd : NaN;
    };
    const small = await reserveFor(false);
    const large = await reserveFor(true);
    // 3,000 more input tokens of gpt-4o must be in the reservation.
    expect(large - small).toBeCloseTo((2999 * (gpt4o?.inputPerMTok ?? NaN)) / 1e6, 4);
  });

  it('releases the whole reservation when the call fails', async () => {
    const { ask, store, day } = setup({ projects: { p: { dailyUsd: 1 } } });
    fake.upstream.script({ error: { status: 500 } });
    await ask(1000).catch(() => undefined);
    expect(await store.usage('project:p', day)).toEqual({ spentUsd: 0, reservedUsd: 0 });
  });

  it('degrades to lower maxOutputTokens when the full reservation does not fit', async () => {
    const { ask, events } = setup({ projects: { p: { dailyUsd: outputUsd(300) } }, degrade: [{ type: 'shrink-output', minTokens: 50 }] });
    await ask(1000);
    const sent = fake.upstream.requests[0]?.body as { max_tokens?: number; max_completion_tokens?: number };
    const maxTokens = sent.max_tokens ?? sent.max_completion_tokens ?? NaN;
    expect(maxTokens).toBeLessThan(300);
    expect(maxTokens).toBeGreaterThan(250);
    expect(events).toContainEqual(expect.objectContaining({ type: 'budget', action: 'degrade', detail: `maxOutputTokens ${maxTokens}` }));
  });

  it('degrades to a cheaper model and says so in the result', async () => {
    const { ask } = setup({ projects: { p: { dailyUsd: outputUsd(300) } }, degrade: [{ type: 'model', model: 'openai:gpt-4o-mini' }] });
    const result = await ask(1000);
    expect((fake.upstream.requests[0]?.body as { model: string }).model).toBe('gpt-4o-mini');
    expect((result.providerMetadata?.incontext as { degraded: string }).degraded).toBe('model openai:gpt-4o-mini');
  });

  it('refuses or allows a model without a price, as configured', async () => {
    const refuse = setup({ projects: { p: { dailyUsd: 1 } } }, 'my-own-model');
    const error = await refuse.ask(10).catch((e: unknown) => e);
    expect((error as GatewayError).input?.key).toBe('gateway.budget.unknownPrice');
    const allow = setup({ projects: { p: { dailyUsd: 1 }, }, unknownPrice: 'free' }, 'my-own-model');
    expect((await allow.ask(10)).text).toBe('echo: hello');
  });

  it('caps maxOutputTokens when the caller set none, so the worst case is bounded', async () => {
    const { store, day } = setup({ keys: { k: { dailyUsd: 1 } }, defaultMaxOutputTokens: 200 });
    const gateway = createGateway({ budget: { keys: { k: { dailyUsd: 1 } }, defaultMaxOutputTokens: 200, store } });
    await generateText({ model: gateway(fake.openai.chat('gpt-4o')), prompt: 'hello', maxRetries: 0, providerOptions: { incontext: { key: 'k' } } });
    const sent = fake.upstream.requests[0]?.body as { max_tokens?: number };
    expect(sent.max_tokens).toBe(200);
    expect((await store.usage('key:k', day)).spentUsd).toBeGreaterThan(0);
  });

  it('settles a stream that broke after starting at what was sent', async () => {
    const { store, day } = setup({ projects: { p: { dailyUsd: 1 } } });
    const gateway = createGateway({ budget: { projects: { p: { dailyUsd: 1 } }, store }, retry: { maxAttempts: 1 } });
    fake.upstream.script({ resetAfterChunks: 2, text: 'one two three four' });
    const result = streamText({ model: gateway(fake.openai.chat('gpt-4o')), prompt: 'hello', maxOutputTokens: 1000, maxRetries: 0, providerOptions: { incontext: { project: 'p' } }, onError: () => undefined });
    await result.consumeStream();
    const usage = await store.usage('project:p', day);
    expect(usage.reservedUsd).toBeCloseTo(0, 12);
    expect(usage.spentUsd).toBeGreaterThan(0);
    expect(usage.spentUsd).toBeLessThan(outputUsd(10));
  });
});

// The store-level cases (TTL, late settle, all-or-nothing lines) run against memory and Redis alike.
runBudgetStoreConformance('memory', () => ({ store: new MemoryBudgetStore() }));
