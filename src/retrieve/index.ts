export { retrieve, retrieveWithVector, fuseRrf, type RetrieveOptions, type RetrieveDeps, type RetrieveMode } from './retrieve.js';
export type {
  GenerateFn,
  PipelineDeps,
  PipelineRequest,
  StepDetail,
  StepDetailValue,
  StepRecord,
  SearchOptions,
  StepContext,
  StepResult,
  RetrievalStep,
  RerankScorer,
  QueryExpander,
} from './steps.js';
export { withRanks } from './steps.js';
export {
  retrievePipeline,
  createStepContext,
  searchStep,
  rerankStep,
  expansionStep,
  normalizeQuery,
  type PipelineResult,
  type PipelineOptions,
  type RerankStepOptions,
  type ExpansionStepOptions,
} from './pipeline.js';
export { fuseHitLists, minMax, type RankedList } from './fuse.js';
export { mmrStep, mmrSelect, type MmrOptions } from './mmr.js';
export { neighbourStep, type NeighbourOptions } from './neighbours.js';
export { chunkPositions, type ChunkPositions } from './positions.js';
export { hydeStep, multiQueryStep, multiHopStep, HYDE_PROMPT, MULTI_QUERY_PROMPT, MULTI_HOP_PROMPT, type HydeOptions, type MultiQueryOptions, type MultiHopOptions } from './transforms.js';
export { llmRerankStep, LISTWISE_PROMPT, POINTWISE_PROMPT, type LlmRerankOptions } from './llm-rerank.js';
export { providerRerankStep, type ProviderRerankOptions, type RerankingModelLike } from './provider-rerank.js';
export {
  computeSupport,
  calibrate as calibrateSupport,
  fitSupportCalibration,
  termCoverage,
  DEFAULT_SUPPORT_CALIBRATION,
  type Support,
  type SupportOptions,
  type SupportCalibration,
  type SupportFeatures,
} from './support.js';
export { parseQueryList, parseRanking, parseGrade, parseNextQuery } from './parse.js';
export { buildSteps, STEP_TYPES, type StepSpec, type StepType, type StepResources } from './spec.js';
// The local reranker and local query expansion (no network): src/retrieve/rerank and src/retrieve/expand.
export * from './rerank/index.js';
export * from './expand/index.js';
