/**
 * A model built from a project's vault secrets must not let them out through its errors.
 * Providers echo keys back (OpenAI's 401 names a masked key; Google-style APIs put the key in
 * the URL, which ends up in `APICallError.url` and the message), and whatever an attempt throws
 * becomes a trace span, a log line and sometimes an HTTP error body. So every error this model
 * throws or streams has each secret value replaced by `[secret NAME]` — the name says which
 * secret to look at, the value never leaves.
 */
import type { LanguageModelV4, LanguageModelV4StreamPart } from '@ai-sdk/provider';

/** Shorter values would turn ordinary words of an error into noise; keys and URLs are longer. */
const MIN_SECRET_LENGTH = 6;

type Pairs = ReadonlyArray<readonly [value: string, name: string]>;

function pairsOf(secrets: Readonly<Record<string, string>>): Pairs {
  // Longest first, so a value that contains another is replaced whole.
  return Object.entries(secrets)
    .filter(([, v]) => v.length >= MIN_SECRET_LENGTH)
    .map(([name, value]) => [value, name] as const)
    .sort((a, b) => b[0].length - a[0].length);
}

function scrubText(text: string, pairs: Pairs): string {
  let out = text;
  for (const [value, name] of pairs) if (out.includes(value)) out = out.split(value).join(`[secret ${name}]`);
  return out;
}

/** Replaces secret values in the error's own string fields and along its `cause` chain, in place. */
export function scrubError<T>(error: T, secrets: Readonly<Record<string, string>>): T {
  const pairs = pairsOf(secrets);
  if (pairs.length === 0) return error;
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubText(value, pairs);
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 4) return value;
    seen.add(value);
    const record = value as Record<string, unknown>;
    // message and stack are own properties of an Error; url, responseBody, responseHeaders, data and cause of APICallError too.
    for (const key of Object.getOwnPropertyNames(record)) {
      const descriptor = Object.getOwnPropertyDescriptor(record, key);
      if (!descriptor || !('value' in descriptor)) continue;
      const next = visit(descriptor.value, depth + 1);
      if (next === descriptor.value) continue;
      if (descriptor.writable) record[key] = next;
      else if (descriptor.configurable) Object.defineProperty(record, key, { ...descriptor, value: next });
    }
    return value;
  };
  if (typeof error === 'string') return scrubText(error, pairs) as T;
  visit(error, 0);
  return error;
}

/** `model`, with every error it throws or streams scrubbed of `secrets` (name → value). */
export function withSecretsRedacted(model: LanguageModelV4, secrets: Readonly<Record<string, string>>): LanguageModelV4 {
  if (pairsOf(secrets).length === 0) return model;
  const scrub = (e: unknown): never => {
    throw scrubError(e, secrets);
  };
  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    supportedUrls: model.supportedUrls,
    doGenerate: (options) => Promise.resolve(model.doGenerate(options)).catch(scrub),
    async doStream(options) {
      const result = await Promise.resolve(model.doStream(options)).catch(scrub);
      // Read by hand rather than pipeThrough: a stream that fails (rather than sending an error
      // part) must fail with the scrubbed error, and pipeThrough forwards the original reason.
      const reader = result.stream.getReader();
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        async pull(controller) {
          try {
            const next = await reader.read();
            if (next.done) controller.close();
            else controller.enqueue(next.value.type === 'error' ? { ...next.value, error: scrubError(next.value.error, secrets) } : next.value);
          } catch (e) {
            controller.error(scrubError(e, secrets));
          }
        },
        cancel: (reason) => reader.cancel(reason),
      });
      return { ...result, stream };
    },
  };
}
