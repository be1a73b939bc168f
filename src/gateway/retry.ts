/**
 * Retries and fallback. For each target in the plan: retry transient failures
 * with exponential backoff and full jitter (or the provider's Retry-After when
 * it sent one), each attempt under its own timeout, all of it under one total
 * deadline; then move to the next target. Unlike LiteLLM/Portkey, a Retry-After
 * longer than we are willing to wait is not slept through: we fall back at once.
 */
import { classifyError, GatewayError, type ErrorClass, type ErrorInfo } from './errors.js';
import type { Clock, GatewayCall, GatewayEventHandler, GatewayMiddleware, Handler } from './types.js';

export interface RetryOptions {
  /** Attempts per target, first included. Default 3. */
  maxAttempts?: number;
  /** First backoff cap; doubles each retry. Default 250 ms. */
  baseDelayMs?: number;
  /** Largest backoff cap. Default 8 s. */
  maxDelayMs?: number;
  /** A Retry-After above this is not waited for: the next target is tried instead. Default 30 s. */
  maxRetryAfterMs?: number;
  /** Per attempt; for streams, until the first content part. Default 30 s. */
  attemptTimeoutMs?: number;
  /** The whole request, all targets and waits included. Default 120 s. */
  deadlineMs?: number;
  /**
   * Override the built-in decision (e.g. retry a vendor's spurious 400). Receives the
   * built-in verdict; return it unchanged for the default behaviour.
   */
  classify?: (error: unknown, info: ErrorInfo) => ErrorClass;
}

interface Deps {
  clock: Clock;
  emit: GatewayEventHandler;
}

export function retryMiddleware(options: RetryOptions, deps: Deps): GatewayMiddleware {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const base = options.baseDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 8_000;
  const maxRetryAfter = options.maxRetryAfterMs ?? 30_000;
  const attemptTimeout = options.attemptTimeoutMs ?? 30_000;
  const deadlineMs = options.deadlineMs ?? 120_000;
  const { clock, emit } = deps;

  /** Full jitter (AWS architecture blog): uniform in [0, cap], which spreads a thundering herd best. */
  const backoff = (retry: number): number => Math.floor(clock.random() * Math.min(maxDelay, base * 2 ** (retry - 1)));

  function run<T>(next: (call: GatewayCall) => Promise<T>): (call: GatewayCall) => Promise<T> {
    return async (call) => {
      const start = clock.now();
      const parent = call.params.abortSignal;
      const errors: string[] = [];
      let last: unknown;
      let lastInfo: ErrorInfo | undefined;
      for (const [index, target] of call.targets.entries()) {
        if (index > 0) {
          const from = call.targets[index - 1]?.id ?? '';
          emit({ type: 'fallback', from, to: target.id, reason: lastInfo?.message ?? 'failed' });
        }
        for (let attempt = 1; attempt <= maxAttempts; attempt++) {
          const remaining = deadlineMs - (clock.now() - start);
          if (remaining <= 0) throw deadlineError(deadlineMs, errors, last);
          const began = clock.now();
          try {
            const result = await withTimeout(
              (signal) => next({ ...call, target, signal }),
              Math.min(attemptTimeout, remaining),
              target.id,
              parent,
            );
            const durationMs = clock.now() - began;
            call.state.attempts.push({ target: target.id, attempt, durationMs, ok: true });
            call.state.answeredBy = target.id;
            emit({ type: 'attempt', target: target.id, attempt, durationMs, ok: true });
            return result;
          } catch (error) {
            if (parent?.aborted) throw error;
            const builtIn = classifyError(error, clock.now());
            const info = options.classify ? { ...builtIn, kind: options.classify(error, builtIn) } : builtIn;
            const durationMs = clock.now() - began;
            last = error;
            lastInfo = info;
            errors.push(`${target.id}#${attempt}: ${info.message}`);
            call.state.attempts.push({ target: target.id, attempt, durationMs, ok: false, error: info.message });
            emit({
              type: 'attempt',
              target: target.id,
              attempt,
              durationMs,
              ok: false,
              error: info.message,
              retryable: info.kind === 'retry',
              ...(info.status === undefined ? {} : { status: info.status }),
            });
            if (info.kind === 'fatal') throw error;
            if (info.kind === 'fallback' || attempt === maxAttempts) break;
            const fromHeader = info.retryAfterMs !== undefined;
            const delay = fromHeader ? (info.retryAfterMs ?? 0) : backoff(attempt);
            const left = deadlineMs - (clock.now() - start);
            // Waiting longer than the provider allows, or past our deadline, helps nobody: move on.
            if ((fromHeader && delay > maxRetryAfter) || delay >= left) break;
            emit({ type: 'retry-wait', target: target.id, attempt, delayMs: delay, source: fromHeader ? 'retry-after' : 'backoff' });
            await clock.sleep(delay, parent);
          }
        }
      }
      throw allFailed(call, errors, last, lastInfo);
    };
  }

  return {
    name: 'retry',
    wrap(next: Handler): Handler {
      return { generate: run((c) => next.generate(c)), stream: run((c) => next.stream(c)) };
    },
  };
}

async function withTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  ms: number,
  target: string,
  parent: AbortSignal | undefined,
): Promise<T> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent?.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  // Built only when the timer fires: an error captures a stack, and nearly every attempt finishes in time.
  let timeoutError: GatewayError | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timeoutError = new GatewayError('attempt-timeout', `${target} did not answer within ${ms} ms`, {
        hint: 'raise gateway.retry.attemptTimeoutMs if this model is slow, or add a fallback model',
      });
      controller.abort(timeoutError);
      reject(timeoutError);
    }, ms);
  });
  try {
    return await Promise.race([fn(controller.signal), timeout]);
  } catch (error) {
    // The provider's own AbortError after our timeout is the timeout.
    throw timeoutError !== undefined && controller.signal.reason === timeoutError ? timeoutError : error;
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onAbort);
  }
}

function deadlineError(deadlineMs: number, errors: string[], cause: unknown): GatewayError {
  return new GatewayError('deadline', `no model answered within the ${deadlineMs} ms deadline: ${errors.join('; ')}`, {
    hint: 'raise gateway.retry.deadlineMs or check the providers named above',
    cause,
  });
}

function allFailed(call: GatewayCall, errors: string[], cause: unknown, info: ErrorInfo | undefined): GatewayError {
  const allOpen = call.state.attempts.length > 0 && errors.every((e) => /circuit open/.test(e));
  return new GatewayError(
    allOpen ? 'circuit-open' : 'all-failed',
    `every model failed (${call.targets.map((t) => t.id).join(', ')}): ${errors.join('; ')}`,
    {
      hint: allOpen
        ? 'every provider is cooling down after repeated failures; try again shortly'
        : 'check the providers named above; add fallback models under gateway.fallbacks',
      cause,
      ...(info?.retryAfterMs === undefined ? {} : { retryAfterMs: info.retryAfterMs }),
    },
  );
}
