import { IncontextError } from '../core/index.js';

export const SUPPORTED_FORMATS = '.txt, .md/.markdown, .html/.htm, .pdf, .docx, .csv/.tsv, .json, .jsonl/.ndjson';

export function parseFailed(path: string, what: string, cause: unknown, line?: number): IncontextError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new IncontextError('PARSE_FAILED', `Could not parse ${what}: ${detail}`, {
    input: { path, ...(line === undefined ? {} : { line }) },
    hint: `The file looks like ${what} but is damaged or not valid. Re-export or repair it, or remove it from the input.`,
    cause,
  });
}

export function fileEmpty(path: string, why: string, hint?: string): IncontextError {
  return new IncontextError('FILE_EMPTY', `No text in ${path}: ${why}`, {
    input: { path },
    hint: hint ?? 'Add content to the file or leave it out of the input.',
  });
}
