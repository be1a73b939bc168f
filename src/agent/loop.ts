/**
 * The tool loop (ReAct in its modern form: the model calls tools, reads their results, and
 * answers), on the AI SDK's multi-step generateText/streamText with `stopWhen`.
 *
 * One run is one trace: a `request` span, the `llm` span of every step (recorded by whatever
 * wraps the model: in incontext, the whole gateway chain, so routing, cache, budget, rate limits,
 * guards and retries apply to each step), and a `tool` span per tool call. A step the gateway
 * refuses (budget, rate limit) ends the run with that error; the steps done before it are kept
 * on the error (`AgentError.steps`) and in the trace.
 */
import { generateText, stepCountIs, streamText, ToolChoiceViolationError, type ModelMessage, type StepResult, type StopCondition, type ToolSet } from 'ai';
import { IncontextError, type Usage } from '../core/index.js';
import type { SpanHandle } from '../trace/index.js';
import { checkSession } from './memory.js';
import { checkTools, DEFAULT_MAX_TOOL_OUTPUT_CHARS, DEFAULT_TOOL_TIMEOUT_MS, toolErrorText, toToolSet } from './tools.js';
import type { AgentResult, AgentStep, AgentStreamPart, AgentToolResult, RunAgentOptions, StopReason } from './types.js';

export const DEFAULT_MAX_STEPS = 8;
/** The same failing call this many times in a row ends the run: the model is not learning from the error. */
export const REPEAT_LIMIT = 3;

/** An agent run that failed part-way: the error of the step that failed, and the steps done before it. */
export class AgentError extends IncontextError {
  readonly steps: AgentStep[];
  readonly traceId: string;
  /** From a rate limit or budget refusal: when to try again (the server sends it as Retry-After). */
  readonly retryAfterMs: number | undefined;
  constructor(cause: IncontextError, steps: AgentStep[], traceId: string) {
    super(cause.code, cause.message, {
      ...(cause.input ? { input: cause.input } : {}),
      ...(cause.hint ? { hint: cause.hint } : {}),
      status: cause.status,
      cause,
    });
    this.name = 'AgentError';
    const retry = (cause as { retryAfterMs?: unknown }).retryAfterMs;
    this.retryAfterMs = typeof retry === 'number' ? retry : undefined;
    this.steps = steps;
    this.traceId = traceId;
  }
}

function toUsage(u: { inputTokens?: number | undefined; outputTokens?: number | undefined }): Usage {
  const inputTokens = u.inputTokens ?? 0;
  const outputTokens = u.outputTokens ?? 0;
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, ...(u.inputTokens === undefined || u.outputTokens === undefined ? { estimated: true } : {}) };
}

export function sumUsage(steps: readonly AgentStep[]): Usage {
  const u = steps.reduce((a, s) => ({ inputTokens: a.inputTokens + s.usage.inputTokens, outputTokens: a.outputTokens + s.usage.outputTokens }), { inputTokens: 0, outputTokens: 0 });
  return { ...u, totalTokens: u.inputTokens + u.outputTokens, ...(steps.some((s) => s.usage.estimated) ? { estimated: true } : {}) };
}

function toStep(s: StepResult<ToolSet>, index: number): AgentStep {
  const results: AgentToolResult[] = [];
  for (const part of s.content) {
    if (part.type === 'tool-result') results.push({ id: part.toolCallId, name: part.toolName, output: part.output });
    else if (part.type === 'tool-error') {
      const call = s.toolCalls.find((c) => c.toolCallId === part.toolCallId);
      const invalid = call !== undefined && 'invalid' in call && call.invalid === true;
      results.push({ id: part.toolCallId, name: part.toolName, error: toolErrorText(part.error), ...(invalid ? { invalid } : {}) });
    }
  }
  return {
    index,
    text: s.text,
    toolCalls: s.toolCalls.map((c) => ({ id: c.toolCallId, name: c.toolName, input: c.input })),
    toolResults: results,
    finishReason: s.finishReason,
    usage: toUsage(s.usage),
  };
}

const signature = (name: string, input: unknown) => `${name}\u0000${JSON.stringify(input)}`;

/** Failed call signatures of a step (a step may fail several at once). */
function failures(step: AgentStep): Set<string> {
  const failed = new Set(step.toolResults.filter((r) => r.error !== undefined).map((r) => r.id));
  return new Set(step.toolCalls.filter((c) => failed.has(c.id)).map((c) => signature(c.name, c.input)));
}

export function repeatedFailure(steps: readonly AgentStep[]): boolean {
  if (steps.length < REPEAT_LIMIT) return false;
  const last = steps.slice(-REPEAT_LIMIT).map(failures);
  return [...(last[0] ?? [])].some((sig) => last.every((f) => f.has(sig)));
}

