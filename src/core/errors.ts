/**
 * IncontextError: every failure a user can act on carries a stable `code`, the
 * offending input (file, line, key) and a hint that says what to do.
 * Marked with a global symbol so two copies of the package still recognise
 * each other's errors (`instanceof` would not).
 */
const MARK = Symbol.for('incontext.error');

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_UNKNOWN_KEY'
  | 'CONFIG_PARSE'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'UNSUPPORTED_FORMAT'
  | 'FILE_EMPTY'
  | 'FILE_TOO_LARGE'
  | 'FILE_UNREADABLE'
  | 'FILE_BINARY'
  | 'PARSE_FAILED'
  | 'EMBEDDING_FAILED'
  | 'MODEL_NOT_CONFIGURED'
  | 'MODEL_FAILED'
  | 'PROVIDER_TIMEOUT'
  | 'STORE_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'BUDGET_EXCEEDED'
  | 'CIRCUIT_OPEN'
  | 'GUARD_BLOCKED'
  | 'INTERNAL';

export interface ErrorInput {
  /** File path, URL or other identifier of the input that failed. */
  path?: string;
  line?: number;
  /** Config key (dotted path) or request field. */
  key?: string;
}

export interface IncontextErrorOptions {
  input?: ErrorInput;
  hint?: string;
  cause?: unknown;
  /** HTTP status the server should answer with. */
  status?: number;
}

const DEFAULT_STATUS: Partial<Record<ErrorCode, number>> = {
  CONFIG_INVALID: 400,
  CONFIG_UNKNOWN_KEY: 400,
  CONFIG_PARSE: 400,
  BAD_REQUEST: 400,
  UNSUPPORTED_FORMAT: 415,
  FILE_EMPTY: 422,
  FILE_BINARY: 422,
  PARSE_FAILED: 422,
  FILE_TOO_LARGE: 413,
  PAYLOAD_TOO_LARGE: 413,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  BUDGET_EXCEEDED: 402,
  CIRCUIT_OPEN: 503,
  GUARD_BLOCKED: 422,
  MODEL_NOT_CONFIGURED: 400,
  MODEL_FAILED: 502,
  PROVIDER_TIMEOUT: 504,
};

export class IncontextError extends Error {
  readonly code: ErrorCode;
  readonly input: ErrorInput | undefined;
  readonly hint: string | undefined;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options: IncontextErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IncontextError';
    this.code = code;
    this.input = options.input;
    this.hint = options.hint;
    this.status = options.status ?? DEFAULT_STATUS[code] ?? 500;
    Object.defineProperty(this, MARK, { value: true });
  }

  static isInstance(value: unknown): value is IncontextError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARK] === true;
  }

  /** The wire shape used by the server and `--json` output. */
  toJSON(): { code: ErrorCode; message: string; hint?: string; input?: ErrorInput } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.input === undefined ? {} : { input: this.input }),
    };
  }
}

/** Turn anything thrown into an IncontextError without losing the original. */
export function toIncontextError(err: unknown, fallback: ErrorCode = 'INTERNAL'): IncontextError {
  if (IncontextError.isInstance(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new IncontextError(fallback, message, { cause: err });
}

/** One-line human rendering: "CODE: message (path:line, key) — hint". */
export function formatError(err: IncontextError): string {
  const where: string[] = [];
  if (err.input?.path) where.push(err.input.line ? `${err.input.path}:${err.input.line}` : err.input.path);
  if (err.input?.key) where.push(`key ${err.input.key}`);
  const loc = where.length ? ` (${where.join(', ')})` : '';
  const hint = err.hint ? `\n  hint: ${err.hint}` : '';
  return `${err.code}: ${err.message}${loc}${hint}`;
}
