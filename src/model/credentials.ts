/**
 * Where a provider's key and base URL come from: a project's vault secrets first, the process
 * environment second. Secret names are the environment variable names, so one name means the
 * same thing in `export`, in the vault and in the docs.
 *
 * A project's base URL is never combined with the server's own key: a tenant who could point
 * OPENAI_BASE_URL at a host of their choosing would otherwise receive the operator's
 * OPENAI_API_KEY in the Authorization header. The other way round (a project's key sent to the
 * operator's base URL, e.g. a company proxy) is allowed: the operator runs the server and can
 * read the vault anyway. LiteLLM's per-team credentials bundle api_base and api_key the same way.
 */
import { IncontextError } from '../core/index.js';
import type { ProviderName } from './providers.js';

/** The environment variables each provider reads; also the vault secret names that override them per project. */
export const PROVIDER_ENV: Readonly<Record<ProviderName, { key?: string; baseURL?: string }>> = {
  local: {},
  openai: { key: 'OPENAI_API_KEY', baseURL: 'OPENAI_BASE_URL' },
  anthropic: { key: 'ANTHROPIC_API_KEY', baseURL: 'ANTHROPIC_BASE_URL' },
  google: { key: 'GOOGLE_GENERATIVE_AI_API_KEY', baseURL: 'GOOGLE_BASE_URL' },
  mistral: { key: 'MISTRAL_API_KEY', baseURL: 'MISTRAL_BASE_URL' },
  cohere: { key: 'COHERE_API_KEY', baseURL: 'COHERE_BASE_URL' },
  ollama: { baseURL: 'OLLAMA_BASE_URL' },
  'openai-compatible': { key: 'OPENAI_COMPATIBLE_API_KEY', baseURL: 'OPENAI_COMPATIBLE_BASE_URL' },
  'llama-cpp': {},
};

/** Every secret name the model registry reads; a project's other vault secrets never reach a provider. */
export const PROVIDER_SECRET_NAMES: readonly string[] = [
  ...new Set(Object.values(PROVIDER_ENV).flatMap((g) => [g.key, g.baseURL].filter((n): n is string => n !== undefined))),
].sort();

export interface ResolveOptions {
  /** The project the call is for; errors then say how to store the missing secret for it. */
  project?: string;
  /** The project's vault secrets (provider names only matter); they win over `env`. */
  secrets?: Readonly<Record<string, string>>;
}

/** Shell-quoted when needed, so a hint can be pasted. */
const arg = (s: string): string => (/^[A-Za-z0-9_.:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** How to store one secret for one project, with the CLI and the admin API. */
export function secretHint(name: string, project: string): string {
  return (
    `store it for the project: printf %s "$${name}" | incontext secrets set ${name} --project ${arg(project)} ` +
    `(or PUT /api/admin/secrets/${name} {"value": ...} with an admin key of the project)`
  );
}

/** A stored base URL that is not one fails here, by name, instead of as an obscure fetch error (which would also echo it). */
function checkBaseURL(value: string, name: string, project: string): void {
  const ok = URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol);
  if (!ok) {
    throw new IncontextError('MODEL_NOT_CONFIGURED', `project "${project}" stores ${name}, but it is not an http(s) URL`, {
      input: { key: name },
      hint: `store the server's URL, e.g. http://localhost:8000/v1: ${secretHint(name, project)}`,
    });
  }
}

export interface Credentials {
  optional(name: string): string | undefined;
  require(name: string, model: string): string;
  /** The values taken from the project's vault, by name: errors of this model must never show them. */
  readonly fromVault: Readonly<Record<string, string>>;
}

const clean = (v: string | undefined): string | undefined => {
  const t = v?.trim();
  return t ? t : undefined;
};

export function credentialsFor(provider: ProviderName, env: NodeJS.ProcessEnv, options: ResolveOptions = {}): Credentials {
  const group = PROVIDER_ENV[provider];
  const vault = options.secrets ?? {};
  const project = options.project;
  const fromVault: Record<string, string> = {};
  const vaultValue = (name: string): string | undefined => clean(vault[name]);
  // The project chose its own endpoint: the server's key for this provider is off limits.
  const ownEndpoint = group.baseURL !== undefined && vaultValue(group.baseURL) !== undefined;

  const optional = (name: string): string | undefined => {
    const own = vaultValue(name);
    if (own !== undefined) {
      if (name === group.baseURL && project !== undefined) checkBaseURL(own, name, project);
      fromVault[name] = own;
      return own;
    }
    if (ownEndpoint && name === group.key) return undefined;
    return clean(env[name]);
  };

  const require = (name: string, model: string): string => {
    const value = optional(name);
    if (value !== undefined) return value;
    if (project !== undefined && ownEndpoint && name === group.key) {
      throw new IncontextError('MODEL_NOT_CONFIGURED', `model ${model} needs ${name} in the vault of project "${project}": the project sets its own ${group.baseURL} there, and the server's ${name} is never sent to a base URL a project chose`, {
        input: { key: name },
        hint: `${secretHint(name, project)}; or delete the project's ${group.baseURL} (incontext secrets rm ${group.baseURL} --project ${arg(project)}) to use the server's endpoint and key`,
      });
    }
    if (project !== undefined) {
      throw new IncontextError('MODEL_NOT_CONFIGURED', `model ${model} needs ${name}: project "${project}" has no such secret and the server's environment does not set it`, {
        input: { key: name },
        hint: `${secretHint(name, project)}; or export ${name}=... for every project; or use the built-in model local`,
      });
    }
    throw new IncontextError('MODEL_NOT_CONFIGURED', `model ${model} needs ${name}, which is not set`, {
      input: { key: name },
      hint: `export ${name}=... (or store it in a project's vault: incontext secrets set ${name} --project <id>), or use --model local for the built-in extractive model`,
    });
  };

  return { optional, require, fromVault };
}
