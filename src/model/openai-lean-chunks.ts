/**
 * What one SSE event of an OpenAI chat stream means, as @ai-sdk/openai 4.0 reads it: the
 * chunk (one JSON.parse and a shape check for the common chunk; the SDK's safeParseJSON on
 * a copy of its zod chunk schema for anything else, so odd chunks are judged, stripped and
 * reported exactly as the SDK does), the SDK's in-band error mapping, usage and finish
 * reason. Shared by both halves of the lean transport (openai-lean.ts, openai-lean-stream.ts).
 */
import { APICallError, type LanguageModelV4Usage } from '@ai-sdk/provider';
import { createNullLanguageModelUsage, createProviderStreamError, safeParseJSON, safeValidateTypes, zodSchema } from '@ai-sdk/provider-utils';
import { z } from 'zod/v4';

export interface WireUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null; cache_write_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null; accepted_prediction_tokens?: number | null; rejected_prediction_tokens?: number | null } | null;
}

function pick<T extends object>(from: T, keys: readonly (keyof T)[]): T {
  const out = {} as T;
  for (const k of keys) if (k in from) out[k] = from[k];
  return out;
}

/** The usage object as the SDK's zod schema leaves it (unknown keys such as audio_tokens dropped), since it is handed out as `raw`. */
export function strippedUsage(u: WireUsage): WireUsage {
  const out = pick(u, ['prompt_tokens', 'completion_tokens', 'total_tokens']);
  const p = u.prompt_tokens_details;
  if (p !== undefined) out.prompt_tokens_details = p === null ? p : pick(p, ['cached_tokens', 'cache_write_tokens']);
  const c = u.completion_tokens_details;
  if (c !== undefined) out.completion_tokens_details = c === null ? c : pick(c, ['reasoning_tokens', 'accepted_prediction_tokens', 'rejected_prediction_tokens']);
  return out;
}

/** The SDK's convertOpenAIChatUsage. */
export function usageOf(u: WireUsage | null | undefined): LanguageModelV4Usage {
  if (u == null) return createNullLanguageModelUsage();
  const input = u.prompt_tokens ?? 0;
  const output = u.completion_tokens ?? 0;
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  const written = u.prompt_tokens_details?.cache_write_tokens ?? undefined;
  const reasoning = u.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    inputTokens: { total: input, noCache: input - cached - (written ?? 0), cacheRead: cached, cacheWrite: written },
    outputTokens: { total: output, text: Math.max(0, output - reasoning), reasoning },
    raw: u as Record<string, never>,
  };
}

export function finishOf(reason: string | null | undefined, hasRefusal: boolean): 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'other' {
  switch (reason) {
    case 'stop':
      return hasRefusal ? 'content-filter' : 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    case 'function_call':
    case 'tool_calls':
      return 'tool-calls';
    default:
      return 'other';
  }
}

// ---------------------------------------------------------------- chunks

export interface ToolCallDelta {
  index: number;
  id?: string | null;
  type?: 'function' | null;
  function: { name?: string | null; arguments?: string | null };
}

export interface Chunk {
  id?: string | null;
  created?: number | null;
  model?: string | null;
  choices: Array<{
    delta?: {
      content?: string | null;
      refusal?: string | null;
      tool_calls?: ToolCallDelta[] | null;
      annotations?: Array<{ url_citation: { url: string; title: string } }> | null;
    } | null;
    logprobs?: { content?: unknown[] | null; refusal?: unknown[] | null } | null;
    finish_reason?: string | null;
  }>;
  usage?: WireUsage | null;
}

export type ErrorFrame = { message: string; type?: string | null; param?: unknown; code?: string | number | null };

/** The parse of one event, as the SDK's safeParseJSON gives it, with the union branch already told apart. */
export type Parsed = { success: true; chunk: Chunk; rawValue: unknown } | { success: true; error: ErrorFrame; rawValue: unknown } | { success: false; error: unknown; rawValue: unknown };

