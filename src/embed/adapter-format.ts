/**
 * The on-disk form of a linear adapter: versioned JSON with the base embedder's
 * id and dimensions, and the weights as base64 of little-endian float32 (a
 * 384-d adapter is 0.8 MB instead of ~3 MB of decimal text). The stored
 * version hash is checked on load, so a truncated or hand-edited file is an
 * error rather than a silently different ranking.
 */
import { IncontextError } from '../core/index.js';
import { ADAPTER_FORMAT, ADAPTER_FORMAT_VERSION, adapterMismatch, makeAdapter, type AdapterTrainingSummary, type LinearAdapter } from './adapter.js';

interface AdapterFile {
  format: typeof ADAPTER_FORMAT;
  version: number;
  embedder: string;
  dimensions: number;
  adapterVersion: string;
  createdAt: string;
  encoding: 'f32le-base64';
  weights: string;
  bias?: string;
  training?: AdapterTrainingSummary;
}

export function serializeAdapter(adapter: LinearAdapter): string {
  const file: AdapterFile = {
    format: ADAPTER_FORMAT,
    version: ADAPTER_FORMAT_VERSION,
    embedder: adapter.embedder,
    dimensions: adapter.dimensions,
    adapterVersion: adapter.version,
    createdAt: adapter.createdAt,
    encoding: 'f32le-base64',
    weights: toBase64(adapter.weights),
    ...(adapter.bias ? { bias: toBase64(adapter.bias) } : {}),
    ...(adapter.training ? { training: adapter.training } : {}),
  };
  return JSON.stringify(file);
}

export interface ParseAdapterOptions {
  /** Where the text came from, named in errors. */
  path?: string;
  /** The embedder it must belong to; another id (or size) is an error naming both. */
  embedder?: { id: string; dimensions: number };
}

export function parseAdapter(text: string, options: ParseAdapterOptions = {}): LinearAdapter {
  const { path } = options;
  const bad = (why: string) =>
    new IncontextError('PARSE_FAILED', `Not a valid query adapter file: ${why}`, {
      ...(path ? { input: { path } } : {}),
      hint: 'Retrain it with incontext adapter train (or delete the file with incontext adapter remove).',
    });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new IncontextError('PARSE_FAILED', `Not a valid query adapter file: ${(e as Error).message}`, {
      ...(path ? { input: { path } } : {}),
      hint: 'Retrain it with incontext adapter train (or delete the file with incontext adapter remove).',
      cause: e,
    });
  }
  if (typeof raw !== 'object' || raw === null) throw bad('expected a JSON object');
  const f = raw as Partial<Record<keyof AdapterFile, unknown>>;
  if (f.format !== ADAPTER_FORMAT) throw bad(`format is ${JSON.stringify(f.format)}, expected "${ADAPTER_FORMAT}"`);
  if (typeof f.version !== 'number' || !Number.isInteger(f.version)) throw bad('version is missing');
  if (f.version > ADAPTER_FORMAT_VERSION) {
    throw new IncontextError('UNSUPPORTED_FORMAT', `Query adapter format version ${f.version} is newer than this incontext reads (${ADAPTER_FORMAT_VERSION})`, {
      ...(path ? { input: { path } } : {}),
      hint: 'Upgrade incontext, or retrain the adapter with this version.',
    });
  }
  if (typeof f.embedder !== 'string' || !f.embedder) throw bad('embedder is missing');
  if (typeof f.dimensions !== 'number' || !Number.isInteger(f.dimensions) || f.dimensions < 1) throw bad('dimensions is missing');
  if (f.encoding !== 'f32le-base64') throw bad(`unknown encoding ${JSON.stringify(f.encoding)}`);
  if (typeof f.weights !== 'string') throw bad('weights are missing');
  if (options.embedder && (options.embedder.id !== f.embedder || (options.embedder.dimensions > 0 && options.embedder.dimensions !== f.dimensions))) {
    throw adapterMismatch({ embedder: f.embedder, dimensions: f.dimensions }, options.embedder.id, options.embedder.dimensions, path);
  }
  const d = f.dimensions;
  const weights = fromBase64(f.weights, d * d, 'weights', bad);
  const bias = f.bias === undefined ? undefined : typeof f.bias === 'string' ? fromBase64(f.bias, d, 'bias', bad) : undefined;
  if (f.bias !== undefined && !bias) throw bad('bias is not a string');
  const adapter = makeAdapter(f.embedder, d, weights, bias, {
    ...(typeof f.createdAt === 'string' ? { createdAt: f.createdAt } : {}),
    ...(isTraining(f.training) ? { training: f.training } : {}),
  });
  if (typeof f.adapterVersion === 'string' && f.adapterVersion !== adapter.version) throw bad('the weights do not match the stored version hash (truncated or edited file)');
  return adapter;
}

function isTraining(v: unknown): v is AdapterTrainingSummary {
  return typeof v === 'object' && v !== null && typeof (v as { pairs?: unknown }).pairs === 'number';
}

function toBase64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

function fromBase64(text: string, count: number, name: string, bad: (why: string) => IncontextError): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== count * 4) throw bad(`${name} hold ${Math.floor(bytes.length / 4)} numbers, expected ${count}`);
  // Copy into a fresh, aligned buffer: Buffer slices may start at any offset.
  const out = new Float32Array(count);
  new Uint8Array(out.buffer).set(bytes);
  for (let i = 0; i < count; i++) if (!Number.isFinite(out[i]!)) throw bad(`${name} contain a non-finite number`);
  return out;
}
