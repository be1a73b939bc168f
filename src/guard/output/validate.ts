/**
 * Output validation: does the model's answer have the shape the caller needs? One function
 * for every kind of spec, returning either the value (parsed and, for JSON, repaired) or an
 * error written for the model, so the same text can be sent back in a re-ask.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { IncontextError } from '../../core/index.js';
import { countTokens } from '../../chunk/index.js';
import { parseJsonOutput } from './json.js';

/** Any Standard Schema (zod 4, valibot, arktype): validated through its `~standard` interface. */
export interface StandardSchemaLike<T = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    validate(value: unknown): StandardResult<T> | Promise<StandardResult<T>>;
  };
}
type StandardResult<T> =
  | { readonly value: T; readonly issues?: undefined }
  | { readonly issues: readonly { readonly message: string; readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined }[] };

export type JsonSchema = Record<string, unknown> | boolean;

export type CustomCheck = (text: string) => CustomVerdict | Promise<CustomVerdict>;
/** `true` passes; a string is the error; an object may also carry a parsed value. */
export type CustomVerdict = boolean | string | { ok: boolean; value?: unknown; error?: string };

export type OutputSpec =
  | { kind: 'schema'; schema: StandardSchemaLike }
  | { kind: 'json-schema'; schema: JsonSchema }
  | { kind: 'regex'; pattern: RegExp | string; match?: 'full' | 'search' }
  | { kind: 'choices'; choices: readonly string[]; caseSensitive?: boolean }
  | { kind: 'length'; min?: number; max?: number; unit?: 'chars' | 'tokens' }
  | { kind: 'custom'; check: CustomCheck; name?: string }
  | { kind: 'all'; specs: readonly OutputSpecInput[] };

/** A spec, or shorthand: a Standard Schema (zod), a RegExp, an array of choices, or a check function. */
export type OutputSpecInput = OutputSpec | StandardSchemaLike | RegExp | readonly string[] | CustomCheck;

export interface ValidationIssue {
  /** JSON pointer-ish path into the value (`/items/0/price`), '' for the whole answer. */
  path: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; value: unknown; repaired: boolean }
  | { ok: false; error: string; issues: ValidationIssue[]; repaired: boolean };

export interface ValidateOptions {
  /** Repair near-JSON (fences, trailing commas, single quotes, cut-off ends); default true. */
  repair?: boolean;
}

export function normalizeSpec(spec: OutputSpecInput): OutputSpec {
  if (typeof spec === 'function') return { kind: 'custom', check: spec };
  if (spec instanceof RegExp) return { kind: 'regex', pattern: spec };
  if (Array.isArray(spec)) return { kind: 'choices', choices: spec as readonly string[] };
  if ('~standard' in spec) return { kind: 'schema', schema: spec };
  if ('kind' in spec) return spec;
  throw new IncontextError('BAD_REQUEST', 'Unknown output spec', {
    input: { key: 'spec' },
    hint: 'Pass a zod (Standard Schema) schema, a RegExp, an array of choices, a function, or { kind: "json-schema" | "regex" | "choices" | "length" | "custom", ... }.',
  });
}

function fail(issues: ValidationIssue[], repaired = false): ValidationResult {
  const error = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n');
  return { ok: false, error, issues, repaired };
}

function pathOf(path: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined): string {
  if (!path || path.length === 0) return '';
  return path.map((p) => `/${String(typeof p === 'object' ? p.key : p)}`).join('');
}

const ajvs = { draft7: new Ajv({ allErrors: true, strict: false }), draft2020: new Ajv2020({ allErrors: true, strict: false }) };
const compiled = new WeakMap<object, ValidateFunction>();

function compileJsonSchema(schema: JsonSchema): ValidateFunction {
  const key = typeof schema === 'object' ? schema : undefined;
  const hit = key && compiled.get(key);
  if (hit) return hit;
  const draft = typeof schema === 'object' && typeof schema.$schema === 'string' && /2019-09|2020-12/.test(schema.$schema) ? 'draft2020' : 'draft7';
  let fn: ValidateFunction;
  try {
    fn = ajvs[draft].compile(schema);
  } catch (error) {
    throw new IncontextError('CONFIG_INVALID', `Invalid JSON Schema: ${(error as Error).message}`, {
      input: { key: 'spec.schema' },
      hint: 'Check the schema against the JSON Schema draft named in its $schema (draft-07 when absent).',
      cause: error,
    });
  }
  if (key) compiled.set(key, fn);
  return fn;
}

