import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { createLogger, IncontextError, toIncontextError } from '../core/index.js';
import type { Embedder } from '../embed/index.js';
import { callCacheOptions, exactKey, semanticKey, wordSwap, type CallCacheOptions, type SemanticKey } from './normalize.js';
import type { CacheBackend, CachedResponse, CacheEvent, CacheKind } from './types.js';

export interface ExactCacheConfig {
  backend: CacheBackend;
}

export interface SemanticCacheConfig {
  backend: CacheBackend;
  embedder: Embedder;
  /** Minimum cosine similarity for a hit; default 0.85 (hit and false-hit rates by threshold: `npm run bench:cache`). */
  threshold?: number;
  /** Per-route thresholds (`providerOptions.incontext.route`); a route missing here uses `threshold`. */
  routeThresholds?: Record<string, number>;
  /**
   * 'word-swap' (default) refuses a hit when each question has a content word
   * the other lacks, which catches most near-identical questions with different
   * answers at the price of some paraphrase hits (see `npm run bench:cache`); 'none' trusts
   * the threshold alone.
   */
  guard?: 'word-swap' | 'none';
}

export interface CacheMiddlewareOptions {
  exact?: ExactCacheConfig;
  semantic?: SemanticCacheConfig;
  /** Project used when a call does not name one in `providerOptions.incontext.projectId`. */
  projectId?: string;
  onEvent?: (event: CacheEvent) => void;
}

export const DEFAULT_SEMANTIC_THRESHOLD = 0.85;

/** Split replayed text into word-sized deltas so a cached stream looks like a live one. */
function deltas(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? (text ? [text] : []);
}

function v4Usage(u: CachedResponse['usage']): LanguageModelV4Usage {
  return {
    inputTokens: { total: u.inputTokens, noCache: u.inputTokens, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: u.outputTokens, text: u.outputTokens, reasoning: undefined },
  };
}

function cacheMetadata(kind: CacheKind, score?: number) {
  return { incontext: { cache: kind, ...(score === undefined ? {} : { cacheScore: score }) } };
}

function toGenerateResult(value: CachedResponse, kind: CacheKind, score?: number): LanguageModelV4GenerateResult {
  return {
    content: [{ type: 'text', text: value.text }],
    finishReason: { unified: value.finishReason.unified, raw: value.finishReason.raw },
    usage: v4Usage(value.usage),
    providerMetadata: cacheMetadata(kind, score),
    response: { modelId: value.modelId, timestamp: new Date() },
    warnings: [],
  };
}

function toStreamResult(value: CachedResponse, kind: CacheKind, score?: number): LanguageModelV4StreamResult {
  const parts: LanguageModelV4StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    { type: 'response-metadata', modelId: value.modelId, timestamp: new Date() },
    { type: 'text-start', id: 'cache-0' },
    ...deltas(value.text).map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 'cache-0', delta })),
    { type: 'text-end', id: 'cache-0' },
    {
      type: 'finish',
      finishReason: { unified: value.finishReason.unified, raw: value.finishReason.raw },
      usage: v4Usage(value.usage),
      providerMetadata: cacheMetadata(kind, score),
    },
  ];
  return {
    stream: new ReadableStream<LanguageModelV4StreamPart>({
      start(controller) {
        for (const p of parts) controller.enqueue(p);
        controller.close();
      },
    }),
  };
}

/** Only complete text answers are worth replaying; tool calls and truncated or failed answers are not. */
function cacheable(text: string, finish: LanguageModelV4GenerateResult['finishReason'], onlyText: boolean): boolean {
  return onlyText && (finish.unified === 'stop' || finish.unified === 'length') && text.length > 0;
}

interface Lookup {
  call: CallCacheOptions;
  exact?: string;
  semantic?: SemanticKey & { vector: Float32Array; threshold: number };
  hit?: { value: CachedResponse; kind: CacheKind; score?: number };
}

/**
 * Response cache as AI SDK middleware: an exact hit (normalised request hash)
 * or a semantic hit (nearest stored question in the same partition) answers
 * without calling the model, for generate and stream alike. Misses are stored
 * once the model's answer is complete.
 */
