/**
 * The one model stack every call goes through — the library's ask, the CLI's, `/v1`
 * pass-through and agent steps alike:
 *
 *   call context → trace (llm span) → output guard → response cache → gateway (rate limit →
 *   route → cascade → retry/fallback → breaker → budget) → provider
 *
 * The output guard sits inside the trace, so the span records the guarded answer, and outside
 * the cache, so a cached answer is guarded under the policy in force now.
 *
 * The order is set here and nowhere else. Gateway events (route decision, every
 * provider attempt, refusals) become spans under the call's `llm` span.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { wrapLanguageModel } from 'ai';
import type { LanguageModelV4, LanguageModelV4Middleware } from '@ai-sdk/provider';
import type { Config } from '../config/index.js';
import { IncontextError, type Logger } from '../core/index.js';
import type { Embedder } from '../embed/index.js';
import { PROVIDER_SECRET_NAMES, resolveLanguageModel } from '../model/index.js';
import { MASTER_KEY_ENV, openProjectSecrets, type ProjectSecretsReader } from '../tenancy/index.js';
import { allOf, createGateway, judgeVerifier, selfConsistencyVerifier, MemoryBudgetStore, MemoryRateLimitStore, nonAbstentionVerifier, RedisBudgetStore, RedisRateLimitStore, SqliteBudgetStore, type BudgetLimit, type BudgetOptions, type Gateway, type GatewayEvent, type GatewayOptions, type RateLimit, type RateLimitOptions, type RouteRule, type Target } from '../gateway/index.js';
import { cacheMiddleware, createMemoryCacheBackend, openRedisCacheBackend, openSqliteCacheBackend, type CacheBackend, type CacheEvent } from '../cache/index.js';
import { traceMiddleware, type Tracer } from '../trace/index.js';
import type { ModelGuardHook } from './guarding.js';

/** Who is calling; becomes `providerOptions.incontext` of every call, read by cache, gateway and trace. */
export interface CallContext {
  project: string;
  /** API key id (never the secret). */
  key?: string;
  /** The key's own rate limits and budgets, from its tenancy record. */
  keyLimits?: { requestsPerMinute?: number; tokensPerMinute?: number; dailyUsd?: number; monthlyUsd?: number };
  user?: string;
  /** Version of the retrieved context: a re-ingest changes it, so cached RAG answers never go stale. */
  contextVersion?: string;
  promptVersion?: string;
  metadata?: Record<string, string>;
}

export interface ModelStack {
  /** `spec` is an alias from `gateway.aliases` or a `provider:model` spec; a bad spec throws here, before any call. */
  /** `guardInput`: check the call's user messages against the input policy (pass-through calls; ask checks its question itself). */
  model(spec: string, context: CallContext, tracer: Tracer, options?: { guardInput?: boolean }): { model: LanguageModelV4; id: string };
  readonly gateway: Gateway;
  /**
   * A per-project variant of `shared`, built by `build` from the project's vault provider secrets and
   * rebuilt when they change; `shared` for a project without any. Embedders and rerankers use it so a
   * project's own keys pay for its embeddings and reranking too, not only for its model calls.
   */
  perProject<T>(shared: T, build: (project: string, secrets: Readonly<Record<string, string>>) => T): (project: string) => T;
  close(): Promise<void>;
}

export interface ModelStackDeps {
  config: Config;
  env: NodeJS.ProcessEnv;
  /** Where the SQLite cache tables live; undefined keeps the cache in memory. */
  dbPath: string | undefined;
  embedder: () => Promise<Embedder>;
  /** The embedder of one project (its own provider keys, when its vault has them); the semantic cache embeds each call's question with the calling project's. */
  projectEmbedder?: (project: string) => Promise<Embedder>;
  logger: Logger;
  /** The project's guard policy as middleware; it may hand back a tracer to give the trace middleware (to find the llm span). */
  guard?: ModelGuardHook;
  /**
   * Projects' provider secrets (OPENAI_API_KEY, ...), which win over `env` for that project's calls.
   * Default: the vault in the `dbPath` file, opened on the first call, master key from `env`.
   */
  vault?: ProjectSecretsReader;
}

