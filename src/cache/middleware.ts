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
import { dot, type Embedder } from '../embed/index.js';
import { loadLexicon } from './lexicon.js';
import { callCacheOptions, exactKey, semanticKey, wordSwap, type CallCacheOptions, type SemanticKey } from './normalize.js';
import { createHitVerifier, type HitVerifier, type WordSimilarity } from './verify.js';
import type { CacheBackend, CachedResponse, CacheEvent, CacheKind } from './types.js';

export interface ExactCacheConfig {
  backend: CacheBackend;
}

export interface SemanticCacheConfig {
  backend: CacheBackend;
  embedder: Embedder;
  /**
   * Minimum cosine similarity for a candidate; default 0.5. The verifier decides whether it is
   * served, so the threshold only bounds how far apart the two questions may be; below 0.5 no
   * paraphrase was gained in the sweep (`npm run bench:cache`).
   */
  threshold?: number;
  /** Per-route thresholds (`providerOptions.incontext.route`); a route missing here uses `threshold`. */
  routeThresholds?: Record<string, number>;
  /**
   * What a candidate from the vector search must pass before it is served.
   * 'verify' (default) compares the two questions word by word (src/cache/verify.ts):
   * argument and direction swaps, negation, question word, numbers, names and
   * antonym particles refuse, and every changed content word must be a WordNet
   * synonym. 'word-swap' is the older guard (refuse when each question has a
   * content word the other lacks); 'none' trusts the threshold alone. Precision
   * and recall of each: `npm run bench:cache`.
   */
  guard?: 'verify' | 'word-swap' | 'none';
  /**
   * Cosine of two single words, used by 'verify' only for words WordNet does not
   * know ("wifi", product names). Default: the cache embedder on the two words
   * (the local GloVe embedder gives word vectors; a provider embedder costs a request).
   */
  wordSimilarity?: WordSimilarity;
}

export interface CacheMiddlewareOptions {
  exact?: ExactCacheConfig;
  semantic?: SemanticCacheConfig;
  /** Project used when a call does not name one in `providerOptions.incontext.projectId`. */
  projectId?: string;
  onEvent?: (event: CacheEvent) => void;
}

export const DEFAULT_SEMANTIC_THRESHOLD = 0.5;

/** Word vectors of the cache embedder, one word at a time, remembered (a verifier asks for few distinct words). */
export function embedderWordSimilarity(embedder: Embedder): WordSimilarity {
  const memo = new Map<string, Float32Array>();
  return async (a, b) => {
    const missing = [a, b].filter((w) => !memo.has(w));
    if (missing.length) {
      const vectors = await embedder.embed(missing, { kind: 'query' });
      if (memo.size > 10_000) memo.clear();
      missing.forEach((w, i) => {
        const v = vectors[i];
        if (v) memo.set(w, v);
      });
    }
    const [va, vb] = [memo.get(a), memo.get(b)];
    return va && vb ? dot(va, vb) : undefined;
  };
}

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

/** The verifier's reason for refusing a candidate ("verify:order", "verify:negation", ...), or undefined to serve it. */
async function refusal(verifier: HitVerifier, stored: string, asked: string): Promise<string | undefined> {
  const v = await verifier.verify(stored, asked);
  return v.ok ? undefined : `verify:${v.reason}`;
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
  const sem = options.semantic;
  let verifier: Promise<HitVerifier> | undefined;
  const getVerifier = () => {
    if (!sem) throw new Error('unreachable: no semantic cache');
    verifier ??= loadLexicon().then((lexicon) => createHitVerifier({ lexicon, similarity: sem.wordSimilarity ?? embedderWordSimilarity(sem.embedder) }));
    // A failed load (WordNet files missing) fails this lookup open and is tried again on the next.
    verifier.catch(() => {
      verifier = undefined;
    });
    return verifier;
  };

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
    const key = sem && semanticKey(model, params, call, sem.embedder.id);
    if (sem && key) {
      const guard = sem.guard ?? 'verify';
      // Read the word lists while the question is embedded; both are needed only for a candidate.
      const verifying = guard === 'verify' ? getVerifier() : undefined;
      const [vector] = await sem.embedder.embed([key.query], { kind: 'query' });
      if (!vector) throw new IncontextError('EMBEDDING_FAILED', 'The semantic cache embedder returned no vector', { hint: 'Check the embedder configured for the cache.' });
      const routed = call.route === undefined ? undefined : sem.routeThresholds?.[call.route];
      const threshold = routed ?? sem.threshold ?? DEFAULT_SEMANTIC_THRESHOLD;
      out.semantic = { ...key, vector, threshold };
      const hit = await sem.backend.searchSemantic(key.partition, vector, threshold);
      const refused = !hit ? undefined : verifying ? await refusal(await verifying, hit.query, key.query) : guard === 'word-swap' && wordSwap(hit.query, key.query) ? 'word-swap' : undefined;
      if (hit && refused) {
        emit({ type: 'miss', kind: 'semantic', projectId: call.projectId, key: key.partition, bestScore: hit.score, refused });
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
