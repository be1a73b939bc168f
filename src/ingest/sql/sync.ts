import { IncontextError } from '../../core/index.js';
import type { LoadedDocument } from '../types.js';
import type { SqlSource } from './source.js';

/** Where synced rows go; the app implements it over its store and pipeline. */
export interface SqlSyncSink {
  /** Origins stored so far with their content hashes (at least those under `source.originPrefix`). */
  known: ReadonlyMap<string, string>;
  /** New or changed rows, in batches so the embedder sees many texts at once; each document is its own origin. */
  write(docs: LoadedDocument[]): Promise<void>;
  /** Delete an origin whose row left the query result (only called with `prune`). */
  remove(origin: string): Promise<void>;
}

export interface SqlSyncOptions {
  /** Delete stored rows of this source that the query no longer returns. Not allowed with `since`. */
  prune?: boolean;
  /** Write every row even when its hash is unchanged (e.g. after changing the embedder). */
  force?: boolean;
  /** Rows per `write` call. Default 64. */
  batchSize?: number;
  onProgress?: (rows: number) => void;
}

export interface SqlSyncReport {
  /** Rows the query returned. */
  rows: number;
  written: number;
  /** Rows whose content hash matched what is stored. */
  skipped: number;
  pruned: number;
  /** Pass as `since` (with the same updatedColumn) next time; undefined without an updatedColumn. */
  watermark: string | undefined;
}

/**
 * Incremental re-ingest of a SQL source: unchanged rows (same content hash) are
 * skipped, changed ones written in batches, and with `prune` rows that left the
 * result are deleted. Pruning needs the full result, so it refuses a `since`
 * read, which only sees changed rows.
 */
export async function syncSqlSource(source: SqlSource, sink: SqlSyncSink, options: SqlSyncOptions = {}): Promise<SqlSyncReport> {
  if (options.prune && source.incremental) {
    throw new IncontextError('BAD_REQUEST', 'Cannot prune while reading only changed rows (since)', {
      input: { key: 'prune' },
      hint: 'A since read does not see unchanged rows, so it cannot tell deleted ones. Run a full read (without since) with prune, e.g. nightly.',
    });
  }
  const batchSize = options.batchSize ?? 64;
  const report: SqlSyncReport = { rows: 0, written: 0, skipped: 0, pruned: 0, watermark: undefined };
  const seen = new Set<string>();
  let batch: LoadedDocument[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const docs = batch;
    batch = [];
    await sink.write(docs);
    report.written += docs.length;
  };
  for await (const doc of source) {
    seen.add(doc.origin);
    if (!options.force && sink.known.get(doc.origin) === doc.contentHash) report.skipped++;
    else {
      batch.push(doc);
      if (batch.length >= batchSize) await flush();
    }
    options.onProgress?.(source.rows);
  }
  await flush();
  report.rows = source.rows;
  report.watermark = source.watermark;
  if (options.prune) {
    // Rows that now have no text produce no document, so they are pruned like deleted rows.
    for (const origin of sink.known.keys()) {
      if (origin.startsWith(source.originPrefix) && !seen.has(origin)) {
        await sink.remove(origin);
        report.pruned++;
      }
    }
  }
  return report;
}
