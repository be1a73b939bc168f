/**
 * Turn the `embed.model` config string into an Embedder. Keys come only from
 * environment variables, never from the spec or the config file.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createOllama } from 'ollama-ai-provider-v2';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { IncontextError } from '../core/index.js';
import { createGloveEmbedder } from './glove/index.js';
import { createHashingEmbedder } from './hashing.js';
import { createOnnxEmbedder } from './onnx.js';
import { createProviderEmbedder } from './provider.js';
import type { Embedder } from './types.js';

export type EmbedEnv = Record<string, string | undefined>;

export interface ResolveEmbedderOptions {
  /** Texts per provider request; default 64. */
  batchSize?: number;
}

export const EMBEDDER_SPECS = [
  'local',
  'local:glove',
  'local:hash',
  'local:hash-<dimensions>',
  'onnx:<model folder>',
  'openai:<model>',
  'openai-compatible:<model>',
  'ollama:<model>',
] as const;

// Sizes of well-known models, so `dimensions` is right before the first call.
const KNOWN_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
  'nomic-embed-text': 768,
  'mxbai-embed-large': 1024,
  'all-minilm': 384,
  'bge-m3': 1024,
  'snowflake-arctic-embed': 1024,
};

export async function resolveEmbedder(spec: string, env: EmbedEnv, cacheDir: string, options: ResolveEmbedderOptions = {}): Promise<Embedder> {
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(':');
  const provider = colon < 0 ? trimmed : trimmed.slice(0, colon);
  const rest = colon < 0 ? '' : trimmed.slice(colon + 1);
  // Ollama tags ("nomic-embed-text:latest") do not change the vector size.
  const known = KNOWN_DIMENSIONS[rest.replace(/:.*$/, '')];
  const providerOptions = {
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(known !== undefined ? { dimensions: known } : {}),
  };
  switch (provider) {
    case 'local': {
      if (rest === '' || rest === 'glove' || rest === 'glove-sif-100d') return createGloveEmbedder({ cacheDir });
      const hash = /^hash(?:[-:](\d+))?$/.exec(rest);
      if (hash) return createHashingEmbedder(hash[1] ? { dimensions: Number(hash[1]) } : {});
      throw invalid(spec, `unknown local embedder "${rest}"`);
    }
    case 'onnx': {
      if (!rest) throw invalid(spec, 'onnx: needs the model folder, e.g. onnx:./models/bge-small-en');
      return createOnnxEmbedder({ modelDir: isAbsolute(rest) ? rest : resolvePath(rest) });
    }
    case 'openai': {
      requireModel(spec, rest);
      const apiKey = env.OPENAI_API_KEY;
      if (!apiKey) throw missingEnv(spec, 'OPENAI_API_KEY');
      const openai = createOpenAI({ apiKey, ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}) });
      return createProviderEmbedder(openai.embeddingModel(rest), trimmed, providerOptions);
    }
    case 'openai-compatible': {
      requireModel(spec, rest);
      const baseURL = env.OPENAI_BASE_URL;
      if (!baseURL) throw missingEnv(spec, 'OPENAI_BASE_URL');
      const compatible = createOpenAICompatible({ name: 'openai-compatible', baseURL, ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}) });
      return createProviderEmbedder(compatible.embeddingModel(rest), trimmed, providerOptions);
    }
    case 'ollama': {
      requireModel(spec, rest);
      const ollama = createOllama(env.OLLAMA_BASE_URL ? { baseURL: env.OLLAMA_BASE_URL } : {});
      return createProviderEmbedder(ollama.textEmbeddingModel(rest), trimmed, providerOptions);
    }
    default:
      throw invalid(spec, `unknown embedding provider "${provider}"`);
  }
}

function invalid(spec: string, why: string): IncontextError {
  return new IncontextError('CONFIG_INVALID', `Invalid embedding model "${spec}": ${why}`, {
    input: { key: 'embed.model' },
    hint: `Use one of: ${EMBEDDER_SPECS.join(', ')}.`,
  });
}

function requireModel(spec: string, model: string): void {
  if (!model) throw invalid(spec, 'the model name after the colon is missing');
}

function missingEnv(spec: string, name: string): IncontextError {
  return new IncontextError('MODEL_NOT_CONFIGURED', `Embedding model "${spec}" needs the environment variable ${name}`, {
    input: { key: 'embed.model' },
    hint: `Set ${name} in the environment (keys are never read from the config file), or use embed.model "local".`,
  });
}
