/**
 * Public types of the gateway: the middleware chain every model call goes
 * through (routing, cascade, retries and fallback, circuit breaker, rate limits,
 * budgets). The AI SDK's own `LanguageModelV4Middleware` wraps ONE model; a
 * gateway must be able to switch models mid-call (fallback, cascade, degrade),
 * so each layer here sees the whole plan (`targets`) and the current `target`.
 */
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4Prompt,
  LanguageModelV4StreamResult,
} from '@ai-sdk/provider';

/** One concrete model the gateway may call. */
export interface Target {
  /** Canonical `provider:model` spec; keys the breaker and the price table. */
  id: string;
  model: LanguageModelV4;
}

/** Who is calling and why; read from `providerOptions.incontext` of the call. */
export interface GatewayContext {
  /** What the caller asked for: an alias (`fast`) or a `provider:model` spec. */
  requested: string;
  project?: string;
  /** API key id (never the secret itself). */
  key?: string;
  /**
   * The key's own limits (from its record in the tenancy store), set by the server after
   * authentication; they win over `keys` / `perKey` of the gateway's options.
   */
  keyLimits?: Readonly<RateLimit & { dailyUsd?: number; monthlyUsd?: number }>;
  metadata: Readonly<Record<string, string>>;
}

/** Injected time and randomness, so tests never sleep and weights are deterministic. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

/** Mutable record of one request, shared by the layers; ends up in providerMetadata.incontext. */
export interface CallState {
  attempts: AttemptRecord[];
  route?: string;
  tier?: number;
  /** Id of the target that produced the answer. */
  answeredBy?: string;
  degraded?: string;
}

export interface AttemptRecord {
  target: string;
  attempt: number;
  durationMs: number;
  ok: boolean;
  error?: string;
}

export interface CascadePlan {
  tiers: readonly (readonly Target[])[];
  verify: Verifier;
}

export interface GatewayCall {
  mode: 'generate' | 'stream';
  params: LanguageModelV4CallOptions;
  context: GatewayContext;
  /** Ordered plan: primary first, then fallbacks. */
  targets: readonly Target[];
  /** The target of the current attempt (set by the retry layer). */
  target: Target;
  /** Set by routing when the request should go through a cascade. */
  cascade?: CascadePlan;
  /** Aborts the current attempt (caller cancel, attempt timeout or deadline). */
  signal?: AbortSignal;
  state: CallState;
}

export interface Handler {
  generate(call: GatewayCall): Promise<LanguageModelV4GenerateResult>;
  /** Resolves only once the stream has produced its first content part (see invoke.ts). */
  stream(call: GatewayCall): Promise<LanguageModelV4StreamResult>;
}

export interface GatewayMiddleware {
  name: string;
  wrap(next: Handler): Handler;
}

/** What a verifier sees of a finished answer. */
export interface VerifierInput {
  text: string;
  call: GatewayCall;
  /**
   * Ask a model again from below the cascade, so retries, the breaker and the budget apply and
   * every attempt is traced: the same tier by default, or `model` (a spec or alias), with the
   * prompt or sampling changed. Resolves to the answer's text.
   */
  ask(change: VerifierAsk): Promise<string>;
}

export interface VerifierAsk {
  prompt?: LanguageModelV4Prompt;
  temperature?: number;
  maxOutputTokens?: number;
  model?: string;
}

export type VerifierVerdict = { ok: true } | { ok: false; reason: string };
export type Verifier = (input: VerifierInput) => VerifierVerdict | Promise<VerifierVerdict>;

/** Everything the gateway did, for traces and logs. */
export type GatewayEvent =
  | { type: 'route'; rule: string; requested: string; targets: string[]; cascade: boolean }
  | {
      type: 'attempt';
      target: string;
      attempt: number;
      durationMs: number;
      ok: boolean;
      error?: string;
      status?: number;
      retryable?: boolean;
    }
  | { type: 'retry-wait'; target: string; attempt: number; delayMs: number; source: 'retry-after' | 'backoff' }
  | { type: 'fallback'; from: string; to: string; reason: string }
  | { type: 'breaker'; target: string; state: BreakerState; previous: BreakerState }
  | { type: 'breaker-skip'; target: string; retryAfterMs: number }
  | { type: 'cascade'; tier: number; target: string; passed: boolean; reason?: string; escalated: boolean }
  | { type: 'rate-limit'; key: string; allowed: boolean; requests: number; tokens: number; retryAfterMs?: number }
  | {
      type: 'budget';
      action: 'reserve' | 'settle' | 'release' | 'refuse' | 'degrade';
      target: string;
      amountUsd: number;
      scopes: string[];
      detail?: string;
    }
  /** A backend failed while settling after the answer was sent; nobody is left to throw to. */
  | { type: 'store-error'; store: 'rate-limit' | 'budget'; error: string };

export type GatewayEventHandler = (event: GatewayEvent) => void;

export type BreakerState = 'closed' | 'open' | 'half-open';

// ---- backends -------------------------------------------------------------

export interface RateLimit {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterMs: number; limit: 'requests' | 'tokens' };

/**
 * Token buckets keyed by an opaque string. `take` must be atomic across both
 * dimensions: either both are taken or neither (Redis: one Lua script).
 */
export interface RateLimitStore {
  take(key: string, amount: { requests: number; tokens: number }, limit: RateLimit, now: number): Promise<RateLimitDecision>;
  /** Return (positive) or charge (negative) tokens once the real usage is known. */
  adjustTokens(key: string, tokens: number, limit: RateLimit, now: number): Promise<void>;
}

export interface BudgetLine {
  /** e.g. `project:acme` or `key:k1`. */
  scope: string;
  /** `day:2026-11-23` or `month:2026-11` (UTC). */
  period: string;
  limitUsd: number;
}

export type BudgetReservation =
  | { ok: true; id: string }
  | { ok: false; line: BudgetLine; spentUsd: number; reservedUsd: number };

/**
 * Spend per (scope, period). `reserve` must be atomic over all lines: it either
 * books `amountUsd` against every line or against none, so concurrent calls can
 * never jointly pass a limit.
 *
 * A reservation not settled within `ttlMs` (a crashed process, a stream nobody
 * read to the end) counts as spent in full: budgets err toward refusing, and
 * reservations can never leak into a permanently lowered limit. A late settle
 * still corrects the spend to the actual cost.
 */
export interface BudgetStore {
  reserve(lines: readonly BudgetLine[], amountUsd: number, options: { now: number; ttlMs: number }): Promise<BudgetReservation>;
  /** Replace the reservation with the actual cost (0 releases it). */
  settle(id: string, actualUsd: number): Promise<void>;
  usage(scope: string, period: string): Promise<{ spentUsd: number; reservedUsd: number }>;
}
