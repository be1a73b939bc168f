import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { migrate, type Migration } from '../sqlite/migrations.js';

/**
 * Bookkeeping for ANN indexes inside the SQLite file, created only when the first
 * index is registered (a store that never grows past the threshold carries none of it).
 *
 * The change log is why an index file can lag behind SQLite safely: triggers record
 * the seq of every chunk whose vector appears, changes or goes, in the writer's own
 * transaction, from any process. An index that was saved at log id A is made current
 * by re-reading the vectors of the seqs logged after A. A "last rowid" mark would not
 * do: chunks.seq is a plain rowid, so SQLite reuses the highest seqs after they are
 * deleted, and a re-ingested file would keep stale vectors under reused keys.
 * Triggers fire only for (project, model) pairs that have an index, so other projects
 * pay one index lookup per row and log nothing.
 */
export const ANN_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ann indexes and change log',
    sql: `
      CREATE TABLE ann_indexes (
        project_id   TEXT NOT NULL,
        model        TEXT NOT NULL,
        -- Random per registration, copied into the index file's manifest: a file made for
        -- another database (or an earlier registration) is never trusted.
        instance     TEXT NOT NULL,
        -- The saved file holds every change up to this log id.
        saved_log_id INTEGER NOT NULL DEFAULT 0,
        -- Log entries up to here are deleted; an in-memory index behind it must reload the file.
        pruned_log_id INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (project_id, model)
      );
      CREATE TABLE ann_log (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        seq        INTEGER NOT NULL
      );
      CREATE INDEX ann_log_project ON ann_log (project_id, id);

      CREATE TRIGGER ann_vector_insert AFTER INSERT ON vectors
      WHEN EXISTS (SELECT 1 FROM ann_indexes WHERE project_id = new.project_id AND model = new.model)
      BEGIN
        INSERT INTO ann_log (project_id, seq) SELECT new.project_id, seq FROM chunks WHERE project_id = new.project_id AND id = new.chunk_id;
      END;
      CREATE TRIGGER ann_vector_update AFTER UPDATE ON vectors
      WHEN EXISTS (SELECT 1 FROM ann_indexes WHERE project_id = new.project_id AND model = new.model)
      BEGIN
        INSERT INTO ann_log (project_id, seq) SELECT new.project_id, seq FROM chunks WHERE project_id = new.project_id AND id = new.chunk_id;
      END;
      -- The chunk may already be gone (cascade); then the chunk trigger below logs it.
      CREATE TRIGGER ann_vector_delete AFTER DELETE ON vectors
      WHEN EXISTS (SELECT 1 FROM ann_indexes WHERE project_id = old.project_id AND model = old.model)
      BEGIN
        INSERT INTO ann_log (project_id, seq) SELECT old.project_id, seq FROM chunks WHERE project_id = old.project_id AND id = old.chunk_id;
      END;
      CREATE TRIGGER ann_chunk_delete AFTER DELETE ON chunks
      WHEN EXISTS (SELECT 1 FROM ann_indexes WHERE project_id = old.project_id)
      BEGIN
        INSERT INTO ann_log (project_id, seq) VALUES (old.project_id, old.seq);
      END;
    `,
  },
];

export interface Registration {
  instance: string;
  savedLogId: number;
  prunedLogId: number;
}

export function annTablesExist(db: Database.Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ann_indexes'").get() !== undefined;
}

export function ensureAnnTables(db: Database.Database, path: string): void {
  migrate(db, path, ANN_MIGRATIONS, false, 'ann_migrations');
}

export function registration(db: Database.Database, projectId: string, model: string): Registration | undefined {
  if (!annTablesExist(db)) return undefined;
  const row = db
    .prepare('SELECT instance, saved_log_id AS savedLogId, pruned_log_id AS prunedLogId FROM ann_indexes WHERE project_id = ? AND model = ?')
    .get(projectId, model) as Registration | undefined;
  return row;
}

/** Starts logging changes for (project, model) under a new instance id; any older file is thereby disowned. */
export function register(db: Database.Database, projectId: string, model: string): Registration {
  const instance = randomBytes(8).toString('hex');
  db.prepare(
    `INSERT INTO ann_indexes (project_id, model, instance) VALUES (?, ?, ?)
     ON CONFLICT (project_id, model) DO UPDATE SET instance = excluded.instance, saved_log_id = 0`,
  ).run(projectId, model, instance);
  return { instance, savedLogId: 0, prunedLogId: registration(db, projectId, model)?.prunedLogId ?? 0 };
}

export function maxLogId(db: Database.Database): number {
  return (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'ann_log'").pluck().get() as number | undefined) ?? 0;
}

/** Distinct seqs of `projectId` logged in (after, upTo]. */
export function loggedSeqs(db: Database.Database, projectId: string, after: number, upTo: number): number[] {
  return db.prepare('SELECT DISTINCT seq FROM ann_log WHERE project_id = ? AND id > ? AND id <= ?').pluck().all(projectId, after, upTo) as number[];
}

/**
 * Records that the file now on disk holds everything up to `logId`, then deletes the log
 * entries every index of the project has saved. Runs inside the caller's write transaction.
 */
export function markSaved(db: Database.Database, projectId: string, model: string, logId: number): void {
  db.prepare('UPDATE ann_indexes SET saved_log_id = ? WHERE project_id = ? AND model = ?').run(logId, projectId, model);
  const floor = db.prepare('SELECT min(saved_log_id) FROM ann_indexes WHERE project_id = ?').pluck().get(projectId) as number;
  const pruned = db.prepare('SELECT max(pruned_log_id) FROM ann_indexes WHERE project_id = ?').pluck().get(projectId) as number;
  if (floor > pruned) {
    db.prepare('DELETE FROM ann_log WHERE project_id = ? AND id <= ?').run(projectId, floor);
    db.prepare('UPDATE ann_indexes SET pruned_log_id = ? WHERE project_id = ?').run(floor, projectId);
  }
}

export function unregister(db: Database.Database, projectId: string, model: string): void {
  db.prepare('DELETE FROM ann_indexes WHERE project_id = ? AND model = ?').run(projectId, model);
  const left = db.prepare('SELECT count(*) FROM ann_indexes WHERE project_id = ?').pluck().get(projectId) as number;
  if (left === 0) db.prepare('DELETE FROM ann_log WHERE project_id = ?').run(projectId);
}
