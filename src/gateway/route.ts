/**
 * Routing: turn what the caller asked for (an alias such as `fast`, or a
 * `provider:model` spec) into an ordered plan of concrete targets. Rules match
 * on the requested name, project, metadata and prompt length; the first match
 * wins. A rule may spread load over equivalent targets by weight (the others
 * stay in the plan as fallbacks) or send the request through a cascade.
 */
import type { LanguageModelV4Prompt } from '@ai-sdk/provider';
import { countTokens } from '../model/index.js';
import type {
  CascadePlan,
  Clock,
  GatewayCall,
  GatewayEventHandler,
  GatewayMiddleware,
  Handler,
  Target,
  Verifier,
} from './types.js';

export interface WeightedTarget {
  model: string;
  weight: number;
}

export interface RouteMatch {
  /** Requested alias or spec, or several. */
  model?: string | readonly string[];
  project?: string | readonly string[];
  /** Every entry must equal the call's metadata value. */
  metadata?: Readonly<Record<string, string>>;
  /** Prompt length in tokens (cl100k), inclusive bounds. */
  minPromptTokens?: number;
  maxPromptTokens?: number;
}

export interface RouteRule {
  name: string;
  when?: RouteMatch;
  /**
   * Plain specs are an ordered failover list. Weighted entries are a load-balanced
   * pool: one is picked by weight as primary, the rest follow as fallbacks.
   */
  targets?: readonly (string | WeightedTarget)[];
  /** Tried after `targets`. */
  fallbacks?: readonly string[];
  /** Cheap tier first; escalate only when `verify` rejects the answer. */
  cascade?: { tiers: readonly string[]; verify: Verifier };
}

export interface RouteOptions {
  /** `fast` → `openai:gpt-4o-mini`, or an ordered list (primary, then fallbacks). */
  aliases?: Readonly<Record<string, string | readonly string[]>>;
  rules?: readonly RouteRule[];
  /** Appended to every plan that does not already contain them. */
  fallbacks?: readonly string[];
}

interface Deps {
  clock: Clock;
  emit: GatewayEventHandler;
  resolve: (spec: string) => Target;
}

export function routeMiddleware(options: RouteOptions, deps: Deps): GatewayMiddleware {
  const aliases = options.aliases ?? {};
  const expand = (spec: string, seen: ReadonlySet<string> = new Set()): string[] => {
    const alias = aliases[spec];
    if (alias === undefined || seen.has(spec)) return [spec];
    const next = new Set(seen).add(spec);
    return (typeof alias === 'string' ? [alias] : [...alias]).flatMap((s) => expand(s, next));
  };
  const toTargets = (specs: readonly string[]): Target[] => {
    const unique = [...new Set(specs.flatMap((s) => expand(s)))];
    return unique.map((s) => deps.resolve(s));
  };

  function plan(call: GatewayCall): { rule: string; targets: Target[]; cascade?: CascadePlan } {
    let tokens: number | undefined;
    const promptTokens = (): number => (tokens ??= countPromptTokens(call.params.prompt));
    const rule = options.rules?.find((r) => matches(r.when, call, promptTokens));
    const global = options.fallbacks ?? [];
    if (!rule) {
      return { rule: aliases[call.context.requested] ? 'alias' : 'direct', targets: toTargets([call.context.requested, ...global]) };
    }
    if (rule.cascade) {
      const tiers = rule.cascade.tiers.map((t) => toTargets([t, ...(rule.fallbacks ?? [])]));
      return { rule: rule.name, targets: tiers[0] ?? [], cascade: { tiers, verify: rule.cascade.verify } };
    }
    const ordered = orderTargets(rule.targets ?? [call.context.requested], deps.clock.random);
    return { rule: rule.name, targets: toTargets([...ordered, ...(rule.fallbacks ?? []), ...global]) };
  }

  function run<T>(next: (call: GatewayCall) => Promise<T>): (call: GatewayCall) => Promise<T> {
    return async (call) => {
      const decision = plan(call);
      call.state.route = decision.rule;
      deps.emit({
        type: 'route',
        rule: decision.rule,
        requested: call.context.requested,
        targets: decision.targets.map((t) => t.id),
        cascade: decision.cascade !== undefined,
      });
      const first = decision.targets[0];
      if (!first) return next(call);
      const { cascade: _none, ...rest } = call;
      return next({
        ...rest,
        targets: decision.targets,
        target: first,
        ...(decision.cascade ? { cascade: decision.cascade } : {}),
      });
    };
  }

  return {
    name: 'route',
    wrap(next: Handler): Handler {
      return { generate: run((c) => next.generate(c)), stream: run((c) => next.stream(c)) };
    },
  };
}

