import Database from 'better-sqlite3';
import { badQuery, unreachable, type SqlConnection } from './connection.js';
import type { SqlTarget } from './target.js';

type SqliteTarget = Extract<SqlTarget, { kind: 'sqlite' }>;

/** Codes that mean "this is not a database we can read", as opposed to a bad query. */
const UNREADABLE = new Set(['SQLITE_CANTOPEN', 'SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_PERM', 'SQLITE_AUTH', 'SQLITE_IOERR']);

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

function failure(target: SqliteTarget, err: unknown) {
  const code = codeOf(err);
  if (UNREADABLE.has(code) || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) {
    return unreachable(target, err, 'Check that the path names an existing SQLite database file and that it is readable by this user.');
  }
  return badQuery(target, err);
}

/**
 * Opened read-only: a query can never change the user's database, and a
 * database another process is writing (WAL) is read at a consistent snapshot.
 */
export function openSqlite(target: SqliteTarget): SqlConnection {
  let db: Database.Database;
  try {
    db = new Database(target.path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw unreachable(target, err, 'Check the path: the SQLite file must exist (it is resolved from the current directory) and be readable.');
  }
  const prepare = (sql: string): Database.Statement => {
    let stmt: Database.Statement;
    try {
      stmt = db.prepare(sql);
    } catch (err) {
      throw failure(target, err);
    }
    if (!stmt.reader) {
      throw badQuery(target, new Error('the statement returns no rows'), 'Give a SELECT query; the database is opened read-only, so statements that change data cannot run.');
    }
    return stmt;
  };
  return {
    describe(sql) {
      return Promise.resolve(prepare(sql).columns().map((c) => c.name));
    },
    async *rows(sql, params) {
      const stmt = prepare(sql).safeIntegers(true).raw(true);
      let iterator: IterableIterator<unknown[]>;
      try {
        iterator = stmt.iterate(...params) as IterableIterator<unknown[]>;
      } catch (err) {
        throw failure(target, err);
      }
      try {
        for (;;) {
          let step: IteratorResult<unknown[]>;
          try {
            step = iterator.next();
          } catch (err) {
            throw failure(target, err);
          }
          if (step.done) return;
          yield step.value;
        }
      } finally {
        // Ends the statement when the consumer stops early, so close() is allowed afterwards.
        iterator.return?.();
      }
    },
    placeholder: () => '?',
    close() {
      if (db.open) db.close();
      return Promise.resolve();
    },
  };
}
