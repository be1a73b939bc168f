import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { IncontextError, sha256, stableId, toIncontextError, type Chunk } from '../core/index.js';
import { createChunker, createParentChildChunker, createSemanticChunker, toChunks, type ChunkOptions, type ChunkPiece, type ChunkStrategy } from '../chunk/index.js';
import { loadBuffer, originFor, readSqlSource, syncSqlSource, walk, type LoadedDocument, type LoadOptions, type SqlSourceOptions, type SqlSyncReport } from '../ingest/index.js';
import type { Config } from '../config/index.js';
import type { Embedder } from '../embed/index.js';
import type { DocumentEntry, Store } from '../store/index.js';

export interface IngestFailure {
  path: string;
  code: string;
  message: string;
  hint?: string;
}

export interface IngestReport {
  ingested: number;
  skipped: number;
  failed: IngestFailure[];
  pruned: number;
  documents: number;
  chunks: number;
}

export interface IngestProgress {
  phase: 'scan' | 'file' | 'done';
  done: number;
  total: number;
  path?: string;
}

export interface IngestOptions {
  projectId: string;
  prune?: boolean;
  include?: string[];
  exclude?: string[];
  /** Re-embed and rewrite even when the content hash is unchanged. */
  force?: boolean;
  onProgress?: (p: IngestProgress) => void;
}

export interface PipelineDeps {
  store: Store;
  embedder: Embedder;
  chunk: Config['chunk'];
  load: LoadOptions;
  cwd: string;
}

/** Origins are paths relative to the working directory (posix), so they read well and survive moving the data dir. */
function originOf(cwd: string, path: string): string {
  return originFor(resolve(cwd, path), cwd);
}

const chunkers = new Map<string, ReturnType<typeof createChunker>>();
function chunkerFor(opts: PipelineDeps['chunk'], format: string) {
  const strategy: ChunkStrategy = opts.strategy === 'auto' ? (format === 'markdown' ? 'markdown' : 'recursive') : opts.strategy;
  const key = `${strategy}:${opts.size}:${opts.overlap}`;
  let c = chunkers.get(key);
  if (!c) {
    const o: ChunkOptions = { strategy, size: opts.size, overlap: opts.overlap };
    c = createChunker(o);
    chunkers.set(key, c);
  }
  return c;
}

/**
 * The configured chunking of one document: semantic (cuts where adjacent sentences' embeddings
 * drift apart), parent–child (small chunks matched, their section returned), or plain.
 */
async function splitDocument(deps: PipelineDeps, d: LoadedDocument): Promise<ChunkPiece[]> {
  const c = deps.chunk;
  const strategy: ChunkStrategy = c.strategy === 'auto' ? (d.format === 'markdown' ? 'markdown' : 'recursive') : c.strategy;
  const markdown = strategy === 'markdown';
  if (c.semantic.enabled) {
    const semantic = createSemanticChunker(
      { size: c.size, percentile: c.semantic.percentile, window: c.semantic.window, markdown, ...(c.semantic.minSize !== undefined ? { minSize: c.semantic.minSize } : {}) },
      (texts) => deps.embedder.embed(texts, { kind: 'document' }),
    );
    return semantic.split(d.text);
  }
  const child = chunkerFor(c, d.format);
  return c.parent.enabled ? createParentChildChunker({ parentSize: c.parent.size, markdown }, child).split(d.text) : child.split(d.text);
}

/** Load result → chunked, embedded entries ready for one atomic replaceOrigin. */
export async function buildEntries(deps: PipelineDeps, projectId: string, docs: LoadedDocument[]): Promise<DocumentEntry[]> {
  const now = new Date().toISOString();
  const entries: DocumentEntry[] = [];
  const allChunks: Chunk[] = [];
  for (const d of docs) {
    const documentId = stableId('doc', projectId, d.source);
    const pieces = await splitDocument(deps, d);
    const chunks = toChunks(pieces, { documentId, projectId, metadata: d.metadata });
    allChunks.push(...chunks);
    entries.push({
      document: {
        id: documentId,
        projectId,
        origin: d.origin,
        source: d.source,
        format: d.format,
        text: d.text,
        metadata: d.metadata,
        contentHash: d.contentHash,
        createdAt: now,
        updatedAt: now,
        ...(d.title ? { title: d.title } : {}),
      },
      chunks,
      vectors: [],
      model: deps.embedder.id,
    });
  }
  // One embed call for the whole file: the embedder batches, and the cache skips unchanged chunks.
  const vectors = await deps.embedder.embed(
    allChunks.map((c) => c.text),
    { kind: 'document' },
  );
  let at = 0;
  for (const e of entries) {
    e.vectors = vectors.slice(at, at + e.chunks.length);
    at += e.chunks.length;
  }
  return entries;
}

