/**
 * Embedder for sentence-transformer models a team brings as ONNX files
 * (MiniLM, bge, e5, ...), run with transformers.js on onnxruntime-node. Loads
 * only from the given folder: remote loading is switched off, so a missing file
 * is an error naming the path, never a download.
 *
 * Expected folder (the layout of a Hugging Face ONNX export):
 *   config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx (or model.onnx at the top)
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { IncontextError } from '../core/index.js';
import { normalize as l2normalize } from './normalize.js';
import type { Embedder, EmbedOptions } from './types.js';

export interface OnnxEmbedderOptions {
  modelDir: string;
  /** How token vectors become one vector: mean over real tokens (sentence-transformers, e5) or the first token (bge). Default mean. */
  pooling?: 'mean' | 'cls';
  /** L2-normalise the pooled vector; default true. Turn off only for a graph that already outputs normalised vectors. */
  normalize?: boolean;
  /** Prepended to queries, e.g. "query: " for e5 or "Represent this sentence for searching relevant passages: " for bge. */
  queryPrefix?: string;
  /** Prepended to passages, e.g. "passage: " for e5. */
  documentPrefix?: string;
  /** Texts per forward pass; default 16. */
  batchSize?: number;
  /** Token limit per text (longer texts are truncated); default the tokenizer's model_max_length. */
  maxLength?: number;
}

interface TensorLike {
  dims: number[];
  data: ArrayLike<number | bigint>;
}

export async function createOnnxEmbedder(options: OnnxEmbedderOptions): Promise<Embedder> {
  const dir = resolve(options.modelDir);
  const files = locateModelFiles(dir);
  const transformers = await import('@huggingface/transformers').catch((cause: unknown) => {
    throw new IncontextError('EMBEDDING_FAILED', 'The ONNX embedder needs the package @huggingface/transformers, which failed to load', {
      cause,
      input: { path: dir },
      hint: 'Run `npm install` in the project; on Linux x64 keep `onnxruntime-node-install=skip` in .npmrc so its install script does not try to download CUDA files.',
    });
  });
  // No network at run time: a missing file must fail here, not trigger a download.
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;

  const load = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (cause) {
      throw new IncontextError('EMBEDDING_FAILED', `Cannot load the ${what} from ${dir}: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
        input: { path: dir },
        hint: 'The folder must hold an ONNX export of a sentence embedding model: config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx.',
      });
    }
  };
  // An absolute path is not a hub model id, so transformers.js reads it as a path as is.
  const tokenizer = await load('tokenizer', () => transformers.AutoTokenizer.from_pretrained(dir, { local_files_only: true }));
  const model = await load('ONNX model', () =>
    transformers.AutoModel.from_pretrained(dir, {
      local_files_only: true,
      subfolder: files.subfolder,
      model_file_name: files.fileName,
      dtype: files.dtype,
      device: 'cpu',
    }),
  );

  const pooling = options.pooling ?? 'mean';
  const doNormalize = options.normalize ?? true;
  const batchSize = options.batchSize ?? 16;

  const forward = async (texts: string[]): Promise<Float32Array[]> => {
    const inputs = tokenizer(texts, {
      padding: true,
      truncation: true,
      ...(options.maxLength !== undefined ? { max_length: options.maxLength } : {}),
    }) as Record<string, TensorLike>;
    const outputs = (await model(inputs)) as Record<string, TensorLike>;
    const hidden = outputs.last_hidden_state ?? outputs.token_embeddings ?? outputs.sentence_embedding ?? Object.values(outputs)[0];
    const mask = inputs.attention_mask;
    if (!hidden || !mask) throw new IncontextError('EMBEDDING_FAILED', `The model in ${dir} returned no output tensor`, { input: { path: dir }, hint: 'Use an encoder model whose ONNX graph outputs last_hidden_state.' });
    return pool(hidden, mask, pooling).map((v) => (doNormalize ? l2normalize(v) : v));
  };

  const run = async (texts: string[], embedOptions?: EmbedOptions): Promise<Float32Array[]> => {
    const prefix = embedOptions?.kind === 'query' ? (options.queryPrefix ?? '') : (options.documentPrefix ?? '');
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      embedOptions?.signal?.throwIfAborted();
      const batch = texts.slice(start, start + batchSize).map((t) => prefix + t);
      try {
        out.push(...(await forward(batch)));
      } catch (cause) {
        if (IncontextError.isInstance(cause)) throw cause;
        throw new IncontextError('EMBEDDING_FAILED', `ONNX embedding failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
          cause,
          input: { path: dir },
          hint: 'Check that the model is a text encoder with input_ids/attention_mask inputs.',
        });
      }
    }
    return out;
  };

  // One forward pass now: learns the vector size and surfaces a broken model at startup rather than mid-ingest.
  const [probe] = await run(['dimension probe']);
  const dimensions = probe?.length ?? 0;
  return {
    id: `onnx:${basename(dir)}${pooling === 'cls' ? ':cls' : ''}`,
    dimensions,
    embed: run,
  };
}

