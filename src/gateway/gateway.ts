/**
 * createGateway: the one place the middleware order is set. The result wraps
 * any LanguageModelV4 (or an alias / spec) into a model that the AI SDK's
 * generateText/streamText use like any other — with the AI SDK's own retries
 * turned off by the caller (`maxRetries: 0`), since the gateway owns them.
 */
import type {
  JSONObject,
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
  SharedV4ProviderMetadata,
} from '@ai-sdk/provider';
import { APICallError } from '@ai-sdk/provider';
import { resolveLanguageModel } from '../model/index.js';
import { createBreaker, type BreakerOptions } from './breaker.js';
import { budgetMiddleware, type BudgetOptions } from './budget.js';
import { cascadeMiddleware } from './cascade.js';
import { GatewayError } from './errors.js';
import { createInvoke } from './invoke.js';
import { rateLimitMiddleware, type RateLimitOptions } from './rate-limit.js';
import { retryMiddleware, type RetryOptions } from './retry.js';
import { routeMiddleware, type RouteOptions } from './route.js';
import { observeStream } from './stream.js';
import type { BreakerState, CallState, Clock, GatewayCall, GatewayContext, GatewayEventHandler, GatewayMiddleware, Handler, Target } from './types.js';

export interface GatewayOptions {
  /** Ready-made models by spec (tests, tenants' own clients); consulted before `resolve`. */
  models?: Readonly<Record<string, LanguageModelV4>>;
  /**
   * Spec → model for anything not in `models`. Default: the model registry with `env`. Return a
   * `Target` to name the id that breakers, budgets and prices key on (default: provider:modelId).
   */
  resolve?: (spec: string) => LanguageModelV4 | Target;
  env?: NodeJS.ProcessEnv;
  route?: RouteOptions;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  /** Off unless given. */
  rateLimit?: RateLimitOptions;
  /** Off unless given. */
  budget?: BudgetOptions;
  /** Longest silence between parts of a started stream. Default 60 s. */
  streamIdleTimeoutMs?: number;
  onEvent?: GatewayEventHandler;
  clock?: Partial<Clock>;
}

