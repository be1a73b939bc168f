/**
 * Getting JSON out of a model's answer: the answer in a code fence, after a sentence of prose,
 * with trailing commas, single quotes, Python literals, or cut off mid-object. The repair
 * itself is jsonrepair's; this file only decides which part of the text is meant to be JSON,
 * because jsonrepair alone turns plain prose into an array of strings.
 */
import { jsonrepair } from 'jsonrepair';

export type JsonParse = { ok: true; value: unknown; repaired: boolean } | { ok: false; error: string };

const FENCE = /```[ \t]*(?:json5?|javascript|js)?[ \t]*\r?\n?([\s\S]*?)(?:```|$)/i;

/** End (exclusive) of the bracketed value starting at `start`, or undefined when it is never closed. */
function matchingEnd(text: string, start: number): number | undefined {
  const stack: string[] = [];
  let quote: string | undefined;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') stack.push(c === '{' ? '}' : ']');
    else if (c === '}' || c === ']') {
      if (stack.pop() !== c) return undefined;
      if (stack.length === 0) return i + 1;
    }
  }
  return undefined;
}

const SCALAR = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|"(?:[^"\\]|\\.)*")$/;

/** The part of `text` that is meant to be JSON, or undefined when there is none. */
export function jsonCandidate(text: string): string | undefined {
  const trimmed = text.trim();
  const fenced = FENCE.exec(trimmed);
  const body = (fenced ? fenced[1]! : trimmed).trim();
  const open = body.search(/[[{]/);
  if (open < 0) return SCALAR.test(body) ? body : undefined;
  const end = matchingEnd(body, open);
  return body.slice(open, end ?? body.length);
}

/** Parse JSON from a model's answer, repairing near-JSON when `repair` is on (the default). */
export function parseJsonOutput(text: string, options: { repair?: boolean } = {}): JsonParse {
  const trimmed = text.trim();
  try {
    return { ok: true, value: JSON.parse(trimmed), repaired: false };
  } catch (error) {
    if (options.repair === false) return { ok: false, error: `not valid JSON: ${(error as Error).message}` };
  }
  const candidate = jsonCandidate(trimmed);
  if (candidate === undefined) return { ok: false, error: 'no JSON object, array or value found in the answer' };
  try {
    return { ok: true, value: JSON.parse(candidate), repaired: true };
  } catch {
    // fall through to the repair
  }
  try {
    return { ok: true, value: JSON.parse(jsonrepair(candidate)), repaired: true };
  } catch (error) {
    return { ok: false, error: `not valid JSON and could not be repaired: ${(error as Error).message}` };
  }
}
