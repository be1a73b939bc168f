import { IncontextError } from '../core/index.js';
import { actorName, checkProjectId, checkSecretName, checkSecretValue } from './errors.js';
import type { Ctx } from './schema.js';
import type { ActorOption, SecretInfo } from './types.js';
import { deriveKeys, MASTER_KEY_ENV, missingMasterKey, newSalt, open, sameKey, seal, type VaultKeys } from './vault-crypto.js';

interface MetaRow {
  salt: Buffer;
  kdf: string;
  key_check: Buffer;
}

interface SecretRow {
  project: string;
  name: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  created_at: number;
  updated_at: number;
}

export function createVault(ctx: Ctx, initialMasterKey: string | undefined, requireProject: (id: string) => void) {
  const { db } = ctx;
  let masterKey = initialMasterKey;
  // Derivation (scrypt for passphrases) is slow by design: once per salt and key.
  let cached: { salt: Buffer; key: string; keys: VaultKeys } | undefined;

  const readMeta = () => db.prepare('SELECT salt, kdf, key_check FROM vault_meta WHERE id = 1').get() as MetaRow | undefined;

  const derive = (key: string, salt: Buffer): VaultKeys => {
    if (cached && cached.key === key && cached.salt.equals(salt)) return cached.keys;
    const keys = deriveKeys(key, salt);
    cached = { salt, key, keys };
    return keys;
  };

  const wrongKey = () =>
    new IncontextError('CONFIG_INVALID', `${MASTER_KEY_ENV} does not match the master key the vault's secrets were encrypted with`, {
      input: { key: MASTER_KEY_ENV, path: ctx.path },
      hint: `Set ${MASTER_KEY_ENV} to the key in use when the secrets were stored (after a rotation, the new one). If that key is lost, the secrets cannot be recovered: delete them and store them again.`,
    });

  /** The keys for the current master key, checked against the vault; creates the vault on first write. */
  const keysFor = (create: boolean): VaultKeys => {
    if (masterKey === undefined || masterKey.trim() === '') throw missingMasterKey();
    const meta = readMeta();
    if (!meta) {
      if (!create) throw new Error('vault not initialised');
      const salt = newSalt();
      const keys = derive(masterKey, salt);
      db.prepare('INSERT INTO vault_meta (id, salt, kdf, key_check, updated_at) VALUES (1, ?, ?, ?, ?)').run(salt, keys.kdf, keys.check, ctx.now());
      return keys;
    }
    const keys = derive(masterKey, meta.salt);
    if (!sameKey(keys, meta.key_check)) throw wrongKey();
    return keys;
  };

  const getRow = db.prepare('SELECT * FROM vault_secrets WHERE project = ? AND name = ?');

  const setSecret = (project: string, name: string, value: string, options: ActorOption = {}): void => {
    checkProjectId(project);
    checkSecretName(name);
    checkSecretValue(value);
    db.transaction(() => {
      requireProject(project);
      const keys = keysFor(true);
      const sealed = seal(keys, project, name, value);
      const now = ctx.now();
      const existed = getRow.get(project, name) !== undefined;
      db.prepare(`INSERT INTO vault_secrets (project, name, iv, ciphertext, tag, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (project, name) DO UPDATE SET iv = excluded.iv, ciphertext = excluded.ciphertext, tag = excluded.tag, updated_at = excluded.updated_at`)
        .run(project, name, sealed.iv, sealed.ciphertext, sealed.tag, now, now);
      ctx.audit({ actor: actorName(options.actor), project, action: 'secret.set', target: name, detail: { replaced: existed } });
    }).immediate();
  };

  const getSecret = (project: string, name: string): string | undefined => {
    checkProjectId(project);
    checkSecretName(name);
    const row = getRow.get(project, name) as SecretRow | undefined;
    if (!row) return undefined;
    return open(keysFor(false), project, name, row, ctx.path);
  };

  const listSecrets = (project: string): SecretInfo[] => {
    const rows = db.prepare('SELECT name, created_at, updated_at FROM vault_secrets WHERE project = ? ORDER BY name').all(checkProjectId(project)) as SecretRow[];
    return rows.map((r) => ({ name: r.name, createdAt: r.created_at, updatedAt: r.updated_at }));
  };

  const deleteSecret = (project: string, name: string, options: ActorOption = {}): boolean => {
    checkProjectId(project);
    checkSecretName(name);
    return db.transaction(() => {
      const { changes } = db.prepare('DELETE FROM vault_secrets WHERE project = ? AND name = ?').run(project, name);
      if (changes > 0) ctx.audit({ actor: actorName(options.actor), project, action: 'secret.delete', target: name });
      return changes > 0;
    }).immediate();
  };

  const rotateMasterKey = (newMasterKey: string, options: ActorOption = {}): { rotated: number } => {
    if (typeof newMasterKey !== 'string' || newMasterKey.trim() === '') throw missingMasterKey();
    const result = db.transaction(() => {
      const rows = db.prepare('SELECT * FROM vault_secrets ORDER BY project, name').all() as SecretRow[];
      // Decrypt everything first: a wrong current key or a tampered row aborts before anything changes.
      const current = readMeta() ? keysFor(false) : undefined;
      const plain = rows.map((r) => ({ row: r, value: open(current!, r.project, r.name, r, ctx.path) }));
      const salt = newSalt();
      const keys = derive(newMasterKey, salt);
      const update = db.prepare('UPDATE vault_secrets SET iv = ?, ciphertext = ?, tag = ? WHERE project = ? AND name = ?');
      for (const { row, value } of plain) {
        const sealed = seal(keys, row.project, row.name, value);
        update.run(sealed.iv, sealed.ciphertext, sealed.tag, row.project, row.name);
      }
      db.prepare(`INSERT INTO vault_meta (id, salt, kdf, key_check, updated_at) VALUES (1, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET salt = excluded.salt, kdf = excluded.kdf, key_check = excluded.key_check, updated_at = excluded.updated_at`)
        .run(salt, keys.kdf, keys.check, ctx.now());
      ctx.audit({ actor: actorName(options.actor), project: '*', action: 'vault.rotate', target: 'master-key', detail: { secrets: rows.length, kdf: keys.kdf } });
      return { rotated: rows.length };
    }).immediate();
    masterKey = newMasterKey;
    return result;
  };

  return { setSecret, getSecret, listSecrets, deleteSecret, rotateMasterKey };
}
