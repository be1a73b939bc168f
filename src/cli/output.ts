import { formatError, IncontextError, toIncontextError } from '../core/index.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Bad usage (exit 2) versus a failed operation (exit 1). */
const USAGE_CODES = new Set(['CONFIG_INVALID', 'CONFIG_UNKNOWN_KEY', 'CONFIG_PARSE', 'BAD_REQUEST']);

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function reportError(e: unknown, json: boolean): number {
  const err = toIncontextError(e);
  if (json) printJson({ error: err.toJSON() });
  else process.stderr.write(`error ${formatError(err)}\n`);
  if (err.code === 'INTERNAL' && process.env.INCONTEXT_DEBUG) process.stderr.write(String((e as Error).stack) + '\n');
  return USAGE_CODES.has(err.code) ? EXIT.usage : EXIT.failed;
}

export function usageError(message: string, hint?: string): IncontextError {
  return new IncontextError('BAD_REQUEST', message, hint ? { hint } : {});
}