/** Ingest one in-memory file (uploads, API text). Returns the number of documents stored. */
export async function ingestBytes(
  deps: PipelineDeps,
  projectId: string,
  bytes: Uint8Array,
  name: string,
  extraMetadata: Record<string, string> = {},
): Promise<{ documents: number; chunks: number; documentIds: string[] }> {
  const docs = (await loadBuffer(bytes, name, deps.load)).map((d) => ({ ...d, metadata: { ...d.metadata, ...extraMetadata } }));
  const entries = await buildEntries(deps, projectId, docs);
  await deps.store.replaceOrigin(projectId, name, entries);
  return {
    documents: entries.length,
    chunks: entries.reduce((n, e) => n + e.chunks.length, 0),
    documentIds: entries.map((e) => e.document.id),
  };
}

export async function ingestPaths(deps: PipelineDeps, paths: string[], o: IngestOptions): Promise<IngestReport> {
  const report: IngestReport = { ingested: 0, skipped: 0, failed: [], pruned: 0, documents: 0, chunks: 0 };
  const files: string[] = [];
  for (const given of paths) {
    const p = resolve(deps.cwd, given);
    try {
      await stat(p);
    } catch (e) {
      report.failed.push({ path: given, code: 'FILE_UNREADABLE', message: `Path not found or unreadable: ${(e as Error).message}`, hint: 'Check the path and its permissions.' });
      continue;
    }
    for await (const item of walk([p], { ...(o.include ? { include: o.include } : {}), ...(o.exclude ? { exclude: o.exclude } : {}) })) {
      if (item.error) {
        const err = item.error;
        report.failed.push({ path: originOf(deps.cwd, item.path), code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) });
      } else files.push(item.path);
    }
  }
  o.onProgress?.({ phase: 'scan', done: 0, total: files.length });
  const known = new Map((await deps.store.listOrigins(o.projectId)).map((s) => [s.origin, s.contentHash]));
  const seen = new Set<string>();
  for (const [i, file] of files.entries()) {
    const origin = originOf(deps.cwd, file);
    seen.add(origin);
    o.onProgress?.({ phase: 'file', done: i, total: files.length, path: origin });
    try {
      // Check the size before reading, so a huge file costs a stat, not its bytes in memory.
      const max = deps.load.maxBytes;
      if (max !== undefined && (await stat(file)).size > max) {
        throw new IncontextError('FILE_TOO_LARGE', `File is larger than ${max} bytes`, { input: { path: origin }, hint: 'Raise ingest.maxFileBytes in the config, or split the file.' });
      }
      const bytes = await readFile(file);
      if (!o.force && known.get(origin) === sha256(bytes)) {
        report.skipped++;
        continue;
      }
      const r = await ingestBytes(deps, o.projectId, bytes, origin);
      report.ingested++;
      report.documents += r.documents;
      report.chunks += r.chunks;
    } catch (e) {
      const err = toIncontextError(e);
      report.failed.push({ path: origin, code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) });
    }
  }
  if (o.prune) {
    const roots = paths.map((p) => originOf(deps.cwd, p).replace(/\/$/, ''));
    for (const origin of known.keys()) {
      const under = roots.some((r) => r === '.' || r === '' || origin === r || origin.startsWith(r + '/'));
      if (under && !seen.has(origin)) report.pruned += (await deps.store.deleteOrigin(o.projectId, origin)) > 0 ? 1 : 0;
    }
  }
  o.onProgress?.({ phase: 'done', done: files.length, total: files.length });
  return report;
}


export interface SqlIngestOptions extends SqlSourceOptions {
  projectId: string;
  /** Delete stored rows the query no longer returns (not with `since`). */
  prune?: boolean;
  force?: boolean;
  onProgress?: (rows: number) => void;
}

/** Rows of a SQL query as documents: unchanged rows are skipped by content hash, changed ones re-embedded. */
export async function ingestSql(deps: PipelineDeps, o: SqlIngestOptions): Promise<SqlSyncReport> {
  const { projectId, prune, force, onProgress, ...source } = o;
  const known = new Map((await deps.store.listOrigins(projectId)).map((s) => [s.origin, s.contentHash]));
  return syncSqlSource(
    readSqlSource(source),
    {
      known,
      write: async (docs) => {
        for (const e of await buildEntries(deps, projectId, docs)) await deps.store.replaceOrigin(projectId, e.document.origin, [e]);
      },
      remove: async (origin) => {
        await deps.store.deleteOrigin(projectId, origin);
      },
    },
    { ...(prune ? { prune } : {}), ...(force ? { force } : {}), ...(onProgress ? { onProgress } : {}) },
  );
}
