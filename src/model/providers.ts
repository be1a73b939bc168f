/** The providers a `provider:model` spec may name. */
export const PROVIDERS = ['local', 'openai', 'anthropic', 'google', 'mistral', 'cohere', 'ollama', 'openai-compatible', 'llama-cpp'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
