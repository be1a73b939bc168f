import type { IncontextError, Metadata } from '../core/index.js';

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
  /** Bytes; larger files fail with FILE_TOO_LARGE. Default 50 MB. */
  maxBytes?: number;
  /** CSV: one document per row (default) or the whole table as one document. */
  csvMode?: 'row' | 'table';
  /**
   * JSON/JSONL: the fields (dotted paths allowed) whose values are the text, joined by blank lines;
   * default: all string fields as `key: value` lines.
   */
  jsonTextFields?: string[];
}

export interface LoadFileOptions extends LoadOptions {
  /** Make `origin`/`source` relative to this directory (with `/` separators). */
  root?: string;
}

export interface WalkOptions {
  /** Globs a file's path relative to its root must match (any of). Patterns without `/` match the base name. */
  include?: string[];
  /** Globs that drop a file, or a whole directory when they match it. Added to the default excludes. */
  exclude?: string[];
  /** Skip `node_modules`, `.git`, `.incontext` and dotfiles (default true). */
  defaultExcludes?: boolean;
}

/**
 * One file found by `walk`. `root` is the directory argument it was found under
 * (for a file argument, its parent directory): pass it to `loadFile` as `root`.
 * `error` is set when the argument itself (or a directory inside it) could not
 * be read; the item is still safe to pass to `loadFile`, which fails the same way.
 */
export interface WalkItem {
  path: string;
  root: string;
  error?: IncontextError;
}
