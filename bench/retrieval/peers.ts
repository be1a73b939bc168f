/**
 * The peers, each given the same documents and the same embedder as incontext:
 * LangChain's RecursiveCharacterTextSplitter + MemoryVectorStore (its documented
 * RAG starter) and Orama's hybrid search (its own BM25 + the same vectors).
 */
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { create, insertMultiple, search, type AnyOrama } from '@orama/orama';
import type { Embedder } from '../../src/embed/index.js';
import { msSince, now } from '../lib.js';
import { docText, type IrDataset } from './data.js';

export interface Searcher {
  name: string;
  indexMs: number;
  /** Ranked chunk hits as document ids (duplicates allowed; the caller dedupes). */
  search(query: string, queryVector: Float32Array, k: number): Promise<string[]>;
}

/** incontext's embedder behind LangChain's Embeddings interface, so both embed identically. */
class SameEmbeddings extends Embeddings {
  constructor(private readonly embedder: Embedder) {
    super({});
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    return (await this.embedder.embed(texts, { kind: 'document' })).map((v) => Array.from(v));
  }
  async embedQuery(text: string): Promise<number[]> {
    const [v] = await this.embedder.embed([text], { kind: 'query' });
    return Array.from(v!);
  }
}

/** 384 tokens ≈ 1536 characters at 4 characters a token, with the same 12.5% overlap as incontext's default. */
export async function langchainPeer(ds: IrDataset, embedder: Embedder): Promise<Searcher> {
  const t = now();
  const splitter = new RecursiveCharacterTextSplitter({ chunkSize: 1536, chunkOverlap: 192 });
  const docs = await splitter.splitDocuments(ds.docs.map((d) => new Document({ pageContent: docText(d, ds.titled), metadata: { doc: d.doc_id } })));
  const store = await MemoryVectorStore.fromDocuments(docs, new SameEmbeddings(embedder));
  const indexMs = msSince(t);
  return {
    name: 'LangChain RecursiveCharacterTextSplitter + MemoryVectorStore',
    indexMs,
    async search(_query, vector, k) {
      const hits = await store.similaritySearchVectorWithScore(Array.from(vector), k);
      return hits.map(([d]) => String(d.metadata.doc));
    },
  };
}

export interface OramaChunk {
  doc: string;
  text: string;
  vector: Float32Array;
}

export async function buildOrama(chunks: OramaChunk[], dims: number): Promise<AnyOrama> {
  const db = create({ schema: { doc: 'string', text: 'string', embedding: `vector[${dims}]` } as const });
  const batch = 5000;
  for (let i = 0; i < chunks.length; i += batch) {
    await insertMultiple(
      db,
      chunks.slice(i, i + batch).map((c) => ({ doc: c.doc, text: c.text, embedding: Array.from(c.vector) })),
      batch,
    );
  }
  return db;
}

/**
 * Orama hybrid with its defaults except the vector similarity floor: its default (0.8)
 * drops nearly every GloVe cosine, which would make "hybrid" full-text only.
 */
export const ORAMA_SIMILARITY = 0.3;

export async function oramaSearch(db: AnyOrama, query: string, vector: Float32Array, k: number, similarity = ORAMA_SIMILARITY): Promise<string[]> {
  const res = await search(db, {
    mode: 'hybrid',
    term: query,
    properties: ['text'],
    vector: { value: Array.from(vector), property: 'embedding' },
    similarity,
    limit: k,
  });
  return res.hits.map((h) => String((h.document as unknown as { doc: string }).doc));
}

/** Orama over the same chunks and vectors incontext stored, so only the search differs. */
export async function oramaPeer(chunks: OramaChunk[], dims: number): Promise<Searcher> {
  const t = now();
  const db = await buildOrama(chunks, dims);
  return {
    name: `Orama hybrid (defaults, similarity ${ORAMA_SIMILARITY})`,
    indexMs: msSince(t),
    search: (q, v, k) => oramaSearch(db, q, v, k),
  };
}
