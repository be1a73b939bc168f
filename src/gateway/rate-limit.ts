/**
 * Rate limits per API key and per project: requests and tokens per minute, as
 * token buckets (a bucket holds one minute's allowance and refills
 * continuously, so bursts up to the limit pass and sustained traffic is held
 * to the rate). Tokens are charged up front (prompt + max output) and the
 * difference is returned when the real usage is known.
 */
import type { LanguageModelV4Usage } from '@ai-sdk/provider';
import { GatewayError } from './errors.js';
import { countInputTokens } from './route.js';
import type {
  Clock,
  GatewayCall,
  GatewayEventHandler,
  GatewayMiddleware,
  Handler,
  RateLimit,
  RateLimitDecision,
  RateLimitStore,
} from './types.js';
import { observeStream } from './stream.js';

export interface RateLimitOptions {
  store?: RateLimitStore;
  /** Applied to every key / project without an entry of its own. */
  perKey?: RateLimit;
  perProject?: RateLimit;
  keys?: Readonly<Record<string, RateLimit>>;
  projects?: Readonly<Record<string, RateLimit>>;
  /** Output tokens to charge when the call sets no maxOutputTokens. Default 1024. */
  defaultOutputTokens?: number;
}

interface Bucket {
  requests: number;
  tokens: number;
  at: number;
}

/** In-process buckets; one Node process is atomic by construction (no await inside `take`). */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly buckets = new Map<string, Bucket>();

  private refill(key: string, limit: RateLimit, now: number): Bucket {
    const rpm = limit.requestsPerMinute ?? Infinity;
    const tpm = limit.tokensPerMinute ?? Infinity;
    const b = this.buckets.get(key) ?? { requests: rpm, tokens: tpm, at: now };
    const elapsed = Math.max(0, now - b.at);
    b.requests = Math.min(rpm, b.requests + (elapsed * rpm) / 60_000);
    b.tokens = Math.min(tpm, b.tokens + (elapsed * tpm) / 60_000);
    b.at = now;
    this.buckets.set(key, b);
    return b;
  }

  take(key: string, amount: { requests: number; tokens: number }, limit: RateLimit, now: number): Promise<RateLimitDecision> {
    const b = this.refill(key, limit, now);
    const wait = (have: number, need: number, perMinute: number | undefined): number =>
      perMinute === undefined || have >= need ? 0 : need > perMinute ? Infinity : Math.ceil(((need - have) * 60_000) / perMinute);
    const requestWait = wait(b.requests, amount.requests, limit.requestsPerMinute);
    const tokenWait = wait(b.tokens, amount.tokens, limit.tokensPerMinute);
    if (requestWait > 0 || tokenWait > 0) {
      const byTokens = tokenWait > requestWait;
      return Promise.resolve({ allowed: false, retryAfterMs: Math.max(requestWait, tokenWait), limit: byTokens ? 'tokens' : 'requests' });
    }
    b.requests -= amount.requests;
    b.tokens -= amount.tokens;
    return Promise.resolve({ allowed: true });
  }

  adjustTokens(key: string, tokens: number, limit: RateLimit, now: number): Promise<void> {
    const b = this.refill(key, limit, now);
    b.tokens = Math.min(limit.tokensPerMinute ?? Infinity, b.tokens + tokens);
    return Promise.resolve();
  }
}