/** Projects with their own provider keys kept at once, each with its own gateway (and so its own circuit breakers). */
const MAX_PROJECT_VARIANTS = 1000;

export function createModelStack(deps: ModelStackDeps): ModelStack {
  const { config, env, logger } = deps;
  const g = config.gateway;
  /**
   * The call's tracer and project: gateway events and routing happen inside the call, in its async
   * context. `lookupStart` times the cache lookup under way.
   */
  const current = new AsyncLocalStorage<{ tracer: Tracer; project: string; lookupStart?: number }>();

  /** Spec → target, cached per credential set; a failure (a missing key) is not cached, so a fix takes effect. */
  const resolver = (project: () => string | undefined, secrets?: Readonly<Record<string, string>>) => {
    const targets = new Map<string, Target>();
    return (spec: string): Target => {
      let t = targets.get(spec);
      if (!t) {
        const p = project();
        const r = resolveLanguageModel(spec, env, { ...(p !== undefined ? { project: p } : {}), ...(secrets ? { secrets } : {}) });
        t = { id: r.id, model: r.model };
        targets.set(spec, t);
      }
      return t;
    };
  };

  // With redis.url, limits, budgets and the cache are shared by every replica; otherwise
  // budgets persist in the SQLite file and rate limits are per process.
  const redisUrl = config.redis.url;
  const closers: Array<() => unknown> = [];
  const owned = <T extends { close(): unknown }>(x: T): T => (closers.push(() => x.close()), x);
  // Zod's output marks absent optionals `| undefined`; the gateway's options (exactOptionalPropertyTypes) want them absent.
  const rate = plain<{ perKey?: RateLimit; perProject?: RateLimit; projects: Record<string, RateLimit> }>(g.rateLimit);
  // Always in the chain, even with nothing configured: an API key's own limits (from its tenancy
  // record) arrive with the call. With no limit for a call both layers pass it straight through.
  const rateLimit: RateLimitOptions = {
    ...(rate.perKey ? { perKey: rate.perKey } : {}),
    ...(rate.perProject ? { perProject: rate.perProject } : {}),
    projects: rate.projects,
    // One store for the shared gateway and every project's own, so counts survive a gateway rebuilt after a key change.
    store: redisUrl ? owned(new RedisRateLimitStore({ url: redisUrl })) : new MemoryRateLimitStore(),
  };
  const b = plain<{ perProject?: BudgetLimit; perKey?: BudgetLimit; projects: Record<string, BudgetLimit>; degradeTo?: string }>(g.budget);
  const budget: BudgetOptions = {
    ...(b.perProject ? { perProject: b.perProject } : {}),
    ...(b.perKey ? { perKey: b.perKey } : {}),
    projects: b.projects,
    ...(b.degradeTo ? { degrade: [{ type: 'model' as const, model: b.degradeTo }] } : {}),
    store: redisUrl
      ? owned(new RedisBudgetStore({ url: redisUrl }))
      : deps.dbPath
        ? owned(new SqliteBudgetStore({ path: deps.dbPath }))
        : new MemoryBudgetStore(),
  };

  const options: GatewayOptions = {
    env,
    route: { aliases: g.aliases, fallbacks: g.fallbacks, rules: routeRules(g.rules) },
    retry: g.retry,
    breaker: g.breaker,
    rateLimit,
    budget,
    onEvent: (event) => {
      const call = current.getStore();
      if (call) recordEvent(call.tracer, event);
    },
  };
  // Projects without provider secrets share one gateway on the server's environment.
  const resolveShared = resolver(() => current.getStore()?.project);
  const shared = { gateway: createGateway({ ...options, resolve: resolveShared }), resolve: resolveShared };
  const vault = vaultReader(deps);
  const variants: Array<{ close(): void }> = [];
  const perProject = <T>(sharedValue: T, build: (project: string, secrets: Readonly<Record<string, string>>) => T) => {
    const f = projectVariants(vault, deps.logger, sharedValue, build);
    variants.push(f);
    return f;
  };
  const forProject = perProject<GatewayFor>(shared, (project, secrets) => {
    const resolve = resolver(() => project, secrets);
    return { gateway: createGateway({ ...options, resolve }), resolve };
  });
  const gateway = shared.gateway;

  /** The shared embedder's id and size, embedding with the calling project's embedder (same model, its own keys). */
  const callerEmbedder = (base: Embedder): Embedder => {
    const forProject = deps.projectEmbedder;
    if (!forProject) return base;
    return {
      id: base.id,
      dimensions: base.dimensions,
      embed: async (texts, o) => {
        const project = current.getStore()?.project;
        return (project === undefined ? base : await forProject(project)).embed(texts, o);
      },
    };
  };

  // The cache needs the embedder (semantic) and is built on first use, so a CLI that never calls a model never opens it.
  let cacheP: Promise<{ middleware: LanguageModelV4Middleware; backend: CacheBackend }> | undefined;
  const cacheOn = config.cache.exact || config.cache.semantic;
  const cache = () => {
    cacheP ??= (async () => {
      const backendOptions = { maxEntries: config.cache.maxEntries, ...(config.cache.ttlSeconds ? { ttlMs: config.cache.ttlSeconds * 1000 } : {}) };
      const backend = redisUrl
        ? openRedisCacheBackend({ url: redisUrl, ...backendOptions })
        : deps.dbPath
          ? openSqliteCacheBackend({ path: deps.dbPath, ...backendOptions })
          : createMemoryCacheBackend(backendOptions);
      const middleware = cacheMiddleware({
        ...(config.cache.exact ? { exact: { backend } } : {}),
        ...(config.cache.semantic ? { semantic: { backend, embedder: callerEmbedder(await deps.embedder()), threshold: config.cache.threshold, routeThresholds: config.cache.routeThresholds } } : {}),
        onEvent: (e: CacheEvent) => {
          if (e.type === 'error') logger.warn('cache bypassed', { code: e.error.code, message: e.error.message });
          const call = current.getStore();
          if ((e.type === 'hit' || e.type === 'miss') && call?.lookupStart !== undefined) {
            recordLookup(call.tracer, e, call.lookupStart);
            // With both caches on, the semantic lookup starts where the exact one ended.
            call.lookupStart = call.tracer.now();
          }
        },
      });
      return { middleware, backend };
    })();
    return cacheP;
  };
  const startLookup = () => {
    const call = current.getStore();
    if (call) call.lookupStart = call.tracer.now();
  };
  const lazyCache: LanguageModelV4Middleware = {
    specificationVersion: 'v4',
    wrapGenerate: async (o) => (startLookup(), (await cache()).middleware.wrapGenerate!(o)),
    wrapStream: async (o) => (startLookup(), (await cache()).middleware.wrapStream!(o)),
  };

  /** Gateway events are reported from inside the call, so the tracer of the call is in async context. */
  const bindCall = (call: { tracer: Tracer; project: string }): LanguageModelV4Middleware => ({
    specificationVersion: 'v4',
    wrapGenerate: ({ doGenerate }) => current.run({ ...call }, doGenerate),
    wrapStream: ({ doStream }) => current.run({ ...call }, doStream),
  });

  return {
    gateway,
    perProject,
    model(spec, context, tracer, modelOptions = {}) {
      // The project's own keys, if its vault holds any; checked per call, so a rotated key is used from the next one.
      const own = forProject(context.project);
      // An alias resolves per call (routing may pick any of its targets); a spec is checked now,
      // so a typo or a missing key is reported before anything is retrieved or spent.
      const alias = spec in g.aliases || g.rules.some((r) => matchesModel(r.when?.model, spec));
      const id = alias ? spec : current.run({ tracer, project: context.project }, () => own.resolve(spec)).id;
      const incontext = {
        project: context.project,
        projectId: context.project,
        ...(context.key ? { key: context.key } : {}),
        ...(context.keyLimits ? { keyLimits: context.keyLimits } : {}),
        ...(context.user ? { user: context.user } : {}),
        ...(context.contextVersion ? { contextVersion: context.contextVersion } : {}),
        ...(context.promptVersion ? { promptVersion: context.promptVersion } : {}),
        ...(context.metadata ? { metadata: context.metadata } : {}),
      };
      const withContext: LanguageModelV4Middleware = {
        specificationVersion: 'v4',
        transformParams: async ({ params }) => ({
          ...params,
          providerOptions: { ...params.providerOptions, incontext: { ...incontext, ...(params.providerOptions?.incontext ?? {}) } },
        }),
      };
      const guard = deps.guard?.(context.project, tracer, { input: modelOptions.guardInput ?? false });
      const middleware = [withContext, traceMiddleware(guard?.tracer ?? tracer), bindCall({ tracer, project: context.project }), ...(guard ? [guard.middleware] : []), ...(cacheOn ? [lazyCache] : [])];
      return { model: wrapLanguageModel({ model: own.gateway(id), middleware }), id };
    },
    async close() {
      for (const v of variants) v.close();
      vault.close();
      for (const close of closers) await close();
      if (cacheP) await (await cacheP).backend.close();
    },
  };
}

