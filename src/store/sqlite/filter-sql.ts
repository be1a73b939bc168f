import type { MetadataValue, NormalizedCondition } from '../../core/index.js';

/** A WHERE fragment and its positional parameters. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/**
 * Translates normalised filter conditions into SQL over a JSON metadata column,
 * with exactly the semantics of `matchesFilter` (the conformance suite checks the
 * two agree on random data). `json_type` is consulted everywhere because
 * `json_extract` alone cannot tell true from 1, null from missing, or an array
 * from a string that looks like one. Every condition is NULL-proofed with
 * COALESCE so that NOT (for `ne`) never turns "unknown" into "no match".
 */
export function filterToSql(column: string, conditions: NormalizedCondition[]): SqlFragment {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const c of conditions) {
    // The field passed normalizeFilter's pattern, so quoting it is safe; it is bound anyway.
    const path = `$."${c.field}"`;
    const f = condition(column, path, c);
    parts.push(f.sql);
    params.push(...f.params);
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

function condition(col: string, path: string, c: NormalizedCondition): SqlFragment {
  switch (c.op) {
    case 'eq':
      return equals(col, path, c.value);
    case 'ne': {
      const e = equals(col, path, c.value);
      return { sql: `NOT ${e.sql}`, params: e.params };
    }
    case 'in': {
      if (c.values.length === 0) return { sql: '0', params: [] };
      const each = c.values.map((v) => equals(col, path, v));
      return { sql: `(${each.map((e) => e.sql).join(' OR ')})`, params: each.flatMap((e) => e.params) };
    }
    case 'range':
      return range(col, path, c);
  }
}

/** Mirrors core's eq(): arrays compare whole against arrays, and contain scalars. */
function equals(col: string, path: string, value: MetadataValue): SqlFragment {
  if (Array.isArray(value)) {
    return {
      sql: `COALESCE(json_type(${col}, ?) = 'array' AND json_extract(${col}, ?) = json(?), 0)`,
      params: [path, path, JSON.stringify(value)],
    };
  }
  // Objects or undefined can arrive from untyped callers; matchesFilter's === never matches them.
  if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return { sql: '0', params: [] };
  // One json_type call picks the branch: cheaper than testing each type separately on every row.
  const inner = scalar('je.type', 'je.value', value);
  const arrayBranch = `EXISTS (SELECT 1 FROM json_each(${col}, ?) AS je WHERE ${inner.sql})`;
  let direct: SqlFragment;
  if (value === null) direct = { sql: "WHEN 'null' THEN 1", params: [] };
  else if (typeof value === 'boolean') direct = { sql: `WHEN '${value ? 'true' : 'false'}' THEN 1`, params: [] };
  else if (typeof value === 'number') {
    direct = { sql: `WHEN 'integer' THEN json_extract(${col}, ?) = ? WHEN 'real' THEN json_extract(${col}, ?) = ?`, params: [path, value, path, value] };
  } else direct = { sql: `WHEN 'text' THEN json_extract(${col}, ?) = ?`, params: [path, value] };
  return {
    sql: `(CASE json_type(${col}, ?) ${direct.sql} WHEN 'array' THEN ${arrayBranch} ELSE 0 END)`,
    params: [path, ...direct.params, path, ...inner.params],
  };
}

/** The same test on json_each's columns, for arrays that contain the value. */
function scalar(typeExpr: string, valueExpr: string, value: Exclude<MetadataValue, string[]>): SqlFragment {
  if (value === null) return { sql: `${typeExpr} = 'null'`, params: [] };
  if (typeof value === 'boolean') return { sql: `${typeExpr} = '${value ? 'true' : 'false'}'`, params: [] };
  const type = typeof value === 'number' ? `IN ('integer', 'real')` : `= 'text'`;
  return { sql: `${typeExpr} ${type} AND ${valueExpr} = ?`, params: [value] };
}

function range(col: string, path: string, c: Extract<NormalizedCondition, { op: 'range' }>): SqlFragment {
  const parts: string[] = [];
  const params: unknown[] = [];
  const bounds: Array<[number | string | undefined, string]> = [
    [c.gt, '>'],
    [c.gte, '>='],
    [c.lt, '<'],
    [c.lte, '<='],
  ];
  for (const [bound, op] of bounds) {
    if (bound === undefined) continue;
    // Numbers compare with numbers, strings (ISO dates) with strings; anything else never matches.
    if (typeof bound === 'number') parts.push(`json_type(${col}, ?) IN ('integer', 'real') AND json_extract(${col}, ?) ${op} ?`);
    else if (typeof bound === 'string') parts.push(`json_type(${col}, ?) = 'text' AND json_extract(${col}, ?) ${op} ?`);
    else return { sql: '0', params: [] };
    params.push(path, path, bound);
  }
  if (parts.length === 0) return { sql: `COALESCE(json_type(${col}, ?) NOT IN ('null'), 0)`, params: [path] };
  return { sql: `COALESCE(${parts.join(' AND ')}, 0)`, params };
}
