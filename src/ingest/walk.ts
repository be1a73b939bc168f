import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import picomatch from 'picomatch';
import { IncontextError } from '../core/index.js';
import type { WalkItem, WalkOptions } from './types.js';

export const DEFAULT_EXCLUDES = ['**/node_modules/**', '**/.git/**', '**/.incontext/**', '**/.*', '**/.*/**'];

type Matcher = (path: string) => boolean;

/**
 * Patterns with a `/` match the whole root-relative path; patterns without one
 * match the base name at any depth (as in .gitignore), so `*.md` means every
 * Markdown file. picomatch's own `basename` option breaks patterns that do
 * contain a slash, hence the split.
 */
function matcher(patterns: string[]): Matcher | undefined {
  if (patterns.length === 0) return undefined;
  // dot: patterns say what they mean; dotfiles are dropped by the default excludes, not by glob quirks.
  const opts = { dot: true };
  const pathPatterns = patterns.filter((p) => p.includes('/'));
  const namePatterns = patterns.filter((p) => !p.includes('/'));
  const byPath = pathPatterns.length ? picomatch(pathPatterns, opts) : undefined;
  const byName = namePatterns.length ? picomatch(namePatterns, opts) : undefined;
  return (path) => (byPath?.(path) ?? false) || (byName?.(path.slice(path.lastIndexOf('/') + 1)) ?? false);
}

function walkError(path: string, err: unknown): IncontextError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message;
  return new IncontextError('FILE_UNREADABLE', `Cannot read ${path}: ${why}`, {
    input: { path },
    hint: code === 'ENOENT' ? 'Check the path; it is resolved from the current directory.' : 'Give the user running incontext read access to it.',
    cause: err,
  });
}

/** Code-unit order, not locale order: the same tree gives the same sequence on every machine. */
function byRel(a: { rel: string }, b: { rel: string }): number {
  return a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0;
}

interface Found {
  rel: string;
  error?: IncontextError;
}

async function collect(root: string, include: Matcher | undefined, exclude: Matcher | undefined): Promise<Found[]> {
  const found: Found[] = [];
  // Real paths of directories on the current descent: a symlink back up the tree would otherwise loop forever.
  const visit = async (rel: string, ancestors: Set<string>): Promise<void> => {
    const dir = rel ? join(root, rel) : root;
    let entries: Dirent[];
    let real: string;
    try {
      real = await realpath(dir);
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      found.push({ rel, error: walkError(dir, err) });
      return;
    }
    if (ancestors.has(real)) return;
    const below = new Set(ancestors).add(real);
    for (const entry of entries) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        // Follow links; a broken one is kept as a file so loading it reports the problem instead of hiding it.
        isDir = await stat(join(dir, entry.name)).then((s) => s.isDirectory(), () => false);
      } else if (!isDir && !entry.isFile()) {
        continue; // sockets, FIFOs, devices
      }
      if (exclude?.(childRel)) continue;
      if (isDir) await visit(childRel, below);
      else if (!include || include(childRel)) found.push({ rel: childRel });
    }
  };
  await visit('', new Set());
  return found.sort(byRel);
}

/**
 * Expand files and directories into the files to load, sorted within each
 * argument. Arguments are visited in the order given; a file reached twice is
 * yielded once. A file argument is yielded as is (include/exclude do not apply:
 * it was named explicitly). A path that cannot be read does not throw: it is
 * yielded with `error` set, so the caller reports it and goes on with the rest.
 */
export async function* walk(paths: string[], options: WalkOptions = {}): AsyncIterable<WalkItem> {
  const include = matcher(options.include ?? []);
  const exclude = matcher([...(options.defaultExcludes === false ? [] : DEFAULT_EXCLUDES), ...(options.exclude ?? [])]);
  const seen = new Set<string>();
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (err) {
      yield { path, root: dirname(path), error: walkError(path, err) };
      continue;
    }
    if (!isDir) {
      const key = resolve(path);
      if (!seen.has(key)) {
        seen.add(key);
        yield { path, root: dirname(path) };
      }
      continue;
    }
    for (const f of await collect(path, include, exclude)) {
      const full = f.rel ? join(path, f.rel) : path;
      if (f.error) {
        yield { path: full, root: path, error: f.error };
        continue;
      }
      const key = resolve(full);
      if (seen.has(key)) continue;
      seen.add(key);
      yield { path: full, root: path };
    }
  }
}
