import { IncontextError, sha256, type Metadata, type MetadataValue } from '../../core/index.js';
import { normalizeText } from '../normalize.js';
import { titleField } from '../loaders/shared.js';
import type { LoadedDocument } from '../types.js';
import { quoteIdent, trimQuery, type SqlConnection } from './connection.js';
import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';
import { parseSqlTarget, type SqlTarget } from './target.js';
import { isBinary, laterThan, toMetadataValue, toText } from './values.js';

export interface SqlSourceOptions {
  /** A SQLite file path, `file:` URL, or `postgres://user:pass@host:5432/db` URL. */
  db: string;
  /** One SELECT (or WITH ... SELECT) statement. */
  sql: string;
  /** Column whose value is the row's stable key. Default: a column named `id` if the query has one, else the row number. */
  idColumn?: string;
  /** Columns that make the text. Default: every column except the id, updated and metadata columns. */
  textColumns?: string[];
  /** Columns kept as metadata. Default: every column that is not a text column. The id and updated columns always are. */
  metadataColumns?: string[];
  /** Column holding the title. Default: a `title`/`name`/`subject`/... column, else `<name> <id>`. */
  titleColumn?: string;
  /** Column that grows when a row changes (updated_at, a version number); enables `since` and the watermark. */
  updatedColumn?: string;
  /** Only rows whose updatedColumn is >= this value (the previous run's `watermark`). */
  since?: string;
  /** Names this query in origins so two queries against one database never share ids. Default: the first table after FROM. */
  name?: string;
  /** How the text is chunked later: `markdown` when a text column holds Markdown. Default `text`. */
  format?: 'text' | 'markdown';
}

export interface SqlSource extends AsyncIterable<LoadedDocument> {
  /** Every origin of this source starts with it: after a full read (no `since`), origins under it that were not produced are gone from the table. */
  readonly originPrefix: string;
  /** The database as it may be shown: path, or postgres://host:port/db without credentials. */
  readonly label: string;
  /** Rows read so far (including rows skipped for having no text). */
  readonly rows: number;
  /** Largest updatedColumn value read so far; pass it as `since` next time. */
  readonly watermark: string | undefined;
  /** True with `since`: only changed rows are read, so rows missing from the result are not deleted ones. */
  readonly incremental: boolean;
}

/** The table after the first FROM, lowercased and unquoted: stable while the query is edited, distinct across tables. */
export function defaultSourceName(sql: string): string {
  const m = /\bfrom\s+((?:"[^"]+"|[\w$]+)(?:\.(?:"[^"]+"|[\w$]+))?)/i.exec(sql);
  if (m?.[1] && !/^(select|lateral)$/i.test(m[1])) return m[1].replace(/"/g, '').toLowerCase();
  return `query-${sha256(trimQuery(sql).replace(/\s+/g, ' ')).slice(0, 8)}`;
}

interface Plan {
  columns: string[];
  id: number | undefined;
  text: number[];
  metadata: number[];
  title: number | undefined;
  updated: number | undefined;
}

function missingColumn(target: SqlTarget, key: string, name: string, columns: string[]): IncontextError {
  return new IncontextError('BAD_REQUEST', `The query has no column "${name}" (named by ${key})`, {
    input: { path: target.label, key },
    hint: `The query returns: ${columns.join(', ') || '(no columns)'}. Name one of these, or add the column (with AS to rename it) to the SELECT list.`,
  });
}

