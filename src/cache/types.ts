import type { LanguageModelV4FinishReason } from '@ai-sdk/provider';
import type { IncontextError } from '../core/index.js';

/** Response cache: what is stored, and the backend interface every store implements. */

/** The replayable part of a model response: enough to answer generate and stream calls alike. */
export interface CachedResponse {
  text: string;
  finishReason: { unified: LanguageModelV4FinishReason['unified']; raw?: string };
  usage: { inputTokens: number; outputTokens: number };
  modelId: string;
}

export interface SemanticHit {
  value: CachedResponse;
  /** Cosine similarity of the stored query to the asked one. */
  score: number;
  /** The normalised query the entry was stored under. */
  query: string;
}

export interface CacheBackendOptions {
  /** Entries older than this are never returned; default: no expiry. */
  ttlMs?: number;
  /** Per kind (exact, semantic); least recently used entries go first. Default 10,000. */
  maxEntries?: number;
  /** Milliseconds since the epoch; injectable so TTL tests need no sleeping. */
  now?: () => number;
}

export interface CacheSizes {
  exact: number;
  semantic: number;
}

/**
 * A cache store. Exact entries are looked up by key; semantic entries by
 * nearest vector inside a partition (a string that must match exactly, so
 * answers never cross models, projects, tools, system prompts or context versions).
 * Vectors are L2-normalised, so the dot product is the cosine.
 */
export interface CacheBackend {
  getExact(key: string): Promise<CachedResponse | undefined>;
  setExact(key: string, projectId: string, value: CachedResponse): Promise<void>;
  searchSemantic(partition: string, vector: Float32Array, threshold: number): Promise<SemanticHit | undefined>;
  setSemantic(partition: string, projectId: string, query: string, vector: Float32Array, value: CachedResponse): Promise<void>;
  /** Drop every entry of a project, or everything. */
  clear(projectId?: string): Promise<void>;
  size(): Promise<CacheSizes>;
  close(): Promise<void>;
}

export type CacheKind = 'exact' | 'semantic';

export type CacheEvent =
  | { type: 'hit'; kind: CacheKind; projectId: string; key: string; score?: number }
  /** `refused` names the guard that turned down a candidate scoring `bestScore`. */
  | { type: 'miss'; kind: CacheKind; projectId: string; key: string; bestScore?: number; refused?: string }
  | { type: 'store'; kind: CacheKind; projectId: string; key: string }
  | { type: 'skip'; projectId: string; reason: string }
  /** The backend or embedder failed; the call went to the model as if uncached. */
  | { type: 'error'; projectId: string; error: IncontextError };
