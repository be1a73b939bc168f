import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { IncontextError } from '../../core/index.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Ordered schema history. Append only: a released migration never changes,
 * because files in the wild were built by it. Each runs in its own transaction.
 */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'documents, chunks, fts, vectors',
    sql: `
      CREATE TABLE documents (
        project_id   TEXT NOT NULL DEFAULT 'default',
        id           TEXT NOT NULL,
        origin       TEXT NOT NULL,
        source       TEXT NOT NULL,
        title        TEXT,
        format       TEXT NOT NULL,
        text         TEXT NOT NULL,
        metadata     TEXT NOT NULL DEFAULT '{}',
        content_hash TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (project_id, id)
      );
      CREATE INDEX documents_origin ON documents (project_id, origin);

      -- seq is the integer rowid the FTS index and the vector cache refer to.
      CREATE TABLE chunks (
        seq         INTEGER PRIMARY KEY,
        project_id  TEXT NOT NULL DEFAULT 'default',
        id          TEXT NOT NULL,
        document_id TEXT NOT NULL,
        idx         INTEGER NOT NULL,
        text        TEXT NOT NULL,
        token_count INTEGER NOT NULL,
        start       INTEGER NOT NULL,
        "end"       INTEGER NOT NULL,
        metadata    TEXT NOT NULL DEFAULT '{}',
        UNIQUE (project_id, id),
        FOREIGN KEY (project_id, document_id) REFERENCES documents (project_id, id) ON DELETE CASCADE
      );
      CREATE INDEX chunks_document ON chunks (project_id, document_id, idx);

      -- External-content FTS5 over chunks.text; triggers keep it in the writer's transaction.
      CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='seq', tokenize='porter unicode61');
      CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts (rowid, text) VALUES (new.seq, new.text);
      END;
      CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.seq, old.text);
      END;
      CREATE TRIGGER chunks_fts_update AFTER UPDATE OF text ON chunks BEGIN
        INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.seq, old.text);
        INSERT INTO chunks_fts (rowid, text) VALUES (new.seq, new.text);
      END;

      -- Little-endian float32, L2-normalised.
      CREATE TABLE vectors (
        project_id TEXT NOT NULL DEFAULT 'default',
        chunk_id   TEXT NOT NULL,
        model      TEXT NOT NULL,
        dims       INTEGER NOT NULL,
        vector     BLOB NOT NULL,
        PRIMARY KEY (project_id, chunk_id, model),
        FOREIGN KEY (project_id, chunk_id) REFERENCES chunks (project_id, id) ON DELETE CASCADE
      );
    `,
  },
  {
    version: 2,
    name: 'embedding cache, vectors by model',
    sql: `
      -- Content-addressed, so shared by all projects: the same text embeds the same everywhere.
      CREATE TABLE embedding_cache (
        model     TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        vector    BLOB NOT NULL,
        PRIMARY KEY (model, text_hash)
      ) WITHOUT ROWID;
      CREATE INDEX vectors_model ON vectors (project_id, model);
    `,
  },
];

export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version;

/** Stages that keep tables in the same file (cache, trace) keep their own migration table. */
const TABLE_NAME = /^[a-z_]+_migrations$/;

export function schemaVersion(db: Database.Database, table = 'schema_migrations'): number {
  if (!TABLE_NAME.test(table)) throw new Error(`bad migration table name ${table}`);
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
  if (!exists) return 0;
  const row = db.prepare(`SELECT max(version) AS v FROM ${table}`).get() as { v: number | null };
  return row.v ?? 0;
}

/** Brings the file up to the newest migration in `migrations`; refuses files written by a newer incontext. */
export function migrate(db: Database.Database, path: string, migrations: readonly Migration[] = SQLITE_MIGRATIONS, readonly = false, table = 'schema_migrations'): void {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const current = schemaVersion(db, table);
  if (current > latest) {
    throw new IncontextError('STORE_FAILED', `The store was written by a newer incontext (schema version ${current}; this version knows up to ${latest})`, {
      input: { path },
      hint: 'Upgrade incontext to open this file, or point the store at another path.',
    });
  }
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return;
  if (readonly) {
    throw new IncontextError('STORE_FAILED', `The store has schema version ${current} and needs ${latest}, but it was opened read-only`, {
      input: { path },
      hint: 'Open it once read-write (any incontext command that writes) to upgrade it.',
    });
  }
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const record = db.prepare(`INSERT INTO ${table} (version, name, applied_at) VALUES (?, ?, ?)`);
  for (const m of pending) {
    db.transaction(() => {
      // Another process may have migrated while we waited for the write lock.
      if (schemaVersion(db, table) >= m.version) return;
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }).immediate();
  }
}

/**
 * Open (or create) the shared SQLite file for a stage that keeps its own tables in it
 * (cache, trace): WAL like the document store, and the stage's migrations under its own table.
 */
export function openStageDatabase(options: { path: string; stage: string; migrations: readonly Migration[]; table: string; hint?: string }): Database.Database {
  try {
    mkdirSync(dirname(options.path), { recursive: true });
    const db = new Database(options.path);
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, options.path, options.migrations, false, options.table);
    return db;
  } catch (err) {
    if (IncontextError.isInstance(err)) throw err;
    throw new IncontextError('STORE_FAILED', `Cannot open the ${options.stage} database: ${(err as Error).message}`, {
      input: { path: options.path },
      hint: options.hint ?? 'Check that the folder is writable and the file is an SQLite database.',
      cause: err,
    });
  }
}
