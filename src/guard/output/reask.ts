/**
 * Re-ask: when an answer fails validation, ask again with the error appended, a bounded number
 * of times. As a plain function around any generate call, and as AI SDK middleware that also
 * asks providers with native structured output for JSON matching the schema up front.
 */
import type {
  JSONObject,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4GenerateResult,
  LanguageModelV4Middleware,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { IncontextError } from '../../core/index.js';
import { jsonSchemaOf, normalizeSpec, validateOutput, type OutputSpecInput, type ValidateOptions } from './validate.js';

export interface ReaskOptions extends ValidateOptions {
  /** Attempts in all, the first included (default 3, at most 10). */
  maxTries?: number;
  /** The message sent back to the model after a failed attempt. */
  feedback?: (error: string, attempt: number) => string;
}

export interface Attempt {
  /** 1-based. */
  n: number;
  /** The previous answer and what was wrong with it; absent on the first attempt. */
  previous?: { text: string; error: string; feedback: string };
}

export interface Validated<T = unknown> {
  value: T;
  /** The answer that passed (before JSON repair). */
  text: string;
  tries: number;
  /** The validation error of each failed attempt, in order. */
  errors: string[];
  repaired: boolean;
}

export function defaultFeedback(error: string): string {
  return `Your previous answer did not pass validation:\n${error}\nAnswer again with only the corrected output, nothing before or after it.`;
}

function triesOf(options: ReaskOptions): number {
  const n = options.maxTries ?? 3;
  if (!Number.isInteger(n) || n < 1 || n > 10) {
    throw new IncontextError('CONFIG_INVALID', `maxTries must be an integer from 1 to 10, got ${n}`, {
      input: { key: 'guard.output.validation.maxTries' },
      hint: 'Each try is a paid model call; 2 or 3 is usually enough.',
    });
  }
  return n;
}

function exhausted(tries: number, errors: string[]): IncontextError {
  return new IncontextError('PARSE_FAILED', `The model's answer failed validation ${tries} time(s); last error: ${errors.at(-1) ?? 'unknown'}`, {
    input: { key: 'output' },
    hint: 'Make the instructions name the expected format, allow more tries (maxTries), or use a model with structured output.',
    cause: { errors },
  });
}

/** Call `generate` until its answer validates against `spec`, at most `maxTries` times. */
export async function withValidation<T = unknown>(
  generate: (attempt: Attempt) => Promise<string>,
  spec: OutputSpecInput,
  options: ReaskOptions = {},
): Promise<Validated<T>> {
  const max = triesOf(options);
  const errors: string[] = [];
  let previous: Attempt['previous'];
  for (let n = 1; n <= max; n++) {
    const text = await generate({ n, ...(previous ? { previous } : {}) });
    const r = await validateOutput(text, spec, options);
    if (r.ok) return { value: r.value as T, text, tries: n, errors, repaired: r.repaired };
    errors.push(r.error);
    previous = { text, error: r.error, feedback: (options.feedback ?? defaultFeedback)(r.error, n) };
  }
  throw exhausted(max, errors);
}

function textOf(result: LanguageModelV4GenerateResult): string {
  return result.structuredOutputText ?? result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
}

const add = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));

/** Re-asks are paid for: the usage reported is that of every attempt together. */
function sumUsage(a: LanguageModelV4Usage, b: LanguageModelV4Usage): LanguageModelV4Usage {
  return {
    inputTokens: {
      total: add(a.inputTokens.total, b.inputTokens.total),
      noCache: add(a.inputTokens.noCache, b.inputTokens.noCache),
      cacheRead: add(a.inputTokens.cacheRead, b.inputTokens.cacheRead),
      cacheWrite: add(a.inputTokens.cacheWrite, b.inputTokens.cacheWrite),
    },
    outputTokens: {
      total: add(a.outputTokens.total, b.outputTokens.total),
      text: add(a.outputTokens.text, b.outputTokens.text),
      reasoning: add(a.outputTokens.reasoning, b.outputTokens.reasoning),
    },
    ...(a.raw !== undefined ? { raw: a.raw } : {}),
  };
}

export interface ValidationMiddlewareOptions extends ReaskOptions {
  /** Ask the provider for JSON matching the schema (native structured output) when the call sets no responseFormat; default true. */
  structured?: boolean;
  /** After the last failed try: throw PARSE_FAILED (default), or return the last answer with the errors on providerMetadata.incontext.validation. */
  onExhausted?: 'throw' | 'flag';
}

/**
 * Validation as middleware on doGenerate. Streams pass through unvalidated: an answer already
 * sent cannot be taken back to re-ask (validate the collected text with validateOutput instead).
 * Re-asks call the wrapped model directly, so middleware inside this one is not run again.
 */
export function validationMiddleware(spec: OutputSpecInput, options: ValidationMiddlewareOptions = {}): LanguageModelV4Middleware {
  const max = triesOf(options);
  const normalized = normalizeSpec(spec);
  const isJson = normalized.kind === 'schema' || normalized.kind === 'json-schema';
  const schema = options.structured === false ? undefined : jsonSchemaOf(normalized);
  return {
    specificationVersion: 'v4',
    transformParams: async ({ params }) => {
      if (!isJson || options.structured === false || (params.responseFormat && params.responseFormat.type !== 'text')) return params;
      return { ...params, responseFormat: { type: 'json', ...(schema ? { schema } : {}) } };
    },
    async wrapGenerate({ doGenerate, params, model }) {
      const errors: string[] = [];
      let prompt = params.prompt;
      let usage: LanguageModelV4Usage | undefined;
      let last: LanguageModelV4GenerateResult | undefined;
      for (let n = 1; n <= max; n++) {
        const call: LanguageModelV4CallOptions = { ...params, prompt };
        const result = n === 1 ? await doGenerate() : await model.doGenerate(call);
        usage = usage ? sumUsage(usage, result.usage) : result.usage;
        // A model calling tools has not answered yet; the answer after the tool results is validated.
        if (result.content.some((c) => c.type === 'tool-call')) return { ...result, usage };
        const text = textOf(result);
        const r = await validateOutput(text, normalized, options);
        if (r.ok) {
          const validation: JSONObject = { tries: n, errors, repaired: r.repaired };
          const incontext: JSONObject = { ...(result.providerMetadata?.incontext ?? {}), validation };
          // A repaired JSON answer is replaced by its clean form, so the caller's own JSON parse succeeds.
          const content: LanguageModelV4Content[] =
            isJson && r.repaired ? [...result.content.filter((c) => c.type !== 'text'), { type: 'text', text: JSON.stringify(r.value) }] : result.content;
          const { structuredOutputText: _dropped, ...rest } = result;
          return {
            ...(isJson && r.repaired ? rest : result),
            content,
            usage,
            providerMetadata: { ...(result.providerMetadata ?? {}), incontext },
          };
        }
        errors.push(r.error);
        last = result;
        prompt = [
          ...prompt,
          { role: 'assistant', content: [{ type: 'text', text }] },
          { role: 'user', content: [{ type: 'text', text: (options.feedback ?? defaultFeedback)(r.error, n) }] },
        ];
      }
      if (options.onExhausted === 'flag' && last && usage) {
        const validation: JSONObject = { tries: max, errors, failed: true };
        const incontext: JSONObject = { ...(last.providerMetadata?.incontext ?? {}), validation };
        return { ...last, usage, providerMetadata: { ...(last.providerMetadata ?? {}), incontext } };
      }
      throw exhausted(max, errors);
    },
  };
}