/** Pool [batch, seq, hidden] token vectors (or pass through [batch, hidden] sentence vectors). */
export function pool(hidden: TensorLike, mask: TensorLike, pooling: 'mean' | 'cls'): Float32Array[] {
  const data = hidden.data;
  if (hidden.dims.length === 2) {
    const [batch = 0, size = 0] = hidden.dims;
    return Array.from({ length: batch }, (_, b) => Float32Array.from({ length: size }, (_, d) => Number(data[b * size + d])));
  }
  const [batch = 0, seq = 0, size = 0] = hidden.dims;
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const v = new Float32Array(size);
    if (pooling === 'cls') {
      for (let d = 0; d < size; d++) v[d] = Number(data[b * seq * size + d]);
    } else {
      let count = 0;
      for (let t = 0; t < seq; t++) {
        if (Number(mask.data[b * seq + t]) === 0) continue;
        count++;
        const base = (b * seq + t) * size;
        for (let d = 0; d < size; d++) v[d] = v[d]! + Number(data[base + d]);
      }
      if (count > 0) for (let d = 0; d < size; d++) v[d] = v[d]! / count;
    }
    out.push(v);
  }
  return out;
}

interface ModelFiles {
  subfolder: string;
  fileName: string;
  dtype: 'fp32' | 'q8';
}

function locateModelFiles(dir: string): ModelFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new IncontextError('NOT_FOUND', `ONNX model folder not found: ${dir}`, {
      input: { path: dir, key: 'embed.model' },
      hint: 'Point onnx:<folder> at a folder with config.json, tokenizer.json and onnx/model.onnx (an ONNX export of e.g. all-MiniLM-L6-v2 or bge-small-en).',
    });
  }
  for (const file of ['config.json', 'tokenizer.json']) {
    if (!existsSync(join(dir, file))) {
      throw new IncontextError('NOT_FOUND', `ONNX model folder ${dir} has no ${file}`, {
        input: { path: join(dir, file), key: 'embed.model' },
        hint: 'Copy the tokenizer and config files of the model next to its ONNX file.',
      });
    }
  }
  // transformers.js names a file <model_file_name><dtype suffix>.onnx: "" for fp32, "_quantized" for q8.
  const candidates: Array<[string, string, ModelFiles['dtype']]> = [
    ['onnx', 'model.onnx', 'fp32'],
    ['', 'model.onnx', 'fp32'],
    ['onnx', 'model_quantized.onnx', 'q8'],
    ['', 'model_quantized.onnx', 'q8'],
  ];
  for (const [subfolder, file, dtype] of candidates) {
    if (existsSync(join(dir, subfolder, file))) return { subfolder, fileName: 'model', dtype };
  }
  throw new IncontextError('NOT_FOUND', `ONNX model folder ${dir} has no model.onnx`, {
    input: { path: join(dir, 'onnx', 'model.onnx'), key: 'embed.model' },
    hint: `Put the model at ${join(dir, 'onnx', 'model.onnx')} (or ${join(dir, 'model.onnx')}).`,
  });
}
