/**
 * Circuit breaker per target (`provider:model`). A model that keeps failing is
 * skipped for a cool-down instead of costing every request a timeout; then one
 * probe request is let through (half-open) and its outcome closes or re-opens
 * the circuit. Only provider-health failures count (5xx, 429, resets,
 * timeouts); a 400 says nothing about the provider and counts as neither.
 */
import { classifyError, GatewayError } from './errors.js';
import type { BreakerState, Clock, GatewayCall, GatewayEventHandler, GatewayMiddleware, Handler } from './types.js';

export interface BreakerOptions {
  /** Open after this many consecutive failures. Default 5. */
  failureThreshold?: number;
  /** Or when at least `minRequests` outcomes in `windowMs` fail at this rate (0..1). Off by default. */
  failureRate?: { rate: number; windowMs: number; minRequests: number };
  /** How long an open circuit stays open before a probe. Default 30 s. */
  cooldownMs?: number;
}

interface Circuit {
  state: BreakerState;
  consecutive: number;
  openedAt: number;
  probing: boolean;
  /** Recent outcomes for the failure-rate rule: [time, failed]. */
  window: Array<[number, boolean]>;
}

export interface Breaker {
  middleware: GatewayMiddleware;
  state(target: string): BreakerState;
}

export function createBreaker(options: BreakerOptions, deps: { clock: Clock; emit: GatewayEventHandler }): Breaker {
  const threshold = options.failureThreshold ?? 5;
  const cooldown = options.cooldownMs ?? 30_000;
  const { clock, emit } = deps;
  const circuits = new Map<string, Circuit>();

  const get = (id: string): Circuit => {
    let c = circuits.get(id);
    if (!c) {
      c = { state: 'closed', consecutive: 0, openedAt: 0, probing: false, window: [] };
      circuits.set(id, c);
    }
    return c;
  };
  const move = (id: string, c: Circuit, state: BreakerState): void => {
    if (c.state === state) return;
    const previous = c.state;
    c.state = state;
    emit({ type: 'breaker', target: id, state, previous });
  };

  /** Admit the call or throw circuit-open; returns whether this call is the half-open probe. */
  function admit(id: string): boolean {
    const c = get(id);
    if (c.state === 'closed') return false;
    const waited = clock.now() - c.openedAt;
    if (c.state === 'open' && waited >= cooldown) move(id, c, 'half-open');
    if (c.state === 'half-open' && !c.probing) {
      c.probing = true;
      return true;
    }
    const retryAfterMs = Math.max(0, cooldown - waited);
    emit({ type: 'breaker-skip', target: id, retryAfterMs });
    throw new GatewayError('circuit-open', `${id}: circuit open after repeated failures`, {
      hint: 'the gateway skips this model while it cools down; configure a fallback model',
      retryAfterMs,
    });
  }

  function record(id: string, failed: boolean): void {
    const c = get(id);
    const now = clock.now();
    c.probing = false;
    if (!failed) {
      c.consecutive = 0;
      if (c.state !== 'closed') c.window = [];
      move(id, c, 'closed');
    } else {
      c.consecutive++;
    }
    const rate = options.failureRate;
    if (rate) {
      c.window.push([now, failed]);
      c.window = c.window.filter(([t]) => now - t < rate.windowMs);
    }
    if (!failed) return;
    const byCount = c.consecutive >= threshold;
    const failures = c.window.filter(([, f]) => f).length;
    const byRate = rate !== undefined && c.window.length >= rate.minRequests && failures / c.window.length >= rate.rate;
    if (c.state === 'half-open' || byCount || byRate) {
      c.openedAt = now;
      move(id, c, 'open');
    }
  }

  function run<T>(next: (call: GatewayCall) => Promise<T>): (call: GatewayCall) => Promise<T> {
    return async (call) => {
      const id = call.target.id;
      const probe = admit(id);
      try {
        const result = await next(call);
        record(id, false);
        return result;
      } catch (error) {
        // A fatal error (bad request, budget) or the caller hanging up says nothing about the
        // provider's health. Servers abort the request signal with a plain Error on a client
        // disconnect, so the signal is asked, not the error's name.
        if (call.params.abortSignal?.aborted || classifyError(error, clock.now()).kind === 'fatal') {
          if (probe) get(id).probing = false;
        } else {
          record(id, true);
        }
        throw error;
      }
    };
  }

  return {
    state: (target) => get(target).state,
    middleware: {
      name: 'breaker',
      wrap(next: Handler): Handler {
        return { generate: run((c) => next.generate(c)), stream: run((c) => next.stream(c)) };
      },
    },
  };
}
