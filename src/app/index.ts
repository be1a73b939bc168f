export { createIncontext, type Incontext, type CreateIncontextOptions, type AskOptions, type CallerOptions, type QueryOptions, type Explanation, type LanguageModelOptions } from './incontext.js';
export type { RetrieveMode } from '../retrieve/index.js';
export type { IngestReport, IngestFailure, IngestProgress, IngestOptions } from './ingest.js';
export * from '../core/index.js';
export { loadConfig, configSchema, CONFIG_TEMPLATE, type Config, type ConfigInput } from '../config/index.js';
export type { Store, StoredDocument } from '../store/index.js';
export type { Embedder } from '../embed/index.js';
export type { ProjectStats, Drift } from './stats.js';
export type { CallContext } from './models.js';
export { BUILTIN_TOOLS, type Agent, type AgentOptions, type AgentRunOptions, type BuiltinTool } from './agents.js';
export {
  defineTool,
  connectMcp,
  parseMcpSpec,
  AgentError,
  type AgentTool,
  type ToolContext,
  type AgentResult,
  type AgentStep,
  type AgentStreamPart,
  type AgentToolCall,
  type AgentToolResult,
  type StopReason,
  type MemoryWindow,
  type SessionInfo,
  type McpServerSpec,
  type McpConnection,
  type McpToolServer,
} from '../agent/index.js';
export type { AdapterTrainOptions, AdapterTrainReport, AdapterInfo, AdapterSource, RankingMetrics } from './adapter.js';
export type { Tenancy, Principal, Scope, KeyLimits } from '../tenancy/index.js';
export {
  runChunkingExperiment,
  chunkSection,
  configYamlFor,
  CHUNKING_STRATEGIES,
  DEFAULT_STRATEGIES,
  DEFAULT_SIZES,
  type ChunkingExperimentOptions,
  type ChunkingExperimentResult,
  type ChunkingRow,
  type ChunkingStrategyName,
  type ChunkSection,
  type ExperimentProgress,
} from './experiment.js';
export {
  loadEvalSet,
  loadCorpusJsonl,
  scoreRanking,
  meanScores,
  hitAt,
  recallAt,
  reciprocalRank,
  ndcgAt,
  type EvalSet,
  type EvalQuery,
  type CorpusRecord,
  type RetrievalScores,
} from '../eval/index.js';
export { validateOutput, withValidation, type OutputSpecInput, type ValidationResult, type Validated } from '../guard/index.js';
