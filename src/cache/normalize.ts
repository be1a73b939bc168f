import type { LanguageModelV4CallOptions, LanguageModelV4Prompt } from '@ai-sdk/provider';
import { DEFAULT_PROJECT, parseRagUserMessage, sha256 } from '../core/index.js';
import { words } from '../embed/index.js';

/** Per-call cache settings, passed as `providerOptions.incontext` by the app and gateway. */
export interface CallCacheOptions {
  projectId: string;
  /** Version of the retrieved context / knowledge base; a re-ingest changes it and so misses. */
  contextVersion?: string;
  /** Route name, used to pick a per-route semantic threshold. */
  route?: string;
  /** Set to false to bypass the cache for this call. */
  cache: boolean;
}

export function callCacheOptions(params: LanguageModelV4CallOptions, defaultProject = DEFAULT_PROJECT): CallCacheOptions {
  const raw = params.providerOptions?.['incontext'] ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const contextVersion = str(raw['contextVersion']);
  const route = str(raw['route']);
  return {
    projectId: str(raw['projectId']) ?? defaultProject,
    ...(contextVersion ? { contextVersion } : {}),
    ...(route ? { route } : {}),
    cache: raw['cache'] !== false,
  };
}

/** Whitespace differences never change what a model is asked. */
export function normalizeText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Messages reduced to what the model sees; provider options and ids are dropped. */
function normalizeMessages(prompt: LanguageModelV4Prompt): unknown[] {
  return prompt.map((m) => {
    if (m.role === 'system') return { role: 'system', content: normalizeText(m.content) };
    const parts = m.content.map((p) => {
      switch (p.type) {
        case 'text':
        case 'reasoning':
          return { type: p.type, text: normalizeText(p.text) };
        case 'file':
          return { type: 'file', mediaType: p.mediaType, data: fileData(p.data) };
        default: {
          // Tool calls and results: keep everything but provider-specific extras.
          const { providerOptions: _ignored, ...rest } = p as unknown as { providerOptions?: unknown } & Record<string, unknown>;
          return rest;
        }
      }
    });
    return { role: m.role, content: parts };
  });
}

function fileData(data: unknown): string {
  if (typeof data === 'string') return sha256(data);
  if (data instanceof Uint8Array) return sha256(data);
  if (data instanceof URL) return data.href;
  return sha256(JSON.stringify(data) ?? '');
}

/** JSON with object keys sorted, so key order never changes a hash. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** Everything of a call that changes its output, minus the messages (shared by both keys). */
function outputShaping(params: LanguageModelV4CallOptions): Record<string, unknown> {
  return {
    maxOutputTokens: params.maxOutputTokens,
    temperature: params.temperature,
    stopSequences: params.stopSequences,
    topP: params.topP,
    topK: params.topK,
    presencePenalty: params.presencePenalty,
    frequencyPenalty: params.frequencyPenalty,
    responseFormat: params.responseFormat,
    seed: params.seed,
    tools: params.tools,
    toolChoice: params.toolChoice,
    reasoning: params.reasoning,
  };
}

export interface ModelRef {
  provider: string;
  modelId: string;
}

/** The exact-cache key: sha256 of the normalised request. */
export function exactKey(model: ModelRef, params: LanguageModelV4CallOptions, call: CallCacheOptions): string {
  return sha256(
    stableStringify({
      v: 1,
      model: `${model.provider}:${model.modelId}`,
      project: call.projectId,
      contextVersion: call.contextVersion ?? null,
      messages: normalizeMessages(params.prompt),
      ...outputShaping(params),
    }),
  );
}

export interface SemanticKey {
  /** Exact partition: answers are only ever shared inside one. */
  partition: string;
  /** The normalised question that is embedded. */
  query: string;
}

/**
 * The semantic key, or undefined when the call has no user question to embed.
 * The partition holds every input except the last user question: model, project,
 * tools and generation settings, the system prompt, earlier turns, the embedder,
 * and the context version. A RAG message embeds only its question; its context
 * joins the partition unless a contextVersion stands in for it.
 */
export function semanticKey(model: ModelRef, params: LanguageModelV4CallOptions, call: CallCacheOptions, embedderId: string): SemanticKey | undefined {
  let lastUser = -1;
  for (let i = params.prompt.length - 1; i >= 0; i--) {
    if (params.prompt[i]!.role === 'user') {
      lastUser = i;
      break;
    }
  }
  if (lastUser < 0 || lastUser !== params.prompt.length - 1) return undefined;
  const last = params.prompt[lastUser]!;
  if (last.role !== 'user' || last.content.some((p) => p.type !== 'text')) return undefined;
  const text = last.content.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
  const rag = parseRagUserMessage(text);
  const query = normalizeQuery(rag ? rag.question : text);
  if (!query) return undefined;
  const context = rag && !call.contextVersion ? sha256(stableStringify(rag.blocks)) : null;
  const partition = sha256(
    stableStringify({
      v: 1,
      model: `${model.provider}:${model.modelId}`,
      project: call.projectId,
      embedder: embedderId,
      contextVersion: call.contextVersion ?? null,
      context,
      earlier: normalizeMessages(params.prompt.slice(0, lastUser)),
      ...outputShaping(params),
    }),
  );
  return { partition, query };
}

/**
 * Spacing and trailing punctuation never change a question. Case is kept: the
 * embedders fold it anyway, and the hit verifier reads capitals as names
 * ("Austria" must not answer "Australia").
 */
export function normalizeQuery(text: string): string {
  return normalizeText(text).replace(/[\s?!.]+$/, '');
}

// Function words carry no topic: swapping "what" for "which" keeps the question.
const STOPWORDS = new Set(
  ('a an the of to in on at for from by with and or is are was were be been do does did can could should would will shall may might must ' +
    'i me my we our you your it its this that these those what which who whom whose when where why how much many there some any as about into than then so').split(' '),
);

function contentWords(text: string): Set<string> {
  return new Set(words(text).filter((w) => w.length > 1 && !STOPWORDS.has(w)));
}

/**
 * True when each question has a content word the other lacks ("capital of France"
 * vs "capital of Germany", "open" vs "close"). Embeddings of short questions
 * barely move for such a swap, yet the answer changes; an added or dropped word
 * ("capital city of France") passes.
 */
export function wordSwap(a: string, b: string): boolean {
  const wa = contentWords(a);
  const wb = contentWords(b);
  let onlyA = false;
  for (const w of wa) if (!wb.has(w)) onlyA = true;
  if (!onlyA) return false;
  for (const w of wb) if (!wa.has(w)) return true;
  return false;
}