export function rateLimitMiddleware(options: RateLimitOptions, deps: { clock: Clock; emit: GatewayEventHandler }): GatewayMiddleware {
  const store = options.store ?? new MemoryRateLimitStore();
  const defaultOutput = options.defaultOutputTokens ?? 1024;

  function limitsFor(call: GatewayCall): Array<{ key: string; limit: RateLimit }> {
    const out: Array<{ key: string; limit: RateLimit }> = [];
    const { key, project } = call.context;
    const own = call.context.keyLimits;
    const ownRate = own && (own.requestsPerMinute !== undefined || own.tokensPerMinute !== undefined) ? { ...(own.requestsPerMinute !== undefined ? { requestsPerMinute: own.requestsPerMinute } : {}), ...(own.tokensPerMinute !== undefined ? { tokensPerMinute: own.tokensPerMinute } : {}) } : undefined;
    const k = key === undefined ? undefined : (ownRate ?? options.keys?.[key] ?? options.perKey);
    if (key !== undefined && k) out.push({ key: `key:${key}`, limit: k });
    const p = project === undefined ? undefined : (options.projects?.[project] ?? options.perProject);
    if (project !== undefined && p) out.push({ key: `project:${project}`, limit: p });
    return out;
  }

  async function admit(call: GatewayCall): Promise<{ charged: number; buckets: Array<{ key: string; limit: RateLimit }> }> {
    const buckets = limitsFor(call);
    if (buckets.length === 0) return { charged: 0, buckets };
    const charged = countInputTokens(call.params) + (call.params.maxOutputTokens ?? defaultOutput);
    const taken: typeof buckets = [];
    for (const b of buckets) {
      const decision = await store.take(b.key, { requests: 1, tokens: charged }, b.limit, deps.clock.now());
      deps.emit({
        type: 'rate-limit',
        key: b.key,
        allowed: decision.allowed,
        requests: 1,
        tokens: charged,
        ...(decision.allowed ? {} : { retryAfterMs: decision.retryAfterMs }),
      });
      if (!decision.allowed) {
        // Give back what the earlier buckets took, so a refusal costs nothing.
        for (const t of taken) await store.adjustTokens(t.key, charged, t.limit, deps.clock.now());
        throw refusal(b.key, b.limit, decision, charged);
      }
      taken.push(b);
    }
    return { charged, buckets };
  }

  async function settle(admitted: { charged: number; buckets: Array<{ key: string; limit: RateLimit }> }, used: number): Promise<void> {
    for (const b of admitted.buckets) await store.adjustTokens(b.key, admitted.charged - used, b.limit, deps.clock.now());
  }

  return {
    name: 'rate-limit',
    wrap(next: Handler): Handler {
      return {
        async generate(call) {
          const admitted = await admit(call);
          try {
            const result = await next.generate(call);
            await settle(admitted, usedTokens(result.usage, admitted.charged));
            return result;
          } catch (error) {
            await settle(admitted, 0);
            throw error;
          }
        },
        async stream(call) {
          const admitted = await admit(call);
          let result;
          try {
            result = await next.stream(call);
          } catch (error) {
            await settle(admitted, 0);
            throw error;
          }
          let usage: LanguageModelV4Usage | undefined;
          const stream = observeStream(result.stream, {
            onPart: (p) => {
              if (p.type === 'finish') usage = p.usage;
            },
            onEnd: () => {
              settle(admitted, usage ? usedTokens(usage, admitted.charged) : admitted.charged).catch((error: unknown) =>
                deps.emit({ type: 'store-error', store: 'rate-limit', error: String(error) }),
              );
            },
          });
          return { ...result, stream };
        },
      };
    },
  };
}

function usedTokens(usage: LanguageModelV4Usage, charged: number): number {
  const total = (usage.inputTokens.total ?? 0) + (usage.outputTokens.total ?? 0);
  return total > 0 ? total : charged;
}

function refusal(key: string, limit: RateLimit, decision: Extract<RateLimitDecision, { allowed: false }>, tokens: number): GatewayError {
  const never = !Number.isFinite(decision.retryAfterMs);
  const per = decision.limit === 'tokens' ? `${limit.tokensPerMinute} tokens` : `${limit.requestsPerMinute} requests`;
  return new GatewayError('rate-limited', `rate limit of ${per} per minute reached for ${key}`, {
    key,
    hint: never
      ? `this request needs ${tokens} tokens, more than the whole per-minute allowance: shorten it or lower maxOutputTokens`
      : 'slow down or ask for a higher limit',
    ...(never ? {} : { retryAfterMs: decision.retryAfterMs }),
  });
}
