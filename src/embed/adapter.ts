/**
 * A linear adapter over any embedder: queries are mapped by `W q + b` (then
 * re-normalised) into the space where they sit closest to the chunks that answer
 * them. Only queries move, so the stored chunk vectors stay valid and a corpus
 * never needs re-embedding; the adapted embedder keeps the base id for the same
 * reason, and exposes `adapterVersion` for anything that caches query results.
 *
 * Training lives in adapter-train.ts; this file is the model, applying it, and
 * its on-disk format.
 */
import { IncontextError, sha256 } from '../core/index.js';
import type { Embedder, EmbedOptions } from './types.js';

export const ADAPTER_FORMAT = 'incontext.linear-adapter';
export const ADAPTER_FORMAT_VERSION = 1;

/** What training measured, kept with the adapter so `adapter show` can say where it came from. */
export interface AdapterTrainingSummary {
  pairs: number;
  /** Pairs held apart inside training for early stopping. */
  validationPairs: number;
  epochs: number;
  /** The epoch whose weights were kept (0 = identity: nothing helped on the validation split). */
  bestEpoch: number;
  /** Mean softmax loss on the validation split, before (identity) and with the kept weights. */
  validationLossBefore: number | null;
  validationLossAfter: number | null;
  /** MRR of the positive among the validation candidates, before and after. */
  validationMrrBefore: number | null;
  validationMrrAfter: number | null;
  seed: number;
  /** Anything the caller wants to remember (source of the pairs, held-out metrics). */
  notes?: Record<string, string | number | boolean>;
}

export interface LinearAdapter {
  /** Id of the embedder whose query vectors this adapter maps. */
  embedder: string;
  dimensions: number;
  /** Row-major d×d: out[i] = Σ_j weights[i*d + j] · q[j] (+ bias[i]). */
  weights: Float32Array;
  bias?: Float32Array;
  /** Content hash of embedder, weights and bias: a key for caches of adapted query results. */
  version: string;
  createdAt: string;
  training?: AdapterTrainingSummary;
}

/** The identity adapter (W = I, no bias): applying it changes nothing but normalisation. */
export function identityAdapter(embedder: string, dimensions: number): LinearAdapter {
  const weights = new Float32Array(dimensions * dimensions);
  for (let i = 0; i < dimensions; i++) weights[i * dimensions + i] = 1;
  return makeAdapter(embedder, dimensions, weights);
}

/** An adapter from raw weights, with its version computed. */
export function makeAdapter(
  embedder: string,
  dimensions: number,
  weights: Float32Array,
  bias?: Float32Array,
  extra: { createdAt?: string; training?: AdapterTrainingSummary } = {},
): LinearAdapter {
  if (!Number.isInteger(dimensions) || dimensions < 1 || weights.length !== dimensions * dimensions || (bias && bias.length !== dimensions)) {
    throw new IncontextError('BAD_REQUEST', `An adapter of ${dimensions} dimensions needs ${dimensions * dimensions} weights${bias ? ` and ${dimensions} biases` : ''}, got ${weights.length}${bias ? ` and ${bias.length}` : ''}`, {
      hint: 'Build adapters with trainLinearAdapter or parseAdapter.',
    });
  }
  return {
    embedder,
    dimensions,
    weights,
    ...(bias ? { bias } : {}),
    version: adapterVersion(embedder, weights, bias),
    createdAt: extra.createdAt ?? new Date().toISOString(),
    ...(extra.training ? { training: extra.training } : {}),
  };
}

function adapterVersion(embedder: string, weights: Float32Array, bias?: Float32Array): string {
  const parts: Uint8Array[] = [new TextEncoder().encode(`${embedder}\u0000`), bytesOf(weights)];
  if (bias) parts.push(bytesOf(bias));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return sha256(all).slice(0, 16);
}

function bytesOf(v: Float32Array): Uint8Array {
  // Little-endian on every platform Node runs on; the format says f32le explicitly.
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** `normalize(W q + b)` as a new array; the input is not touched. */
export function applyAdapter(adapter: LinearAdapter, vector: Float32Array): Float32Array {
  const d = adapter.dimensions;
  if (vector.length !== d) {
    throw new IncontextError('EMBEDDING_FAILED', `The query adapter for ${adapter.embedder} maps ${d}-dimensional vectors, got one of ${vector.length}`, {
      input: { key: 'embed.model' },
      hint: 'The embedding model changed its output size: retrain the adapter (incontext adapter train) or remove it (incontext adapter remove).',
    });
  }
  const w = adapter.weights;
  const b = adapter.bias;
  const out = new Float32Array(d);
  let norm = 0;
  for (let i = 0; i < d; i++) {
    let s = b ? b[i]! : 0;
    const row = i * d;
    for (let j = 0; j < d; j++) s += w[row + j]! * vector[j]!;
    out[i] = s;
    norm += s * s;
  }
  if (norm > 0 && Number.isFinite(norm)) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < d; i++) out[i] = out[i]! * inv;
  }
  return out;
}

/** The error for an adapter trained on another embedder's vectors: both ids named. */
export function adapterMismatch(adapter: Pick<LinearAdapter, 'embedder' | 'dimensions'>, embedderId: string, dimensions: number, path?: string): IncontextError {
  const dims = adapter.dimensions !== dimensions && dimensions > 0 ? ` (${adapter.dimensions} vs ${dimensions} dimensions)` : '';
  return new IncontextError('CONFIG_INVALID', `The query adapter was trained for embedder "${adapter.embedder}" but the embedder is "${embedderId}"${dims}`, {
    input: { key: 'embed.model', ...(path ? { path } : {}) },
    hint: `Retrain it for "${embedderId}" (incontext adapter train), remove it (incontext adapter remove), or set embed.model back to "${adapter.embedder}".`,
  });
}

/** An embedder whose query vectors go through an adapter; documents are passed through untouched. */
export interface AdaptedEmbedder extends Embedder {
  /** The version of the adapter applied to queries (part of any key that caches query results). */
  readonly adapterVersion: string;
  /** The embedder underneath, for callers that need raw query vectors. */
  readonly base: Embedder;
  /** The adapter applied to a raw query vector already at hand. */
  apply(vector: Float32Array): Float32Array;
}

/**
 * Wrap an embedder so `kind: 'query'` vectors are adapted. Put it OUTSIDE the
 * embedding cache: the cache then keeps raw vectors, valid whatever adapter comes next.
 */
export function withQueryAdapter(embedder: Embedder, adapter: LinearAdapter): AdaptedEmbedder {
  if (adapter.embedder !== embedder.id || (embedder.dimensions > 0 && embedder.dimensions !== adapter.dimensions)) {
    throw adapterMismatch(adapter, embedder.id, embedder.dimensions);
  }
  return {
    id: embedder.id,
    get dimensions() {
      return embedder.dimensions;
    },
    adapterVersion: adapter.version,
    base: embedder,
    apply: (vector) => applyAdapter(adapter, vector),
    async embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]> {
      const vectors = await embedder.embed(texts, options);
      return options?.kind === 'query' ? vectors.map((v) => applyAdapter(adapter, v)) : vectors;
    },
  };
}

/** How far the adapter is from the identity: ‖W − I‖_F / √d, 0 for an untrained one. */
export function adapterDrift(adapter: LinearAdapter): number {
  const d = adapter.dimensions;
  let sum = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const v = adapter.weights[i * d + j]! - (i === j ? 1 : 0);
      sum += v * v;
    }
  }
  return Math.sqrt(sum / d);
}
