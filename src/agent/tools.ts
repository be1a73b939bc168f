/**
 * Agent tools → AI SDK tools. Each call runs inside its own `tool` span (name, input, output,
 * status, time) under the run's `request` span; a tool that throws becomes a tool error the model
 * reads (with the error's hint), never a crashed run.
 */
import { asSchema, jsonSchema, tool, type FlexibleSchema, type ToolSet } from 'ai';
import type { JSONSchema7, JSONValue } from '@ai-sdk/provider';
import { Ajv, type ErrorObject } from 'ajv';
import { IncontextError } from '../core/index.js';
import type { SpanContext, Tracer } from '../trace/index.js';
import type { AgentTool } from './types.js';

const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const DEFAULT_MAX_TOOL_OUTPUT_CHARS = 20_000;

/** Type the input of a tool from its schema: `defineTool({ name, input: z.object({...}), execute })`. */
export function defineTool<I>(definition: AgentTool<I>): AgentTool<I> {
  checkTool(definition);
  return definition;
}

function checkTool(t: AgentTool): void {
  if (!NAME_RE.test(t.name)) {
    throw new IncontextError('BAD_REQUEST', `Tool name "${t.name}" is not allowed`, {
      input: { key: 'tools' },
      hint: 'Use 1-64 letters, digits, _ or - (what every provider accepts), e.g. lookup_order.',
    });
  }
  if (typeof t.execute !== 'function') throw new IncontextError('BAD_REQUEST', `Tool "${t.name}" has no execute function`, { input: { key: `tools.${t.name}` } });
}

/** Every name once: two tools of one name (a built-in and an MCP server's, say) would be a silent shadowing. */
export function checkTools(tools: readonly AgentTool[]): void {
  const seen = new Set<string>();
  for (const t of tools) {
    checkTool(t);
    if (seen.has(t.name)) {
      throw new IncontextError('BAD_REQUEST', `Two tools are named "${t.name}"`, {
        input: { key: 'tools' },
        hint: 'Rename one, or give an MCP server a prefix (mcp: { prefix: "orders_" }).',
      });
    }
    seen.add(t.name);
  }
}

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

function isZod(schema: AgentTool['input']): schema is Extract<AgentTool['input'], { '~standard': unknown }> {
  return typeof schema === 'object' && schema !== null && '~standard' in schema;
}

function ajvMessage(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '(input)'} ${e.message ?? 'is invalid'}`).join('; ');
}

/** JSON Schema inputs are checked here (the AI SDK's jsonSchema() alone would let anything through). */
export function inputSchema(t: AgentTool): FlexibleSchema<unknown> {
  if (isZod(t.input)) return t.input;
  const schema = t.input;
  const validate = ajv.compile<unknown>(schema as Record<string, unknown>);
  return jsonSchema<unknown>(schema, {
    validate: (value) =>
      validate(value) ? { success: true, value } : { success: false, error: new Error(`Invalid input for tool ${t.name}: ${ajvMessage(validate.errors)}`) },
  });
}

/** The JSON Schema of a tool's input (for MCP listings and docs). */
export async function toolJsonSchema(t: AgentTool): Promise<JSONSchema7> {
  return isZod(t.input) ? await asSchema(t.input).jsonSchema : t.input;
}

/** Text the model reads for a tool output, cut to `max` characters with a note so it knows. */
export function modelText(output: unknown, max: number): string {
  const text = typeof output === 'string' ? output : output === undefined ? '' : (JSON.stringify(output) ?? String(output));
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n[output cut at ${max} of ${text.length} characters]`;
}

/** The message a model reads when a tool fails: the error and, for an IncontextError, what to do. */
export function toolErrorText(err: unknown): string {
  if (IncontextError.isInstance(err)) return `${err.code}: ${err.message}${err.hint ? ` (hint: ${err.hint})` : ''}`;
  return err instanceof Error ? err.message : String(err);
}

function timeoutError(name: string, ms: number): IncontextError {
  return new IncontextError('PROVIDER_TIMEOUT', `Tool ${name} did not finish within ${ms} ms`, { input: { key: name }, hint: 'Try a narrower request, or answer without this tool.' });
}

export const DEFAULT_TOOL_TIMEOUT_MS = 60_000;

export interface ToolSetOptions {
  tracer: Tracer;
  /** The run's request span: every tool span hangs under it. */
  parent: SpanContext;
  maxOutputChars: number;
  /** Per call; the tool's signal aborts then, and the model reads a timeout error. */
  timeoutMs: number;
  /** The step in progress, recorded on each tool span. */
  step: () => number;
  /** Ids of calls that reached execute, so the loop can tell invalid calls (which never do) apart. */
  executed: Set<string>;
}

export function toToolSet(tools: readonly AgentTool[], o: ToolSetOptions): ToolSet {
  const set: ToolSet = {};
  for (const t of tools) {
    set[t.name] = tool({
      description: t.description,
      inputSchema: inputSchema(t),
      execute: async (input, { toolCallId, abortSignal }) => {
        o.executed.add(toolCallId);
        const span = o.tracer.startSpan(`tool ${t.name}`, 'tool', { parent: o.parent, attributes: { tool: t.name, toolCallId, step: o.step() } });
        span.setInput(input);
        // A hung tool (a stalled MCP server, a slow API) must not hold the run: past the limit it is a tool error.
        const timeout = new AbortController();
        const timer = setTimeout(() => timeout.abort(), o.timeoutMs);
        const signal = abortSignal ? AbortSignal.any([abortSignal, timeout.signal]) : timeout.signal;
        try {
          const running = Promise.resolve(span.run(() => t.execute(input, { toolCallId, project: o.tracer.projectId, span, signal })));
          const stopped = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
          const output = await Promise.race([running, stopped]);
          span.setOutput(output ?? null).end('ok');
          return output ?? null;
        } catch (thrown) {
          // Whatever the tool threw on its way out, a call stopped by the limit failed by timing out.
          const err = timeout.signal.aborted && !abortSignal?.aborted ? timeoutError(t.name, o.timeoutMs) : thrown;
          span.end('error', err);
          // The model reads the message; the hint tells it what to do differently.
          throw new Error(toolErrorText(err), { cause: thrown });
        } finally {
          clearTimeout(timer);
        }
      },
      toModelOutput: ({ output }) => {
        if (typeof output !== 'string') {
          const json = JSON.stringify(output ?? null);
          // Parsed back so the model gets plain JSON (no Dates, no undefined holes).
          if (json.length <= o.maxOutputChars) return { type: 'json', value: JSON.parse(json) as JSONValue };
        }
        return { type: 'text', value: modelText(output, o.maxOutputChars) };
      },
    });
  }
  return set;
}