export interface Gateway {
  /** Wrap a model, or name an alias / `provider:model` spec, into a gateway model. */
  (model: LanguageModelV4 | string): LanguageModelV4;
  /** Circuit state of a target, for health endpoints and tests. */
  breakerState(target: string): BreakerState;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** `openai.chat` + `gpt-4o-mini` → `openai:gpt-4o-mini`, the spec form prices and breakers key on. */
export function targetId(model: LanguageModelV4): string {
  return `${model.provider.split('.')[0] ?? model.provider}:${model.modelId}`;
}

export function createGateway(options: GatewayOptions = {}): Gateway {
  const clock: Clock = { ...systemClock, ...options.clock };
  const emit: GatewayEventHandler = (event) => options.onEvent?.(event);
  const resolved = new Map<string, Target>();
  const resolve = (spec: string): Target => {
    let target = resolved.get(spec);
    if (!target) {
      const ready = options.models?.[spec];
      const given = ready ? undefined : options.resolve?.(spec);
      if (given && 'model' in given && 'id' in given) target = given;
      else {
        const model = ready ?? given ?? resolveLanguageModel(spec, options.env).model;
        target = { id: ready ? spec : targetId(model), model };
      }
      resolved.set(spec, target);
    }
    return target;
  };
  const breaker = createBreaker(options.breaker ?? {}, { clock, emit });
  const deps = { clock, emit, resolve };

  // Outermost first. Rate limits refuse before any work and count one request per
  // client call, however many attempts follow. Routing fixes the plan that the
  // cascade splits into tiers; each tier goes through retry/fallback, which calls
  // the breaker once per attempt (so an open circuit is skipped, not slept on);
  // the budget sits innermost so it reserves for the model actually called, and
  // a skipped or failed attempt releases its reservation.
  const chain: Array<GatewayMiddleware | undefined> = [
    options.rateLimit ? rateLimitMiddleware(options.rateLimit, deps) : undefined,
    routeMiddleware(options.route ?? {}, deps),
    cascadeMiddleware(deps),
    retryMiddleware(options.retry ?? {}, deps),
    breaker.middleware,
    options.budget ? budgetMiddleware(options.budget, deps) : undefined,
  ];
  const invoke = createInvoke(
    options.streamIdleTimeoutMs === undefined ? {} : { streamIdleTimeoutMs: options.streamIdleTimeoutMs },
  );
  const handler = chain.reduceRight<Handler>((next, m) => (m ? m.wrap(next) : next), invoke);

  const wrap = (model: LanguageModelV4 | string): LanguageModelV4 => {
    const base = typeof model === 'string' ? undefined : { id: targetId(model), model };
    if (base && !resolved.has(base.id)) resolved.set(base.id, base);
    const requested = base?.id ?? (model as string);
    const start = (mode: GatewayCall['mode'], params: LanguageModelV4CallOptions): GatewayCall => {
      const target = base ?? { id: requested, model: placeholder(requested) };
      return { mode, params, context: contextOf(requested, params), targets: [target], target, state: { attempts: [] } };
    };
    return {
      specificationVersion: 'v4',
      provider: 'incontext.gateway',
      modelId: requested,
      supportedUrls: base?.model.supportedUrls ?? {},
      async doGenerate(params) {
        const call = start('generate', params);
        const result = await handler.generate(call).catch(final);
        return { ...result, providerMetadata: withState(result.providerMetadata, call.state) };
      },
      async doStream(params) {
        const call = start('stream', params);
        const result = await handler.stream(call).catch(final);
        const stream = observeStream(result.stream, {
          onPart: (p): LanguageModelV4StreamPart | void =>
            p.type === 'finish' ? { ...p, providerMetadata: withState(p.providerMetadata, call.state) } : undefined,
          onEnd: () => undefined,
        });
        return { ...result, stream };
      },
    };
  };
  return Object.assign(wrap, { breakerState: (target: string) => breaker.state(target) });
}

/**
 * The gateway owns retries: nothing it throws may look retryable to the AI SDK's own
 * retry loop, or a caller who left `maxRetries` on would multiply every attempt.
 */
function final(error: unknown): never {
  if (APICallError.isInstance(error) && error.isRetryable) {
    throw new GatewayError('all-failed', error.message, { cause: error, hint: 'the gateway gave up on this error; see its cause' });
  }
  throw error;
}

/** Stands in for an alias until routing replaces it; reached only if no route resolves it. */
function placeholder(spec: string): LanguageModelV4 {
  const fail = (): never => {
    throw new Error(`no route resolves "${spec}"`);
  };
  return { specificationVersion: 'v4', provider: 'incontext.unresolved', modelId: spec, supportedUrls: {}, doGenerate: fail, doStream: fail };
}

/** Who is calling: `providerOptions.incontext = { project, key, metadata }` of the call. */
function contextOf(requested: string, params: LanguageModelV4CallOptions): GatewayContext {
  const own = params.providerOptions?.incontext ?? {};
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const metadata: Record<string, string> = {};
  const raw = own.metadata;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') metadata[k] = v;
  }
  const project = str(own.project);
  const key = str(own.key);
  const limits: Record<string, number> = {};
  const rawLimits = own.keyLimits;
  if (rawLimits && typeof rawLimits === 'object' && !Array.isArray(rawLimits)) {
    for (const name of ['requestsPerMinute', 'tokensPerMinute', 'dailyUsd', 'monthlyUsd'] as const) {
      const v = (rawLimits as Record<string, unknown>)[name];
      if (typeof v === 'number' && v > 0) limits[name] = v;
    }
  }
  return { requested, metadata, ...(project ? { project } : {}), ...(key ? { key } : {}), ...(Object.keys(limits).length ? { keyLimits: limits } : {}) };
}

function withState(meta: SharedV4ProviderMetadata | undefined, state: CallState): SharedV4ProviderMetadata {
  const info: JSONObject = {
    attempts: state.attempts.map((a) => ({ target: a.target, attempt: a.attempt, ok: a.ok, durationMs: a.durationMs, ...(a.error ? { error: a.error } : {}) })),
  };
  if (state.answeredBy !== undefined) info.answeredBy = state.answeredBy;
  if (state.route !== undefined) info.route = state.route;
  if (state.tier !== undefined) info.tier = state.tier;
  if (state.degraded !== undefined) info.degraded = state.degraded;
  return { ...meta, incontext: info };
}

/**
 * The gateway as an AI SDK middleware, for `wrapLanguageModel({ model, middleware: [..., asMiddleware(gw)] })`
 * next to other AI SDK middleware. It should be the innermost one: it may call other models than
 * the one it wraps, and middleware inside it would only ever see the wrapped model.
 */
export function asMiddleware(gateway: Gateway): LanguageModelV4Middleware {
  return {
    specificationVersion: 'v4',
    wrapGenerate: ({ params, model }) => gateway(model).doGenerate(params),
    wrapStream: ({ params, model }) => gateway(model).doStream(params),
  };
}
