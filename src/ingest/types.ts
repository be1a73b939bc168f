import type { Metadata } from '../core/index.js';

/** One document produced by a loader. A file may yield many (a CSV row or JSON record each). */
export interface LoadedDocument {
  /** The file (or URI) the document came from; the unit of incremental re-ingest. */
  origin: string;
  /** Unique within the project: the origin, or `origin#row=3` / `origin#record=2` for sub-records. */
  source: string;
  title?: string;
  format: 'text' | 'markdown' | 'html' | 'pdf' | 'docx' | 'csv' | 'json';
  text: string;
  metadata: Metadata;
  /** sha256 of the origin's raw bytes (the same for every record of one file). */
  contentHash: string;
}

export interface LoadOptions {
  /** Bytes; larger files fail with FILE_TOO_LARGE. */
  maxBytes?: number;
  /** CSV: one document per row (default) or the whole table as one document. */
  csvMode?: 'row' | 'table';
  /** JSON/JSONL: which field holds the text; default: all string fields joined as `key: value`. */
  jsonTextFields?: string[];
}

export interface WalkOptions {
  include?: string[];
  exclude?: string[];
}
