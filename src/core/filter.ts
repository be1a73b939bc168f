import { IncontextError } from './errors.js';
import type { Filter, FilterCondition, Metadata, MetadataValue } from './types.js';

/**
 * Normalised form of one filter condition. Backends translate these into
 * their own query language (SQL for SQLite/Postgres); `matchesFilter` is the
 * reference semantics every backend must agree with (the conformance suite checks).
 */
export type NormalizedCondition =
  | { op: 'eq' | 'ne'; field: string; value: MetadataValue }
  | { op: 'in'; field: string; values: Array<string | number | boolean> }
  | { op: 'range'; field: string; gt?: number | string; gte?: number | string; lt?: number | string; lte?: number | string };

const FIELD_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

export function normalizeFilter(filter: Filter | undefined): NormalizedCondition[] {
  if (!filter) return [];
  const out: NormalizedCondition[] = [];
  for (const [field, cond] of Object.entries(filter)) {
    if (!FIELD_RE.test(field)) {
      throw new IncontextError('BAD_REQUEST', `Invalid filter field "${field}"`, {
        input: { key: `filter.${field}` },
        hint: 'Filter fields are metadata names: letters, digits, _ . - (max 64 chars).',
      });
    }
    out.push(normalizeCondition(field, cond));
  }
  return out;
}

function normalizeCondition(field: string, cond: FilterCondition): NormalizedCondition {
  if (cond === null || typeof cond !== 'object' || Array.isArray(cond)) {
    return { op: 'eq', field, value: cond as MetadataValue };
  }
  const keys = Object.keys(cond);
  if ('eq' in cond) return { op: 'eq', field, value: cond.eq };
  if ('ne' in cond) return { op: 'ne', field, value: cond.ne };
  if ('in' in cond) {
    if (!Array.isArray(cond.in)) throw badOp(field, keys);
    return { op: 'in', field, values: cond.in };
  }
  const allowed = ['gt', 'gte', 'lt', 'lte'];
  if (keys.length === 0 || keys.some((k) => !allowed.includes(k))) throw badOp(field, keys);
  const r = cond as { gt?: number | string; gte?: number | string; lt?: number | string; lte?: number | string };
  return { op: 'range', field, ...r };
}

function badOp(field: string, keys: string[]): IncontextError {
  return new IncontextError('BAD_REQUEST', `Unknown filter operator ${keys.join(', ') || '(none)'} on "${field}"`, {
    input: { key: `filter.${field}` },
    hint: 'Use a plain value for equality, or one of {eq}, {ne}, {in:[...]}, {gt,gte,lt,lte}.',
  });
}

/** Compare two scalars: numbers numerically, strings (ISO dates included) lexicographically. */
function cmp(a: MetadataValue, b: number | string): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function eq(a: MetadataValue | undefined, b: MetadataValue): boolean {
  if (Array.isArray(a)) return Array.isArray(b) ? JSON.stringify(a) === JSON.stringify(b) : a.includes(b as string);
  return a === b;
}

/** Reference semantics of filters. Missing fields never match (except `ne`). */
export function matchesFilter(metadata: Metadata, conditions: NormalizedCondition[]): boolean {
  for (const c of conditions) {
    const v = metadata[c.field];
    switch (c.op) {
      case 'eq':
        if (v === undefined || !eq(v, c.value)) return false;
        break;
      case 'ne':
        if (v !== undefined && eq(v, c.value)) return false;
        break;
      case 'in':
        if (v === undefined || !c.values.some((x) => eq(v, x))) return false;
        break;
      case 'range': {
        if (v === undefined || v === null) return false;
        const checks: Array<[number | string | undefined, (d: number) => boolean]> = [
          [c.gt, (d) => d > 0],
          [c.gte, (d) => d >= 0],
          [c.lt, (d) => d < 0],
          [c.lte, (d) => d <= 0],
        ];
        for (const [bound, ok] of checks) {
          if (bound === undefined) continue;
          const d = cmp(v, bound);
          if (d === undefined || !ok(d)) return false;
        }
      }
    }
  }
  return true;
}
