import { basename, extname } from 'node:path';
import type { Metadata } from '../../core/index.js';
import { normalizeText } from '../normalize.js';
import type { LoadedDocument, LoadOptions } from '../types.js';

/** What every loader receives: the raw bytes, the decoded text (text formats) and the identity of the origin. */
export interface LoaderInput {
  bytes: Uint8Array;
  text: string;
  /** Identity used in `origin`/`source` (relative to the ingest root). */
  origin: string;
  /** The path as the caller knows it, for error messages. */
  path: string;
  contentHash: string;
  options: LoadOptions;
}

export type Loader = (input: LoaderInput) => Promise<LoadedDocument[]>;

export interface DocParts {
  format: LoadedDocument['format'];
  text: string;
  title?: string | undefined;
  metadata?: Metadata;
  /** Suffix for sub-records, e.g. `#row=3`. */
  fragment?: string;
}

export function makeDoc(input: LoaderInput, parts: DocParts): LoadedDocument {
  const title = parts.title?.replace(/\s+/g, ' ').trim();
  return {
    origin: input.origin,
    source: input.origin + (parts.fragment ?? ''),
    format: parts.format,
    text: normalizeText(parts.text),
    metadata: parts.metadata ?? {},
    contentHash: input.contentHash,
    ...(title ? { title } : {}),
  };
}

/** File name without directory and extension: the last-resort title. */
export function stem(origin: string): string {
  const base = basename(origin.replace(/#.*$/, ''));
  return base.slice(0, base.length - extname(base).length) || base;
}

/** First non-empty line when it is short enough to read as a title (PDF and plain text have no title markup). */
export function firstLineTitle(text: string, maxLength = 120): string | undefined {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  if (!line) return undefined;
  const clean = line.replace(/^#+\s+/, '');
  return clean.length <= maxLength ? clean : undefined;
}

/** Record fields that make a good title for a CSV row or JSON record, in order of preference. */
export const TITLE_FIELDS = ['title', 'name', 'subject', 'heading', 'question', 'term', 'label'];

export function titleField(keys: string[]): string | undefined {
  for (const want of TITLE_FIELDS) {
    const hit = keys.find((k) => k.toLowerCase() === want);
    if (hit !== undefined) return hit;
  }
  return undefined;
}