function planColumns(target: SqlTarget, columns: string[], o: SqlSourceOptions): Plan {
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) {
      throw new IncontextError('BAD_REQUEST', `The query returns two columns named "${c}"`, {
        input: { path: target.label, key: 'sql' },
        hint: `Give each column its own name with AS, e.g. SELECT a.${c} AS a_${c}, b.${c} AS b_${c}.`,
      });
    }
    seen.add(c);
  }
  const find = (key: string, name: string): number => {
    const i = columns.indexOf(name);
    if (i < 0) throw missingColumn(target, key, name, columns);
    return i;
  };
  const conventional = columns.findIndex((c) => c.toLowerCase() === 'id');
  const id = o.idColumn !== undefined ? find('idColumn', o.idColumn) : conventional >= 0 ? conventional : undefined;
  const updated = o.updatedColumn !== undefined ? find('updatedColumn', o.updatedColumn) : undefined;
  const title = o.titleColumn !== undefined ? find('titleColumn', o.titleColumn) : undefined;
  const named = (key: string, list: string[] | undefined) => list?.map((c) => find(key, c));
  const givenMeta = named('metadataColumns', o.metadataColumns);
  let text = named('textColumns', o.textColumns);
  if (text?.length === 0) {
    throw new IncontextError('BAD_REQUEST', 'textColumns is an empty list', {
      input: { path: target.label, key: 'textColumns' },
      hint: `Name at least one column for the text (the query returns: ${columns.join(', ')}), or leave textColumns out to use every other column.`,
    });
  }
  const keys = new Set([id, updated, ...(givenMeta ?? [])].filter((i): i is number => i !== undefined));
  text ??= columns.map((_c, i) => i).filter((i) => !keys.has(i));
  if (text.length === 0) {
    throw new IncontextError('BAD_REQUEST', 'The query returns no column left for the text: every column is the id, updated or a metadata column', {
      input: { path: target.label, key: 'textColumns' },
      hint: 'Select the column(s) holding the text, or name them with textColumns (--text-columns).',
    });
  }
  const textSet = new Set(text);
  const metadata = givenMeta ?? columns.map((_c, i) => i).filter((i) => !textSet.has(i));
  for (const k of [id, updated]) if (k !== undefined && !metadata.includes(k)) metadata.unshift(k);
  const autoTitle = title ?? (() => {
    const t = titleField(columns);
    return t === undefined ? undefined : columns.indexOf(t);
  })();
  return { columns, id, text, metadata, title: autoTitle, updated };
}

function cellText(target: SqlTarget, plan: Plan, col: number, value: unknown, rowNo: number): string {
  if (isBinary(value)) {
    throw new IncontextError('BAD_REQUEST', `Column "${plan.columns[col]}" holds binary data (row ${rowNo}), which has no text to index`, {
      input: { path: target.label, key: 'textColumns' },
      hint: 'Leave the column out of the text (textColumns), or convert it in SQL, e.g. CAST(col AS TEXT) or convert_from(col, \'UTF8\').',
    });
  }
  return (toText(value) ?? '').trim();
}

/** Several columns read as labelled lines; a column holding paragraphs gets a blank line around it so chunks break between columns. */
function composeText(target: SqlTarget, plan: Plan, row: unknown[], rowNo: number): string {
  const parts: string[] = [];
  for (const col of plan.text) {
    const value = cellText(target, plan, col, row[col], rowNo);
    if (value !== '') parts.push(plan.text.length === 1 ? value : `${plan.columns[col]}: ${value}`);
  }
  const separator = parts.some((p) => p.includes('\n')) ? '\n\n' : '\n';
  return normalizeText(parts.join(separator));
}

function rowKey(target: SqlTarget, plan: Plan, row: unknown[], rowNo: number): string {
  if (plan.id === undefined) return `row=${rowNo}`;
  const key = toText(row[plan.id]);
  if (key === undefined || key === '') {
    throw new IncontextError('BAD_REQUEST', `Row ${rowNo} has no value in the id column "${plan.columns[plan.id]}"`, {
      input: { path: target.label, key: 'idColumn' },
      hint: 'The id column must be non-null for every row (a primary key is ideal). Filter NULLs in the query or pick another idColumn.',
    });
  }
  return key;
}

class SqlRowSource implements SqlSource {
  readonly originPrefix: string;
  readonly label: string;
  readonly incremental: boolean;
  rows = 0;
  watermark: string | undefined;
  readonly #target: SqlTarget;
  readonly #options: SqlSourceOptions;
  readonly #name: string;

