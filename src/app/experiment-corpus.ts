/**
 * The documents of a chunking experiment, loaded once and chunked anew for every
 * setting: a JSONL corpus of records, files and folders as `ingest` reads them, or
 * the documents already stored in the project.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { IncontextError, sha256, toIncontextError } from '../core/index.js';
import { loadCorpusJsonl, type CorpusRecord } from '../eval/index.js';
import { loadFile, walk, type LoadedDocument } from '../ingest/index.js';
import type { Incontext } from './incontext.js';
import type { IngestFailure } from './ingest.js';

/** One corpus record as a loaded document: its id is its source, so judgements can name it. */
function recordDocuments(records: CorpusRecord[]): LoadedDocument[] {
  // A title shared by every record (rag-dev's "Normans") only adds the same words to every document.
  const titled = new Set(records.map((r) => r.title ?? '')).size > 1;
  return records.map((r) => {
    const text = titled && r.title ? `${r.title}\n\n${r.text}` : r.text;
    return { origin: r.id, source: r.id, format: 'text', text, metadata: {}, contentHash: sha256(text), ...(titled && r.title ? { title: r.title } : {}) };
  });
}

async function filesDocuments(ic: Incontext, path: string, cwd: string): Promise<{ docs: LoadedDocument[]; failed: IngestFailure[] }> {
  const docs: LoadedDocument[] = [];
  const failed: IngestFailure[] = [];
  const fail = (p: string, e: unknown) => {
    const err = toIncontextError(e);
    failed.push({ path: p, code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) });
  };
  const { include, exclude, maxFileBytes, csvMode } = ic.config.ingest;
  for await (const item of walk([path], { include, exclude })) {
    if (item.error) fail(item.path, item.error);
    else {
      try {
        // Sources relative to the working directory, as `incontext ingest` names them, so one set serves both.
        docs.push(...(await loadFile(item.path, { root: cwd, maxBytes: maxFileBytes, csvMode })));
      } catch (e) {
        fail(item.path, e);
      }
    }
  }
  return { docs, failed };
}

async function storedDocuments(ic: Incontext): Promise<LoadedDocument[]> {
  const docs: LoadedDocument[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await ic.listDocuments({ limit: 500, offset });
    for (const d of page) {
      docs.push({ origin: d.origin, source: d.source, format: d.format as LoadedDocument['format'], text: d.text, metadata: d.metadata, contentHash: d.contentHash, ...(d.title ? { title: d.title } : {}) });
    }
    if (page.length < 500) return docs;
  }
}

export interface PreparedCorpus {
  name: string;
  docs: LoadedDocument[];
  failed: IngestFailure[];
}

export async function prepareCorpus(ic: Incontext, corpus: string | CorpusRecord[] | undefined, fromSet: string | undefined, cwd: string): Promise<PreparedCorpus> {
  if (Array.isArray(corpus)) return { name: 'records', docs: recordDocuments(corpus), failed: [] };
  const path = corpus ?? fromSet;
  if (path === undefined) {
    const docs = await storedDocuments(ic);
    if (docs.length === 0) {
      throw new IncontextError('NOT_FOUND', `Project "${ic.config.project}" has no documents to experiment on`, {
        input: { key: 'corpus' },
        hint: 'Ingest the documents first (incontext ingest ./docs), or pass --corpus <dir | corpus.jsonl>.',
      });
    }
    return { name: `project ${ic.config.project}`, docs, failed: [] };
  }
  let isFile: boolean;
  try {
    isFile = statSync(resolve(cwd, path)).isFile();
  } catch (e) {
    throw new IncontextError('FILE_UNREADABLE', `Corpus not found: ${path}`, { input: { path }, hint: 'Pass a directory of documents or a JSONL corpus of {"_id", "title", "text"} lines.', cause: e });
  }
  if (isFile && /\.(jsonl|ndjson)$/i.test(path)) return { name: path, docs: recordDocuments(loadCorpusJsonl(resolve(cwd, path))), failed: [] };
  const { docs, failed } = await filesDocuments(ic, resolve(cwd, path), cwd);
  if (docs.length === 0) {
    throw new IncontextError('FILE_EMPTY', `No document could be loaded from ${path}`, {
      input: { path },
      hint: failed[0] ? `First failure: ${failed[0].path}: ${failed[0].message}` : 'The folder holds no supported files (see incontext ingest --help).',
    });
  }
  return { name: path, docs, failed };
}
