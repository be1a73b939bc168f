/**
 * Budgets per project and key, in USD per UTC day and month. Before each
 * attempt the worst-case cost (prompt tokens + maxOutputTokens at list price)
 * is reserved atomically against every applicable line; afterwards the
 * reservation becomes the actual cost, or is released when the attempt failed.
 * Concurrent calls therefore cannot jointly overspend: each one's worst case is
 * already booked before it is sent.
 */
import type { LanguageModelV4Usage } from '@ai-sdk/provider';
import { countTokens, priceFor } from '../model/index.js';
import { GatewayError } from './errors.js';
import { countInputTokens } from './route.js';
import { observeStream } from './stream.js';
import type {
  BudgetLine,
  BudgetReservation,
  BudgetStore,
  Clock,
  GatewayCall,
  GatewayEventHandler,
  GatewayMiddleware,
  Handler,
  Target,
} from './types.js';

export interface BudgetLimit {
  dailyUsd?: number;
  monthlyUsd?: number;
}

export type DegradeStep =
  /** Answer with this (cheaper) model instead. */
  | { type: 'model'; model: string }
  /** Lower maxOutputTokens until the reservation fits, but not below `minTokens`. */
  | { type: 'shrink-output'; minTokens: number };

export interface BudgetOptions {
  store?: BudgetStore;
  projects?: Readonly<Record<string, BudgetLimit>>;
  keys?: Readonly<Record<string, BudgetLimit>>;
  /** For projects / keys without an entry of their own. */
  perProject?: BudgetLimit;
  perKey?: BudgetLimit;
  /** Tried in order when the reservation would pass a limit; refuse (402) when none fits. */
  degrade?: readonly DegradeStep[];
  /** Cap written into calls without maxOutputTokens, so the worst case is bounded. Default 4096. */
  defaultMaxOutputTokens?: number;
  /** A model with no known price: refuse the call, or let it through at cost 0. Default 'refuse'. */
  unknownPrice?: 'refuse' | 'free';
  /** An unsettled reservation counts as spent in full after this long. Default 15 min. */
  reservationTtlMs?: number;
}

let nextId = 0;

interface Held {
  lines: readonly BudgetLine[];
  amountUsd: number;
  expiresAt: number;
  /** Past its TTL and already booked as spent in full. */
  expired: boolean;
}

/** In-process store; `reserve` has no await inside, so it is atomic in one Node process. */
export class MemoryBudgetStore implements BudgetStore {
  private readonly totals = new Map<string, { spentUsd: number; reservedUsd: number }>();
  private readonly reservations = new Map<string, Held>();

  private total(scope: string, period: string): { spentUsd: number; reservedUsd: number } {
    const key = `${scope}|${period}`;
    let t = this.totals.get(key);
    if (!t) {
      t = { spentUsd: 0, reservedUsd: 0 };
      this.totals.set(key, t);
    }
    return t;
  }

  private book(held: Held, reservedDelta: number, spentDelta: number): void {
    for (const line of held.lines) {
      const t = this.total(line.scope, line.period);
      t.reservedUsd += reservedDelta;
      t.spentUsd += spentDelta;
    }
  }

  /** Expired reservations become spend; long-forgotten ones are dropped so the map stays bounded. */
  private sweep(now: number): void {
    for (const [id, held] of this.reservations) {
      if (!held.expired && now >= held.expiresAt) {
        held.expired = true;
        this.book(held, -held.amountUsd, held.amountUsd);
      }
      if (held.expired && now >= held.expiresAt + 86_400_000) this.reservations.delete(id);
    }
  }

  reserve(lines: readonly BudgetLine[], amountUsd: number, options: { now: number; ttlMs: number }): Promise<BudgetReservation> {
    this.sweep(options.now);
    for (const line of lines) {
      const t = this.total(line.scope, line.period);
      if (t.spentUsd + t.reservedUsd + amountUsd > line.limitUsd) {
        return Promise.resolve({ ok: false, line, spentUsd: t.spentUsd, reservedUsd: t.reservedUsd });
      }
    }
    const held: Held = { lines, amountUsd, expiresAt: options.now + options.ttlMs, expired: false };
    this.book(held, amountUsd, 0);
    const id = `r${++nextId}`;
    this.reservations.set(id, held);
    return Promise.resolve({ ok: true, id });
  }

