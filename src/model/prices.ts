/**
 * List prices in USD per million tokens, used for cost estimates in `explain()`,
 * traces and budgets. They are estimates: providers change prices and bill
 * cached/batched tokens differently, so nothing here should be used to invoice.
 *
 * Prices as published by OpenAI and Anthropic, reflecting 2025-11.
 */
import type { Usage } from '../core/index.js';

export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

export const PRICES_AS_OF = '2025-11';

const PRICES: Record<string, ModelPrice> = {
  // OpenAI
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'gpt-4-turbo': { inputPerMTok: 10, outputPerMTok: 30 },
  'gpt-4': { inputPerMTok: 30, outputPerMTok: 60 },
  'gpt-3.5-turbo': { inputPerMTok: 0.5, outputPerMTok: 1.5 },
  o1: { inputPerMTok: 15, outputPerMTok: 60 },
  'o1-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'o1-pro': { inputPerMTok: 150, outputPerMTok: 600 },
  o3: { inputPerMTok: 2, outputPerMTok: 8 },
  'o3-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'o3-pro': { inputPerMTok: 20, outputPerMTok: 80 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  // Anthropic
  'claude-opus-4-5': { inputPerMTok: 5, outputPerMTok: 25 },
  'claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-opus-4': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'claude-3-7-sonnet': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-3-5-sonnet': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-3-5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4 },
  'claude-3-opus': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-3-haiku': { inputPerMTok: 0.25, outputPerMTok: 1.25 },
};

const FREE: ModelPrice = { inputPerMTok: 0, outputPerMTok: 0 };
/** Providers that run on the user's own machine. */
const LOCAL_PROVIDERS = new Set(['local', 'ollama', 'llama-cpp']);

/**
 * Price of a model id as written in a spec (`openai:gpt-4o-mini`), by the provider
 * (`gpt-4o-mini-2024-07-18`, `claude-3-5-sonnet-latest`) or bare. Undefined when unknown.
 */
export function priceFor(modelId: string): ModelPrice | undefined {
  const spec = modelId.trim().toLowerCase();
  const colon = spec.indexOf(':');
  const provider = colon >= 0 ? spec.slice(0, colon) : '';
  if (spec === 'local' || spec === 'extractive' || LOCAL_PROVIDERS.has(provider)) return FREE;
  const id = normaliseModelId(colon >= 0 ? spec.slice(colon + 1) : spec);
  const exact = PRICES[id];
  if (exact) return exact;
  // Variants such as "o3-mini-high" or "gpt-4o-audio": the longest known prefix.
  const prefix = Object.keys(PRICES)
    .filter((k) => id.startsWith(`${k}-`))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? PRICES[prefix] : undefined;
}

function normaliseModelId(id: string): string {
  return (
    id
      .replace(/^(?:models\/|openai\/|anthropic\/)/, '')
      // Dated snapshots and aliases cost what their family costs.
      .replace(/-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$/, '')
      // Anthropic writes 4.5 as "4-5"; some gateways write it with a dot.
      .replace(/(claude-(?:opus|sonnet|haiku)-\d)\.(\d)/, '$1-$2')
      .replace(/claude-(\d)\.(\d)-/, 'claude-$1-$2-')
  );
}

/** Estimated cost in USD of a call, or undefined when the model's price is unknown. */
export function estimateCost(modelId: string, usage: Pick<Usage, 'inputTokens' | 'outputTokens'>): number | undefined {
  const price = priceFor(modelId);
  if (!price) return undefined;
  return (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000;
}
