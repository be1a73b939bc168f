/**
 * List prices in USD per million tokens, used for cost estimates in `explain()`,
 * traces and budgets. They are estimates: providers change prices and bill
 * cached/batched tokens differently, so nothing here should be used to invoice.
 *
 * Prices as published by OpenAI, Anthropic, Google, Mistral and Cohere, reflecting
 * 2025-11; `cachedInputPerMTok` is the price of prompt tokens read from the
 * provider's prompt cache. `model.prices` in the config overrides or adds entries.
 */
import type { Usage } from '../core/index.js';

export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Prompt tokens served from the provider's cache; default the input price. */
  cachedInputPerMTok?: number;
}

export const PRICES_AS_OF = '2025-11';

const PRICES: Record<string, ModelPrice> = {
  // OpenAI
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10, cachedInputPerMTok: 0.125 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2, cachedInputPerMTok: 0.025 },
  'gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4, cachedInputPerMTok: 0.005 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6, cachedInputPerMTok: 0.1 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4, cachedInputPerMTok: 0.025 },
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: 1.25 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.075 },
    'gpt-4-turbo': { inputPerMTok: 10, outputPerMTok: 30 },
    'gpt-4': { inputPerMTok: 30, outputPerMTok: 60 },
    'gpt-3.5-turbo': { inputPerMTok: 0.5, outputPerMTok: 1.5 },
  o1: { inputPerMTok: 15, outputPerMTok: 60, cachedInputPerMTok: 7.5 },
  'o1-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4, cachedInputPerMTok: 0.55 },
    'o1-pro': { inputPerMTok: 150, outputPerMTok: 600 },
  o3: { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5 },
  'o3-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4, cachedInputPerMTok: 0.55 },
    'o3-pro': { inputPerMTok: 20, outputPerMTok: 80 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4, cachedInputPerMTok: 0.275 },
  // Anthropic
  'claude-opus-4-5': { inputPerMTok: 5, outputPerMTok: 25, cachedInputPerMTok: 0.5 },
  'claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75, cachedInputPerMTok: 1.5 },
  'claude-opus-4': { inputPerMTok: 15, outputPerMTok: 75, cachedInputPerMTok: 1.5 },
  'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3 },
  'claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5, cachedInputPerMTok: 0.1 },
  'claude-3-7-sonnet': { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3 },
  'claude-3-5-sonnet': { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3 },
  'claude-3-5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4, cachedInputPerMTok: 0.08 },
  'claude-3-opus': { inputPerMTok: 15, outputPerMTok: 75, cachedInputPerMTok: 1.5 },
  'claude-3-haiku': { inputPerMTok: 0.25, outputPerMTok: 1.25, cachedInputPerMTok: 0.03 },
  // Google (prompts up to 200k tokens)
  'gemini-2.5-pro': { inputPerMTok: 1.25, outputPerMTok: 10, cachedInputPerMTok: 0.31 },
  'gemini-2.5-flash': { inputPerMTok: 0.3, outputPerMTok: 2.5, cachedInputPerMTok: 0.075 },
  'gemini-2.5-flash-lite': { inputPerMTok: 0.1, outputPerMTok: 0.4, cachedInputPerMTok: 0.025 },
  'gemini-2.0-flash': { inputPerMTok: 0.1, outputPerMTok: 0.4, cachedInputPerMTok: 0.025 },
  'gemini-2.0-flash-lite': { inputPerMTok: 0.075, outputPerMTok: 0.3 },
  // Mistral
  'mistral-large': { inputPerMTok: 2, outputPerMTok: 6 },
  'mistral-medium': { inputPerMTok: 0.4, outputPerMTok: 2 },
  'mistral-small': { inputPerMTok: 0.1, outputPerMTok: 0.3 },
  codestral: { inputPerMTok: 0.3, outputPerMTok: 0.9 },
  'ministral-8b': { inputPerMTok: 0.1, outputPerMTok: 0.1 },
  'open-mistral-nemo': { inputPerMTok: 0.15, outputPerMTok: 0.15 },
  // Cohere
  'command-a': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'command-r-plus': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'command-r': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'command-r7b': { inputPerMTok: 0.0375, outputPerMTok: 0.15 },
};

/** Config-given prices (`model.prices`), consulted before the table; keys are specs or bare model ids. */
const overrides = new Map<string, ModelPrice>();

/** Replace the config-given prices (process-wide: prices are facts about providers, not about one project). */
export function setPriceOverrides(prices: Readonly<Record<string, ModelPrice>>): void {
  overrides.clear();
  for (const [id, price] of Object.entries(prices)) overrides.set(id.trim().toLowerCase(), price);
}

const FREE: ModelPrice = { inputPerMTok: 0, outputPerMTok: 0 };
/** Providers that run on the user's own machine. */
const LOCAL_PROVIDERS = new Set(['local', 'ollama', 'llama-cpp']);

/**
 * Price of a model id as written in a spec (`openai:gpt-4o-mini`), by the provider
 * (`gpt-4o-mini-2024-07-18`, `claude-3-5-sonnet-latest`) or bare. Undefined when unknown.
 */
export function priceFor(modelId: string): ModelPrice | undefined {
  const spec = modelId.trim().toLowerCase();
  const own = overrides.get(spec) ?? overrides.get(spec.slice(spec.indexOf(':') + 1));
  if (own) return own;
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

/** Estimated cost in USD of a call, or undefined when the model's price is unknown. `cachedInputTokens` are part of `inputTokens`. */
export function estimateCost(modelId: string, usage: Pick<Usage, 'inputTokens' | 'outputTokens'> & { cachedInputTokens?: number }): number | undefined {
  const price = priceFor(modelId);
  if (!price) return undefined;
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const cachedPrice = price.cachedInputPerMTok ?? price.inputPerMTok;
  return ((usage.inputTokens - cached) * price.inputPerMTok + cached * cachedPrice + usage.outputTokens * price.outputPerMTok) / 1_000_000;
}
