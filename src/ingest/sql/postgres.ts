import pg from 'pg';
import Cursor from 'pg-cursor';
import { badQuery, unreachable, type SqlConnection } from './connection.js';
import type { SqlTarget } from './target.js';

type PostgresTarget = Extract<SqlTarget, { kind: 'postgres' }>;

/** Rows fetched per round trip: large enough to hide latency, small enough that a wide table stays in a few MB. */
const BATCH = 500;
const CONNECT_TIMEOUT_MS = 15_000;

const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const INT8 = 20;

/**
 * Timestamps are kept as the server prints them, only reshaped to ISO 8601: pg's
 * default turns them into JS Dates, which drop microseconds and read
 * `timestamp without time zone` in the client's local zone, so a watermark
 * passed back as `since` could skip rows. The session runs in UTC, so
 * timestamptz values all end in `Z` and sort as text.
 */
export function isoTimestamp(value: string): string {
  const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)(?:([+-])(\d\d)(?::?(\d\d))?)?$/.exec(value);
  if (!m) return value;
  const [, date, time, sign, hh, mm] = m;
  if (sign === undefined) return `${date}T${time}`;
  if (hh === '00' && (mm === undefined || mm === '00')) return `${date}T${time}Z`;
  return `${date}T${time}${sign}${hh}:${mm ?? '00'}`;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary') {
      if (oid === DATE) return (v: string) => v;
      if (oid === TIMESTAMP || oid === TIMESTAMPTZ) return isoTimestamp;
      // bigint keys as numbers when exact, so `42` in PostgreSQL and SQLite give the same document id.
      if (oid === INT8) return (v: string) => (Number.isSafeInteger(Number(v)) ? Number(v) : v);
    }
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

function connectFailure(target: PostgresTarget, err: unknown) {
  const code = (err as { code?: unknown }).code;
  const where = target.label.replace(/\/[^/]*$/, '');
  if (code === '28P01' || code === '28000') {
    return unreachable(target, err, 'The server refused the user or password in the URL (not shown here). Check them, and the server’s pg_hba.conf for this client address.');
  }
  if (code === '3D000') return unreachable(target, err, 'The database named at the end of the URL does not exist on that server. Check its name (psql -l lists them).');
  return unreachable(target, err, `Check that PostgreSQL is running at ${where} and accepts TCP connections from this machine (listen_addresses, firewall).`);
}

/** SQLSTATE class 08 and 57P: the connection broke while reading. */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P') || code.startsWith('E'));
}

/**
 * One client inside a READ ONLY transaction: the query cannot write, and a
 * server-side cursor hands the rows over in batches.
 */
export async function openPostgres(target: PostgresTarget): Promise<SqlConnection> {
  const client = new pg.Client({ connectionString: target.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'incontext-ingest' });
  // Without a listener a dropped connection would crash the process; the next query reports it instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('BEGIN TRANSACTION READ ONLY');
    await client.query("SET LOCAL TIME ZONE 'UTC'");
  } catch (err) {
    await client.end().catch(() => undefined);
    throw connectFailure(target, err);
  }
  const failure = (err: unknown) => (isConnectionError(err) ? connectFailure(target, err) : badQuery(target, err));
  return {
    async describe(sql) {
      try {
        // LIMIT 0 on the wrapped query is planned, not run, so describing a huge table costs nothing.
        const result = await client.query({ text: `SELECT * FROM (\n${sql}\n) AS incontext_probe LIMIT 0`, rowMode: 'array', types });
        return result.fields.map((f) => f.name);
      } catch (err) {
        throw failure(err);
      }
    },
    async *rows(sql, params) {
      const cursor = client.query(new Cursor<unknown[]>(sql, [...params], { rowMode: 'array', types }));
      let failed = false;
      try {
        for (;;) {
          let batch: unknown[][];
          try {
            batch = await cursor.read(BATCH);
          } catch (err) {
            failed = true;
            throw failure(err);
          }
          if (batch.length === 0) return;
          yield* batch;
        }
      } finally {
        // After a failure the original error matters, not a second one from closing a dead cursor.
        if (failed) await cursor.close().catch(() => undefined);
        else await cursor.close();
      }
    },
    placeholder: (n) => `$${n}`,
    async close() {
      try {
        await client.query('ROLLBACK');
      } finally {
        await client.end();
      }
    },
  };
}
