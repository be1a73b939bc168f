import { fileURLToPath } from 'node:url';
import { IncontextError } from '../../core/index.js';

/** Where the rows come from, parsed once; `label` is the only form that may appear in origins, logs and errors. */
export type SqlTarget =
  | { kind: 'sqlite'; path: string; label: string; secrets: string[] }
  | { kind: 'postgres'; url: string; label: string; secrets: string[] };

const PG_SCHEME = /^postgres(?:ql)?:\/\//i;
const OTHER_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * `db` is a SQLite path, a `file:`/`sqlite:` URL, or a `postgres://` URL. Postgres
 * labels keep host, port and database only: user, password and query parameters
 * (which may carry `password=` or `sslkey=`) never leave this function.
 */
export function parseSqlTarget(db: string): SqlTarget {
  const given = db.trim();
  if (given === '') {
    throw new IncontextError('BAD_REQUEST', 'No database given for the SQL source', {
      input: { key: 'db' },
      hint: 'Pass --db with a SQLite file path (data/app.db) or a postgres://host:5432/dbname URL.',
    });
  }
  if (PG_SCHEME.test(given)) return postgresTarget(given);
  const scheme = OTHER_SCHEME.exec(given)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'file' && scheme !== 'sqlite') {
    throw new IncontextError('BAD_REQUEST', `Unsupported database URL scheme "${scheme}://"`, {
      input: { key: 'db' },
      hint: 'The SQL source reads SQLite (a file path or file: URL) and PostgreSQL (postgres:// or postgresql://). Export other databases to one of these or to CSV.',
    });
  }
  const path = sqlitePath(given);
  return { kind: 'sqlite', path, label: path, secrets: [] };
}

function sqlitePath(given: string): string {
  if (/^file:\/\//i.test(given)) {
    try {
      return fileURLToPath(given.replace(/\?.*$/, ''));
    } catch (cause) {
      throw new IncontextError('BAD_REQUEST', `Not a valid file: URL for a SQLite database: ${given}`, {
        input: { key: 'db' },
        hint: 'Use file:///absolute/path/app.db or just the path.',
        cause,
      });
    }
  }
  // SQLite's own URI form (file:data.db?mode=ro) and sqlite:path are relative paths with optional parameters.
  const bare = given.replace(/^(?:file|sqlite):(?:\/\/)?/i, '');
  return bare === given ? given : decodeURIComponent(bare.replace(/\?.*$/, ''));
}

function postgresTarget(url: string): SqlTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    // The URL itself may hold a password: the message names the scheme only.
    throw new IncontextError('BAD_REQUEST', 'The PostgreSQL URL given with --db is not a valid URL', {
      input: { key: 'db' },
      hint: 'Use postgres://user:password@host:5432/dbname; percent-encode special characters in the password (@ as %40, / as %2F).',
      cause: scrubCause(cause, [url]),
    });
  }
  const secrets = [url];
  if (parsed.password) secrets.push(parsed.password, safeDecode(parsed.password));
  for (const [key, value] of parsed.searchParams) if (/pass|key|secret|token/i.test(key) && value) secrets.push(value);
  const host = parsed.host || 'localhost';
  const database = parsed.pathname.replace(/^\//, '') || 'postgres';
  return { kind: 'postgres', url, label: `postgres://${host}/${database}`, secrets: secrets.filter((s) => s.length > 0) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A message from a driver with every secret of the target replaced. */
export function scrub(message: string, secrets: readonly string[]): string {
  let out = message;
  // Longest first, so the whole URL goes before the password inside it.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('[redacted]');
  return out;
}

/** Errors kept as `cause` are reachable by whoever logs them: keep the original's class name and code, not its text. */
export function scrubCause(cause: unknown, secrets: readonly string[]): Error {
  if (!(cause instanceof Error)) return new Error(scrub(String(cause), secrets));
  const copy = new Error(scrub(cause.message, secrets));
  copy.name = cause.name;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}
