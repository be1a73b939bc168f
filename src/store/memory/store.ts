import { IncontextError, matchesFilter, normalizeFilter, type Chunk } from '../../core/index.js';
import type { EmbeddingCacheBackend } from '../../embed/index.js';
import { PackedVectors } from '../packed.js';
import type { DocumentEntry, KeywordQuery, OriginState, ScoredChunk, Store, StoredDocument, StoreStats, VectorQuery } from '../types.js';
import { checkK, checkPage, checkQueryVector, dimensionMismatch, normalised, originHash, validateEntries } from '../validate.js';
import { Bm25Index } from './bm25.js';

type Doc = Omit<StoredDocument, 'chunkCount'>;

interface Project {
  docs: Map<string, { doc: Doc; chunkIds: string[] }>;
  chunks: Map<string, Chunk>;
  /** model → chunk id → unit vector, in insertion order (ties rank like SQLite's rowid order). */
  vectors: Map<string, Map<string, Float32Array>>;
  /** Packed copies for search, built on first use and dropped on every write. */
  packed: Map<string, { vectors: PackedVectors; ids: string[] }>;
  bm25: Bm25Index;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The Store contract in plain JS, for tests and throwaway sessions. Every write
 * validates and checks conflicts first and only then mutates, so a rejected
 * write leaves the store exactly as it was (the same guarantee SQLite gets from
 * its transaction).
 */
class MemoryStore implements Store {
  readonly kind = 'memory';
  private readonly projects = new Map<string, Project>();
  private readonly cache = new Map<string, Float32Array>();
  private closed = false;
  readonly embeddingCache: EmbeddingCacheBackend = {
    getMany: async (model, hashes) => {
      const out = new Map<string, Float32Array>();
      for (const h of hashes) {
        const v = this.cache.get(`${model}\u0000${h}`);
        if (v) out.set(h, v.slice());
      }
      return out;
    },
    setMany: async (model, entries) => {
      for (const [h, v] of entries) this.cache.set(`${model}\u0000${h}`, v.slice());
    },
  };

  private project(id: string): Project {
    if (this.closed) throw new IncontextError('STORE_FAILED', 'The memory store is closed', { hint: 'Create a new store with createMemoryStore().' });
    let p = this.projects.get(id);
    if (!p) this.projects.set(id, (p = { docs: new Map(), chunks: new Map(), vectors: new Map(), packed: new Map(), bm25: new Bm25Index() }));
    return p;
  }

  async replaceOrigin(projectId: string, origin: string, entries: DocumentEntry[]): Promise<void> {
    const dims = validateEntries(projectId, origin, entries);
    const p = this.project(projectId);
    for (const { document, chunks } of entries) {
      const owner = p.docs.get(document.id)?.doc.origin;
      if (owner !== undefined && owner !== origin) throw conflict(`document ${document.id}`, owner);
      for (const c of chunks) {
        const other = p.chunks.get(c.id);
        const chunkOwner = other && p.docs.get(other.documentId)?.doc.origin;
        if (chunkOwner !== undefined && chunkOwner !== origin) throw conflict(`chunk ${c.id}`, chunkOwner);
      }
    }
    const model = entries.find((e) => e.vectors.length > 0)?.model;
    if (model !== undefined && dims !== undefined) {
      for (const [chunkId, v] of p.vectors.get(model) ?? []) {
        const owner = p.docs.get(p.chunks.get(chunkId)?.documentId ?? '')?.doc.origin;
        if (owner !== origin && v.length !== dims) throw dimensionMismatch(model, v.length, dims);
      }
    }
    const prepared = entries.map((e) => ({
      doc: { ...structuredClone(e.document), origin },
      chunks: e.chunks.map((c) => structuredClone(c)),
      vectors: e.vectors.map(normalised),
    }));
    // Nothing below can throw: the write is all-or-nothing.
    this.removeOrigin(p, origin);
    p.packed.clear();
    for (const { doc, chunks, vectors } of prepared) {
      p.docs.set(doc.id, { doc, chunkIds: chunks.map((c) => c.id) });
      chunks.forEach((c, i) => {
        p.chunks.set(c.id, c);
        p.bm25.add(c.id, c.text);
        const v = vectors[i];
        if (v !== undefined && model !== undefined) {
          let byModel = p.vectors.get(model);
          if (!byModel) p.vectors.set(model, (byModel = new Map()));
          byModel.set(c.id, v);
        }
      });
    }
  }

  private removeOrigin(p: Project, origin: string): number {
    let n = 0;
    for (const [id, { doc }] of p.docs) {
      if (doc.origin !== origin) continue;
      this.removeDocument(p, id);
      n++;
    }
    return n;
  }

  private removeDocument(p: Project, id: string): boolean {
    const entry = p.docs.get(id);
    if (!entry) return false;
    p.packed.clear();
    for (const chunkId of entry.chunkIds) {
      const chunk = p.chunks.get(chunkId);
      if (chunk) p.bm25.remove(chunkId, chunk.text);
      p.chunks.delete(chunkId);
      for (const [model, byModel] of p.vectors) {
        byModel.delete(chunkId);
        if (byModel.size === 0) p.vectors.delete(model);
      }
    }
    p.docs.delete(id);
    return true;
  }

  async listOrigins(projectId: string): Promise<OriginState[]> {
    const byOrigin = new Map<string, Doc[]>();
    for (const { doc } of this.project(projectId).docs.values()) {
      const list = byOrigin.get(doc.origin) ?? [];
      list.push(doc);
      byOrigin.set(doc.origin, list);
    }
    return [...byOrigin]
      .sort(([a], [b]) => compare(a, b))
      .map(([origin, docs]) => ({
        origin,
        documentCount: docs.length,
        contentHash: originHash(docs.sort((a, b) => compare(a.id, b.id)).map((d) => d.contentHash)),
      }));
  }

