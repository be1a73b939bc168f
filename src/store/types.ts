import type { Chunk, Document, Filter, Hit } from '../core/index.js';
import type { EmbeddingCacheBackend } from '../embed/index.js';

/** What is stored per document: a Document plus where it came from. */
export interface StoredDocument extends Document {
  /** The file/URI the document was loaded from; the unit of incremental re-ingest and --prune. */
  origin: string;
  chunkCount: number;
}

export interface DocumentEntry {
  document: Omit<StoredDocument, 'chunkCount'>;
  chunks: Chunk[];
  /** One vector per chunk, same order. */
  vectors: Float32Array[];
  /** Id of the embedder that made `vectors` (e.g. `local:glove-sif-100d`); searches compare only vectors of one model. */
  model: string;
}

export interface OriginState {
  origin: string;
  /** The documents' shared contentHash (the file's hash); if they differ, sha256 of their hashes in id order. */
  contentHash: string;
  documentCount: number;
}

export interface VectorQuery {
  projectId: string;
  /** Only vectors made by this embedder are compared. */
  model: string;
  vector: Float32Array;
  k: number;
  filter?: Filter;
}

export interface KeywordQuery {
  projectId: string;
  query: string;
  k: number;
  filter?: Filter;
}

/** A search result before fusion; `score` is cosine similarity (vector) or BM25 (keyword, higher is better). */
export type ScoredChunk = Pick<Hit, 'chunk' | 'document' | 'score'>;

export interface StoreStats {
  documents: number;
  chunks: number;
  origins: number;
}

/**
 * The storage contract every backend (SQLite, memory, later Postgres) implements and
 * `conformance.ts` checks. Async so network backends fit the same shape.
 * Writes are atomic per origin: either every document and chunk of a file lands, or none.
 */
export interface Store {
  readonly kind: string;
  /** Atomically replace everything stored for `origin` in `projectId` with `entries` (empty = delete). */
  replaceOrigin(projectId: string, origin: string, entries: DocumentEntry[]): Promise<void>;
  listOrigins(projectId: string): Promise<OriginState[]>;
  deleteOrigin(projectId: string, origin: string): Promise<number>;
  getDocument(projectId: string, id: string): Promise<StoredDocument | undefined>;
  listDocuments(projectId: string, options?: { limit?: number; offset?: number }): Promise<StoredDocument[]>;
  deleteDocument(projectId: string, id: string): Promise<boolean>;
  getChunks(projectId: string, ids: string[]): Promise<Chunk[]>;
  /** Chunks of one document whose index lies in [from, to], ordered by index (neighbour expansion). */
  getChunkRange(projectId: string, documentId: string, from: number, to: number): Promise<Chunk[]>;
  vectorSearch(query: VectorQuery): Promise<ScoredChunk[]>;
  keywordSearch(query: KeywordQuery): Promise<ScoredChunk[]>;
  /** Embedding models that have vectors in this project, with their dimensions. */
  embeddingModels(projectId: string): Promise<Array<{ model: string; dimensions: number; chunks: number }>>;
  stats(projectId: string): Promise<StoreStats>;
  readonly embeddingCache: EmbeddingCacheBackend;
  close(): Promise<void>;
}