const logprobItems = () => z.array(z.object({ token: z.string(), logprob: z.number(), top_logprobs: z.array(z.object({ token: z.string(), logprob: z.number() })) })).nullish();
const usageSchema = () =>
  z.object({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
    total_tokens: z.number().nullish(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().nullish(), cache_write_tokens: z.number().nullish() }).nullish(),
    completion_tokens_details: z.object({ reasoning_tokens: z.number().nullish(), accepted_prediction_tokens: z.number().nullish(), rejected_prediction_tokens: z.number().nullish() }).nullish(),
  }).nullish();

/** A copy of @ai-sdk/openai's openaiChatChunkSchema, built only when an event needs it. */
let chunkSchema: ReturnType<typeof buildChunkSchema> | undefined;
function buildChunkSchema() {
  return zodSchema(
    z.union([
      z.object({
        id: z.string().nullish(),
        created: z.number().nullish(),
        model: z.string().nullish(),
        choices: z.array(
          z.object({
            delta: z.object({
              role: z.enum(['assistant']).nullish(),
              content: z.string().nullish(),
              refusal: z.string().nullish(),
              tool_calls: z.array(z.object({ index: z.number(), id: z.string().nullish(), type: z.literal('function').nullish(), function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }) })).nullish(),
              annotations: z.array(z.object({ type: z.literal('url_citation'), url_citation: z.object({ start_index: z.number(), end_index: z.number(), url: z.string(), title: z.string() }) })).nullish(),
            }).nullish(),
            logprobs: z.object({ content: logprobItems(), refusal: logprobItems() }).nullish(),
            finish_reason: z.string().nullish(),
            index: z.number(),
          }),
        ),
        usage: usageSchema(),
      }),
      z.object({ error: z.object({ message: z.string(), type: z.string().nullish(), param: z.any().nullish(), code: z.union([z.string(), z.number()]).nullish() }) }),
    ]),
  );
}

const optStr = (v: unknown) => v == null || typeof v === 'string';
const optNum = (v: unknown) => v == null || (typeof v === 'number' && Number.isFinite(v));
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function plainUsage(u: unknown): boolean {
  if (u == null) return true;
  if (!isObj(u) || !optNum(u.prompt_tokens) || !optNum(u.completion_tokens) || !optNum(u.total_tokens)) return false;
  const p = u.prompt_tokens_details;
  if (p != null && (!isObj(p) || !optNum(p.cached_tokens) || !optNum(p.cache_write_tokens))) return false;
  const c = u.completion_tokens_details;
  return c == null || (isObj(c) && optNum(c.reasoning_tokens) && optNum(c.accepted_prediction_tokens) && optNum(c.rejected_prediction_tokens));
}

/**
 * True only for chunks the schema surely accepts and whose stripped form differs from the
 * parsed one in nothing this module hands out (usage is stripped separately). Logprobs
 * and non-empty annotations are left to the schema.
 */
function plainChunk(v: unknown): v is Chunk {
  if (!isObj(v) || !optStr(v.id) || !optNum(v.created) || !optStr(v.model) || !Array.isArray(v.choices) || !plainUsage(v.usage)) return false;
  for (const c of v.choices as unknown[]) {
    if (!isObj(c) || typeof c.index !== 'number' || !optStr(c.finish_reason) || c.logprobs != null) return false;
    const d = c.delta;
    if (d == null) continue;
    if (!isObj(d) || (d.role != null && d.role !== 'assistant') || !optStr(d.content) || !optStr(d.refusal)) return false;
    if (d.annotations != null && !(Array.isArray(d.annotations) && d.annotations.length === 0)) return false;
    if (d.tool_calls != null) {
      if (!Array.isArray(d.tool_calls)) return false;
      for (const t of d.tool_calls as unknown[]) {
        if (!isObj(t) || typeof t.index !== 'number' || !optStr(t.id) || (t.type != null && t.type !== 'function') || !isObj(t.function) || !optStr(t.function.name) || !optStr(t.function.arguments)) return false;
      }
    }
  }
  return true;
}

// The SDK parses with secureJsonParse; text that could carry a prototype key takes its path.
const suspectProto = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const suspectConstructor = /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;

