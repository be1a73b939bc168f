/**
 * Read side of the vault for the model stack: which version of a project's secrets is current,
 * and the decrypted values of the ones a model needs. It never writes, so it can share the SQLite
 * file with the server's own tenancy handle, the CLI and other replicas.
 */
import type Database from 'better-sqlite3';
import { openStageDatabase, runMigrations } from '../store/index.js';
import { MIGRATION_TABLE, MIGRATIONS, type Ctx } from './schema.js';
import { localVaultChanges } from './vault-changes.js';
import { createVault } from './vault.js';
import { MASTER_KEY_ENV } from './vault-crypto.js';

export interface ProjectSecretsOptions {
  /** The shared incontext.db file, or an open handle (`db`). */
  path?: string;
  db?: Database.Database;
  /** Default `process.env.INCONTEXT_MASTER_KEY`; needed only when a wanted secret exists. */
  masterKey?: string;
  /** How often, at most, to look for writes by other processes. Default 1000 ms. */
  pollMs?: number;
  now?: () => number;
}

export interface ProjectSecretsReader {
  /**
   * Changes whenever a secret of `project` is set, replaced, deleted or re-encrypted: at once for
   * writes by this process, within `pollMs` for writes by another process sharing the file.
   */
  version(project: string): number;
  /**
   * The project's secrets among `names`, decrypted; `{}` when it has none of them (then no master
   * key is needed). Throws when one exists but cannot be decrypted (no or wrong master key, tampering).
   */
  read(project: string, names: readonly string[]): Record<string, string>;
  close(): void;
}

const MAX_TRACKED_PROJECTS = 10_000;

export function openProjectSecrets(options: ProjectSecretsOptions): ProjectSecretsReader {
  let db: Database.Database;
  let owned = false;
  if (options.db) {
    db = options.db;
    runMigrations(db, db.name, MIGRATIONS, false, MIGRATION_TABLE);
  } else {
    db = openStageDatabase({ path: options.path ?? ':memory:', stage: 'tenancy', migrations: MIGRATIONS, table: MIGRATION_TABLE });
    owned = true;
  }
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 1000;
  const ctx: Ctx = {
    db,
    path: options.path ?? db.name,
    now,
    audit: () => {
      throw new Error('the vault reader never writes');
    },
  };
  const vault = createVault(ctx, options.masterKey ?? process.env[MASTER_KEY_ENV], () => undefined);
  const versionOf = db.prepare('SELECT version FROM vault_versions WHERE project = ?').pluck();
  const namesOf = db.prepare('SELECT name FROM vault_secrets WHERE project = ?').pluck();

  let global = -1;
  let polledAt = Number.NEGATIVE_INFINITY;
  let seenLocal = -1;
  const known = new Map<string, { global: number; version: number }>();

  const poll = (): void => {
    const t = now();
    const local = localVaultChanges();
    if (local === seenLocal && t - polledAt < pollMs) return;
    seenLocal = local;
    polledAt = t;
    global = (versionOf.get('*') as number | undefined) ?? 0;
  };

  return {
    version(project) {
      poll();
      const k = known.get(project);
      if (k && k.global === global) return k.version;
      const version = (versionOf.get(project) as number | undefined) ?? 0;
      if (known.size >= MAX_TRACKED_PROJECTS) known.clear();
      known.set(project, { global, version });
      return version;
    },
    read(project, names) {
      const present = new Set(namesOf.all(project) as string[]);
      const out: Record<string, string> = {};
      for (const name of names) {
        if (!present.has(name)) continue;
        const value = vault.getSecret(project, name);
        if (value !== undefined) out[name] = value;
      }
      return out;
    },
    close() {
      if (owned && db.open) db.close();
    },
  };
}
