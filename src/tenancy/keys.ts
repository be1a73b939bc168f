import { newId } from '../core/index.js';
import { actorName, badRequest, checkProjectId, checkScopes, notFound } from './errors.js';
import type { Ctx } from './schema.js';
import { composeKey, DUMMY_HASH, hashKey, KEY_MARK, newPrefix, parseKey, sameHash, type RandomBytes } from './token.js';
import type { ActorOption, ApiKeyInfo, CreatedKey, CreateKeyInput, KeyCheck, KeyLimits, Scope } from './types.js';

interface KeyRow {
  id: string;
  project: string;
  name: string;
  prefix: string;
  hash: Buffer;
  scopes: string;
  limits: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
}

/** Writing last_used on every request would turn each read into a write; a minute's precision is enough. */
const LAST_USED_RESOLUTION_MS = 60_000;
const PREFIX_ATTEMPTS = 5;

const LIMIT_KEYS = ['requestsPerMinute', 'tokensPerMinute', 'dailyUsd', 'monthlyUsd', 'maxBodyBytes'] as const;

function checkLimits(limits: KeyLimits | undefined): KeyLimits {
  if (limits === undefined) return {};
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) throw badRequest('limits must be an object', 'limits', `Allowed fields: ${LIMIT_KEYS.join(', ')}.`);
  const out: KeyLimits = {};
  for (const [k, v] of Object.entries(limits)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(k)) throw badRequest(`Unknown limit "${k}"`, `limits.${k}`, `Allowed fields: ${LIMIT_KEYS.join(', ')}.`);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw badRequest(`limits.${k} must be a non-negative number`, `limits.${k}`, 'Omit the field for no limit.');
    out[k as (typeof LIMIT_KEYS)[number]] = v;
  }
  return out;
}

function toInfo(row: KeyRow): ApiKeyInfo {
  return {
    id: row.id,
    project: row.project,
    name: row.name,
    displayPrefix: KEY_MARK + row.prefix,
    scopes: JSON.parse(row.scopes) as Scope[],
    limits: JSON.parse(row.limits) as KeyLimits,
    createdAt: row.created_at,
    ...(row.last_used_at === null ? {} : { lastUsedAt: row.last_used_at }),
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  };
}

export function createKeyOps(ctx: Ctx, random: RandomBytes | undefined, requireProject: (id: string) => void) {
  const { db } = ctx;
  const byPrefix = db.prepare('SELECT * FROM api_keys WHERE prefix = ?');
  const byId = db.prepare('SELECT * FROM api_keys WHERE id = ?');
  const insert = db.prepare(`INSERT INTO api_keys (id, project, name, prefix, hash, scopes, limits, created_at, expires_at)
    VALUES (@id, @project, @name, @prefix, @hash, @scopes, @limits, @created_at, @expires_at)`);
  const touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');

  const createKey = (input: CreateKeyInput): CreatedKey => {
    const project = checkProjectId(input.project);
    const scopes = checkScopes(input.scopes);
    const limits = checkLimits(input.limits);
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (!name || name.length > 200) throw badRequest('A key needs a name of 1-200 characters', 'name', 'Name keys after their user, e.g. "ci-ingest" or "support-bot".');
    if (input.expiresAt !== undefined && (!Number.isFinite(input.expiresAt) || input.expiresAt <= ctx.now())) {
      throw badRequest('expiresAt must be a time in the future (epoch ms)', 'expiresAt', 'Omit it for a key that does not expire.');
    }
    return db.transaction(() => {
      requireProject(project);
      const createdAt = ctx.now();
      // A 10-character base62 prefix collides about once in 10^17 keys, but a UNIQUE index that
      // failed one insert would be a confusing error, so a taken prefix is simply drawn again.
      for (let attempt = 0; attempt < PREFIX_ATTEMPTS; attempt++) {
        const prefix = newPrefix(random);
        if (byPrefix.get(prefix)) continue;
        const secret = composeKey(prefix, random);
        const id = newId('key');
        insert.run({
          id, project, name, prefix, hash: hashKey(secret), scopes: JSON.stringify(scopes), limits: JSON.stringify(limits),
          created_at: createdAt, expires_at: input.expiresAt ?? null,
        });
        ctx.audit({ actor: actorName(input.actor), project, action: 'key.create', target: id, detail: { name, scopes, limits, ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt }) } });
        return { id, secret, info: toInfo(byId.get(id) as KeyRow) };
      }
      throw new Error(`no free key prefix after ${PREFIX_ATTEMPTS} attempts; the random source is broken`);
    }).immediate();
  };

  const checkKey = (secret: string | undefined): KeyCheck => {
    if (secret === undefined || secret === '') return { ok: false, reason: 'missing' };
    const prefix = typeof secret === 'string' ? parseKey(secret) : undefined;
    if (prefix === undefined) return { ok: false, reason: 'malformed' };
    const row = byPrefix.get(prefix) as KeyRow | undefined;
    // Hash and compare even on a miss, so a response's timing does not tell which prefixes exist.
    const matches = sameHash(row ? row.hash : DUMMY_HASH, hashKey(secret)) && row !== undefined;
    if (!row || !matches) return { ok: false, reason: 'invalid' };
    const now = ctx.now();
    if (row.revoked_at !== null) return { ok: false, reason: 'revoked' };
    if (row.expires_at !== null && row.expires_at <= now) return { ok: false, reason: 'expired' };
    if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_RESOLUTION_MS) touch.run(now, row.id);
    const info = toInfo(row);
    return { ok: true, principal: { keyId: row.id, project: row.project, scopes: info.scopes, limits: info.limits } };
  };

  const revokeKey = (keyId: string, options: ActorOption & { project?: string } = {}): void => {
    db.transaction(() => {
      const row = byId.get(keyId) as KeyRow | undefined;
      // With `project`, a key of another project is reported missing: an admin of one project learns nothing of others.
      if (!row || (options.project !== undefined && row.project !== options.project)) {
        throw notFound('API key', keyId, 'keyId', 'List the keys with `incontext keys list` and use an id from there.');
      }
      if (row.revoked_at !== null) return;
      db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(ctx.now(), keyId);
      ctx.audit({ actor: actorName(options.actor), project: row.project, action: 'key.revoke', target: keyId, detail: { name: row.name } });
    }).immediate();
  };

  const listKeys = (project: string, options: { includeRevoked?: boolean } = {}): ApiKeyInfo[] => {
    const rows = db
      .prepare(`SELECT * FROM api_keys WHERE project = ? ${options.includeRevoked ? '' : 'AND revoked_at IS NULL'} ORDER BY created_at, id`)
      .all(checkProjectId(project)) as KeyRow[];
    return rows.map(toInfo);
  };

  return { createKey, checkKey, revokeKey, listKeys };
}
