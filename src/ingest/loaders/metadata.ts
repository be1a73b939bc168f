import type { Metadata, MetadataValue } from '../../core/index.js';

export interface ToMetadataOptions {
  /** Strings longer than this are body text, not attributes worth filtering on; they are left out. */
  maxStringLength?: number;
  /** Keys (dotted) to leave out, e.g. the JSON text fields. */
  skip?: ReadonlySet<string>;
}

const MAX_DEPTH = 3;

function scalar(value: unknown): MetadataValue | undefined {
  if (value === null) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Flatten parsed YAML/JSON into filterable metadata: scalars as they are,
 * nested objects as dotted keys (`author.name`), arrays of scalars as string
 * arrays; anything deeper is kept as its JSON text so nothing is lost silently.
 */
export function toMetadata(value: Record<string, unknown>, options: ToMetadataOptions = {}): Metadata {
  const out: Metadata = {};
  const visit = (obj: Record<string, unknown>, prefix: string, depth: number): void => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix + k;
      if (options.skip?.has(key)) continue;
      const s = scalar(v);
      if (s !== undefined) {
        if (typeof s === 'string' && options.maxStringLength !== undefined && s.length > options.maxStringLength) continue;
        out[key] = s;
      } else if (Array.isArray(v)) {
        const items = v.map(scalar);
        if (items.every((i) => i !== undefined && i !== null)) out[key] = items.map((i) => String(i));
        else out[key] = JSON.stringify(v);
      } else if (isPlainObject(v)) {
        if (depth < MAX_DEPTH) visit(v, `${key}.`, depth + 1);
        else out[key] = JSON.stringify(v);
      }
    }
  };
  visit(value, '', 1);
  return out;
}
