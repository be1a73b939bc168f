/**
 * Guard policies: per project, which guards run on the input, the retrieved chunks and the
 * output, and what each does when it fires. A project's policy is the default policy with the
 * project's overrides laid over it, key by key, so a project names only what it changes.
 */
import { guardPolicySchema, guardSchema, type GuardConfigInput, type GuardPolicyConfig } from '../../config/index.js';
import { IncontextError } from '../../core/index.js';
import type { InjectionDetector } from '../types.js';
import type { OutputGuardReport } from './middleware.js';
import type { ValidationMiddlewareOptions } from './reask.js';
import type { GuardAction, OutputGuardOptions } from './types.js';

// The schema is the config's `guard` section (src/config/schema.ts): one definition, validated at load time.
export { guardPolicySchema, guardPolicyOverrideSchema, guardSchema } from '../../config/index.js';
export type { GuardPolicyConfig, GuardPolicyOverride, GuardConfig, GuardConfigInput } from '../../config/index.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Overrides win key by key; arrays (block lists, labels) are replaced, not merged. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isObject(v) && isObject(base[k]) ? merge(base[k], v) : v;
  }
  return out;
}

/**
 * The policy in force for `project`: the config's `guard` section (the default policy) with
 * `guard.projects[project]` laid over it.
 */
export function resolvePolicy(guard: GuardConfigInput | undefined, project: string): GuardPolicyConfig {
  const parsed = guardSchema.safeParse(guard ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = ['guard', ...(issue?.path ?? []).map(String)].join('.');
    throw new IncontextError('CONFIG_INVALID', `Invalid guard policy at ${key}: ${issue?.message ?? 'invalid'}`, {
      input: { key },
      hint: 'Actions are off, flag, redact or block; retrieval also knows drop. A project override names only the keys it changes.',
    });
  }
  const { projects, policy: _renamed, ...defaults } = parsed.data;
  const override = projects[project];
  const base = guardPolicySchema.parse(defaults);
  if (!override) return base;
  return guardPolicySchema.parse(merge(base, override));
}

export interface OutputGuardContext {
  /** Canaries planted in this call's system prompt. */
  canaries?: string[];
  /** This call's system prompt, for leak detection. */
  systemPrompt?: string;
  /** Needed when `output.injection` is on (built once per process: it loads a model). */
  injectionDetector?: InjectionDetector;
}

/** The options for createOutputGuard that a policy's output section asks for. */
export function outputGuardOptions(policy: GuardPolicyConfig, ctx: OutputGuardContext = {}): OutputGuardOptions {
  const o = policy.output;
  const options: OutputGuardOptions = { holdBackChars: o.holdBackChars };
  if (o.pii !== 'off') options.pii = { action: o.pii, style: o.piiStyle, ...(o.piiLabels ? { labels: o.piiLabels } : {}) };
  if (o.canary !== 'off' && ctx.canaries?.length) options.canaries = { tokens: ctx.canaries, action: o.canary };
  if (o.leak !== 'off' && ctx.systemPrompt) options.systemPrompt = { text: ctx.systemPrompt, action: o.leak };
  if (o.blockList.length > 0 && o.blockListAction !== 'off') options.blockList = { terms: o.blockList, action: o.blockListAction };
  if (o.injection !== 'off') {
    if (!ctx.injectionDetector) {
      throw new IncontextError('CONFIG_INVALID', 'guard policy output.injection is on but no injection detector was given', {
        input: { key: 'guard.output.injection' },
        hint: 'Pass createInjectionDetector({ policy: policy.threshold }) as ctx.injectionDetector, or set output.injection to "off".',
      });
    }
    options.injection = { detector: ctx.injectionDetector, action: o.injection };
  }
  return options;
}

/** The validationMiddleware options a policy asks for; undefined when validation is off. */
export function validationOptions(policy: GuardPolicyConfig): ValidationMiddlewareOptions | undefined {
  const v = policy.output.validation;
  if (v.action === 'off') return undefined;
  return { maxTries: v.maxTries, repair: v.repair, structured: v.structured, onExhausted: v.action === 'flag' ? 'flag' : 'throw' };
}

/** One decision of a guard, as recorded on a trace. */
export interface GuardDecision {
  stage: 'input' | 'retrieval' | 'output';
  check: string;
  /** What was done: the policy's action for a finding, or `pass`. */
  action: Exclude<GuardAction, 'off'> | 'drop' | 'pass';
  /** PII label, chunk id, canary index... never the matched value. */
  label?: string;
  score?: number;
}

export function decisionsFromReport(report: OutputGuardReport): GuardDecision[] {
  return report.findings.map((f) => ({ stage: 'output', check: f.check, action: f.action, label: f.label, score: f.score }));
}

/** Flat span attributes for a list of decisions: the strongest action per stage and check, and counts. */
export function decisionAttributes(decisions: readonly GuardDecision[]): Record<string, string | number> {
  const rank = { pass: 0, flag: 1, redact: 2, drop: 3, block: 4 } as const;
  const out: Record<string, string | number> = {};
  for (const d of decisions) {
    const key = `guard.${d.stage}.${d.check}`;
    const prev = out[key] as keyof typeof rank | undefined;
    if (prev === undefined || rank[d.action] > rank[prev]) out[key] = d.action;
    out[`${key}.count`] = ((out[`${key}.count`] as number | undefined) ?? 0) + 1;
  }
  return out;
}
