/**
 * Server-side input limits that do not belong to one route: JSON nesting depth and upload names.
 * Body size itself is the server's (Hono's `bodyLimit`); these run on what it let through.
 */
import { IncontextError } from '../core/index.js';

export const DEFAULT_MAX_JSON_DEPTH = 64;
const MAX_NAME_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;

/**
 * Deepest nesting of arrays/objects in JSON text, found in one pass without parsing, stopping as
 * soon as `limit` is passed. Run before JSON.parse: a parse succeeds on 100k nested arrays, and
 * the recursive code that walks the result afterwards (validation, redaction) is what overflows.
 */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** JSON.parse after the depth check; errors are BAD_REQUEST on `key` (default `body`). */
export function parseJsonLimited(text: string, options: { maxDepth?: number; key?: string } = {}): unknown {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const key = options.key ?? 'body';
  if (jsonDepth(text, maxDepth) > maxDepth) {
    throw new IncontextError('BAD_REQUEST', `JSON nested deeper than ${maxDepth} levels`, { input: { key }, hint: 'Flatten the request; no incontext request needs deep nesting.' });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new IncontextError('BAD_REQUEST', `The request body is not valid JSON: ${(err as Error).message}`, { input: { key }, hint: 'Send a JSON body with Content-Type: application/json.', cause: err });
  }
}

function badName(name: string, why: string): IncontextError {
  return new IncontextError('BAD_REQUEST', `Upload name ${JSON.stringify(name.slice(0, 200))} ${why}`, {
    input: { key: 'filename' },
    hint: 'Use a relative name such as "report.pdf" or "docs/guide.md": no "..", no leading "/", no drive letters, backslashes or control characters.',
  });
}

/**
 * An upload's name, checked to stay inside wherever it is stored: a relative `/`-separated path
 * whose segments are not `.`/`..`. Refused rather than silently stripped, because the name
 * becomes the document's origin and a rewritten one would not match the client's next upload.
 */
export function safeUploadName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw badName(String(name), 'is empty');
  const n = name.normalize('NFC');
  if (/[\u0000-\u001f\u007f]/.test(n)) throw badName(n, 'contains control characters');
  if (n.includes('\\')) throw badName(n, 'contains a backslash');
  if (n.startsWith('/') || /^[A-Za-z]:/.test(n)) throw badName(n, 'is an absolute path');
  if (Buffer.byteLength(n, 'utf8') > MAX_NAME_BYTES) throw badName(n, `is longer than ${MAX_NAME_BYTES} bytes`);
  for (const segment of n.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') throw badName(n, `has an empty, "." or ".." path segment`);
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) throw badName(n, `has a segment longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return n;
}
