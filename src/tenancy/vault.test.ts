import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTenancy, MASTER_KEY_ENV, type Tenancy } from './index.js';
import { rejectedError as rejected } from '../testing/index.js';

let dir: string;
let path: string;
const KEY = randomBytes(32).toString('base64');
const opened: Tenancy[] = [];

function open(masterKey?: string): Tenancy {
  const t = createTenancy({ path, ...(masterKey === undefined ? {} : { masterKey }) });
  opened.push(t);
  return t;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ic-vault-'));
  path = join(dir, 'incontext.db');
});
afterEach(() => {
  for (const t of opened.splice(0)) t.close();
  rmSync(dir, { recursive: true, force: true });
});


function raw<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describe('vault', () => {
  it('round-trips secrets per project; lists names only; the file holds no plaintext', async () => {
    const t = open(KEY);
    await t.createProject('a');
    await t.createProject('b');
    await t.setSecret('a', 'OPENAI_API_KEY', 'sk-proj-alpha-123456');
    await t.setSecret('b', 'OPENAI_API_KEY', 'sk-proj-bravo-654321');
    await t.setSecret('a', 'unicode', 'pässwörd 🔑');
    expect(await t.getSecret('a', 'OPENAI_API_KEY')).toBe('sk-proj-alpha-123456');
    expect(await t.getSecret('b', 'OPENAI_API_KEY')).toBe('sk-proj-bravo-654321');
    expect(await t.getSecret('a', 'unicode')).toBe('pässwörd 🔑');
    expect(await t.getSecret('b', 'unicode')).toBeUndefined();
    expect(await t.listSecrets('a')).toEqual([expect.objectContaining({ name: 'OPENAI_API_KEY' }), expect.objectContaining({ name: 'unicode' })]);
    expect(JSON.stringify(await t.listSecrets('a'))).not.toContain('alpha');

    await t.setSecret('a', 'OPENAI_API_KEY', 'sk-proj-alpha-rotated');
    expect(await t.getSecret('a', 'OPENAI_API_KEY')).toBe('sk-proj-alpha-rotated');
    expect(await t.deleteSecret('a', 'OPENAI_API_KEY')).toBe(true);
    expect(await t.deleteSecret('a', 'OPENAI_API_KEY')).toBe(false);
    expect(await t.getSecret('a', 'OPENAI_API_KEY')).toBeUndefined();
    expect(await t.getSecret('b', 'OPENAI_API_KEY')).toBe('sk-proj-bravo-654321');
    t.close();

    const bytes = readFileSync(path).toString('latin1') + (() => { try { return readFileSync(path + '-wal').toString('latin1'); } catch { return ''; } })();
    expect(bytes).not.toContain('bravo');
    expect(bytes).not.toContain('sk-proj');
  });

  it('uses a fresh IV each time: the same value twice gives different ciphertexts', async () => {
    const t = open(KEY);
    await t.setSecret('default', 'a', 'same value');
    await t.setSecret('default', 'b', 'same value');
    const rows = raw((db) => db.prepare('SELECT iv, ciphertext FROM vault_secrets ORDER BY name').all() as { iv: Buffer; ciphertext: Buffer }[]);
    expect(rows[0]!.iv.length).toBe(12);
    expect(rows[0]!.iv.equals(rows[1]!.iv)).toBe(false);
    expect(rows[0]!.ciphertext.equals(rows[1]!.ciphertext)).toBe(false);
  });

  it('detects tampering: one flipped bit in ciphertext, IV or tag fails authentication', async () => {
    const t = open(KEY);
    await t.setSecret('default', 'TOKEN', 'top secret value');
    for (const column of ['ciphertext', 'iv', 'tag']) {
      const original = raw((db) => (db.prepare(`SELECT ${column} AS v FROM vault_secrets`).get() as { v: Buffer }).v);
      const flipped = Buffer.from(original);
      flipped[0] = flipped[0]! ^ 1;
      raw((db) => db.prepare(`UPDATE vault_secrets SET ${column} = ?`).run(flipped));
      const err = await rejected(t.getSecret('default', 'TOKEN'));
      expect(err.code).toBe('STORE_FAILED');
      expect(err.message).toContain('failed authentication');
      expect(err.message).not.toContain('top secret');
      raw((db) => db.prepare(`UPDATE vault_secrets SET ${column} = ?`).run(original));
    }
    expect(await t.getSecret('default', 'TOKEN')).toBe('top secret value');
  });

  it('binds each ciphertext to its project and name (AAD): a row moved elsewhere does not decrypt', async () => {
    const t = open(KEY);
    await t.createProject('victim');
    await t.createProject('attacker');
    await t.setSecret('victim', 'OPENAI_API_KEY', 'sk-victim');
    await t.setSecret('attacker', 'OPENAI_API_KEY', 'sk-attacker');
    await t.setSecret('victim', 'OTHER', 'other');
    // Copy the victim's ciphertext into the attacker's row, and into another name of the same project.
    raw((db) => {
      const v = db.prepare("SELECT iv, ciphertext, tag FROM vault_secrets WHERE project = 'victim' AND name = 'OPENAI_API_KEY'").get() as Record<string, Buffer>;
      db.prepare("UPDATE vault_secrets SET iv = ?, ciphertext = ?, tag = ? WHERE project = 'attacker'").run(v.iv, v.ciphertext, v.tag);
      db.prepare("UPDATE vault_secrets SET iv = ?, ciphertext = ?, tag = ? WHERE project = 'victim' AND name = 'OTHER'").run(v.iv, v.ciphertext, v.tag);
    });
    expect((await rejected(t.getSecret('attacker', 'OPENAI_API_KEY'))).input?.key).toBe('attacker/OPENAI_API_KEY');
    expect((await rejected(t.getSecret('victim', 'OTHER'))).code).toBe('STORE_FAILED');
    expect(await t.getSecret('victim', 'OPENAI_API_KEY')).toBe('sk-victim');
  });

  it('names the variable when the master key is missing, malformed or wrong', async () => {
    const t = open(KEY);
    await t.setSecret('default', 'X', 'value');
    t.close();

    const saved = process.env[MASTER_KEY_ENV];
    delete process.env[MASTER_KEY_ENV];
    try {
      const missing = await rejected(open().getSecret('default', 'X'));
      expect([missing.code, missing.input?.key]).toEqual(['CONFIG_INVALID', MASTER_KEY_ENV]);
      expect(missing.hint).toContain('openssl rand -base64 32');
      // Listing and deleting need no key.
      expect((await open().listSecrets('default')).map((s) => s.name)).toEqual(['X']);
    } finally {
      if (saved !== undefined) process.env[MASTER_KEY_ENV] = saved;
    }

    const short = await rejected(open('hunter2').getSecret('default', 'X'));
    expect(short.message).toContain(MASTER_KEY_ENV);

    const wrong = await rejected(open(randomBytes(32).toString('hex')).getSecret('default', 'X'));
    expect([wrong.code, wrong.input?.key]).toEqual(['CONFIG_INVALID', MASTER_KEY_ENV]);
    expect(wrong.message).toContain('does not match');
    // Writing with a wrong key is refused too, so one vault never mixes two keys.
    expect((await rejected(open(randomBytes(32).toString('hex')).setSecret('default', 'Y', 'v'))).message).toContain('does not match');
    expect(await open(KEY).getSecret('default', 'X')).toBe('value');
  });

  it('reads the key from INCONTEXT_MASTER_KEY and accepts hex, base64url and passphrases', async () => {
    const saved = process.env[MASTER_KEY_ENV];
    process.env[MASTER_KEY_ENV] = KEY;
    try {
      await open().setSecret('default', 'ENV', 'from env');
      expect(await open(KEY).getSecret('default', 'ENV')).toBe('from env');
    } finally {
      if (saved === undefined) delete process.env[MASTER_KEY_ENV];
      else process.env[MASTER_KEY_ENV] = saved;
    }
    const bytes = Buffer.from(KEY, 'base64');
    // The same 32 bytes in any encoding are the same key.
    expect(await open(bytes.toString('hex')).getSecret('default', 'ENV')).toBe('from env');
    expect(await open(bytes.toString('base64url')).getSecret('default', 'ENV')).toBe('from env');

    const phrase = 'correct horse battery staple';
    await open(KEY).rotateMasterKey(phrase);
    expect(await open(phrase).getSecret('default', 'ENV')).toBe('from env');
    expect((await rejected(open('correct horse battery stapler').getSecret('default', 'ENV'))).message).toContain('does not match');
  });

  it('rotates: every secret re-encrypted under the new key in one step; the old key stops working', async () => {
    const t = open(KEY);
    await t.createProject('p');
    await t.setSecret('default', 'A', 'alpha');
    await t.setSecret('p', 'B', 'bravo');
    const before = raw((db) => db.prepare('SELECT ciphertext FROM vault_secrets ORDER BY project').all() as { ciphertext: Buffer }[]);
    const next = randomBytes(32).toString('base64');
    expect(await t.rotateMasterKey(next, { actor: 'cli' })).toEqual({ rotated: 2 });
    // The same instance keeps working with the new key.
    expect(await t.getSecret('p', 'B')).toBe('bravo');
    const after = raw((db) => db.prepare('SELECT ciphertext FROM vault_secrets ORDER BY project').all() as { ciphertext: Buffer }[]);
    expect(after[0]!.ciphertext.equals(before[0]!.ciphertext)).toBe(false);
    expect(await open(next).getSecret('default', 'A')).toBe('alpha');
    expect((await rejected(open(KEY).getSecret('default', 'A'))).code).toBe('CONFIG_INVALID');
    expect((await t.listAudit({ action: 'vault.rotate' }))[0]).toMatchObject({ actor: 'cli', detail: { secrets: 2 } });
  });

  it('rotation with a tampered row changes nothing', async () => {
    const t = open(KEY);
    await t.setSecret('default', 'A', 'alpha');
    await t.setSecret('default', 'B', 'bravo');
    raw((db) => db.prepare("UPDATE vault_secrets SET tag = zeroblob(16) WHERE name = 'B'").run());
    expect((await rejected(t.rotateMasterKey(randomBytes(32).toString('hex')))).code).toBe('STORE_FAILED');
    expect(await t.getSecret('default', 'A')).toBe('alpha');
    expect(await t.listAudit({ action: 'vault.rotate' })).toEqual([]);
  });

  it('validates names, values and projects', async () => {
    const t = open(KEY);
    expect((await rejected(t.setSecret('default', '../etc/passwd', 'v'))).input?.key).toBe('name');
    expect((await rejected(t.setSecret('default', 'A', ''))).input?.key).toBe('value');
    expect((await rejected(t.setSecret('default', 'A', 'x'.repeat(70_000)))).input?.key).toBe('value');
    expect((await rejected(t.setSecret('missing', 'A', 'v'))).code).toBe('NOT_FOUND');
  });
});