  async deleteOrigin(projectId: string, origin: string): Promise<number> {
    return this.removeOrigin(this.project(projectId), origin);
  }

  private stored(p: Project, id: string): StoredDocument | undefined {
    const entry = p.docs.get(id);
    return entry && { ...structuredClone(entry.doc), chunkCount: entry.chunkIds.length };
  }

  async getDocument(projectId: string, id: string): Promise<StoredDocument | undefined> {
    return this.stored(this.project(projectId), id);
  }

  async listDocuments(projectId: string, options: { limit?: number; offset?: number } = {}): Promise<StoredDocument[]> {
    checkPage(options);
    const p = this.project(projectId);
    const sorted = [...p.docs.values()].map((e) => e.doc).sort((a, b) => compare(a.source, b.source) || compare(a.id, b.id));
    const offset = options.offset ?? 0;
    const page = sorted.slice(offset, options.limit === undefined ? undefined : offset + options.limit);
    return page.flatMap((d) => this.stored(p, d.id) ?? []);
  }

  async deleteDocument(projectId: string, id: string): Promise<boolean> {
    return this.removeDocument(this.project(projectId), id);
  }

  async getChunks(projectId: string, ids: string[]): Promise<Chunk[]> {
    const p = this.project(projectId);
    return ids.flatMap((id) => {
      const c = p.chunks.get(id);
      return c ? [structuredClone(c)] : [];
    });
  }

  async getChunkRange(projectId: string, documentId: string, from: number, to: number): Promise<Chunk[]> {
    const p = this.project(projectId);
    return [...p.chunks.values()]
      .filter((c) => c.documentId === documentId && c.index >= from && c.index <= to)
      .sort((a, b) => a.index - b.index)
      .map((c) => structuredClone(c));
  }

  private hit(p: Project, chunkId: string, score: number): ScoredChunk[] {
    const chunk = p.chunks.get(chunkId);
    const doc = chunk && p.docs.get(chunk.documentId)?.doc;
    if (!chunk || !doc) return [];
    const document = { id: doc.id, source: doc.source, format: doc.format, ...(doc.title === undefined ? {} : { title: doc.title }) };
    return [{ chunk: structuredClone(chunk), document, score }];
  }

  async vectorSearch(query: VectorQuery): Promise<ScoredChunk[]> {
    checkQueryVector(query.vector, query.k);
    const conditions = normalizeFilter(query.filter);
    const p = this.project(query.projectId);
    const byModel = p.vectors.get(query.model);
    if (!byModel || query.k === 0) return [];
    let packed = p.packed.get(query.model);
    if (!packed) {
      const ids = [...byModel.keys()];
      const vectors = new PackedVectors(byModel.values().next().value?.length ?? 0, ids.length);
      ids.forEach((id, r) => vectors.setRow(r, byModel.get(id)!));
      p.packed.set(query.model, (packed = { vectors, ids }));
    }
    const { vectors, ids } = packed;
    if (vectors.dims !== query.vector.length) throw dimensionMismatch(query.model, vectors.dims, query.vector.length);
    let allowed: Uint8Array | undefined;
    if (conditions.length > 0) {
      allowed = new Uint8Array(ids.length);
      ids.forEach((id, r) => {
        const chunk = p.chunks.get(id);
        allowed![r] = chunk && matchesFilter(chunk.metadata, conditions) ? 1 : 0;
      });
    }
    const top = vectors.search(normalised(query.vector), query.k, allowed);
    return Array.from(top.rows).flatMap((r, i) => this.hit(p, ids[r]!, top.scores[i]!));
  }

  async keywordSearch(query: KeywordQuery): Promise<ScoredChunk[]> {
    checkK(query.k);
    const conditions = normalizeFilter(query.filter);
    const p = this.project(query.projectId);
    if (query.k === 0) return [];
    const order = new Map([...p.chunks.keys()].map((id, i) => [id, i]));
    const scores = p.bm25.search(query.query, (id) => {
      const chunk = p.chunks.get(id);
      return chunk !== undefined && matchesFilter(chunk.metadata, conditions);
    });
    return [...scores]
      .sort(([a, sa], [b, sb]) => sb - sa || (order.get(a) ?? 0) - (order.get(b) ?? 0))
      .slice(0, query.k)
      .flatMap(([id, score]) => this.hit(p, id, score));
  }

  async embeddingModels(projectId: string): Promise<Array<{ model: string; dimensions: number; chunks: number }>> {
    return [...this.project(projectId).vectors]
      .map(([model, byModel]) => ({ model, dimensions: byModel.values().next().value?.length ?? 0, chunks: byModel.size }))
      .sort((a, b) => compare(a.model, b.model));
  }

  async stats(projectId: string): Promise<StoreStats> {
    const p = this.project(projectId);
    const origins = new Set([...p.docs.values()].map((e) => e.doc.origin));
    return { documents: p.docs.size, chunks: p.chunks.size, origins: origins.size };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function conflict(what: string, owner: string): IncontextError {
  return new IncontextError('STORE_FAILED', `The ${what} already belongs to origin ${owner}`, {
    input: { key: 'entries' },
    hint: 'Ids must be unique within a project; derive them from the origin (stableId) so two files never share one.',
  });
}

/** A Store that lives in this process only: same semantics as SQLite, nothing persisted. */
export function createMemoryStore(): Store {
  return new MemoryStore();
}
