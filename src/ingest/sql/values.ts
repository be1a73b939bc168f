import type { MetadataValue } from '../../core/index.js';

/** Binary cells (BLOB, bytea) have no text form worth embedding; callers decide what to do with them. */
export function isBinary(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/**
 * Integers come from SQLite as bigint (safeIntegers) so a 64-bit key never
 * silently rounds; they become numbers only when that is exact.
 */
function integer(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** A cell as metadata: scalars kept, dates as ISO strings, JSON and mixed arrays as JSON text. `undefined` for binary. */
export function toMetadataValue(value: unknown): MetadataValue | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return integer(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (isBinary(value)) return undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** A cell as text for the document body; `undefined` for binary, '' for NULL. */
export function toText(value: unknown): string | undefined {
  const v = toMetadataValue(value);
  if (v === undefined) return undefined;
  if (v === null) return '';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

/**
 * Order of watermark values as the databases order them: numbers before text,
 * numbers numerically, text by code unit (ISO timestamps sort correctly as text).
 */
export function laterThan(a: MetadataValue, b: MetadataValue | undefined): boolean {
  if (a === null || Array.isArray(a) || typeof a === 'boolean') return false;
  if (b === undefined || b === null || Array.isArray(b) || typeof b === 'boolean') return true;
  if (typeof a === 'number' && typeof b === 'number') return a > b;
  if (typeof a === 'number') return false;
  if (typeof b === 'number') return true;
  return a > b;
}
