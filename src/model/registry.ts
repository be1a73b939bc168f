/**
 * Provider registry: turn a `provider:model` spec into an AI SDK language model.
 * Keys and base URLs come from a project's vault secrets (`options.secrets`) and then from the
 * `env` passed in (process.env by default), under the rules in credentials.ts. (When neither
 * sets a base URL, the OpenAI and Anthropic providers still fall back to their own default,
 * which honours OPENAI_BASE_URL / ANTHROPIC_BASE_URL in process.env.)
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
import { credentialsFor, secretHint, type Credentials, type ResolveOptions } from './credentials.js';
import { createLocalModel } from './local.js';
import { PROVIDERS, type ProviderName } from './providers.js';
import { withSecretsRedacted } from './redact-secrets.js';
import { leanOpenAIChat } from './openai-lean.js';

export interface ResolvedModel {
  model: LanguageModelV4;
  /** Canonical spec, e.g. `openai:gpt-4o-mini`; what traces and the price table use. */
  id: string;
  provider: string;
}

export { PROVIDERS, type ProviderName } from './providers.js';

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

/**
 * `options.secrets` are a project's vault secrets by environment variable name; they win over
 * `env`, and errors of the model they build never show their values.
 */
export function resolveLanguageModel(spec: string, env: NodeJS.ProcessEnv = process.env, options: ResolveOptions = {}): ResolvedModel {
  const { provider, modelId } = parseModelSpec(spec);
  const creds = credentialsFor(provider, env, options);
  const resolved = buildLanguageModel(provider, modelId, creds, options.project);
  const secrets = creds.fromVault;
  return Object.keys(secrets).length > 0 ? { ...resolved, model: withSecretsRedacted(resolved.model, secrets) } : resolved;
}

function buildLanguageModel(provider: ProviderName, modelId: string, creds: Credentials, project: string | undefined): ResolvedModel {
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
      const apiKey = creds.require('OPENAI_API_KEY', id);
      const baseURL = creds.optional('OPENAI_BASE_URL');
      const openai = createOpenAI({ apiKey, ...(baseURL ? { baseURL } : {}) });
      // `openai(id)` in @ai-sdk/openai 4 is the Responses API (POST /responses), which
      // only OpenAI itself serves. OPENAI_BASE_URL usually points at an OpenAI-compatible
      // server (vLLM, LM Studio, LiteLLM, a proxy) that speaks chat completions, and
      // OpenAI serves that too, so `.chat` works against every server the variable may name.
      return { model: leanOpenAIChat(openai.chat(modelId)), id, provider };
    }
    case 'anthropic': {
      const apiKey = creds.require('ANTHROPIC_API_KEY', id);
      const baseURL = creds.optional('ANTHROPIC_BASE_URL');
      const anthropic = createAnthropic({ apiKey, ...(baseURL ? { baseURL } : {}) });
      return { model: anthropic(modelId), id, provider };
    }
    case 'google': {
      const apiKey = creds.require('GOOGLE_GENERATIVE_AI_API_KEY', id);
      const baseURL = creds.optional('GOOGLE_BASE_URL');
      return { model: createGoogleGenerativeAI({ apiKey, ...(baseURL ? { baseURL } : {}) })(modelId), id, provider };
    }
    case 'mistral': {
      const apiKey = creds.require('MISTRAL_API_KEY', id);
      const baseURL = creds.optional('MISTRAL_BASE_URL');
      return { model: createMistral({ apiKey, ...(baseURL ? { baseURL } : {}) })(modelId), id, provider };
    }
    case 'cohere': {
      const apiKey = creds.require('COHERE_API_KEY', id);
      const baseURL = creds.optional('COHERE_BASE_URL');
      return { model: createCohere({ apiKey, ...(baseURL ? { baseURL } : {}) })(modelId), id, provider };
    }
    case 'ollama': {
      const ollama = createOllama({ baseURL: ollamaBaseURL(creds.optional('OLLAMA_BASE_URL')) });
      return { model: ollama(modelId), id, provider };
    }
    case 'openai-compatible': {
      const baseURL = creds.optional('OPENAI_COMPATIBLE_BASE_URL');
      if (!baseURL) {
        const where = project === undefined ? '' : `: project "${project}" has no such secret and the server's environment does not set it`;
        const how = "set OPENAI_COMPATIBLE_BASE_URL to the server's /v1 URL (e.g. http://localhost:8000/v1) and, if it needs one, OPENAI_COMPATIBLE_API_KEY";
        throw new IncontextError('MODEL_NOT_CONFIGURED', `model ${id} needs OPENAI_COMPATIBLE_BASE_URL${where}`, {
          input: { key: 'OPENAI_COMPATIBLE_BASE_URL' },
          hint: project === undefined ? how : `${how}; ${secretHint('OPENAI_COMPATIBLE_BASE_URL', project)}`,
        });
      }
      const apiKey = creds.optional('OPENAI_COMPATIBLE_API_KEY');
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
export function resolveRerankingModel(spec: string, env: NodeJS.ProcessEnv = process.env, options: ResolveOptions = {}): { model: RerankingModelV4; id: string } {
  const { provider, modelId } = parseModelSpec(spec);
  const creds = credentialsFor(provider, env, options);
  const id = `${provider}:${modelId}`;
  if (provider !== 'cohere') {
    throw new IncontextError('CONFIG_INVALID', `no reranking models for provider "${provider}"`, {
      input: { key: 'retrieve.rerankModel' },
      hint: 'use cohere:<model> (e.g. cohere:rerank-v3.5), or the local-rerank / llm-rerank steps, which need no reranking API',
    });
  }
  const apiKey = creds.require('COHERE_API_KEY', id);
  const baseURL = creds.optional('COHERE_BASE_URL');
  return { model: createCohere({ apiKey, ...(baseURL ? { baseURL } : {}) }).reranking(modelId), id };
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
