export type * from './types.js';
export { normalizeForScan, decodePayloads, foldConfusables, foldLeet, foldQuotes, stripInvisible, rot13 } from './normalize.js';
export { createInjectionDetector, POLICY_THRESHOLDS, COMBINER_INPUTS } from './detector.js';
export { heuristicSignals } from './heuristics.js';
export { KNOWN_ATTACKS } from './similarity.js';
export { loadInjectionModel, type LinearModel, type LinearModelFile } from './classifier.js';
export { spotlight, createCanary, detectCanaryLeak, detectSystemPromptLeak, type SystemPromptLeakOptions } from './spotlight.js';
export * from './pii/index.js';
export * from './output/index.js';
export {
  classifyWithLlm,
  createLlmInjectionCheck,
  parseVerdict,
  checkBand,
  type LlmVerdict,
  type LlmClassification,
  type LlmClassifyOptions,
  type LlmCheckOptions,
  type LlmCheckedResult,
  type LlmInjectionCheck,
} from './llm.js';
