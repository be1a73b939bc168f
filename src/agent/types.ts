/** Agents: tools, the tool loop's result, its stream parts and conversation memory. */
import type { JSONSchema7, LanguageModelV4, SharedV4ProviderOptions } from '@ai-sdk/provider';
import type { ModelMessage } from 'ai';
import type { ZodType } from 'zod';
import type { ErrorPart, Usage } from '../core/index.js';
import type { SpanAttributes, SpanHandle, Tracer } from '../trace/index.js';

/** What a tool's `execute` is told besides its input. */
export interface ToolContext {
  /** The id the model gave this call. */
  toolCallId: string;
  /** Aborts when the run is cancelled or the call passes its time limit. */
  signal: AbortSignal;
  /** The project the agent runs for (its tracer's): a tool that reads data must stay inside it. */
  project: string;
  /** The tool's own `tool` span, to add attributes; its input, output, status and time are recorded for you. */
  span: SpanHandle;
}

/**
 * A tool the model may call. `input` is a Zod schema or a JSON Schema object (checked with Ajv
 * before `execute` runs, so a bad call never reaches your code). `execute` returns anything JSON
 * can carry; what it throws goes back to the model as a tool error, and the run goes on.
 */
export interface AgentTool<I = unknown> {
  /** Letters, digits, `_` and `-`, at most 64: what every provider accepts. */
  name: string;
  description: string;
  input: ZodType<I> | JSONSchema7;
  // Method syntax on purpose: a tool typed for its own input still fits a list of AgentTool.
  execute(input: I, context: ToolContext): unknown;
}

export interface AgentToolCall {
  id: string;
  name: string;
  input: unknown;
}

export interface AgentToolResult {
  id: string;
  name: string;
  /** The tool's output, when it ran and returned. */
  output?: unknown;
  /** Why it failed: the tool threw, or the call was invalid (unknown tool, input that fails the schema). */
  error?: string;
  /** True when the call never reached `execute` (unknown tool, bad input). */
  invalid?: boolean;
}

export interface AgentStep {
  /** From 0. */
  index: number;
  text: string;
  toolCalls: AgentToolCall[];
  toolResults: AgentToolResult[];
  finishReason: string;
  usage: Usage;
}

/**
 * Why the loop ended: the model answered without calling a tool; it used up `maxSteps`; or it
 * repeated the same failing call (same tool, same input) `REPEAT_LIMIT` times, which would only
 * burn steps.
 */
export type StopReason = 'answer' | 'max-steps' | 'repeated-tool-error';

export interface AgentResult {
  /** The final step's text (empty when the loop stopped before the model answered). */
  text: string;
  steps: AgentStep[];
  /** Summed over every step. */
  usage: Usage;
  stoppedBy: StopReason;
  /** The trace of the run: one `request` span, an `llm` span per step, a `tool` span per call. */
  traceId: string;
  model: string;
  session?: string;
}

/** Named stream parts, the same shape the library, SSE and the CLI use. */
export type AgentStreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; step: number; call: AgentToolCall }
  | { type: 'tool-result'; step: number; result: AgentToolResult }
  | { type: 'step'; step: AgentStep }
  | { type: 'usage'; usage: Usage }
  | { type: 'error'; error: ErrorPart; steps: AgentStep[] }
  | { type: 'done'; result: AgentResult };

/** How much of a session's history goes to the model: whole turns, newest first, within both limits. */
export interface MemoryWindow {
  /** Default 40. */
  maxMessages?: number;
  /** Default 8000 (tokenizer estimate of the messages' text). */
  maxTokens?: number;
}

export interface SessionInfo {
  session: string;
  turns: number;
  messages: number;
  createdAt: number;
  updatedAt: number;
}

/**
 * Conversation memory. Sessions are keyed by project AND id: the same id in another project is
 * another, empty session, so no project can read or extend a session of another.
 */
export interface AgentMemory {
  /** The messages of the newest whole turns that fit the window, oldest first. */
  load(project: string, session: string, window?: MemoryWindow): Promise<ModelMessage[]>;
  /** Store one turn: the user's message and what the run added (assistant text, tool calls and results). */
  appendTurn(project: string, session: string, messages: readonly ModelMessage[]): Promise<void>;
  listSessions(project: string, options?: { limit?: number }): Promise<SessionInfo[]>;
  /** Forget a session; false when it did not exist (in this project). */
  deleteSession(project: string, session: string): Promise<boolean>;
  /** Forget every session of a project (when the project is deleted); returns how many went. */
  deleteProject(project: string): Promise<number>;
  close(): Promise<void>;
}

export interface RunAgentOptions {
  /** Already wrapped by the caller with whatever must see every step (incontext's app wraps the whole gateway chain). */
  model: LanguageModelV4;
  /** Shown on results and spans; default the model's own `provider:modelId`. */
  modelId?: string;
  /** Spans of the run go here; its project is the project of the run (memory, tool context). */
  tracer: Tracer;
  input: string;
  instructions?: string;
  tools?: readonly AgentTool[];
  memory?: { store: AgentMemory; session: string; window?: MemoryWindow };
  /** Model calls at most; default 8. */
  maxSteps?: number;
  signal?: AbortSignal;
  temperature?: number;
  maxOutputTokens?: number;
  /** A longer tool output is cut (with a note saying so) before it goes to the model. Default 20,000 characters. */
  maxToolOutputChars?: number;
  /** One tool call at most this long (its signal aborts, the model reads a timeout error); default 60,000 ms. */
  toolTimeoutMs?: number;
  /** Name of the run's `request` span; default `agent`. */
  name?: string;
  /** Extra attributes of the run's `request` span (user, key id). */
  attributes?: SpanAttributes;
  /**
   * Retrieve before the first step, for a model that cannot call tools (a local extractive
   * model): runs in a `retrieval` span and replaces the user's message (and the instructions)
   * sent to the model. Memory still keeps the user's own words.
   */
  augment?: (input: string, span: SpanHandle) => Promise<{ content: string; instructions?: string }>;
  /** Sent with every model call (incontext's gateway reads `providerOptions.incontext`). */
  providerOptions?: SharedV4ProviderOptions;
}