interface GatewayFor {
  gateway: Gateway;
  resolve: (spec: string) => Target;
}

/** The vault's reader of provider secrets, opened on first use (the `dbPath` file, master key from `env`). */
function vaultReader(deps: ModelStackDeps): { get(): ProjectSecretsReader | undefined; close(): void } {
  let reader: ProjectSecretsReader | undefined = deps.vault;
  let own = false;
  return {
    get() {
      if (!reader && deps.dbPath) {
        reader = openProjectSecrets({ path: deps.dbPath, ...(deps.env[MASTER_KEY_ENV] ? { masterKey: deps.env[MASTER_KEY_ENV] } : {}) });
        own = true;
      }
      return reader;
    },
    close() {
      if (own) reader?.close();
    },
  };
}

/**
 * What a project's calls go through (a gateway, an embedder, a reranker): its own, built on its
 * vault's provider secrets, or the shared one when it has none. Rebuilt when the vault's version for
 * the project moves (a secret set, replaced, deleted or re-encrypted, here or by another process on
 * the same file), so a key change needs no restart. A project's gateway has its own circuit breakers:
 * one tenant's failing or throttled key must not open the circuit for everyone.
 */
function projectVariants<T>(
  vault: { get(): ProjectSecretsReader | undefined },
  logger: Logger,
  shared: T,
  build: (project: string, secrets: Readonly<Record<string, string>>) => T,
): ((project: string) => T) & { close(): void } {
  const known = new Map<string, { version: number; value: T }>();
  const forProject = (project: string): T => {
    const reader = vault.get();
    if (!reader) return shared;
    const version = reader.version(project);
    const hit = known.get(project);
    if (hit && hit.version === version) return hit.value;
    let secrets: Record<string, string>;
    try {
      secrets = reader.read(project, PROVIDER_SECRET_NAMES);
    } catch (e) {
      // Refuse rather than fall back: the project chose its own keys, and the server's must not pay for its calls.
      throw unreadableVault(e, project);
    }
    const names = Object.keys(secrets);
    const value = names.length > 0 ? build(project, secrets) : shared;
    known.delete(project);
    if (known.size >= MAX_PROJECT_VARIANTS) known.delete(known.keys().next().value as string);
    known.set(project, { version, value });
    if (names.length > 0) logger.debug('provider secrets from the vault', { project, names: names.sort() });
    return value;
  };
  return Object.assign(forProject, { close: () => known.clear() });
}

