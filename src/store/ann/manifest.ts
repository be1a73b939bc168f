import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sha256 } from '../../core/index.js';
import type { HnswParams } from './hnsw.js';

/** What an index file holds; written next to it, replaced atomically after the file is complete. */
export interface AnnManifest {
  format: 1;
  projectId: string;
  model: string;
  /** Must equal ann_indexes.instance in the database, or the file belongs to something else. */
  instance: string;
  params: HnswParams;
  /** Every change in ann_log up to this id is in the file. */
  logId: number;
  count: number;
  /** The index file, in the same folder. */
  file: string;
  /** Its size and a hash of its first and last MiB: usearch trusts the bytes it loads (a damaged file can crash the process), so they are checked first. */
  bytes: number;
  fingerprint: string;
  savedAt: string;
}

const SAFE = /[^A-Za-z0-9._-]+/g;

/**
 * `<dir>/<project>-<model>-<hash>`: readable, and the hash of the exact names (and the
 * database file name, so two stores in one folder never share a file) keeps names that
 * slug alike apart.
 */
export function annBase(dir: string, dbPath: string, projectId: string, model: string): string {
  const slug = (s: string) => s.replace(SAFE, '_').slice(0, 40);
  const tag = sha256(`${basename(dbPath)}\u0000${projectId}\u0000${model}`).slice(0, 10);
  return join(dir, `${slug(projectId)}-${slug(model)}-${tag}`);
}

export function readManifest(base: string): AnnManifest | undefined {
  const path = `${base}.json`;
  if (!existsSync(path)) return undefined;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as AnnManifest;
    return m.format === 1 && typeof m.file === 'string' && typeof m.logId === 'number' && typeof m.fingerprint === 'string' ? m : undefined;
  } catch {
    // A torn or hand-edited manifest only costs a rebuild from SQLite, which is always correct.
    return undefined;
  }
}

const EDGE = 2 ** 20;

export function fingerprint(path: string): { bytes: number; fingerprint: string } {
  const fd = openSync(path, 'r');
  try {
    const bytes = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(EDGE, bytes));
    const tail = Buffer.alloc(Math.min(EDGE, bytes));
    readSync(fd, head, 0, head.length, 0);
    readSync(fd, tail, 0, tail.length, bytes - tail.length);
    return { bytes, fingerprint: sha256(Buffer.concat([head, tail])) };
  } finally {
    closeSync(fd);
  }
}

/** Whether the file the manifest names is still the one it describes. */
export function fileMatches(dir: string, m: AnnManifest): boolean {
  const path = join(dir, m.file);
  if (!existsSync(path)) return false;
  const now = fingerprint(path);
  return now.bytes === m.bytes && now.fingerprint === m.fingerprint;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a new generation: the index file under a fresh name, then the manifest through a
 * temp file and rename. A crash at any point leaves either the old manifest pointing at the
 * old, complete file, or the new one pointing at the new, complete file.
 */
export function saveGeneration(base: string, manifest: Omit<AnnManifest, 'file' | 'savedAt' | 'bytes' | 'fingerprint'>, write: (path: string) => void): AnnManifest {
  const dir = join(base, '..');
  mkdirSync(dir, { recursive: true });
  const file = `${basename(base)}.${manifest.logId}-${Date.now().toString(36)}.usearch`;
  const filePath = join(dir, file);
  write(filePath);
  fsyncPath(filePath);
  const full: AnnManifest = { ...manifest, file, ...fingerprint(filePath), savedAt: new Date().toISOString() };
  const tmp = `${base}.json.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(full, null, 2));
  fsyncPath(tmp);
  renameSync(tmp, `${base}.json`);
  removeStale(base, file);
  return full;
}

/** Deletes older generations and temp files of this index (left by crashes or replaced by a save). */
export function removeStale(base: string, keep: string | undefined): void {
  const dir = join(base, '..');
  const prefix = `${basename(base)}.`;
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || name === keep || name === `${basename(base)}.json`) continue;
    if (name.endsWith('.usearch') || name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
  }
}
