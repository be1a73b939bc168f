import { IncontextError, sha256 } from '../core/index.js';
import type { DocumentEntry } from './types.js';

function bad(message: string, key: string, hint: string): IncontextError {
  return new IncontextError('BAD_REQUEST', message, { input: { key }, hint });
}

/**
 * Checks everything about a replaceOrigin batch that can be checked without the
 * stored data, so a malformed batch is refused before any old row is touched.
 * Returns the vector dimensions of the batch (undefined when it has no vectors).
 */
export function validateEntries(projectId: string, origin: string, entries: DocumentEntry[]): number | undefined {
  if (typeof projectId !== 'string' || projectId === '') {
    throw bad('projectId must be a non-empty string', 'projectId', 'Pass the project id, e.g. "default".');
  }
  if (typeof origin !== 'string' || origin === '') {
    throw bad('origin must be a non-empty string', 'origin', 'Pass the file path or URI the documents were loaded from.');
  }
  let dims: number | undefined;
  const docIds = new Set<string>();
  const chunkIds = new Set<string>();
  entries.forEach((entry, e) => {
    const doc = entry.document;
    const at = `entries[${e}]`;
    if (doc.projectId !== projectId) {
      throw bad(`Document ${doc.id} belongs to project "${doc.projectId}", not "${projectId}"`, `${at}.document.projectId`, 'Build entries with the projectId you store them under.');
    }
    if (doc.origin !== origin) {
      throw bad(`Document ${doc.id} has origin "${doc.origin}", not "${origin}"`, `${at}.document.origin`, 'Every document of a replaceOrigin call must carry that origin.');
    }
    if (docIds.has(doc.id)) throw bad(`Document id ${doc.id} appears twice`, `${at}.document.id`, 'Document ids must be unique within a project.');
    docIds.add(doc.id);
    if (entry.vectors.length !== entry.chunks.length) {
      throw bad(
        `Document ${doc.id} has ${entry.chunks.length} chunks but ${entry.vectors.length} vectors`,
        `${at}.vectors`,
        'Embed every chunk: vectors[i] must be the embedding of chunks[i].',
      );
    }
    if (entry.vectors.length > 0 && (typeof entry.model !== 'string' || entry.model === '')) {
      throw bad(`Document ${doc.id} has vectors but no model`, `${at}.model`, 'Set model to the id of the embedder that made the vectors.');
    }
    entry.chunks.forEach((chunk, c) => {
      if (chunk.documentId !== doc.id || chunk.projectId !== projectId) {
        throw bad(`Chunk ${chunk.id} does not belong to document ${doc.id} in project ${projectId}`, `${at}.chunks[${c}]`, 'Set chunk.documentId and chunk.projectId to those of its document.');
      }
      if (chunkIds.has(chunk.id)) throw bad(`Chunk id ${chunk.id} appears twice`, `${at}.chunks[${c}].id`, 'Chunk ids must be unique within a project.');
      chunkIds.add(chunk.id);
    });
    entry.vectors.forEach((v, i) => {
      if (!(v instanceof Float32Array) || v.length === 0) {
        throw bad(`Vector ${i} of document ${doc.id} is not a non-empty Float32Array`, `${at}.vectors[${i}]`, 'Pass the embedder output unchanged.');
      }
      if (dims === undefined) dims = v.length;
      else if (v.length !== dims) {
        throw bad(`Vector ${i} of document ${doc.id} has ${v.length} dimensions, expected ${dims}`, `${at}.vectors[${i}]`, 'All vectors of one model must have the same dimensions.');
      }
      for (let j = 0; j < v.length; j++) {
        if (!Number.isFinite(v[j])) throw bad(`Vector ${i} of document ${doc.id} contains ${v[j]}`, `${at}.vectors[${i}]`, 'The embedder returned a broken vector; re-embed.');
      }
    });
  });
  // One model per batch keeps the "same dimensions" check above meaningful.
  const models = new Set(entries.filter((e) => e.vectors.length > 0).map((e) => e.model));
  if (models.size > 1) {
    throw bad(`Entries of one origin use several models: ${[...models].join(', ')}`, 'entries.model', 'Embed one origin with one embedder.');
  }
  return dims;
}

export function dimensionMismatch(model: string, expected: number, got: number): IncontextError {
  return new IncontextError('BAD_REQUEST', `Model ${model} has ${expected}-dimensional vectors in this project, got ${got}`, {
    input: { key: 'vectors' },
    hint: 'A model id must always produce vectors of one size; give a different embedder a different id, or re-ingest everything.',
  });
}

/** Unit-length copy: stored vectors are normalised so that a dot product is the cosine. */
export function normalised(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  if (sum === 0) return out;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

export function checkQueryVector(vector: Float32Array, k: number): void {
  if (!(vector instanceof Float32Array) || vector.length === 0) {
    throw bad('Query vector must be a non-empty Float32Array', 'vector', 'Embed the query with the same embedder as the documents.');
  }
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i])) throw bad(`Query vector contains ${vector[i]}`, 'vector', 'The embedder returned a broken vector; check the embedding model.');
  }
  checkK(k);
}

export function checkPage(options: { limit?: number; offset?: number }): void {
  for (const key of ['limit', 'offset'] as const) {
    const v = options[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw bad(`${key} must be a non-negative integer, got ${v}`, key, 'Page with e.g. { limit: 50, offset: 100 }.');
  }
}

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 0) throw bad(`k must be a non-negative integer, got ${k}`, 'k', 'Ask for e.g. k: 10.');
}

/** The origin hash: the file's hash when the documents share it (the usual case), else a digest of all of them. */
export function originHash(hashesInIdOrder: string[]): string {
  const first = hashesInIdOrder[0] ?? '';
  return hashesInIdOrder.every((h) => h === first) ? first : sha256(hashesInIdOrder.join('\n'));
}
