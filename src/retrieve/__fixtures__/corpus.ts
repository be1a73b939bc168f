/**
 * Test corpus: the repository's own docs/*.md (real prose about incontext) plus eight
 * paragraphs of SQuAD 2.0's "Normans" article (CC BY-SA 4.0, from ../shared/datasets/
 * rag-dev-corpus.jsonl), chunked small so documents have several chunks, embedded with the
 * hashing embedder through the store's embedding cache exactly as the app does, and stored
 * in a memory or SQLite store.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256, stableId, type Chunk, type Metadata } from '../../core/index.js';
import { createChunker } from '../../chunk/index.js';
import { createHashingEmbedder, withEmbeddingCache, type Embedder } from '../../embed/index.js';
import { createMemoryStore, openSqliteStore, type DocumentEntry, type Store } from '../../store/index.js';

export const PROJECT = 'p1';
const here = fileURLToPath(new URL('.', import.meta.url));
/** A frozen copy of the repository's docs/*.md: edits to the user docs must not move these tests' rankings. */
export const DOCS_DIR = join(here, 'docs');

export interface Corpus {
  store: Store;
  embedder: Embedder;
  /** The embedder without the cache, counting the texts it embeds in `calls`. */
  raw: Embedder;
  calls: { texts: number };
  close(): Promise<void>;
}

export interface SourceDoc {
  source: string;
  title: string;
  text: string;
  format: string;
  metadata: Metadata;
}

export function corpusDocs(): SourceDoc[] {
  const docs: SourceDoc[] = readdirSync(DOCS_DIR)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => {
      const text = readFileSync(join(DOCS_DIR, f), 'utf8');
      return { source: `docs/${f}`, title: /^# (.+)$/m.exec(text)?.[1] ?? f, text, format: 'markdown', metadata: { collection: 'docs' } };
    });
  for (const line of readFileSync(join(here, 'normans.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { doc_id: string; title: string; text: string };
    docs.push({ source: `squad/${r.doc_id}`, title: r.title, text: r.text, format: 'text', metadata: { collection: 'normans' } });
  }
  return docs;
}

export function entryFor(doc: SourceDoc, embedder: Embedder, size = 48): { entry: DocumentEntry; chunks: Chunk[] } {
  const documentId = stableId('doc', PROJECT, doc.source);
  const pieces = createChunker({ strategy: doc.format === 'markdown' ? 'markdown' : 'sentence', size, overlap: 0 }).split(doc.text);
  const chunks: Chunk[] = pieces.map((p, i) => ({
    id: stableId('chk', documentId, String(i), sha256(p.text).slice(0, 16)),
    documentId,
    projectId: PROJECT,
    index: i,
    text: p.text,
    tokenCount: p.tokenCount,
    start: p.start,
    end: p.end,
    metadata: { ...doc.metadata, ...p.metadata, position: i },
  }));
  const now = '2026-11-23T00:00:00.000Z';
  return {
    chunks,
    entry: {
      document: {
        id: documentId,
        projectId: PROJECT,
        origin: doc.source,
        source: doc.source,
        title: doc.title,
        format: doc.format,
        text: doc.text,
        metadata: doc.metadata,
        contentHash: sha256(doc.text),
        createdAt: now,
        updatedAt: now,
      },
      chunks,
      vectors: [],
      model: embedder.id,
    },
  };
}

export async function ingest(store: Store, embedder: Embedder, docs: SourceDoc[]): Promise<void> {
  for (const doc of docs) {
    const { entry, chunks } = entryFor(doc, embedder);
    entry.vectors = await embedder.embed(
      chunks.map((c) => c.text),
      { kind: 'document' },
    );
    await store.replaceOrigin(PROJECT, doc.source, [entry]);
  }
}

export type StoreKind = 'memory' | 'sqlite';
export const STORE_KINDS: StoreKind[] = ['memory', 'sqlite'];

export async function openCorpus(kind: StoreKind, docs: SourceDoc[] = corpusDocs()): Promise<Corpus> {
  let dir: string | undefined;
  let store: Store;
  if (kind === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), 'incontext-retrieve-'));
    store = openSqliteStore({ path: join(dir, 'incontext.db') });
  } else {
    store = createMemoryStore();
  }
  const base = createHashingEmbedder({ dimensions: 256 });
  const calls = { texts: 0 };
  const counting: Embedder = {
    id: base.id,
    dimensions: base.dimensions,
    embed: (texts, o) => {
      calls.texts += texts.length;
      return base.embed(texts, o);
    },
  };
  const embedder = withEmbeddingCache(counting, store.embeddingCache);
  await ingest(store, embedder, docs);
  calls.texts = 0;
  return {
    store,
    embedder,
    raw: counting,
    calls,
    async close() {
      await store.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