function oneOf(value: string | undefined, wanted: string | readonly string[]): boolean {
  return value !== undefined && (typeof wanted === 'string' ? value === wanted : wanted.includes(value));
}

function matches(when: RouteMatch | undefined, call: GatewayCall, promptTokens: () => number): boolean {
  if (!when) return true;
  if (when.model !== undefined && !oneOf(call.context.requested, when.model)) return false;
  if (when.project !== undefined && !oneOf(call.context.project, when.project)) return false;
  for (const [k, v] of Object.entries(when.metadata ?? {})) if (call.context.metadata[k] !== v) return false;
  if (when.minPromptTokens !== undefined && promptTokens() < when.minPromptTokens) return false;
  if (when.maxPromptTokens !== undefined && promptTokens() > when.maxPromptTokens) return false;
  return true;
}

/** Weighted pick of the primary (deterministic given `random`); the rest by descending weight. */
export function orderTargets(entries: readonly (string | WeightedTarget)[], random: () => number): string[] {
  const weighted = entries.filter((e): e is WeightedTarget => typeof e !== 'string' && e.weight > 0);
  const plain = entries.filter((e): e is string => typeof e === 'string');
  if (weighted.length === 0) return plain;
  const total = weighted.reduce((s, e) => s + e.weight, 0);
  let r = random() * total;
  let pick = weighted[weighted.length - 1] as WeightedTarget;
  for (const e of weighted) {
    if (r < e.weight) {
      pick = e;
      break;
    }
    r -= e.weight;
  }
  const rest = weighted.filter((e) => e !== pick).sort((a, b) => b.weight - a.weight);
  return [pick.model, ...rest.map((e) => e.model), ...plain];
}

const promptTokenCache = new WeakMap<LanguageModelV4Prompt, number>();

/**
 * Tokens of the text in a prompt: messages, reasoning, tool calls' arguments and tool results
 * (an agent step's prompt is mostly those); images and files are not counted. Routing, rate
 * limits and budgets all need the figure for the same prompt, so it is counted once.
 */
export function countPromptTokens(prompt: LanguageModelV4Prompt): number {
  const cached = promptTokenCache.get(prompt);
  if (cached !== undefined) return cached;
  const count = countText(prompt);
  promptTokenCache.set(prompt, count);
  return count;
}

const json = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');

function countText(prompt: LanguageModelV4Prompt): number {
  let text = '';
  for (const message of prompt) {
    if (typeof message.content === 'string') {
      text += `${message.content}\n`;
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text' || part.type === 'reasoning') text += `${part.text}\n`;
      else if (part.type === 'tool-call') text += `${part.toolName} ${json(part.input)}\n`;
      else if (part.type === 'tool-result') {
        const o = part.output;
        if (o.type === 'content') for (const c of o.value) text += c.type === 'text' ? `${c.text}\n` : '';
        else if (o.type !== 'execution-denied') text += `${json(o.value)}\n`;
      }
    }
  }
  return countTokens(text);
}

/**
 * Tokens a call sends: its prompt, and the tools it offers (name, description and input schema
 * are sent with every request, and providers bill them as input).
 */
export function countInputTokens(params: { prompt: LanguageModelV4Prompt; tools?: readonly unknown[] | undefined }): number {
  const prompt = countPromptTokens(params.prompt);
  if (!params.tools?.length) return prompt;
  return prompt + countTokens(params.tools.map((t) => JSON.stringify(t)).join('\n'));
}
