import type Database from 'better-sqlite3';
import { DEFAULT_PROJECT, IncontextError } from '../core/index.js';
import { openStageDatabase, runMigrations } from '../store/index.js';
import { actorName, badRequest, checkProjectId, notFound } from './errors.js';
import { createKeyOps } from './keys.js';
import { MIGRATION_TABLE, MIGRATIONS, type Ctx } from './schema.js';
import type { AuditAction, AuditEntry, ListAuditOptions, Project, Tenancy, TenancyOptions } from './types.js';
import { MASTER_KEY_ENV } from './vault-crypto.js';
import { noteVaultChange } from './vault-changes.js';
import { createVault } from './vault.js';

/** Admin actions that change what a project's vault holds (a project delete removes its secrets). */
const VAULT_ACTIONS: ReadonlySet<AuditAction> = new Set<AuditAction>(['secret.set', 'secret.delete', 'vault.rotate', 'project.delete']);

interface ProjectRow {
  id: string;
  name: string;
  created_at: number;
}

/** An audit entry as stored: its detail is JSON text. */
type AuditRow = Omit<AuditEntry, 'detail'> & { detail: string };

function openDb(options: TenancyOptions): { db: Database.Database; path: string; owned: boolean } {
  if (options.db) {
    const path = options.db.name;
    runMigrations(options.db, path, MIGRATIONS, false, MIGRATION_TABLE);
    return { db: options.db, path, owned: false };
  }
  if (!options.path) {
    throw new IncontextError('CONFIG_INVALID', 'createTenancy needs a database: pass `path` (the incontext.db file) or `db`', {
      input: { key: 'path' },
      hint: 'Use the same file as the document store, e.g. `.incontext/incontext.db`.',
    });
  }
  const db = openStageDatabase({ path: options.path, stage: 'tenancy', migrations: MIGRATIONS, table: MIGRATION_TABLE });
  return { db, path: options.path, owned: true };
}

/**
 * Projects, API keys, the secret vault and the audit log, in the tables `projects`, `api_keys`,
 * `vault_meta`, `vault_secrets`, `audit_log` of the shared SQLite file.
 */
