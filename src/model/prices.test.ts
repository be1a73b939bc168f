import { describe, expect, it } from 'vitest';
import { estimateCost, priceFor, setPriceOverrides } from './prices.js';

describe('priceFor', () => {
  it('knows common models, dated snapshots and provider-prefixed specs', () => {
    expect(priceFor('gpt-4o-mini')).toEqual({ inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.075 });
    expect(priceFor('openai:gpt-4o-mini-2024-07-18')).toEqual(priceFor('gpt-4o-mini'));
    expect(priceFor('gpt-4o')).toEqual({ inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: 1.25 });
    expect(priceFor('gpt-4.1-nano')?.inputPerMTok).toBe(0.1);
    expect(priceFor('anthropic:claude-3-5-sonnet-20241022')).toMatchObject({ inputPerMTok: 3, outputPerMTok: 15 });
    expect(priceFor('claude-3-5-haiku-latest')?.outputPerMTok).toBe(4);
    expect(priceFor('claude-sonnet-4-20250514')?.inputPerMTok).toBe(3);
    expect(priceFor('o3-mini-high')).toEqual(priceFor('o3-mini'));
  });

  it('does not confuse a model with a longer-named sibling', () => {
    expect(priceFor('gpt-4o')).not.toEqual(priceFor('gpt-4o-mini'));
    expect(priceFor('claude-opus-4-5')).not.toEqual(priceFor('claude-opus-4'));
  });

  it('prices local models at zero and unknown models as undefined', () => {
    expect(priceFor('local')).toEqual({ inputPerMTok: 0, outputPerMTok: 0 });
    expect(priceFor('local:extractive')).toEqual({ inputPerMTok: 0, outputPerMTok: 0 });
    expect(priceFor('ollama:llama3.2')).toEqual({ inputPerMTok: 0, outputPerMTok: 0 });
    expect(priceFor('mystery-model-9')).toBeUndefined();
  });
});

describe('estimateCost', () => {
  it('multiplies tokens by the per-million prices', () => {
    expect(estimateCost('gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 500_000 })).toBeCloseTo(0.15 + 0.3, 10);
    expect(estimateCost('local', { inputTokens: 123, outputTokens: 45 })).toBe(0);
    expect(estimateCost('nope', { inputTokens: 1, outputTokens: 1 })).toBeUndefined();
  });

  it('prices prompt-cache reads at the cached rate', () => {
    // gpt-4o: 2.5 input, 1.25 cached; half of a million prompt tokens came from the provider's cache.
    expect(estimateCost('openai:gpt-4o', { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 500_000 })).toBeCloseTo(1.25 + 0.625, 10);
    expect(estimateCost('mistral:mistral-large-latest', { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBeCloseTo(8, 10);
    expect(priceFor('google:gemini-2.5-flash')?.outputPerMTok).toBe(2.5);
    expect(priceFor('cohere:command-r')?.inputPerMTok).toBe(0.15);
  });

  it('takes config overrides before the table, by spec or bare id', () => {
    setPriceOverrides({ 'openai-compatible:qwen2.5': { inputPerMTok: 0.2, outputPerMTok: 0.2 }, 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 1 } });
    expect(estimateCost('openai-compatible:qwen2.5', { inputTokens: 1_000_000, outputTokens: 0 })).toBeCloseTo(0.2, 10);
    expect(priceFor('openai:gpt-4o-mini')?.inputPerMTok).toBe(1);
    setPriceOverrides({});
    expect(priceFor('openai:gpt-4o-mini')?.inputPerMTok).toBe(0.15);
  });
});
