import type Database from 'better-sqlite3';
import { DEFAULT_PROJECT } from '../core/index.js';
import type { Migration } from '../store/index.js';
import type { AuditAction } from './types.js';

export const MIGRATION_TABLE = 'tenancy_migrations';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'projects, api keys, vault, audit log',
    sql: `
      CREATE TABLE projects (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      -- Data stored before tenancy existed lives in the default project.
      INSERT INTO projects (id, name, created_at) VALUES ('${DEFAULT_PROJECT}', 'Default', CAST(unixepoch('subsec') * 1000 AS INTEGER));

      CREATE TABLE api_keys (
        id           TEXT PRIMARY KEY,
        project      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
        name         TEXT NOT NULL,
        prefix       TEXT NOT NULL UNIQUE,
        hash         BLOB NOT NULL,
        scopes       TEXT NOT NULL,
        limits       TEXT NOT NULL DEFAULT '{}',
        created_at   INTEGER NOT NULL,
        last_used_at INTEGER,
        expires_at   INTEGER,
        revoked_at   INTEGER
      );
      CREATE INDEX api_keys_project ON api_keys (project, created_at);

      -- One row; created by the first setSecret with the master key in use then.
      CREATE TABLE vault_meta (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        salt       BLOB NOT NULL,
        kdf        TEXT NOT NULL,
        key_check  BLOB NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE vault_secrets (
        project    TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
        name       TEXT NOT NULL,
        iv         BLOB NOT NULL,
        ciphertext BLOB NOT NULL,
        tag        BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (project, name)
      );

      -- No foreign key: the log outlives the projects it mentions.
      CREATE TABLE audit_log (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at      INTEGER NOT NULL,
        actor   TEXT NOT NULL,
        project TEXT NOT NULL,
        action  TEXT NOT NULL,
        target  TEXT NOT NULL,
        detail  TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_log_project ON audit_log (project, at);
      CREATE INDEX audit_log_at ON audit_log (at);
    `,
  },
  {
    version: 2,
    name: 'vault versions',
    // Triggers, not application code, bump the versions: every writer (setSecret, deleteSecret,
    // a master-key rotation, a project delete, another process on the same file, an older
    // incontext) is seen by the model stack's per-project credential cache the same way.
    sql: `
      CREATE TABLE vault_versions (
        project TEXT PRIMARY KEY,
        version INTEGER NOT NULL
      ) WITHOUT ROWID;
      -- '*' counts every change, so one indexed read tells a reader whether to look closer.
      INSERT INTO vault_versions (project, version) VALUES ('*', 0);
      INSERT INTO vault_versions (project, version) SELECT DISTINCT project, 1 FROM vault_secrets;
      CREATE TRIGGER vault_secrets_version_insert AFTER INSERT ON vault_secrets BEGIN
        INSERT INTO vault_versions (project, version) VALUES (new.project, 1) ON CONFLICT (project) DO UPDATE SET version = version + 1;
        UPDATE vault_versions SET version = version + 1 WHERE project = '*';
      END;
      CREATE TRIGGER vault_secrets_version_update AFTER UPDATE ON vault_secrets BEGIN
        INSERT INTO vault_versions (project, version) VALUES (new.project, 1) ON CONFLICT (project) DO UPDATE SET version = version + 1;
        UPDATE vault_versions SET version = version + 1 WHERE project = '*';
      END;
      CREATE TRIGGER vault_secrets_version_delete AFTER DELETE ON vault_secrets BEGIN
        INSERT INTO vault_versions (project, version) VALUES (old.project, 1) ON CONFLICT (project) DO UPDATE SET version = version + 1;
        UPDATE vault_versions SET version = version + 1 WHERE project = '*';
      END;
    `,
  },
];

/** What every part of the tenancy stage shares. */
export interface Ctx {
  db: Database.Database;
  path: string;
  now: () => number;
  audit(entry: { actor: string; project: string; action: AuditAction; target: string; detail?: Record<string, unknown> }): void;
}