  settle(id: string, actualUsd: number): Promise<void> {
    const held = this.reservations.get(id);
    if (!held) return Promise.resolve();
    this.reservations.delete(id);
    if (held.expired) this.book(held, 0, actualUsd - held.amountUsd);
    else this.book(held, -held.amountUsd, actualUsd);
    return Promise.resolve();
  }

  usage(scope: string, period: string): Promise<{ spentUsd: number; reservedUsd: number }> {
    return Promise.resolve({ ...this.total(scope, period) });
  }
}

/** The period keys a timestamp falls in (UTC). */
export function budgetPeriods(now: number): { day: string; month: string } {
  const iso = new Date(now).toISOString();
  return { day: `day:${iso.slice(0, 10)}`, month: `month:${iso.slice(0, 7)}` };
}

interface Deps {
  clock: Clock;
  emit: GatewayEventHandler;
  resolve: (spec: string) => Target;
}

export function budgetMiddleware(options: BudgetOptions, deps: Deps): GatewayMiddleware {
  const store = options.store ?? new MemoryBudgetStore();
  const defaultMax = options.defaultMaxOutputTokens ?? 4096;
  const ttlMs = options.reservationTtlMs ?? 15 * 60_000;

  function lines(call: GatewayCall): BudgetLine[] {
    const out: BudgetLine[] = [];
    // The period keys are computed only when a limit applies: most calls have none.
    let periods: { day: string; month: string } | undefined;
    const add = (scope: string, limit: BudgetLimit | undefined): void => {
      if (limit?.dailyUsd === undefined && limit?.monthlyUsd === undefined) return;
      periods ??= budgetPeriods(deps.clock.now());
      if (limit.dailyUsd !== undefined) out.push({ scope, period: periods.day, limitUsd: limit.dailyUsd });
      if (limit.monthlyUsd !== undefined) out.push({ scope, period: periods.month, limitUsd: limit.monthlyUsd });
    };
    const { project, key } = call.context;
    if (project !== undefined) add(`project:${project}`, options.projects?.[project] ?? options.perProject);
    if (key !== undefined) add(`key:${key}`, ownBudget(call.context.keyLimits) ?? options.keys?.[key] ?? options.perKey);
    return out;
  }

  /** USD of `input` prompt tokens and `output` completion tokens on `target`; undefined when unpriced and refused. */
  function cost(target: Target, input: number, output: number): number | undefined {
    const price = priceFor(target.id);
    if (!price) return options.unknownPrice === 'free' ? 0 : undefined;
    return (input * price.inputPerMTok + output * price.outputPerMTok) / 1_000_000;
  }

  type Booked = { call: GatewayCall; reservation?: string; input: number };

  async function book(call: GatewayCall): Promise<Booked> {
    const budgetLines = lines(call);
    // No budget applies: the call goes through untouched (and its prompt is not tokenized).
    if (budgetLines.length === 0) return { call, input: 0 };
    const maxOut = call.params.maxOutputTokens ?? defaultMax;
    // Pin the cap we reserved for: the provider must not be free to write more.
    let current: GatewayCall = { ...call, params: { ...call.params, maxOutputTokens: maxOut } };
    const input = countInputTokens(call.params);
    const scopes = [...new Set(budgetLines.map((l) => l.scope))];
    let refused: Extract<BudgetReservation, { ok: false }> | undefined;
    const steps: Array<DegradeStep | undefined> = [undefined, ...(options.degrade ?? [])];
    for (const step of steps) {
      if (step?.type === 'model') {
        const target = deps.resolve(step.model);
        current = { ...current, target };
      } else if (step?.type === 'shrink-output' && refused) {
        const price = priceFor(current.target.id);
        const room = refused.line.limitUsd - refused.spentUsd - refused.reservedUsd - (cost(current.target, input, 0) ?? 0);
        const fits = price && price.outputPerMTok > 0 ? Math.floor((room * 1_000_000) / price.outputPerMTok) : 0;
        const tokens = Math.min(current.params.maxOutputTokens ?? maxOut, fits);
        if (tokens < step.minTokens) continue;
        current = { ...current, params: { ...current.params, maxOutputTokens: tokens } };
      }
      const amount = cost(current.target, input, current.params.maxOutputTokens ?? maxOut);
      if (amount === undefined) {
        throw new GatewayError('budget-exceeded', `no price is known for ${current.target.id}, so its cost cannot be budgeted`, {
          key: 'gateway.budget.unknownPrice',
          hint: "add the model's price to the price table, or set gateway.budget.unknownPrice to 'free'",
          status: 402,
        });
      }
      const r = await store.reserve(budgetLines, amount, { now: deps.clock.now(), ttlMs });
      if (r.ok) {
        if (step) {
          const detail = step.type === 'model' ? `model ${current.target.id}` : `maxOutputTokens ${current.params.maxOutputTokens}`;
          call.state.degraded = detail;
          deps.emit({ type: 'budget', action: 'degrade', target: current.target.id, amountUsd: amount, scopes, detail });
        }
        deps.emit({ type: 'budget', action: 'reserve', target: current.target.id, amountUsd: amount, scopes });
        return { call: current, reservation: r.id, input };
      }
      refused = r;
    }
    const line = refused?.line;
    deps.emit({ type: 'budget', action: 'refuse', target: call.target.id, amountUsd: 0, scopes, ...(line ? { detail: `${line.scope} ${line.period}` } : {}) });
    throw new GatewayError(
      'budget-exceeded',
      line ? `budget of $${line.limitUsd} for ${line.scope} (${line.period}) would be exceeded` : 'budget exceeded',
      { key: line?.scope ?? 'budget', hint: 'raise the budget, wait for the next period, or configure gateway.budget.degrade' },
    );
  }

  async function settle(booked: Booked, usage: LanguageModelV4Usage | undefined, outputText?: string): Promise<void> {
    if (!booked.reservation) return;
    const target = booked.call.target;
    let actual = 0;
    if (usage || outputText !== undefined) {
      const input = usage?.inputTokens.total ?? booked.input;
      const output = usage?.outputTokens.total ?? (outputText ? countTokens(outputText) : 0);
      actual = cost(target, input, output) ?? 0;
    }
    await store.settle(booked.reservation, actual);
    deps.emit({ type: 'budget', action: actual > 0 || usage ? 'settle' : 'release', target: target.id, amountUsd: actual, scopes: [] });
  }

  return {
    name: 'budget',
    wrap(next: Handler): Handler {
      return {
        async generate(call) {
          const booked = await book(call);
          try {
            const result = await next.generate(booked.call);
            await settle(booked, result.usage);
            return result;
          } catch (error) {
            await settle(booked, undefined);
            throw error;
          }
        },
        async stream(call) {
          const booked = await book(call);
          let result;
          try {
            result = await next.stream(booked.call);
          } catch (error) {
            await settle(booked, undefined);
            throw error;
          }
          let usage: LanguageModelV4Usage | undefined;
          let text = '';
          const stream = observeStream(result.stream, {
            onPart: (p) => {
              if (p.type === 'finish') usage = p.usage;
              else if (p.type === 'text-delta') text += p.delta;
            },
            // A stream that broke after starting was partly generated: charge what was sent.
            onEnd: () => {
              settle(booked, usage, text).catch((error: unknown) =>
                deps.emit({ type: 'store-error', store: 'budget', error: String(error) }),
              );
            },
          });
          return { ...result, stream };
        },
      };
    },
  };
}

/** A key's own budget, if its limits name one. */
function ownBudget(l: GatewayCall['context']['keyLimits']): BudgetLimit | undefined {
  if (!l || (l.dailyUsd === undefined && l.monthlyUsd === undefined)) return undefined;
  return { ...(l.dailyUsd !== undefined ? { dailyUsd: l.dailyUsd } : {}), ...(l.monthlyUsd !== undefined ? { monthlyUsd: l.monthlyUsd } : {}) };
}
