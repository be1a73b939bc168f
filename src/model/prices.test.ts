import { describe, expect, it } from 'vitest';
import { estimateCost, priceFor } from './prices.js';

describe('priceFor', () => {
  it('knows common models, dated snapshots and provider-prefixed specs', () => {
    expect(priceFor('gpt-4o-mini')).toEqual({ inputPerMTok: 0.15, outputPerMTok: 0.6 });
    expect(priceFor('openai:gpt-4o-mini-2024-07-18')).toEqual(priceFor('gpt-4o-mini'));
    expect(priceFor('gpt-4o')).toEqual({ inputPerMTok: 2.5, outputPerMTok: 10 });
    expect(priceFor('gpt-4.1-nano')?.inputPerMTok).toBe(0.1);
    expect(priceFor('anthropic:claude-3-5-sonnet-20241022')).toEqual({ inputPerMTok: 3, outputPerMTok: 15 });
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
});
