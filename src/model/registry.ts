/**
 * Provider registry: turn a `provider:model` spec into an AI SDK language model.
 * Keys and base URLs come from the `env` passed in (process.env by default), so a
 * caller — a test, a tenant's vault — decides exactly what a model sees. (When `env`
 * sets no base URL, the OpenAI and Anthropic providers still fall back to their own
 * default, which honours OPENAI_BASE_URL / ANTHROPIC_BASE_URL in process.env.)
 */
import { createCohere } from '@ai-sdk/cohere';
import type { RerankingModelV4 } from '@ai-sdk/provider';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createMistral } from '@ai-sdk/mistral';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { createOllama } from 'ollama-ai-provider-v2';
import { IncontextError } from '../core/index.js';
import { createLocalModel } from './local.js';

export interface ResolvedModel {
  model: LanguageModelV4;
  /** Canonical spec, e.g. `openai:gpt-4o-mini`; what traces and the price table use. */
  id: string;
  provider: string;
}

export const PROVIDERS = ['local', 'openai', 'anthropic', 'google', 'mistral', 'cohere', 'ollama', 'openai-compatible', 'llama-cpp'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

const DEFAULT_OLLAMA_BASE_URL = 'http://localhost:11434/api';

export function parseModelSpec(spec: string): { provider: ProviderName; modelId: string } {
  const trimmed = spec.trim();
  if (trimmed === 'local') return { provider: 'local', modelId: 'extractive' };
  // Split at the first colon only: Ollama tags ("llama3.2:3b") and Windows paths keep theirs.
  const colon = trimmed.indexOf(':');
  if (colon <= 0) {
    throw new IncontextError('CONFIG_INVALID', `model "${spec}" is not a provider:model spec`, {
      input: { key: 'model' },
      hint: `write provider:model with provider one of ${PROVIDERS.join(', ')}, e.g. openai:gpt-4o-mini or local`,
    });
  }
  const provider = trimmed.slice(0, colon).toLowerCase();
  const modelId = trimmed.slice(colon + 1).trim();
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    throw new IncontextError('CONFIG_INVALID', `unknown model provider "${provider}"`, {
      input: { key: 'model' },
      hint: `use one of ${PROVIDERS.join(', ')}, e.g. openai:gpt-4o-mini, anthropic:claude-3-5-haiku-latest, ollama:llama3.2 or local`,
    });
  }
  if (!modelId) {
    throw new IncontextError('CONFIG_INVALID', `model spec "${spec}" names no model after "${provider}:"`, {
      input: { key: 'model' },
      hint: provider === 'local' ? 'write local or local:extractive' : `write ${provider}:<model id>`,
    });
  }
  return { provider: provider as ProviderName, modelId };
}

