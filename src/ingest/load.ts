import { lstat, readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { IncontextError, sha256 } from '../core/index.js';
import { detect, type SourceKind } from './detect.js';
import { fileEmpty } from './errors.js';
import { loadDelimited } from './loaders/csv.js';
import { loadDocx } from './loaders/docx.js';
import { loadHtml } from './loaders/html.js';
import { loadJson, loadJsonl } from './loaders/json.js';
import { loadMarkdown } from './loaders/markdown.js';
import { loadPdf } from './loaders/pdf.js';
import type { Loader } from './loaders/shared.js';
import { loadText } from './loaders/text.js';
import { isBlank } from './normalize.js';
import type { LoadedDocument, LoadFileOptions, LoadOptions } from './types.js';

export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

const LOADERS: Record<SourceKind, Loader> = {
  text: loadText,
  markdown: loadMarkdown,
  html: loadHtml,
  pdf: loadPdf,
  docx: loadDocx,
  csv: async (input) => loadDelimited(input),
  tsv: async (input) => loadDelimited(input, '\t'),
  json: async (input) => loadJson(input),
  jsonl: async (input) => loadJsonl(input),
};

function tooLarge(path: string, size: number, max: number): IncontextError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return new IncontextError('FILE_TOO_LARGE', `${path} is ${mb(size)}, over the ${mb(max)} limit`, {
    input: { path },
    hint: `Raise the maxBytes option (now ${max} bytes; default 50 MB) or split the file.`,
  });
}

async function loadWithIdentity(bytes: Uint8Array, origin: string, path: string, options: LoadOptions): Promise<LoadedDocument[]> {
  const max = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.byteLength > max) throw tooLarge(path, bytes.byteLength, max);
  if (bytes.byteLength === 0) throw fileEmpty(path, 'the file is 0 bytes');

  // Detection works on the origin's name (its extension) but reports the caller's path.
  let detected;
  try {
    detected = detect(bytes, origin);
  } catch (err) {
    throw IncontextError.isInstance(err) ? withPath(err, path) : err;
  }
  if (detected.kind !== 'pdf' && detected.kind !== 'docx' && isBlank(detected.text)) {
    throw fileEmpty(path, 'the file contains only whitespace');
  }
  const input = { bytes, text: detected.text, origin, path, contentHash: sha256(bytes), options };
  let docs: LoadedDocument[];
  try {
    docs = await LOADERS[detected.kind](input);
  } catch (err) {
    if (IncontextError.isInstance(err)) throw err;
    throw new IncontextError('PARSE_FAILED', `Could not read ${path} as ${detected.kind}: ${err instanceof Error ? err.message : String(err)}`, {
      input: { path },
      hint: 'The file may be damaged. Open it in its usual application to check, or leave it out of the input.',
      cause: err,
    });
  }
  const kept = docs.filter((d) => !isBlank(d.text));
  if (kept.length === 0) {
    throw fileEmpty(
      path,
      `no text left after extracting the ${detected.kind} content`,
      detected.kind === 'html' ? 'The page has no main content outside navigation, headers and scripts.' : undefined,
    );
  }
  return kept;
}

function withPath(err: IncontextError, path: string): IncontextError {
  if (err.input?.path === path) return err;
  return new IncontextError(err.code, err.message, {
    input: { ...err.input, path },
    ...(err.hint === undefined ? {} : { hint: err.hint }),
    cause: err.cause ?? err,
    status: err.status,
  });
}

/**
 * Load documents from bytes, e.g. an upload. `name` is the file name (its
 * extension is a hint; the content decides) and becomes `origin`/`source`.
 */
export async function loadBuffer(bytes: Uint8Array, name: string, options: LoadOptions = {}): Promise<LoadedDocument[]> {
  return loadWithIdentity(bytes, name, name, options);
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** The path relative to root with `/` separators; the path as given when there is no root or it lies outside it. */
export function originFor(path: string, root?: string): string {
  if (root === undefined) return path;
  const rel = relative(resolve(root), resolve(path));
  if (rel === '') return basename(path);
  if (rel.startsWith('..') || isAbsolute(rel)) return toPosix(path);
  return toPosix(rel);
}

function unreadable(path: string, why: string, hint: string, cause?: unknown): IncontextError {
  return new IncontextError('FILE_UNREADABLE', `Cannot read ${path}: ${why}`, {
    input: { path },
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}

async function statFile(path: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const link = await lstat(path).catch(() => undefined);
      if (link?.isSymbolicLink()) throw unreadable(path, 'it is a broken symbolic link', 'Fix or remove the link.', err);
      throw unreadable(path, 'no such file', 'Check the path; it is resolved from the current directory.', err);
    }
    if (code === 'EACCES' || code === 'EPERM') throw unreadable(path, 'permission denied', 'Give the user running incontext read access to it.', err);
    throw unreadable(path, (err as Error).message, 'Check that the path exists and is readable.', err);
  }
  if (info.isDirectory()) throw unreadable(path, 'it is a directory', 'Pass a file, or use walk()/ingest on the directory to load the files in it.');
  // Reading a FIFO or device would block or never end.
  if (!info.isFile()) throw unreadable(path, 'it is not a regular file', 'Only regular files can be loaded.');
  return info.size;
}

/** Read a file and return its documents; `root` makes `origin`/`source` relative to it. */
export async function loadFile(path: string, options: LoadFileOptions = {}): Promise<LoadedDocument[]> {
  const size = await statFile(path);
  const max = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // Checked before reading so a huge file is never pulled into memory.
  if (size > max) throw tooLarge(path, size, max);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'EACCES' || code === 'EPERM' ? 'Give the user running incontext read access to it.' : 'Check that the file exists and is readable.';
    throw unreadable(path, (err as Error).message, hint, err);
  }
  return loadWithIdentity(bytes, originFor(path, options.root), path, options);
}