function ajvIssues(errors: ErrorObject[] | null | undefined): ValidationIssue[] {
  return (errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
    const allowed = e.keyword === 'enum' ? `: ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}` : '';
    return { path: e.instancePath, message: `${e.message ?? e.keyword}${extra}${allowed}` };
  });
}

/** Choices compare after trimming whitespace, wrapping quotes or backticks, and a final full stop. */
function cleanChoice(text: string): string {
  return text.trim().replace(/^["'`*]+|["'`*]+$/g, '').replace(/[.!]$/, '').trim();
}

export async function validateOutput(text: string, specInput: OutputSpecInput, options: ValidateOptions = {}): Promise<ValidationResult> {
  const spec = normalizeSpec(specInput);
  switch (spec.kind) {
    case 'schema':
    case 'json-schema': {
      const parsed = parseJsonOutput(text, options);
      if (!parsed.ok) return fail([{ path: '', message: `The answer must be JSON: ${parsed.error}` }]);
      if (spec.kind === 'json-schema') {
        const fn = compileJsonSchema(spec.schema);
        return fn(parsed.value) ? { ok: true, value: parsed.value, repaired: parsed.repaired } : fail(ajvIssues(fn.errors), parsed.repaired);
      }
      const r = await spec.schema['~standard'].validate(parsed.value);
      if (r.issues) return fail(r.issues.map((i) => ({ path: pathOf(i.path), message: i.message })), parsed.repaired);
      return { ok: true, value: r.value, repaired: parsed.repaired };
    }
    case 'regex': {
      const re = typeof spec.pattern === 'string' ? new RegExp(spec.pattern) : spec.pattern;
      const body = text.trim();
      const full = spec.match !== 'search';
      const m = new RegExp(full ? `^(?:${re.source})$` : re.source, re.flags.replace('g', '')).exec(body);
      if (!m) return fail([{ path: '', message: `The answer must ${full ? 'match' : 'contain a match for'} the pattern /${re.source}/${re.flags}` }]);
      return { ok: true, value: full ? body : m[0], repaired: false };
    }
    case 'choices': {
      const said = cleanChoice(text);
      const eq = (a: string, b: string) => (spec.caseSensitive ? a === b : a.toLowerCase() === b.toLowerCase());
      const hit = spec.choices.find((c) => eq(c, said));
      if (hit === undefined) return fail([{ path: '', message: `The answer must be exactly one of: ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}` }]);
      return { ok: true, value: hit, repaired: said !== text };
    }
    case 'length': {
      const unit = spec.unit ?? 'chars';
      const n = unit === 'tokens' ? countTokens(text) : [...text].length;
      if (spec.min !== undefined && n < spec.min) return fail([{ path: '', message: `The answer is too short: ${n} ${unit}, at least ${spec.min} needed` }]);
      if (spec.max !== undefined && n > spec.max) return fail([{ path: '', message: `The answer is too long: ${n} ${unit}, at most ${spec.max} allowed` }]);
      return { ok: true, value: text, repaired: false };
    }
    case 'custom': {
      const v = await spec.check(text);
      const name = spec.name ? `${spec.name}: ` : '';
      if (v === true) return { ok: true, value: text, repaired: false };
      if (v === false) return fail([{ path: '', message: `${name}the answer was rejected` }]);
      if (typeof v === 'string') return fail([{ path: '', message: `${name}${v}` }]);
      if (v.ok) return { ok: true, value: 'value' in v ? v.value : text, repaired: false };
      return fail([{ path: '', message: `${name}${v.error ?? 'the answer was rejected'}` }]);
    }
    case 'all': {
      let last: ValidationResult = { ok: true, value: text, repaired: false };
      for (const s of spec.specs) {
        last = await validateOutput(text, s, options);
        if (!last.ok) return last;
      }
      return last;
    }
  }
}

/** The JSON Schema to ask a provider for native structured output, when the spec has one. */
export function jsonSchemaOf(specInput: OutputSpecInput): Record<string, unknown> | undefined {
  const spec = normalizeSpec(specInput);
  if (spec.kind === 'json-schema') return typeof spec.schema === 'object' ? spec.schema : undefined;
  if (spec.kind !== 'schema') return undefined;
  // Standard JSON Schema (zod 4.2+ and others) exposes the conversion next to the validator.
  const std = spec.schema['~standard'] as { jsonSchema?: { output?: (o: { target: string }) => Record<string, unknown> } };
  try {
    return std.jsonSchema?.output?.({ target: 'draft-2020-12' });
  } catch {
    // Schemas with transforms or custom checks have no JSON Schema; validation still runs on the answer.
    return undefined;
  }
}
