/**
 * Vault cryptography: AES-256-GCM, a fresh random 12-byte IV per encryption, and AAD that
 * binds each ciphertext to its (project, name) row so a ciphertext copied into another row
 * fails authentication instead of decrypting as another project's secret.
 *
 * The master key (INCONTEXT_MASTER_KEY) is accepted in two forms:
 *  - 32 random bytes as 64 hex characters or base64/base64url: used as HKDF-SHA256 input
 *    keying material. HKDF is the right tool for an already-uniform key; it gives separate
 *    encryption and key-check subkeys and binds them to this database's salt.
 *  - anything else of at least 16 characters is a passphrase: stretched with scrypt
 *    (N=2^15, r=8, p=1, the database's salt) first, because HKDF adds no work factor and a
 *    human passphrase would then be as cheap to guess offline as a SHA-256. Then HKDF as above.
 * The database stores a key-check value (an HKDF output independent of the encryption key),
 * so a wrong master key is reported as such rather than as tampering on the first secret.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { IncontextError } from '../core/index.js';

export const MASTER_KEY_ENV = 'INCONTEXT_MASTER_KEY';
const MIN_PASSPHRASE = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export type KdfKind = 'hkdf' | 'scrypt+hkdf';

export interface VaultKeys {
  enc: Buffer;
  check: Buffer;
  kdf: KdfKind;
}

export interface Sealed {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

const GENERATE_HINT = `Set ${MASTER_KEY_ENV} to 32 random bytes in base64 or hex (for example the output of \`openssl rand -base64 32\`) and keep it outside the database, e.g. in your secret manager.`;

export function missingMasterKey(): IncontextError {
  return new IncontextError('CONFIG_INVALID', `${MASTER_KEY_ENV} is not set; the secret vault needs a master key`, {
    input: { key: MASTER_KEY_ENV },
    hint: GENERATE_HINT,
  });
}

/** 32 raw bytes from hex or base64(url), or undefined when the value is not such an encoding. */
function rawKey(value: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return bytes;
  }
  return undefined;
}

export function deriveKeys(masterKey: string, salt: Buffer): VaultKeys {
  const value = masterKey.trim();
  let material = rawKey(value);
  let kdf: KdfKind = 'hkdf';
  if (!material) {
    if (value.length < MIN_PASSPHRASE) {
      throw new IncontextError('CONFIG_INVALID', `${MASTER_KEY_ENV} is neither 32 bytes in hex/base64 nor a passphrase of at least ${MIN_PASSPHRASE} characters`, {
        input: { key: MASTER_KEY_ENV },
        hint: GENERATE_HINT,
      });
    }
    material = scryptSync(value.normalize('NFC'), salt, 32, SCRYPT);
    kdf = 'scrypt+hkdf';
  }
  const sub = (info: string) => Buffer.from(hkdfSync('sha256', material, salt, info, 32));
  return { enc: sub('incontext/vault/aes-256-gcm/v1'), check: sub('incontext/vault/key-check/v1'), kdf };
}

export function sameKey(keys: VaultKeys, storedCheck: Buffer): boolean {
  return storedCheck.length === keys.check.length && timingSafeEqual(storedCheck, keys.check);
}

export function newSalt(): Buffer {
  return randomBytes(16);
}

/** NUL-separated so ("a", "bc") and ("ab", "c") differ; ids and names cannot contain NUL. */
function aad(project: string, name: string): Buffer {
  return Buffer.from(`incontext-vault/v1\u0000${project}\u0000${name}`, 'utf8');
}

export function seal(keys: VaultKeys, project: string, name: string, value: string): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.enc, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(project, name));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** Throws STORE_FAILED when the row was altered or belongs to another (project, name). */
export function open(keys: VaultKeys, project: string, name: string, sealed: Sealed, path: string): string {
  try {
    if (sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) throw new Error('bad IV or tag length');
    const decipher = createDecipheriv('aes-256-gcm', keys.enc, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(project, name));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new IncontextError('STORE_FAILED', `Secret "${name}" of project "${project}" failed authentication: its stored ciphertext was altered or copied from another row`, {
      input: { path, key: `${project}/${name}` },
      hint: 'Do not edit vault rows by hand. Store the secret again with setSecret (or `incontext secrets set`); check who had write access to the database.',
      cause: err,
    });
  }
}
