/**
 * Error classification for the gateway: which failures are worth retrying on the
 * same model, which only on another model, and which must go straight back to
 * the caller because no model could do better (a malformed request).
 */
import { APICallError } from '@ai-sdk/provider';
import { IncontextError, type ErrorCode } from '../core/index.js';

export type GatewayErrorReason =
  | 'rate-limited'
  | 'budget-exceeded'
  | 'circuit-open'
  | 'attempt-timeout'
  | 'deadline'
  | 'all-failed'
  | 'stream-idle';

/** Stable error code per reason; `reason` stays the finer-grained discriminator. */
const CODE: Record<GatewayErrorReason, ErrorCode> = {
  'rate-limited': 'RATE_LIMITED',
  'budget-exceeded': 'BUDGET_EXCEEDED',
  'circuit-open': 'CIRCUIT_OPEN',
  'attempt-timeout': 'PROVIDER_TIMEOUT',
  deadline: 'PROVIDER_TIMEOUT',
  'all-failed': 'MODEL_FAILED',
  'stream-idle': 'PROVIDER_TIMEOUT',
};
const STATUS: Record<GatewayErrorReason, number> = {
  'rate-limited': 429,
  'budget-exceeded': 402,
  'circuit-open': 503,
  'attempt-timeout': 504,
  deadline: 504,
  'all-failed': 502,
  'stream-idle': 504,
};

export interface GatewayErrorOptions {
  hint: string;
  retryAfterMs?: number;
  cause?: unknown;
  key?: string;
  status?: number;
}

export class GatewayError extends IncontextError {
  readonly reason: GatewayErrorReason;
  /** When the caller may try again (rate limits, open circuits); also written into the hint. */
  readonly retryAfterMs: number | undefined;

  constructor(reason: GatewayErrorReason, message: string, options: GatewayErrorOptions) {
    const retry =
      options.retryAfterMs === undefined ? '' : ` (retry after ${Math.ceil(options.retryAfterMs / 1000)} s)`;
    super(CODE[reason], message, {
      hint: `${options.hint}${retry}`,
      status: options.status ?? STATUS[reason],
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.key === undefined ? {} : { input: { key: options.key } }),
    });
    this.name = 'GatewayError';
    this.reason = reason;
    this.retryAfterMs = options.retryAfterMs;
  }

  static is(value: unknown, reason?: GatewayErrorReason): value is GatewayError {
    return value instanceof GatewayError && (reason === undefined || value.reason === reason);
  }
}

/**
 * - `retry`: transient at this model (429, 408, 5xx, resets, timeouts): retry, then fall back.
 * - `fallback`: this model cannot serve it (open circuit, 401/403/404, prompt over its context
 *   window): skip to the next model.
 * - `fatal`: the request itself is refused (400/422, budget, rate limit, caller abort): stop.
 */
export type ErrorClass = 'retry' | 'fallback' | 'fatal';

export interface ErrorInfo {
  kind: ErrorClass;
  status?: number;
  retryAfterMs?: number;
  message: string;
}

export function classifyError(error: unknown, now: number = Date.now()): ErrorInfo {
  const message = messageOf(error);
  if (GatewayError.is(error)) {
    const kind: ErrorClass =
      error.reason === 'circuit-open'
        ? 'fallback'
        : error.reason === 'attempt-timeout' || error.reason === 'stream-idle'
          ? 'retry'
          : 'fatal';
    return { kind, status: error.status, message, ...optional('retryAfterMs', error.retryAfterMs) };
  }
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    const retryAfterMs = parseRetryAfter(error.responseHeaders, now);
    const base = { message, ...optional('status', status), ...optional('retryAfterMs', retryAfterMs) };
    // No status: the connection failed or was reset. 2xx: the body was unreadable (malformed JSON).
    if (status === undefined || status < 400) return { kind: 'retry', ...base };
    // A prompt too long for this model may fit the next one (LiteLLM's context-window fallback).
    if (CONTEXT_WINDOW.test(`${message} ${error.responseBody ?? ''}`)) return { kind: 'fallback', ...base };
    return { kind: byStatus(status), ...base };
  }
  // In-stream error events reach us as the provider's parsed error object, e.g. Anthropic's
  // `{ type: 'overloaded_error', statusCode: 529, isRetryable: true }`.
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number') return { kind: byStatus(statusCode), status: statusCode, message };
  if (IncontextError.isInstance(error)) return { kind: 'fatal', status: error.status, message };
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    // Attempt timeouts arrive as GatewayError; a bare abort is the caller's own cancel.
    return { kind: 'fatal', message };
  }
  // Network failures below the AI SDK (fetch TypeError, ECONNRESET) and parse errors of a
  // broken stream: the next attempt may well succeed.
  return { kind: 'retry', message };
}

const CONTEXT_WINDOW = /context_length_exceeded|maximum context length|context window|prompt is too long|too many tokens/i;

function byStatus(status: number): ErrorClass {
  if (status < 400 || status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) return 'retry';
  if (status === 401 || status === 403 || status === 404) return 'fallback';
  return 'fatal';
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** `Retry-After` (seconds or HTTP date) or `retry-after-ms`, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(
  headers: Readonly<Record<string, string | undefined>> | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) lower[k.toLowerCase()] = v;
  const ms = lower['retry-after-ms'];
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const value = lower['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