function checkOptions(o: RunAgentOptions): number {
  if (!o.input.trim()) throw new IncontextError('BAD_REQUEST', 'The agent input is empty', { input: { key: 'input' }, hint: 'Pass the task for the agent.' });
  const maxSteps = o.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!Number.isInteger(maxSteps) || maxSteps < 1 || maxSteps > 100) {
    throw new IncontextError('BAD_REQUEST', `maxSteps must be an integer from 1 to 100, got ${maxSteps}`, { input: { key: 'maxSteps' } });
  }
  checkTools(o.tools ?? []);
  if (o.memory) checkSession(o.memory.session);
  return maxSteps;
}

/** The state of one run, shared by the generate and the stream variant. */
interface Run {
  o: RunAgentOptions;
  root: SpanHandle;
  modelId: string;
  user: ModelMessage;
  steps: AgentStep[];
  stoppedBy: StopReason;
  maxSteps: number;
}

/** Start the run: its request span, the session's history, and (for a model without tools) the retrieval first. */
async function prepare(o: RunAgentOptions) {
  const maxSteps = checkOptions(o);
  const modelId = o.modelId ?? `${o.model.provider}:${o.model.modelId}`;
  const root = o.tracer.startSpan(o.name ?? 'agent', 'request', { attributes: { ...o.attributes, model: modelId, agent: true, maxSteps, tools: (o.tools ?? []).map((t) => t.name) } });
  root.setInput(o.input);
  if (o.memory) root.setAttributes({ session: o.memory.session });
  const run: Run = { o, root, modelId, user: { role: 'user', content: o.input }, steps: [], stoppedBy: 'answer', maxSteps };
  try {
    const history = o.memory ? await o.memory.store.load(o.tracer.projectId, o.memory.session, o.memory.window) : [];
    const augment = o.augment;
    const augmented = augment ? await o.tracer.withSpan('retrieve', 'retrieval', (span) => augment(o.input, span), { parent: root }) : undefined;
    const messages: ModelMessage[] = [...history, augmented ? { role: 'user', content: augmented.content } : run.user];
    return { run, settings: settings(run, messages, augmented?.instructions ?? o.instructions) };
  } catch (e) {
    root.end('error', e);
    throw e;
  }
}

/** generateText / streamText options: the tools traced under the run, the stop conditions, each step recorded. */
function settings(run: Run, messages: ModelMessage[], instructions: string | undefined) {
  const { o, root, steps, maxSteps } = run;
  const executed = new Set<string>();
  const tools = toToolSet(o.tools ?? [], {
    tracer: o.tracer,
    parent: root,
    maxOutputChars: o.maxToolOutputChars ?? DEFAULT_MAX_TOOL_OUTPUT_CHARS,
    timeoutMs: o.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
    step: () => steps.length,
    executed,
  });
  const loopGuard: StopCondition<ToolSet> = () => {
    if (!repeatedFailure(steps)) return false;
    run.stoppedBy = 'repeated-tool-error';
    return true;
  };
  return {
    model: o.model,
    ...(instructions ? { instructions } : {}),
    messages,
    ...(Object.keys(tools).length ? { tools } : {}),
    stopWhen: [stepCountIs(maxSteps), loopGuard],
    // The last allowed step must answer from what the tools gave: a run that ends on a tool call
    // would hand the caller tool results and no answer.
    prepareStep: ({ stepNumber }: { stepNumber: number }) => (maxSteps > 1 && stepNumber === maxSteps - 1 ? { toolChoice: 'none' as const } : {}),
    // The gateway owns retries and fallback; a second retry layer here would multiply attempts.
    maxRetries: 0,
    ...(o.signal ? { abortSignal: o.signal } : {}),
    ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    ...(o.maxOutputTokens !== undefined ? { maxOutputTokens: o.maxOutputTokens } : {}),
    ...(o.providerOptions ? { providerOptions: o.providerOptions } : {}),
    onStepEnd: (s: StepResult<ToolSet>) => {
      const step = toStep(s, steps.length);
      steps.push(step);
      recordInvalidCalls(o, root, step, executed);
    },
  };
}

/** A finished run: remembered (when it has a session), its span closed, its result. */
async function finish(run: Run, text: string, responseMessages: readonly ModelMessage[]): Promise<AgentResult> {
  const { o, root, steps } = run;
  // Capped: the last step still called tools, or it was the forced answer after a step that did.
  const capped = steps.length >= run.maxSteps && ((steps.at(-1)?.toolCalls.length ?? 0) > 0 || (steps.at(-2)?.toolCalls.length ?? 0) > 0);
  if (run.stoppedBy === 'answer' && capped) run.stoppedBy = 'max-steps';
  // Only a finished turn is stored: a half turn would leave the next run a tool call without its answer.
  if (o.memory) await o.memory.store.appendTurn(o.tracer.projectId, o.memory.session, [run.user, ...responseMessages]);
  root.setOutput(text).setAttributes({ steps: steps.length, toolCalls: steps.reduce((n, s) => n + s.toolCalls.length, 0), stoppedBy: run.stoppedBy }).end('ok');
  return { text, steps, usage: sumUsage(steps), stoppedBy: run.stoppedBy, traceId: root.traceId, model: run.modelId, ...(o.memory ? { session: o.memory.session } : {}) };
}