function unreadableVault(e: unknown, project: string): IncontextError {
  const cause = IncontextError.isInstance(e) ? e : undefined;
  return new IncontextError(cause?.code ?? 'STORE_FAILED', `project "${project}" keeps provider secrets in the vault, but they cannot be read: ${cause?.message ?? String(e)}`, {
    ...(cause?.input ? { input: cause.input } : {}),
    hint: `${cause?.hint ?? 'Check the vault.'} Until then the project's model calls are refused, not sent with the server's own keys.`,
    // The server's configuration is at fault, not the caller's request.
    status: 500,
    cause: e,
  });
}

function matchesModel(model: string | string[] | undefined, spec: string): boolean {
  return model === spec || (Array.isArray(model) && model.includes(spec));
}

/** A cache lookup as a `cache` span under the call's `llm` span: hit or miss, which cache, how close. */
function recordLookup(tracer: Tracer, e: Extract<CacheEvent, { type: 'hit' | 'miss' }>, startTime: number): void {
  const score = e.type === 'hit' ? e.score : e.bestScore;
  tracer
    .startSpan(`cache ${e.kind}`, 'cache', {
      startTime,
      attributes: { hit: e.type === 'hit', cacheKind: e.kind, ...(score !== undefined ? { similarity: score } : {}), ...(e.type === 'miss' && e.refused ? { refused: e.refused } : {}) },
    })
    .end('ok');
}