export function cacheMiddleware(options: CacheMiddlewareOptions): LanguageModelV4Middleware {
  const emit = (e: CacheEvent) => options.onEvent?.(e);

  const log = createLogger('warn');
  /**
   * The cache fails open: a broken backend or embedder must not fail the call the
   * model can still answer. The failure is reported, never dropped.
   */
  const failed = (projectId: string, err: unknown) => {
    const error = toIncontextError(err, 'STORE_FAILED');
    if (options.onEvent) emit({ type: 'error', projectId, error });
    else log.warn(`cache bypassed: ${error.message}`, { code: error.code, hint: error.hint });
  };
  const safeLookup = async (model: LanguageModelV4, params: LanguageModelV4CallOptions): Promise<Lookup> => {
    try {
      return await lookup(model, params);
    } catch (err) {
      const call = callCacheOptions(params, options.projectId);
      failed(call.projectId, err);
      return { call };
    }
  };
  const safeStore = async (l: Lookup, value: CachedResponse) => {
    try {
      await store(l, value);
    } catch (err) {
      failed(l.call.projectId, err);
    }
  };

  const lookup = async (model: LanguageModelV4, params: LanguageModelV4CallOptions): Promise<Lookup> => {
    const call = callCacheOptions(params, options.projectId);
    const out: Lookup = { call };
    if (!call.cache) {
      emit({ type: 'skip', projectId: call.projectId, reason: 'disabled for this call' });
      return out;
    }
    if (options.exact) {
      out.exact = exactKey(model, params, call);
      const value = await options.exact.backend.getExact(out.exact);
      if (value) {
        emit({ type: 'hit', kind: 'exact', projectId: call.projectId, key: out.exact });
        out.hit = { value, kind: 'exact' };
        return out;
      }
      emit({ type: 'miss', kind: 'exact', projectId: call.projectId, key: out.exact });
    }
    const sem = options.semantic;
    const key = sem && semanticKey(model, params, call, sem.embedder.id);
    if (sem && key) {
      const [vector] = await sem.embedder.embed([key.query], { kind: 'query' });
      if (!vector) throw new IncontextError('EMBEDDING_FAILED', 'The semantic cache embedder returned no vector', { hint: 'Check the embedder configured for the cache.' });
      const routed = call.route === undefined ? undefined : sem.routeThresholds?.[call.route];
      const threshold = routed ?? sem.threshold ?? DEFAULT_SEMANTIC_THRESHOLD;
      out.semantic = { ...key, vector, threshold };
      const hit = await sem.backend.searchSemantic(key.partition, vector, threshold);
      if (hit && (sem.guard ?? 'word-swap') === 'word-swap' && wordSwap(hit.query, key.query)) {
        emit({ type: 'miss', kind: 'semantic', projectId: call.projectId, key: key.partition, bestScore: hit.score, refused: 'word-swap' });
      } else if (hit) {
        emit({ type: 'hit', kind: 'semantic', projectId: call.projectId, key: key.partition, score: hit.score });
        out.hit = { value: hit.value, kind: 'semantic', score: hit.score };
        return out;
      } else emit({ type: 'miss', kind: 'semantic', projectId: call.projectId, key: key.partition });
    }
    return out;
  };

  const store = async (l: Lookup, value: CachedResponse) => {
    if (l.exact && options.exact) {
      await options.exact.backend.setExact(l.exact, l.call.projectId, value);
      emit({ type: 'store', kind: 'exact', projectId: l.call.projectId, key: l.exact });
    }
    if (l.semantic && options.semantic) {
      const s = l.semantic;
      await options.semantic.backend.setSemantic(s.partition, l.call.projectId, s.query, s.vector, value);
      emit({ type: 'store', kind: 'semantic', projectId: l.call.projectId, key: s.partition });
    }
  };

  return {
    specificationVersion: 'v4',
    async wrapGenerate({ doGenerate, params, model }) {
      const l = await safeLookup(model, params);
      if (l.hit) return toGenerateResult(l.hit.value, l.hit.kind, l.hit.score);
      const result = await doGenerate();
      const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
      const onlyText = result.content.every((c) => c.type === 'text' || c.type === 'reasoning');
      if ((l.exact || l.semantic) && cacheable(text, result.finishReason, onlyText)) {
        await safeStore(l, {
          text,
          finishReason: { unified: result.finishReason.unified, ...(result.finishReason.raw ? { raw: result.finishReason.raw } : {}) },
          usage: { inputTokens: result.usage.inputTokens.total ?? 0, outputTokens: result.usage.outputTokens.total ?? 0 },
          modelId: result.response?.modelId ?? model.modelId,
        });
      }
      return result;
    },
    async wrapStream({ doStream, params, model }) {
      const l = await safeLookup(model, params);
      if (l.hit) return toStreamResult(l.hit.value, l.hit.kind, l.hit.score);
      const result = await doStream();
      if (!l.exact && !l.semantic) return result;
      let text = '';
      let onlyText = true;
      let modelId = model.modelId;
      const recorder = new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>({
        async transform(part, controller) {
          if (part.type === 'text-delta') text += part.delta;
          else if (part.type === 'response-metadata' && part.modelId) modelId = part.modelId;
          else if (part.type === 'tool-call' || part.type === 'tool-input-start' || part.type === 'file' || part.type === 'error') onlyText = false;
          else if (part.type === 'finish' && cacheable(text, part.finishReason, onlyText)) {
            // Stored before the finish part is passed on, so a caller that awaits the stream sees the entry.
            await safeStore(l, {
              text,
              finishReason: { unified: part.finishReason.unified, ...(part.finishReason.raw ? { raw: part.finishReason.raw } : {}) },
              usage: { inputTokens: part.usage.inputTokens.total ?? 0, outputTokens: part.usage.outputTokens.total ?? 0 },
              modelId,
            });
          }
          controller.enqueue(part);
        },
      });
      return { ...result, stream: result.stream.pipeThrough(recorder) };
    },
  };
}