export function resolveLanguageModel(spec: string, env: NodeJS.ProcessEnv = process.env): ResolvedModel {
  const { provider, modelId } = parseModelSpec(spec);
  const id = `${provider}:${modelId}`;
  switch (provider) {
    case 'local': {
      if (modelId !== 'extractive') {
        throw new IncontextError('CONFIG_INVALID', `unknown local model "${modelId}"`, {
          input: { key: 'model' },
          hint: 'the built-in local model is local:extractive; for a GGUF file use llama-cpp:<path.gguf>',
        });
      }
      return { model: createLocalModel(), id, provider };
    }
    case 'openai': {
      const apiKey = requireEnv(env, 'OPENAI_API_KEY', id);
      const baseURL = optionalEnv(env, 'OPENAI_BASE_URL');
      const openai = createOpenAI({ apiKey, ...(baseURL ? { baseURL } : {}) });
      // `openai(id)` in @ai-sdk/openai 4 is the Responses API (POST /responses), which
      // only OpenAI itself serves. OPENAI_BASE_URL usually points at an OpenAI-compatible
      // server (vLLM, LM Studio, LiteLLM, a proxy) that speaks chat completions, and
      // OpenAI serves that too, so `.chat` works against every server the variable may name.
      return { model: openai.chat(modelId), id, provider };
    }
    case 'anthropic': {
      const apiKey = requireEnv(env, 'ANTHROPIC_API_KEY', id);
      const baseURL = optionalEnv(env, 'ANTHROPIC_BASE_URL');
      const anthropic = createAnthropic({ apiKey, ...(baseURL ? { baseURL } : {}) });
      return { model: anthropic(modelId), id, provider };
    }
    case 'google': {
      const apiKey = requireEnv(env, 'GOOGLE_GENERATIVE_AI_API_KEY', id);
      const baseURL = optionalEnv(env, 'GOOGLE_BASE_URL');
      return { model: createGoogleGenerativeAI({ apiKey, ...(baseURL ? { baseURL } : {}) })(modelId), id, provider };
    }
    case 'mistral': {
      const apiKey = requireEnv(env, 'MISTRAL_API_KEY', id);
      const baseURL = optionalEnv(env, 'MISTRAL_BASE_URL');
      return { model: createMistral({ apiKey, ...(baseURL ? { baseURL } : {}) })(modelId), id, provider };
    }
    case 'cohere': {
      const apiKey = requireEnv(env, 'COHERE_API_KEY', id);
      const baseURL = optionalEnv(env, 'COHERE_BASE_URL');
      return { model: createCohere({ apiKey, ...(baseURL ? { baseURL } : {}) })(modelId), id, provider };
    }
    case 'ollama': {
      const ollama = createOllama({ baseURL: ollamaBaseURL(optionalEnv(env, 'OLLAMA_BASE_URL')) });
      return { model: ollama(modelId), id, provider };
    }
    case 'openai-compatible': {
      const baseURL = optionalEnv(env, 'OPENAI_COMPATIBLE_BASE_URL');
      if (!baseURL) {
        throw new IncontextError('MODEL_NOT_CONFIGURED', `model ${id} needs OPENAI_COMPATIBLE_BASE_URL`, {
          input: { key: 'OPENAI_COMPATIBLE_BASE_URL' },
          hint: 'set OPENAI_COMPATIBLE_BASE_URL to the server\'s /v1 URL (e.g. http://localhost:8000/v1) and, if it needs one, OPENAI_COMPATIBLE_API_KEY',
        });
      }
      const apiKey = optionalEnv(env, 'OPENAI_COMPATIBLE_API_KEY');
      const compatible = createOpenAICompatible({ name: 'openai-compatible', baseURL, ...(apiKey ? { apiKey } : {}) });
      return { model: compatible.chatModel(modelId), id, provider };
    }
    case 'llama-cpp':
      throw new IncontextError('MODEL_NOT_CONFIGURED', `model ${id} needs node-llama-cpp, which incontext does not bundle`, {
        input: { key: 'model', path: modelId },
        hint:
          'install it yourself (`npm i node-llama-cpp`) and serve the GGUF file with its OpenAI-compatible server, then use ' +
          'openai-compatible:<model> with OPENAI_COMPATIBLE_BASE_URL; or run it in Ollama and use ollama:<model>',
      });
  }
}

/** A reranking model (`cohere:rerank-v3.5`) for the provider-rerank retrieval step. */
export function resolveRerankingModel(spec: string, env: NodeJS.ProcessEnv = process.env): { model: RerankingModelV4; id: string } {
  const { provider, modelId } = parseModelSpec(spec);
  const id = `${provider}:${modelId}`;
  if (provider !== 'cohere') {
    throw new IncontextError('CONFIG_INVALID', `no reranking models for provider "${provider}"`, {
      input: { key: 'retrieve.rerankModel' },
      hint: 'use cohere:<model> (e.g. cohere:rerank-v3.5), or the local-rerank / llm-rerank steps, which need no reranking API',
    });
  }
  const apiKey = requireEnv(env, 'COHERE_API_KEY', id);
  const baseURL = optionalEnv(env, 'COHERE_BASE_URL');
  return { model: createCohere({ apiKey, ...(baseURL ? { baseURL } : {}) }).reranking(modelId), id };
}

function optionalEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function requireEnv(env: NodeJS.ProcessEnv, name: string, id: string): string {
  const value = optionalEnv(env, name);
  if (value) return value;
  throw new IncontextError('MODEL_NOT_CONFIGURED', `model ${id} needs ${name}, which is not set`, {
    input: { key: name },
    hint: `export ${name}=... (or put it in the vault), or use --model local for the built-in extractive model`,
  });
}

/**
 * The Ollama provider joins paths like "/chat" onto a base that must end in "/api".
 * People usually set OLLAMA_BASE_URL to the server root (as OLLAMA_HOST is), so
 * add "/api" when it is missing rather than fail with 404s.
 */
export function ollamaBaseURL(configured: string | undefined): string {
  if (!configured) return DEFAULT_OLLAMA_BASE_URL;
  const base = configured.replace(/\/+$/, '');
  return /\/api$/.test(base) ? base : `${base}/api`;
}