/** Provider attempts as `llm.attempt` spans (timed from their real start); decisions as zero-length `route` spans. */
function recordEvent(tracer: Tracer, event: GatewayEvent): void {
  const now = tracer.now();
  switch (event.type) {
    case 'attempt': {
      const span = tracer.startSpan(`attempt ${event.target}`, 'llm.attempt', {
        startTime: now - event.durationMs,
        attributes: {
          model: event.target,
          attempt: event.attempt,
          ...(event.status !== undefined ? { httpStatus: event.status } : {}),
          ...(event.retryable !== undefined ? { retryable: event.retryable } : {}),
        },
      });
      span.end(event.ok ? 'ok' : 'error', event.ok ? undefined : new Error(event.error ?? 'attempt failed'));
      return;
    }
    case 'route':
      tracer.startSpan('route', 'route', { attributes: { rule: event.rule, requested: event.requested, targets: event.targets, cascade: event.cascade } }).end('ok');
      return;
    case 'fallback':
      tracer.startSpan('fallback', 'route', { attributes: { from: event.from, to: event.to, reason: event.reason } }).end('ok');
      return;
    case 'breaker-skip':
      tracer.startSpan('breaker open', 'route', { attributes: { target: event.target, retryAfterMs: event.retryAfterMs } }).end('ok');
      return;
    case 'rate-limit':
      if (!event.allowed) tracer.startSpan('rate limited', 'route', { attributes: { key: event.key, retryAfterMs: event.retryAfterMs ?? 0 } }).end('error', new Error('rate limited'));
      return;
    case 'budget':
      if (event.action === 'refuse' || event.action === 'degrade') {
        tracer.startSpan(`budget ${event.action}`, 'route', { attributes: { target: event.target, amountUsd: event.amountUsd, scopes: event.scopes, ...(event.detail ? { detail: event.detail } : {}) } }).end(event.action === 'refuse' ? 'error' : 'ok');
      }
      return;
    case 'cascade':
      tracer.startSpan(`cascade tier ${event.tier}`, 'route', { attributes: { tier: event.tier, target: event.target, passed: event.passed, escalated: event.escalated, ...(event.reason ? { reason: event.reason } : {}) } }).end('ok');
      return;
    default:
      return;
  }
}

/** Config is plain JSON: a JSON round trip drops the keys Zod left `undefined`. */
function plain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Config rules → gateway rules: a cascade's verifiers are named in the config and built here. */
function routeRules(rules: Config['gateway']['rules']): RouteRule[] {
  return rules.map((r) => {
    type CascadeConfig = NonNullable<Config['gateway']['rules'][number]['cascade']>;
    const { cascade, ...rest } = plain<Omit<RouteRule, 'cascade'> & { cascade?: CascadeConfig }>(r);
    if (!cascade) return rest;
    const verifiers = cascade.verify.map((name) => {
      switch (name) {
        case 'json':
          return jsonVerifier;
        case 'judge':
          return judgeVerifier(cascade.judge ? { model: cascade.judge } : {});
        case 'consistent':
          return selfConsistencyVerifier({ samples: cascade.samples });
        default:
          return nonAbstentionVerifier();
      }
    });
    return { ...rest, cascade: { tiers: cascade.tiers, verify: allOf(...verifiers) } };
  });
}

const jsonVerifier = ({ text }: { text: string }): { ok: true } | { ok: false; reason: string } => {
  try {
    JSON.parse(text);
    return { ok: true };
  } catch {
    return { ok: false, reason: 'the answer is not valid JSON' };
  }
};
