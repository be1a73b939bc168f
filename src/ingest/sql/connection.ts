import { IncontextError } from '../../core/index.js';
import { scrub, scrubCause, type SqlTarget } from './target.js';

/** What the source needs from a database: the columns of a query without running it to the end, and its rows as arrays. */
export interface SqlConnection {
  /** Column names of the query's result, in order. */
  describe(sql: string): Promise<string[]>;
  /** Rows as arrays in `describe` order; streams, so a big table never sits in memory. */
  rows(sql: string, params: readonly unknown[]): AsyncIterable<unknown[]>;
  /** The placeholder for the n-th (1-based) parameter. */
  placeholder(n: number): string;
  close(): Promise<void>;
}

/** The same quoting works in SQLite and PostgreSQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Driver message with the target's secrets removed and without the driver's own prefix noise. */
function detail(err: unknown, target: SqlTarget): string {
  const message = err instanceof Error ? err.message : String(err);
  return scrub(message, target.secrets);
}

export function unreachable(target: SqlTarget, err: unknown, hint: string): IncontextError {
  return new IncontextError('FILE_UNREADABLE', `Cannot read the database ${target.label}: ${detail(err, target)}`, {
    input: { path: target.label, key: 'db' },
    hint,
    cause: scrubCause(err, target.secrets),
  });
}

export function badQuery(target: SqlTarget, err: unknown, hint?: string): IncontextError {
  return new IncontextError('BAD_REQUEST', `The SQL query failed on ${target.label}: ${detail(err, target)}`, {
    input: { path: target.label, key: 'sql' },
    hint:
      hint ??
      'Check the query with the database’s own client (sqlite3 or psql). The source reads one SELECT statement (a WITH ... SELECT is fine); end it without a second statement.',
    cause: scrubCause(err, target.secrets),
  });
}

/** One trailing `;` is habit, not a second statement; it would break the subquery the `since` filter wraps around the query. */
export function trimQuery(sql: string): string {
  return sql.trim().replace(/;\s*$/, '').trim();
}