  constructor(options: SqlSourceOptions) {
    this.#target = parseSqlTarget(options.db);
    this.#options = options;
    const sql = trimQuery(options.sql);
    if (sql === '') {
      throw new IncontextError('BAD_REQUEST', 'The SQL query is empty', { input: { key: 'sql' }, hint: 'Pass --sql "SELECT id, title, body FROM articles".' });
    }
    if (options.since !== undefined && options.updatedColumn === undefined) {
      throw new IncontextError('BAD_REQUEST', '`since` needs `updatedColumn`: the column it is compared with', {
        input: { key: 'since' },
        hint: 'Name the column that changes when a row changes, e.g. --updated-column updated_at.',
      });
    }
    this.#name = options.name ?? defaultSourceName(sql);
    this.label = this.#target.label;
    this.incremental = options.since !== undefined;
    this.originPrefix = `sql:${this.label}/${this.#name}#`;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LoadedDocument> {
    const target = this.#target;
    const o = this.#options;
    const conn: SqlConnection = target.kind === 'sqlite' ? openSqlite(target) : await openPostgres(target);
    let failed = false;
    try {
      const sql = trimQuery(o.sql);
      const plan = planColumns(target, await conn.describe(sql), o);
      if (o.since !== undefined && plan.id === undefined) {
        throw new IncontextError('BAD_REQUEST', 'Reading only changed rows (since) needs an id column', {
          input: { path: target.label, key: 'idColumn' },
          hint: 'Without a key a changed row cannot replace its old version. Name the key with idColumn (--id-column).',
        });
      }
      let query = sql;
      const params: unknown[] = [];
      if (o.since !== undefined && plan.updated !== undefined) {
        const col = quoteIdent(plan.columns[plan.updated]!);
        // >= rather than >: a row written in the same instant as the last watermark is read again (and skipped by its hash), never lost.
        query = `SELECT * FROM (\n${sql}\n) AS incontext_src WHERE ${col} >= ${conn.placeholder(1)} ORDER BY ${col}`;
        params.push(target.kind === 'sqlite' && /^-?\d+(?:\.\d+)?$/.test(o.since) ? Number(o.since) : o.since);
      }
      const seen = new Set<string>();
      for await (const row of conn.rows(query, params)) {
        this.rows++;
        const doc = this.#document(plan, row, this.rows, seen);
        if (doc) yield doc;
      }
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      if (failed) await conn.close().catch(() => undefined);
      else await conn.close();
    }
  }

  #document(plan: Plan, row: unknown[], rowNo: number, seen: Set<string>): LoadedDocument | undefined {
    const target = this.#target;
    const key = rowKey(target, plan, row, rowNo);
    if (seen.has(key)) {
      throw new IncontextError('BAD_REQUEST', `Two rows have the same id "${key}" in column "${plan.columns[plan.id!]}"`, {
        input: { path: target.label, key: 'idColumn' },
        hint: 'The id column must be unique in the query result. Use the primary key, or a join that does not repeat rows.',
      });
    }
    seen.add(key);
    if (plan.updated !== undefined) {
      const v = toMetadataValue(row[plan.updated]);
      if (v !== undefined && v !== null && laterThan(v, this.watermark)) this.watermark = String(v);
    }
    const text = composeText(target, plan, row, rowNo);
    if (text === '') return undefined;
    const metadata: Metadata = {};
    for (const col of plan.metadata) {
      const v: MetadataValue | undefined = toMetadataValue(row[col]);
      if (v !== undefined) metadata[plan.columns[col]!] = v;
    }
    const rawTitle = plan.title === undefined ? undefined : toText(row[plan.title])?.replace(/\s+/g, ' ').trim();
    const title = rawTitle || `${this.#name} ${key}`;
    const format = this.#options.format ?? 'text';
    const origin = this.originPrefix + key;
    // The hash covers what the pipeline stores, so a change to any used column re-ingests the row and nothing else does.
    const contentHash = sha256(JSON.stringify([format, title, text, metadata]));
    return { origin, source: origin, format, title, text, metadata, contentHash };
  }
}

/**
 * Rows of one query as documents, one per row, each its own origin
 * (`sql:<db label>/<name>#<id>`), so re-ingest replaces, skips or prunes rows one by one.
 * Nothing is opened until iteration starts; the connection closes when it ends or stops.
 */
export function readSqlSource(options: SqlSourceOptions): SqlSource {
  return new SqlRowSource(options);
}
