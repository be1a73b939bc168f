/**
 * The trained linear classifier: logistic regression over hashed word and
 * character n-grams (features.ts), trained by train.ts and committed as int8
 * weights in model/injection-lr.json.
 */
import { IncontextError } from '../core/index.js';
import { FEATURE_BITS, featureLogit } from './features.js';
import modelFile from './model/injection-lr.json' with { type: 'json' };

export interface LinearModelFile {
  version: 1;
  bits: number;
  bias: number;
  /** Multiply each int8 weight by this to get the float weight. */
  scale: number;
  /** Base64 of `2^bits` int8 weights. */
  weights: string;
  /** How the model was trained and what it scored, for people reading the file. */
  meta?: Record<string, unknown>;
}

export interface LinearModel {
  bias: number;
  weights: Float32Array;
  meta: Record<string, unknown>;
}

export function decodeModel(file: LinearModelFile, path = 'src/guard/model/injection-lr.json'): LinearModel {
  if (file.version !== 1 || file.bits !== FEATURE_BITS) {
    throw new IncontextError('PARSE_FAILED', `Guard model has version ${file.version} and ${file.bits} bits; this code reads version 1 with ${FEATURE_BITS} bits`, {
      input: { path },
      hint: 'Retrain it with `npx tsx src/guard/train.ts`.',
    });
  }
  const bytes = Buffer.from(file.weights, 'base64');
  if (bytes.length !== 1 << file.bits) {
    throw new IncontextError('PARSE_FAILED', `Guard model has ${bytes.length} weights, expected ${1 << file.bits}`, {
      input: { path },
      hint: 'The file is truncated or corrupt; retrain it with `npx tsx src/guard/train.ts`.',
    });
  }
  const weights = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) weights[i] = ((bytes[i]! << 24) >> 24) * file.scale;
  return { bias: file.bias, weights, meta: file.meta ?? {} };
}

export function encodeModel(bias: number, weights: Float32Array, meta: Record<string, unknown>): LinearModelFile {
  let max = 0;
  for (const w of weights) max = Math.max(max, Math.abs(w));
  const scale = max / 127 || 1;
  const bytes = Buffer.alloc(weights.length);
  for (let i = 0; i < weights.length; i++) bytes[i] = Math.round(weights[i]! / scale) & 0xff;
  return { version: 1, bits: FEATURE_BITS, bias, scale, weights: bytes.toString('base64'), meta };
}

let cached: LinearModel | undefined;

/** The committed model, decoded once per process. */
export function loadInjectionModel(): LinearModel {
  cached ??= decodeModel(modelFile as LinearModelFile);
  return cached;
}

/** Logit of the classifier for one text. */
export function classifierLogit(model: LinearModel, text: string): number {
  return featureLogit(text, model.weights, model.bias);
}
