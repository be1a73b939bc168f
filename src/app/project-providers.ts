/**
 * The embedder and the reranking model a project uses, on its own provider keys when its vault
 * holds them (the same secrets, under the same rules, as its model calls: a project that sets its
 * own base URL never gets the server's key sent there). Projects without such secrets share the
 * server's. The vector index does not change: the embedding model is still `embed.model`.
 */
import type { RerankingModelV4 } from '@ai-sdk/provider';
import { IncontextError } from '../core/index.js';
import { resolveEmbedder, withEmbeddingCache, type Embedder } from '../embed/index.js';
import { PROVIDER_ENV, resolveRerankingModel, secretHint, type ProviderName } from '../model/index.js';
import type { Store } from '../store/index.js';
import type { ModelStack } from './models.js';

/** The provider secrets an embedder of `spec` reads, by the names resolveEmbedder uses. */
function embedderGroup(spec: string): { key?: string; baseURL?: string } | undefined {
  const provider = spec.trim().split(':')[0];
  // The OpenAI-compatible embedder reads OPENAI_API_KEY / OPENAI_BASE_URL, like the OpenAI one.
  if (provider === 'openai' || provider === 'openai-compatible') return PROVIDER_ENV.openai;
  if (provider === 'ollama') return PROVIDER_ENV.ollama;
  return undefined;
}

/**
 * The environment an embedder of the project reads: the project's key and base URL over the
 * server's, except that a project's own base URL drops the server's key (as credentials.ts does
 * for models).
 */
export function projectEmbedEnv(group: { key?: string; baseURL?: string }, env: NodeJS.ProcessEnv, secrets: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  const ownEndpoint = group.baseURL !== undefined && secrets[group.baseURL] !== undefined;
  if (ownEndpoint && group.key !== undefined) delete out[group.key];
  for (const name of [group.key, group.baseURL]) if (name !== undefined && secrets[name] !== undefined) out[name] = secrets[name];
  return out;
}

export interface ProjectEmbeddersDeps {
  spec: string;
  env: NodeJS.ProcessEnv;
  cacheDir: string;
  batchSize: number;
  store: Store;
  stack: Pick<ModelStack, 'perProject'>;
  /** The server's embedder (also what every project without its own keys uses). */
  shared: () => Promise<Embedder>;
}

export function projectEmbedders(deps: ProjectEmbeddersDeps): (project: string) => Promise<Embedder> {
  const group = embedderGroup(deps.spec);
  if (!group) return () => deps.shared();
  const names = [group.key, group.baseURL].filter((n): n is string => n !== undefined);
  const forProject = deps.stack.perProject<(() => Promise<Embedder>) | undefined>(undefined, (project, secrets) => {
    if (!names.some((n) => secrets[n] !== undefined)) return undefined;
    let p: Promise<Embedder> | undefined;
    return () =>
      (p ??= resolveEmbedder(deps.spec, projectEmbedEnv(group, deps.env, secrets), deps.cacheDir).then(
        (e) => withEmbeddingCache(e, deps.store.embeddingCache, { batchSize: deps.batchSize }),
        (e: unknown) => {
          p = undefined;
          throw forProjectError(e, project, group);
        },
      ));
  });
  return (project) => (forProject(project) ?? deps.shared)();
}

/** A missing key of a project's embedder, said for the project: where to store it. */
function forProjectError(e: unknown, project: string, group: { key?: string; baseURL?: string }): unknown {
  if (!IncontextError.isInstance(e) || e.code !== 'MODEL_NOT_CONFIGURED' || group.key === undefined) return e;
  return new IncontextError('MODEL_NOT_CONFIGURED', `${e.message}: project "${project}" sets its own ${group.baseURL} in its vault, and the server's ${group.key} is never sent to a base URL a project chose`, {
    input: { key: group.key },
    hint: secretHint(group.key, project),
    cause: e,
  });
}

/**
 * A reranking model that resolves per call: on the project's COHERE_API_KEY (and base URL) when its
 * vault holds them, else on the server's. A missing key fails the rerank step with the project named
 * and how to store the key, not the server's start.
 */
export function projectReranker(spec: string, env: NodeJS.ProcessEnv, stack: Pick<ModelStack, 'perProject'>, project: string): RerankingModelV4 {
  const forProject = stack.perProject<Readonly<Record<string, string>>>({}, (_p, secrets) => secrets);
  let cached: { secrets: Readonly<Record<string, string>>; model: RerankingModelV4 } | undefined;
  const current = (): RerankingModelV4 => {
    const secrets = forProject(project);
    if (cached?.secrets !== secrets) cached = { secrets, model: resolveRerankingModel(spec, env, { project, secrets }).model };
    return cached.model;
  };
  const [provider = '', modelId = ''] = spec.split(/:(.*)/s);
  return {
    specificationVersion: 'v4',
    provider: provider as ProviderName,
    modelId,
    doRerank: (options) => current().doRerank(options),
  };
}

/**
 * `retrieve.rerankModel` checked at start: a spec that can never work (not a reranking provider)
 * fails now; a missing key does not, since projects may keep their own in the vault.
 */
export function checkRerankSpec(spec: string, env: NodeJS.ProcessEnv): void {
  try {
    resolveRerankingModel(spec, env);
  } catch (e) {
    if (!IncontextError.isInstance(e) || e.code !== 'MODEL_NOT_CONFIGURED') throw e;
  }
}
