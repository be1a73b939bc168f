import type Database from 'better-sqlite3';
import type { BudgetLimit, RateLimit } from '../gateway/index.js';

/** `admin` implies `ingest` and `query`. */
export type Scope = 'ingest' | 'query' | 'admin';

/** Per-key limits, in the gateway's shapes so the server can hand them to its rate-limit and budget middleware. */
export interface KeyLimits extends RateLimit, BudgetLimit {
  /** Largest request body this key may send, in bytes (the server's default applies when unset). */
  maxBodyBytes?: number;
}

/** Who is calling: what `authenticate` returns for a valid key. */
export interface Principal {
  keyId: string;
  project: string;
  scopes: readonly Scope[];
  limits: KeyLimits;
}

/** Who did an admin action: a key's principal, or a name for local operators (`cli`, `system`). */
export type Actor = Principal | string;

export interface ActorOption {
  /** Recorded in the audit log; default `local`. */
  actor?: Actor;
}

export interface Project {
  id: string;
  name: string;
  /** Epoch ms. */
  createdAt: number;
}

/** What `listKeys` shows: never the secret or its hash. */
export interface ApiKeyInfo {
  id: string;
  project: string;
  name: string;
  /** `ic_` + the lookup prefix: enough to recognise a key in a list, useless to authenticate. */
  displayPrefix: string;
  scopes: Scope[];
  limits: KeyLimits;
  createdAt: number;
  lastUsedAt?: number;
  expiresAt?: number;
  revokedAt?: number;
}

export interface CreateKeyInput extends ActorOption {
  project: string;
  scopes: readonly Scope[];
  name: string;
  limits?: KeyLimits;
  /** Epoch ms after which the key stops authenticating. */
  expiresAt?: number;
}

export interface CreatedKey {
  id: string;
  /** The only time the full key is available: it is stored as a hash. */
  secret: string;
  info: ApiKeyInfo;
}

/** Why a presented key did not authenticate (for the server's 401 message; never leaks whether a prefix exists). */
export type KeyRejection = 'missing' | 'malformed' | 'invalid' | 'revoked' | 'expired';

export type KeyCheck = { ok: true; principal: Principal } | { ok: false; reason: KeyRejection };

export interface SecretInfo {
  name: string;
  createdAt: number;
  updatedAt: number;
}

export type AuditAction =
  | 'project.create'
  | 'project.delete'
  | 'key.create'
  | 'key.revoke'
  | 'secret.set'
  | 'secret.delete'
  | 'vault.rotate';

export interface AuditEntry {
  id: number;
  /** Epoch ms. */
  at: number;
  /** Key id of the caller, or the operator name (`cli`, `local`, ...). */
  actor: string;
  /** The project acted on; `*` for actions on the whole vault. */
  project: string;
  action: AuditAction;
  /** What was acted on: project id, key id, secret name. Never a secret value. */
  target: string;
  detail: Record<string, unknown>;
}

export interface ListAuditOptions {
  project?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  action?: AuditAction;
  /** Default 100, at most 1000. Newest first. */
  limit?: number;
}

/**
 * Hooks into the data of a project (documents, traces, ...) that live in other stages:
 * tenancy refuses to delete a project with data unless forced, and then asks the caller to remove it.
 */
export interface ProjectDataHooks {
  hasData(project: string): boolean | Promise<boolean>;
  deleteData(project: string): void | Promise<void>;
}

export interface DeleteProjectOptions extends ActorOption {
  /** Delete the project's data too (through `ProjectDataHooks.deleteData`). */
  force?: boolean;
}

export interface TenancyOptions {
  /** The SQLite file (the same `incontext.db` as the store), or an open better-sqlite3 handle. */
  path?: string;
  db?: Database.Database;
  /** The vault's master key; default `process.env.INCONTEXT_MASTER_KEY`. Needed only for secrets. */
  masterKey?: string;
  /** Epoch ms. */
  now?: () => number;
  projectData?: ProjectDataHooks;
  /** Source of randomness for key material; only tests replace it. */
  randomBytes?: (size: number) => Buffer;
}

export interface Tenancy {
  createProject(id: string, options?: ActorOption & { name?: string }): Promise<Project>;
  listProjects(): Promise<Project[]>;
  getProject(id: string): Promise<Project | undefined>;
  /** Refuses (BAD_REQUEST) when the project has data, unless `force`. Removes its keys and secrets; the audit log stays. */
  deleteProject(id: string, options?: DeleteProjectOptions): Promise<void>;

  createKey(input: CreateKeyInput): Promise<CreatedKey>;
  /** The principal for a valid, unrevoked, unexpired key; undefined for anything else. */
  authenticate(secret: string | undefined): Promise<Principal | undefined>;
  /** Like authenticate, with the reason for a refusal. */
  checkKey(secret: string | undefined): Promise<KeyCheck>;
  revokeKey(keyId: string, options?: ActorOption & { project?: string }): Promise<void>;
  listKeys(project: string, options?: { includeRevoked?: boolean }): Promise<ApiKeyInfo[]>;
  /** Whether any project has a key that is neither revoked nor expired (one indexed query: the server asks per request). */
  hasActiveKey(): boolean;

  setSecret(project: string, name: string, value: string, options?: ActorOption): Promise<void>;
  getSecret(project: string, name: string): Promise<string | undefined>;
  listSecrets(project: string): Promise<SecretInfo[]>;
  deleteSecret(project: string, name: string, options?: ActorOption): Promise<boolean>;
  /** Re-encrypts every secret under `newMasterKey` in one transaction; this instance then uses the new key. */
  rotateMasterKey(newMasterKey: string, options?: ActorOption): Promise<{ rotated: number }>;

  listAudit(options?: ListAuditOptions): Promise<AuditEntry[]>;
  close(): void;
}