function fail(run: Run, e: unknown): AgentError {
  const err = new AgentError(agentError(e, run.modelId), run.steps, run.root.traceId);
  run.root.setAttributes({ steps: run.steps.length }).end('error', err);
  return err;
}

/** Calls that never reached a tool (unknown name, input failing the schema) still get their error span. */
function recordInvalidCalls(o: RunAgentOptions, root: SpanHandle, step: AgentStep, executed: Set<string>): void {
  for (const r of step.toolResults) {
    if (r.error === undefined || executed.has(r.id)) continue;
    const call = step.toolCalls.find((c) => c.id === r.id);
    const span = o.tracer.startSpan(`tool ${r.name}`, 'tool', { parent: root, attributes: { tool: r.name, toolCallId: r.id, step: step.index, invalid: true } });
    span.setInput(call?.input ?? null).end('error', new Error(r.error));
  }
}

export function agentError(e: unknown, modelId: string): IncontextError {
  if (IncontextError.isInstance(e)) return e;
  // The AI SDK wraps what the model threw; the gateway's own errors (budget, rate limit) are inside.
  const cause = (e as { cause?: unknown; lastError?: unknown }).lastError ?? (e as { cause?: unknown }).cause;
  if (IncontextError.isInstance(cause)) return cause;
  if (ToolChoiceViolationError.isInstance(e)) {
    return new IncontextError('MODEL_FAILED', `${modelId} called a tool on the last allowed step, where it had to answer`, {
      input: { key: 'maxSteps' },
      hint: 'Raise maxSteps, or use a model that honours tool_choice "none"; the steps done are on the error.',
      cause: e,
    });
  }
  const err = e as { name?: string; message?: string };
  const timeout = err.name === 'AbortError' || err.name === 'TimeoutError';
  return new IncontextError(timeout ? 'PROVIDER_TIMEOUT' : 'MODEL_FAILED', `Agent step with ${modelId} failed: ${err.message ?? String(e)}`, {
    input: { key: 'model' },
    hint: timeout ? 'The run was cancelled or the provider did not answer in time.' : 'Check the model is configured and reachable; the trace of the run shows the failing step.',
    cause: e,
  });
}

/** The stream's last part when the run fails: the error as it goes on the wire, with the steps done. */
export function errorPart(err: IncontextError, steps: AgentStep[]): Extract<AgentStreamPart, { type: 'error' }> {
  return { type: 'error', error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) }, steps };
}

/** Run the agent to its answer. Rejects with an AgentError (carrying the steps done) when a step fails. */
export async function runAgent(o: RunAgentOptions): Promise<AgentResult> {
  const { run, settings } = await prepare(o);
  let r;
  try {
    r = await run.root.run(() => generateText(settings));
  } catch (e) {
    throw fail(run, e);
  }
  return finish(run, r.text, r.response.messages);
}

/**
 * The same run as named parts: text deltas, each tool call and result as it happens, each step,
 * then usage and `done` (or `error`, carrying the steps done). Never throws once iteration starts.
 */
export async function* streamAgent(o: RunAgentOptions): AsyncIterable<AgentStreamPart> {
  let prepared;
  try {
    prepared = await prepare(o);
  } catch (e) {
    yield errorPart(agentError(e, o.modelId ?? o.model.modelId), []);
    return;
  }
  const { run, settings } = prepared;
  let failure: unknown;
  try {
    const result = run.root.run(() =>
      streamText({
        ...settings,
        onError: ({ error }) => {
          failure ??= error;
        },
      }),
    );
    let reported = 0;
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') yield { type: 'text-delta', text: part.text };
      else if (part.type === 'tool-call') yield { type: 'tool-call', step: run.steps.length, call: { id: part.toolCallId, name: part.toolName, input: part.input } };
      else if (part.type === 'tool-result' && !part.preliminary) yield { type: 'tool-result', step: run.steps.length, result: { id: part.toolCallId, name: part.toolName, output: part.output } };
      else if (part.type === 'tool-error') yield { type: 'tool-result', step: run.steps.length, result: { id: part.toolCallId, name: part.toolName, error: toolErrorText(part.error) } };
      else if (part.type === 'error') failure ??= part.error;
      while (reported < run.steps.length) yield { type: 'step', step: run.steps[reported++] as AgentStep };
    }
    if (failure !== undefined) throw failure;
    const done = await finish(run, await result.text, (await result.response).messages);
    while (reported < run.steps.length) yield { type: 'step', step: run.steps[reported++] as AgentStep };
    yield { type: 'usage', usage: done.usage };
    yield { type: 'done', result: done };
  } catch (e) {
    const err = run.root.ended ? agentError(e, run.modelId) : fail(run, e);
    yield errorPart(err, run.steps);
  } finally {
    // A consumer that stops reading early leaves the span open: close it as cancelled.
    if (!run.root.ended) run.root.end('error', new Error('agent stream cancelled by the consumer'));
  }
}
