/**
 * Embedders backed by an AI SDK embedding model (OpenAI, any OpenAI-compatible
 * server, Ollama, ...). We batch ourselves so one call never carries more than
 * `batchSize` texts, and turn every failure into EMBEDDING_FAILED with a hint.
 */
import { APICallError, embedMany, RetryError, type EmbeddingModel } from 'ai';
import { IncontextError } from '../core/index.js';
import { batchSizeOf, normalize } from './normalize.js';
import type { Embedder, EmbedOptions } from './types.js';

/** Any AI SDK embedding model object (a bare string would route to a hosted gateway, so it is not accepted). */
export type ProviderEmbeddingModel = Exclude<EmbeddingModel, string>;

export interface ProviderEmbedderOptions {
  /** Texts per request; default 64. */
  batchSize?: number;
  /** Known vector size. When omitted it is learned from the first response (0 until then). */
  dimensions?: number;
  /** Retries per request on retryable errors (429, 5xx); default 2. */
  maxRetries?: number;
}

export function createProviderEmbedder(model: ProviderEmbeddingModel, id: string, options: ProviderEmbedderOptions = {}): Embedder {
  const batchSize = batchSizeOf(options.batchSize, 'Use e.g. 64; providers limit how many texts one request may carry (OpenAI: 2048).');
  let dimensions = options.dimensions ?? 0;
  return {
    id,
    get dimensions() {
      return dimensions;
    },
    async embed(texts: string[], embedOptions?: EmbedOptions): Promise<Float32Array[]> {
      const out: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const values = texts.slice(start, start + batchSize);
        let embeddings: number[][];
        try {
          ({ embeddings } = await embedMany({
            model,
            values,
            maxRetries: options.maxRetries ?? 2,
            ...(embedOptions?.signal ? { abortSignal: embedOptions.signal } : {}),
          }));
        } catch (err) {
          // A caller's abort is not a provider failure: let it through as the abort it is.
          if (embedOptions?.signal?.aborted) throw err;
          throw embeddingError(err, id);
        }
        if (embeddings.length !== values.length) {
          throw new IncontextError('EMBEDDING_FAILED', `${id} returned ${embeddings.length} embeddings for ${values.length} texts`, {
            hint: 'The embedding server answered with the wrong number of vectors; check that it implements the embeddings API.',
          });
        }
        for (const e of embeddings) {
          if (dimensions === 0) dimensions = e.length;
          if (e.length !== dimensions) {
            throw new IncontextError('EMBEDDING_FAILED', `${id} returned a ${e.length}-dimensional vector, expected ${dimensions}`, {
              hint: 'Vectors of different models cannot be mixed; check the model name, or re-embed the collection after changing it.',
            });
          }
          out.push(normalize(Float32Array.from(e)));
        }
      }
      return out;
    },
  };
}

function embeddingError(err: unknown, id: string): IncontextError {
  if (IncontextError.isInstance(err)) return err;
  const last = RetryError.isInstance(err) ? err.lastError : err;
  if (APICallError.isInstance(last)) {
    const status = last.statusCode;
    const hint =
      status === 401 || status === 403
        ? 'The provider rejected the API key: check the key environment variable (e.g. OPENAI_API_KEY).'
        : status === 404
          ? 'The provider does not know this model or URL: check the model name and the base URL.'
          : status === 429
            ? 'The provider is rate limiting: lower the embedding batch size or concurrency, or retry later.'
            : status !== undefined && status >= 500
              ? 'The provider had a server error: retry later.'
              : 'Check that the base URL points at a server that implements the embeddings API and is running.';
    return new IncontextError('EMBEDDING_FAILED', `Embedding with ${id} failed${status ? ` (HTTP ${status})` : ''}: ${last.message}`, {
      cause: err,
      input: { path: last.url },
      hint,
      status: 502,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new IncontextError('EMBEDDING_FAILED', `Embedding with ${id} failed: ${message}`, {
    cause: err,
    hint: 'Check that the embedding server is reachable and the model is configured (embed.model).',
    status: 502,
  });
}