function fromSdkParse(r: { success: true; value: unknown; rawValue: unknown } | { success: false; error: unknown; rawValue: unknown }): Parsed {
  if (!r.success) return r;
  const value = r.value as Chunk | { error: ErrorFrame };
  return 'error' in value ? { success: true, error: value.error, rawValue: r.rawValue } : { success: true, chunk: value, rawValue: r.rawValue };
}

export function parseEvent(text: string): Parsed | Promise<Parsed> {
  const schema = (chunkSchema ??= buildChunkSchema());
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return safeParseJSON({ text, schema }).then(fromSdkParse);
  }
  if (typeof value === 'object' && value !== null && (suspectProto.test(text) || suspectConstructor.test(text))) return safeParseJSON({ text, schema }).then(fromSdkParse);
  if (plainChunk(value)) return { success: true, chunk: value, rawValue: value };
  return safeValidateTypes({ value, schema }).then(fromSdkParse);
}

export function isOutputChunk(chunk: Chunk): boolean {
  return chunk.choices.some((c) => {
    const d = c.delta;
    return (d?.content != null && d.content.length > 0) || (d?.refusal != null && d.refusal.length > 0) || (d?.tool_calls != null && d.tool_calls.length > 0) || (d?.annotations != null && d.annotations.length > 0);
  });
}

// ---------------------------------------------------------------- in-band errors (the SDK's openai-stream-error)

const asRecord = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v != null ? (v as Record<string, unknown>) : undefined);
const strOrNum = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? v : undefined);

function parseStreamError(frame: unknown): { message: string; code: string | number | undefined; type: string | undefined } | undefined {
  const value = asRecord(frame);
  if (value == null) return undefined;
  if (value.type === 'response.failed') {
    const e = asRecord(asRecord(value.response)?.error);
    return typeof e?.message === 'string' ? { message: e.message, code: strOrNum(e.code), type: 'response.failed' } : undefined;
  }
  const error = asRecord(value.error) ?? value;
  return typeof error.message === 'string' && (asRecord(value.error) != null || typeof error.type === 'string' || 'code' in error || 'param' in error)
    ? { message: error.message, code: strOrNum(error.code), type: typeof error.type === 'string' ? error.type : undefined }
    : undefined;
}

function statusOf(e: { code: string | number | undefined; type: string | undefined }): number {
  const explicit = typeof e.code === 'string' && /^\d{3}$/.test(e.code) ? Number(e.code) : e.code;
  if (typeof explicit === 'number' && Number.isInteger(explicit) && explicit >= 400 && explicit <= 599) return explicit;
  const d = [e.code, e.type].filter((v) => typeof v === 'string' || typeof v === 'number').join(' ').toLowerCase();
  if (['insufficient_quota', 'rate_limit'].some((t) => d.includes(t))) return 429;
  if (d.includes('authentication')) return 401;
  if (d.includes('permission')) return 403;
  if (d.includes('not_found')) return 404;
  if (['invalid', 'bad_request', 'context_length'].some((t) => d.includes(t))) return 400;
  if (d.includes('overload')) return 503;
  if (d.includes('timeout')) return 504;
  return 500;
}

export function providerStreamError(frame: unknown) {
  const e = parseStreamError(frame);
  if (e == null) return undefined;
  const statusCode = statusOf(e);
  const retryable = e.code === 'insufficient_quota' || e.type === 'insufficient_quota' ? false : statusCode === 408 || statusCode === 409 || statusCode === 429 || statusCode >= 500;
  // Keys with undefined values included, as the SDK builds it.
  return createProviderStreamError({ message: e.message, type: e.type, code: e.code, statusCode, isRetryable: retryable, data: frame } as Parameters<typeof createProviderStreamError>[0]);
}

export function errorBeforeOutput(frame: ErrorFrame, url: string, requestBodyValues: unknown, responseHeaders: Record<string, string>): APICallError {
  const e = providerStreamError(frame);
  return new APICallError({
    message: e?.message ?? 'OpenAI stream failed before any output was generated',
    url,
    requestBodyValues,
    statusCode: e?.statusCode ?? 500,
    responseHeaders,
    responseBody: JSON.stringify(frame),
    data: frame,
    ...(e?.isRetryable === undefined ? {} : { isRetryable: e.isRetryable }),
  });
}
