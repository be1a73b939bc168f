/**
 * Guard policies: per project, which guards run on the input, the retrieved chunks and the
 * output, and what each does when it fires. A project's policy is the default policy with the
 * project's overrides laid over it, key by key, so a project names only what it changes.
 */
import { z } from 'zod';
import { IncontextError } from '../../core/index.js';
import { PII_LABELS } from '../pii/index.js';
import type { InjectionDetector } from '../types.js';
import type { OutputGuardReport } from './middleware.js';
import type { ValidationMiddlewareOptions } from './reask.js';
import type { GuardAction, OutputGuardOptions } from './types.js';

const action = z.enum(['off', 'flag', 'redact', 'block']);
const PROJECT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const threshold = z.enum(['strict', 'balanced', 'permissive']);
const inputInjection = z.enum(['off', 'flag', 'block']);
const retrievalInjection = z.enum(['off', 'flag', 'drop']);
const retrievalPii = z.enum(['off', 'flag', 'redact', 'drop']);
const piiLabels = z.array(z.enum(PII_LABELS)).min(1);
const piiStyle = z.enum(['redact', 'mask']);
const blockList = z.array(z.string().min(1));
const holdBackChars = z.number().int().min(64).max(20_000);
const validationAction = z.enum(['off', 'flag', 'block']);
const maxTries = z.number().int().min(1).max(10);

export const guardPolicySchema = z.strictObject({
  /** Threshold preset of the injection detector: strict 0.35, balanced 0.5, permissive 0.75. */
  threshold: threshold.default('balanced'),
  input: z
    .strictObject({
      /** Prompt injection in the user's message: record it (flag) or refuse the call (block). */
      injection: inputInjection.default('flag'),
      /** PII in the user's message: flag, redact (tokenized before the model sees it, restored after) or block. */
      pii: action.default('off'),
    })
    .prefault({}),
  retrieval: z
    .strictObject({
      /** Injected instructions in retrieved chunks: drop the chunk before the prompt is built, or flag it. */
      injection: retrievalInjection.default('drop'),
      /** PII in retrieved chunks: flag, redact it in the prompt, or drop the chunk. */
      pii: retrievalPii.default('off'),
    })
    .prefault({}),
  output: z
    .strictObject({
      pii: action.default('off'),
      /** PII kinds the output check looks for; all but places and nationalities when absent. */
      piiLabels: piiLabels.optional(),
      /** How redacted PII is written: `[EMAIL]`, or a mask that keeps the shape (`j***@e******.com`). */
      piiStyle: piiStyle.default('redact'),
      /** A canary from the system prompt in the answer. */
      canary: action.default('block'),
      /** The system prompt copied (near-)verbatim into the answer. */
      leak: action.default('block'),
      /** Instructions aimed at the next model or tool in the answer (matters for agents). */
      injection: action.default('off'),
      blockList: blockList.default([]),
      blockListAction: action.default('block'),
      /** Longest stretch of a streamed answer held back for checking; see OutputGuardOptions.holdBackChars. */
      holdBackChars: holdBackChars.default(400),
      validation: z
        .strictObject({
          /** When the answer still fails validation after the re-asks: refuse it (block) or pass it on flagged. */
          action: validationAction.default('block'),
          /** Attempts in all, the first included. */
          maxTries: maxTries.default(2),
          repair: z.boolean().default(true),
          /** Ask providers that support it for JSON matching the schema. */
          structured: z.boolean().default(true),
        })
        .prefault({}),
    })
    .prefault({}),
});

/** The same keys, all optional and without defaults: a default here would silently override the default policy. */
export const guardPolicyOverrideSchema = z.strictObject({
  threshold: threshold.optional(),
  input: z.strictObject({ injection: inputInjection.optional(), pii: action.optional() }).optional(),
  retrieval: z.strictObject({ injection: retrievalInjection.optional(), pii: retrievalPii.optional() }).optional(),
  output: z
    .strictObject({
      pii: action.optional(),
      piiLabels: piiLabels.optional(),
      piiStyle: piiStyle.optional(),
      canary: action.optional(),
      leak: action.optional(),
      injection: action.optional(),
      blockList: blockList.optional(),
      blockListAction: action.optional(),
      holdBackChars: holdBackChars.optional(),
      validation: z
        .strictObject({ action: validationAction.optional(), maxTries: maxTries.optional(), repair: z.boolean().optional(), structured: z.boolean().optional() })
        .optional(),
    })
    .optional(),
});

/**
 * The piece to put into the config (e.g. under `guard.policies`): a default policy and overrides
 * per project id.
 */
export const guardPoliciesSchema = z.strictObject({
  default: guardPolicySchema.prefault({}),
  projects: z
    .record(z.string().regex(PROJECT_ID, 'project ids are lowercase letters, digits, _ and -, up to 63 characters'), guardPolicyOverrideSchema)
    .default({}),
});

export type GuardPolicyConfig = z.output<typeof guardPolicySchema>;
export type GuardPolicyOverride = z.input<typeof guardPolicyOverrideSchema>;
export type GuardPolicies = z.output<typeof guardPoliciesSchema>;
export type GuardPoliciesInput = z.input<typeof guardPoliciesSchema>;

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

/** The policy in force for `project`: the default policy with that project's overrides applied. */
export function resolvePolicy(policies: GuardPoliciesInput | undefined, project: string): GuardPolicyConfig {
  const parsed = guardPoliciesSchema.safeParse(policies ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = ['guard', 'policies', ...(issue?.path ?? []).map(String)].join('.');
    throw new IncontextError('CONFIG_INVALID', `Invalid guard policy at ${key}: ${issue?.message ?? 'invalid'}`, {
      input: { key },
      hint: 'Actions are off, flag, redact or block; retrieval also knows drop. A project override names only the keys it changes.',
    });
  }
  const override = parsed.data.projects[project];
  if (!override) return parsed.data.default;
  return guardPolicySchema.parse(merge(parsed.data.default, override));
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
        input: { key: 'guard.policies.output.injection' },
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
