export { createLocalModel, LOCAL_MODEL_GUIDANCE, LOCAL_PROVIDER, type LocalModelOptions } from './local.js';
export { extractAnswer, DEFAULT_MIN_SUPPORT, type ExtractiveOptions, type ExtractiveResult } from './extractive.js';
export { answerType, type AnswerType } from './cues.js';
export {
  resolveLanguageModel,
  resolveRerankingModel,
  parseModelSpec,
  ollamaBaseURL,
  PROVIDERS,
  type ProviderName,
  type ResolvedModel,
} from './registry.js';
export { PROVIDER_ENV, PROVIDER_SECRET_NAMES, secretHint, type ResolveOptions } from './credentials.js';
export { scrubError, withSecretsRedacted } from './redact-secrets.js';
export { priceFor, estimateCost, setPriceOverrides, PRICES_AS_OF, type ModelPrice } from './prices.js';
export { countTokens } from './tokens.js';
