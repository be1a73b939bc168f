/**
 * The public face of an Incontext: the options of createIncontext and of its calls, and the
 * interface every entry point (library, CLI, HTTP server) uses. incontext.ts implements it.
 */
import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { OutputSpecInput, ReaskOptions } from '../guard/index.js';
import type { Config, ConfigInput, LoadConfigOptions } from '../config/index.js';
import type { Answer, AnswerStreamPart, Filter, Hit, Logger } from '../core/index.js';
import type { Embedder } from '../embed/index.js';
import type { Store, StoredDocument } from '../store/index.js';
import type { RetrieveMode, StepRecord, Support } from '../retrieve/index.js';
import type { PromptMessage } from '../prompt/index.js';
import type { IngestOptions, IngestReport, SqlIngestOptions } from './ingest.js';
import type { SqlSyncReport } from '../ingest/index.js';
import type { TraceStore } from '../trace/index.js';
import type { CallContext } from './models.js';
import type { ProjectStats } from './stats.js';
import type { Tenancy } from '../tenancy/index.js';
import type { AdapterInfo, AdapterTrainOptions, AdapterTrainReport } from './adapter.js';
import type { Agent, AgentOptions } from './agents.js';

export interface CreateIncontextOptions extends LoadConfigOptions {
  /** A config object to use instead of reading files/env (still validated). */
  config?: ConfigInput;
  /** Injected parts, for tests and embedding in other apps. */
  store?: Store;
  traceStore?: TraceStore;
  embedder?: Embedder;
  logger?: Logger;
}

export interface QueryOptions {
  project?: string;
  k?: number;
  mode?: RetrieveMode;
  filter?: Filter;
}

/** Who is asking, as the server knows it after authentication; rate limits, budgets and traces use it. */
export interface CallerOptions {
  /** API key id (never the secret). */
  key?: string;
  keyLimits?: CallContext['keyLimits'];
  user?: string;
}

export interface AskOptions extends QueryOptions, CallerOptions {
  /** `provider:model`, e.g. `openai:gpt-4o-mini`; default from config. */
  model?: string;
  temperature?: number;
  maxOutputTokens?: number;
  signal?: AbortSignal;
}

export interface Explanation {
  model: string;
  template: string;
  messages: PromptMessage[];
  hits: Hit[];
  inputTokens: number;
  maxOutputTokens: number;
  /** What each retrieval step did (search, rerank, expansion, ...), in order. */
  steps: StepRecord[];
  /** Calibrated support of the top hit; `abstain` says ask would answer "not in the documents" without a model call. */
  support: Support;
  abstain: boolean;
  /** USD for input + max output at the model's list price; 0 for local models; null when the price is unknown. */
  estimatedCostUsd: number | null;
  /** Version of the project's query adapter that embedded the question, when one is stored. */
  queryAdapter?: string;
}

export interface LanguageModelOptions {
  /**
   * Validate every answer: a Zod (or other Standard Schema) or JSON Schema (the answer is JSON,
   * repaired when broken), a RegExp, a list of choices, `{ kind: 'length', ... }`, or a function
   * returning true or an error message. A failing answer is re-asked with the error (bounded tries), then
   * refused with PARSE_FAILED or flagged, per the project's guard.output.validation. A validated
   * stream is generated and checked whole before its first part is sent.
   */
  output?: OutputSpecInput;
  /** Attempts in all, overriding guard.output.validation.maxTries. */
  maxTries?: ReaskOptions['maxTries'];
}

export interface Incontext {
  readonly config: Config;
  readonly homeDir: string;
  readonly store: Store;
  /** Every ask is traced here: request → retrieval + llm spans with tokens, cost and latency. */
  readonly traces: TraceStore;
  embedder(): Promise<Embedder>;
  ingest(paths: string[], options?: Partial<IngestOptions> & { project?: string }): Promise<IngestReport>;
  /** Rows of a SQL query (SQLite file or postgres:// URL) as documents; unchanged rows are skipped. */
  ingestSql(options: Omit<SqlIngestOptions, 'projectId'> & { project?: string }): Promise<SqlSyncReport>;
  ingestBytes(bytes: Uint8Array, name: string, options?: { project?: string; metadata?: Record<string, string> }): Promise<{ documents: number; chunks: number; documentIds: string[] }>;
  search(query: string, options?: QueryOptions): Promise<Hit[]>;
  explain(question: string, options?: AskOptions): Promise<Explanation>;
  ask(question: string, options?: AskOptions): Promise<Answer>;
  askStream(question: string, options?: AskOptions): AsyncIterable<AnswerStreamPart>;
  /** Document vectors of `texts` with the configured embedder, on the project's own provider keys when its vault holds them. */
  embed(texts: string[], options?: { project?: string }): Promise<{ model: string; vectors: Float32Array[] }>;
  /**
   * A model behind the whole stack (trace, cache, gateway): an alias from `gateway.aliases` or a
   * `provider:model` spec. Calls are traced under the project's tracer and limited by its budgets.
   */
  languageModel(spec?: string, context?: Partial<CallContext>, options?: LanguageModelOptions): { model: LanguageModelV4; id: string };
  listDocuments(options?: { project?: string; limit?: number; offset?: number }): Promise<StoredDocument[]>;
  deleteDocument(id: string, options?: { project?: string }): Promise<boolean>;
  /** Trace figures of a project over the last `days` (default 30), plus week-over-week drift of questions and feedback. */
  stats(options?: { project?: string; days?: number; to?: number }): Promise<ProjectStats>;
  /** Projects, API keys, the secret vault and the audit log, in the same SQLite file (opened on first use). */
  tenancy(): Tenancy;
  /**
   * Learn a linear adapter for the project's query embeddings from positive feedback, an eval-style
   * JSONL file or synthetic questions; measured on held-apart questions and saved only when it helps (or forced).
   */
  trainAdapter(options: AdapterTrainOptions): Promise<AdapterTrainReport>;
  /** The project's stored query adapter for the current embedder, if any. */
  adapterInfo(options?: { project?: string }): Promise<AdapterInfo | undefined>;
  removeAdapter(options?: { project?: string }): Promise<boolean>;
  /**
   * An agent over the project's documents (built-in `search` and `fetch_document` tools, your own
   * tools, MCP servers' tools), with conversation memory per session. Every step's model call goes
   * through the same stack as ask (budgets, rate limits, guards, cache, traces).
   */
  agent(options?: AgentOptions): Agent;
  /** Wait until every span recorded so far is in the trace store. */
  flushTraces(): Promise<void>;
  close(): Promise<void>;
}