export function createTenancy(options: TenancyOptions): Tenancy {
  const { db, path, owned } = openDb(options);
  db.pragma('foreign_keys = ON');
  const now = options.now ?? Date.now;
  const insertAudit = db.prepare('INSERT INTO audit_log (at, actor, project, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)');
  const ctx: Ctx = {
    db,
    path,
    now,
    audit: (e) => {
      insertAudit.run(now(), e.actor, e.project, e.action, e.target, JSON.stringify(e.detail ?? {}));
      if (VAULT_ACTIONS.has(e.action)) noteVaultChange();
    },
  };

  const getProjectRow = db.prepare('SELECT * FROM projects WHERE id = ?');
  const activeKey = db.prepare('SELECT 1 FROM api_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) LIMIT 1');
  const toProject = (r: ProjectRow): Project => ({ id: r.id, name: r.name, createdAt: r.created_at });
  const requireProject = (id: string): void => {
    if (!getProjectRow.get(id)) throw notFound('project', id, 'project', 'Create it first with `incontext projects create <id>`, or list them with `incontext projects list`.');
  };

  const keys = createKeyOps(ctx, options.randomBytes, requireProject);
  const vault = createVault(ctx, options.masterKey ?? process.env[MASTER_KEY_ENV], requireProject);

  const deleteProject: Tenancy['deleteProject'] = async (id, opts = {}) => {
    checkProjectId(id);
    if (id === DEFAULT_PROJECT) {
      throw badRequest('The default project cannot be deleted', 'project', 'Data stored without a project lives there; delete its documents instead.');
    }
    requireProject(id);
    const hooks = options.projectData;
    if (!opts.force) {
      // Without hooks tenancy cannot see the project's documents, so it assumes there are some.
      const hasData = hooks ? await hooks.hasData(id) : true;
      if (hasData) {
        throw new IncontextError('BAD_REQUEST', `Project "${id}" ${hooks ? 'still has data' : 'may still have data'}`, {
          input: { key: 'project' },
          status: 409,
          hint: 'Delete its documents first, or delete with force (`incontext projects delete <id> --force`), which removes its data too.',
        });
      }
    }
    // Data first: if that fails, the project and its keys still exist to retry with.
    if (opts.force && hooks) await hooks.deleteData(id);
    db.transaction(() => {
      const revoked = db.prepare('SELECT count(*) AS n FROM api_keys WHERE project = ?').get(id) as { n: number };
      const secrets = db.prepare('SELECT count(*) AS n FROM vault_secrets WHERE project = ?').get(id) as { n: number };
      db.prepare('DELETE FROM api_keys WHERE project = ?').run(id);
      db.prepare('DELETE FROM vault_secrets WHERE project = ?').run(id);
      db.prepare('DELETE FROM projects WHERE id = ?').run(id);
      ctx.audit({ actor: actorName(opts.actor), project: id, action: 'project.delete', target: id, detail: { force: opts.force === true, keys: revoked.n, secrets: secrets.n } });
    }).immediate();
  };

  const listAudit = (o: ListAuditOptions = {}): AuditEntry[] => {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (o.project !== undefined) {
      where.push('project = ?');
      args.push(o.project);
    }
    if (o.since !== undefined) {
      where.push('at >= ?');
      args.push(o.since);
    }
    if (o.action !== undefined) {
      where.push('action = ?');
      args.push(o.action);
    }
    const limit = Math.min(Math.max(1, Math.floor(o.limit ?? 100)), 1000);
    const sql = `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY at DESC, id DESC LIMIT ${limit}`;
    return (db.prepare(sql).all(...args) as AuditRow[]).map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  };

  return {
    async createProject(id, opts = {}) {
      checkProjectId(id);
      const name = opts.name?.trim() || id;
      return db.transaction(() => {
        if (getProjectRow.get(id)) {
          throw new IncontextError('BAD_REQUEST', `Project "${id}" already exists`, { input: { key: 'project' }, status: 409, hint: 'Pick another id, or use the existing project.' });
        }
        db.prepare('INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)').run(id, name, now());
        ctx.audit({ actor: actorName(opts.actor), project: id, action: 'project.create', target: id, detail: { name } });
        return toProject(getProjectRow.get(id) as ProjectRow);
      }).immediate();
    },
    async listProjects() {
      return (db.prepare('SELECT * FROM projects ORDER BY id').all() as ProjectRow[]).map(toProject);
    },
    async getProject(id) {
      const row = getProjectRow.get(checkProjectId(id)) as ProjectRow | undefined;
      return row && toProject(row);
    },
    deleteProject,
    async createKey(input) {
      return keys.createKey(input);
    },
    async authenticate(secret) {
      const r = keys.checkKey(secret);
      return r.ok ? r.principal : undefined;
    },
    async checkKey(secret) {
      return keys.checkKey(secret);
    },
    async revokeKey(keyId, opts) {
      keys.revokeKey(keyId, opts);
    },
    hasActiveKey() {
      return activeKey.get(now()) !== undefined;
    },
    async listKeys(project, opts) {
      return keys.listKeys(project, opts);
    },
    async setSecret(project, name, value, opts) {
      vault.setSecret(project, name, value, opts);
    },
    async getSecret(project, name) {
      return vault.getSecret(project, name);
    },
    async listSecrets(project) {
      return vault.listSecrets(project);
    },
    async deleteSecret(project, name, opts) {
      return vault.deleteSecret(project, name, opts);
    },
    async rotateMasterKey(newMasterKey, opts) {
      return vault.rotateMasterKey(newMasterKey, opts);
    },
    async listAudit(o) {
      return listAudit(o);
    },
    close() {
      if (owned && db.open) db.close();
    },
  };
}
