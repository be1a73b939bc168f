import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './schema.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../core/index.js';
import { createTenancy, requireProject, requireScope, type Tenancy } from './index.js';
import { hashKey, KEY_LENGTH, parseKey } from './token.js';
import { thrownError as caught, rejectedError as rejected } from '../testing/index.js';

let dir: string;
let path: string;
let tenancy: Tenancy;
let clock: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ic-tenancy-'));
  path = join(dir, 'incontext.db');
  clock = Date.UTC(2026, 0, 1);
  tenancy = createTenancy({ path, now: () => clock });
});
afterEach(() => {
  tenancy.close();
  rmSync(dir, { recursive: true, force: true });
});



describe('API keys', () => {
  it('shows the secret once, stores only its SHA-256, and authenticates it to its project and scopes', async () => {
    await tenancy.createProject('acme');
    const { id, secret, info } = await tenancy.createKey({ project: 'acme', scopes: ['query', 'ingest'], name: 'bot', limits: { requestsPerMinute: 60 } });
    expect(secret).toMatch(/^ic_[0-9A-Za-z]+$/);
    expect(secret).toHaveLength(KEY_LENGTH);
    expect(info.scopes).toEqual(['ingest', 'query']);
    expect(info.displayPrefix).toBe(secret.slice(0, 13));

    const raw = new Database(path, { readonly: true });
    const row = raw.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Record<string, unknown>;
    raw.close();
    expect(Object.values(row).some((v) => typeof v === 'string' && v.includes(secret.slice(13)))).toBe(false);
    expect(Buffer.compare(row.hash as Buffer, hashKey(secret))).toBe(0);

    const principal = await tenancy.authenticate(secret);
    expect(principal).toEqual({ keyId: id, project: 'acme', scopes: ['ingest', 'query'], limits: { requestsPerMinute: 60 } });
    expect(JSON.stringify(await tenancy.listKeys('acme'))).not.toContain(secret.slice(13));
  });

  it('draws 256 bits of secret per key: no two keys share their secret part', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const { secret } = await tenancy.createKey({ project: 'default', scopes: ['query'], name: `k${i}` });
      seen.add(secret.slice(13, -6));
    }
    expect(seen.size).toBe(50);
  });

  it('the core logger redacts a whole key, not just its start', async () => {
    const { secret } = await tenancy.createKey({ project: 'default', scopes: ['query'], name: 'log' });
    const lines: string[] = [];
    createLogger('info', (l) => lines.push(l)).info(`got ${secret} from client`, { header: `Bearer ${secret}` });
    expect(lines.join('\n')).not.toContain(secret.slice(3, 20));
    expect(lines.join('\n')).not.toContain(secret.slice(-20));
  });

  it('rejects missing, malformed, wrong-checksum, unknown, revoked and expired keys with the reason', async () => {
    const { id, secret } = await tenancy.createKey({ project: 'default', scopes: ['query'], name: 'a', expiresAt: clock + 1000 });
    expect(await tenancy.checkKey(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(await tenancy.checkKey('sk-not-ours')).toEqual({ ok: false, reason: 'malformed' });
    // One changed character breaks the checksum, so it never reaches the database.
    const typo = secret.slice(0, 20) + (secret[20] === 'A' ? 'B' : 'A') + secret.slice(21);
    expect(parseKey(typo)).toBeUndefined();
    expect(await tenancy.checkKey(typo)).toEqual({ ok: false, reason: 'malformed' });

    const other = createTenancy({ path: join(dir, 'other.db') });
    const { secret: foreign } = await other.createKey({ project: 'default', scopes: ['admin'], name: 'x' });
    other.close();
    expect(await tenancy.checkKey(foreign)).toEqual({ ok: false, reason: 'invalid' });

    clock += 1000;
    expect(await tenancy.checkKey(secret)).toEqual({ ok: false, reason: 'expired' });
    clock -= 1;
    expect((await tenancy.authenticate(secret))?.keyId).toBe(id);
    await tenancy.revokeKey(id, { actor: 'cli' });
    expect(await tenancy.checkKey(secret)).toEqual({ ok: false, reason: 'revoked' });
    expect(await tenancy.authenticate(secret)).toBeUndefined();
    expect(await tenancy.listKeys('default')).toEqual([]);
    expect((await tenancy.listKeys('default', { includeRevoked: true }))[0]?.revokedAt).toBe(clock);
  });

  it('a key with a real prefix but another secret is invalid (lookup by prefix, compare the hash)', async () => {
    const a = await tenancy.createKey({ project: 'default', scopes: ['query'], name: 'a' });
    const b = await tenancy.createKey({ project: 'default', scopes: ['query'], name: 'b' });
    // a's prefix with b's secret part, and a valid checksum recomputed over it.
    const { crc32 } = await import('node:zlib');
    const body = a.secret.slice(0, 13) + b.secret.slice(13, -6);
    let n = crc32(body);
    let check = '';
    const ALPHA = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    for (let i = 0; i < 6; i++) {
      check = ALPHA[n % 62]! + check;
      n = Math.floor(n / 62);
    }
    const forged = body + check;
    expect(parseKey(forged)).toBe(a.secret.slice(3, 13));
    expect(await tenancy.checkKey(forged)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('draws a new prefix when the drawn one is taken', async () => {
    tenancy.close();
    // The first two keys get the same random bytes, so the second's first prefix collides.
    let calls = 0;
    const stuck = Buffer.alloc(64, 7);
    const random = (n: number) => (calls++ < 4 ? Buffer.from(stuck.subarray(0, n)) : randomBytes(n));
    tenancy = createTenancy({ path, now: () => clock, randomBytes: (n) => { const b = random(n); return b; } });
    const first = await tenancy.createKey({ project: 'default', scopes: ['query'], name: 'first' });
    const second = await tenancy.createKey({ project: 'default', scopes: ['query'], name: 'second' });
    expect(first.info.displayPrefix).not.toBe(second.info.displayPrefix);
    expect((await tenancy.authenticate(first.secret))?.keyId).toBe(first.id);
    expect((await tenancy.authenticate(second.secret))?.keyId).toBe(second.id);
  });

  it('validates scopes, limits, names and the project', async () => {
    expect((await rejected(tenancy.createKey({ project: 'default', scopes: [], name: 'x' }))).input?.key).toBe('scopes');
    expect((await rejected(tenancy.createKey({ project: 'default', scopes: ['root' as 'admin'], name: 'x' }))).message).toContain('root');
    expect((await rejected(tenancy.createKey({ project: 'default', scopes: ['query'], name: 'x', limits: { requestsPerMinute: -1 } }))).input?.key).toBe('limits.requestsPerMinute');
    expect((await rejected(tenancy.createKey({ project: 'default', scopes: ['query'], name: ' ' }))).input?.key).toBe('name');
    expect((await rejected(tenancy.createKey({ project: 'nope', scopes: ['query'], name: 'x' }))).code).toBe('NOT_FOUND');
    expect((await rejected(tenancy.createKey({ project: '../etc', scopes: ['query'], name: 'x' }))).code).toBe('BAD_REQUEST');
  });

  it('records last use at most once a minute', async () => {
    const { id, secret } = await tenancy.createKey({ project: 'default', scopes: ['query'], name: 'a' });
    await tenancy.authenticate(secret);
    const t0 = clock;
    clock += 30_000;
    await tenancy.authenticate(secret);
    expect((await tenancy.listKeys('default')).find((k) => k.id === id)?.lastUsedAt).toBe(t0);
    clock += 30_000;
    await tenancy.authenticate(secret);
    expect((await tenancy.listKeys('default')).find((k) => k.id === id)?.lastUsedAt).toBe(clock);
  });
});

describe('scopes', () => {
  it('admin implies every scope; a missing scope is 403 and no principal is 401', async () => {
    const q = await tenancy.authenticate((await tenancy.createKey({ project: 'default', scopes: ['query'], name: 'q' })).secret);
    const admin = await tenancy.authenticate((await tenancy.createKey({ project: 'default', scopes: ['admin'], name: 'a' })).secret);
    expect(requireScope(q, 'query')).toBe(q);
    const err = caught(() => requireScope(q, 'ingest'));
    expect(err.status).toBe(403);
    expect(err.hint).toContain('ingest');
    expect(requireScope(admin, 'ingest')).toBe(admin);
    expect(caught(() => requireScope(admin, 'admin') && requireScope(q, 'admin')).status).toBe(403);
    const none = caught(() => requireScope(undefined, 'query'));
    expect([none.code, none.status]).toEqual(['UNAUTHORIZED', 401]);
    expect(none.hint).toContain('Authorization: Bearer');
  });
});

describe('projects', () => {
  it('isolates two projects: keys, listings and revocation never cross', async () => {
    await tenancy.createProject('a');
    await tenancy.createProject('b');
    const ka = await tenancy.createKey({ project: 'a', scopes: ['admin'], name: 'a-admin' });
    const kb = await tenancy.createKey({ project: 'b', scopes: ['admin'], name: 'b-admin' });
    const pa = await tenancy.authenticate(ka.secret);
    expect(pa?.project).toBe('a');
    expect(caught(() => requireProject(pa, 'b')).status).toBe(403);
    expect(requireProject(pa, 'a')).toBe(pa);
    expect((await tenancy.listKeys('a')).map((k) => k.id)).toEqual([ka.id]);
    expect((await tenancy.listKeys('b')).map((k) => k.id)).toEqual([kb.id]);
    // An admin of a, scoped to a, cannot revoke b's key and learns only that it is not found.
    expect((await rejected(tenancy.revokeKey(kb.id, { project: 'a', actor: pa! }))).code).toBe('NOT_FOUND');
    expect((await tenancy.authenticate(kb.secret))?.project).toBe('b');
  });

  it('creates, lists, refuses duplicates and bad ids, and keeps the default project', async () => {
    expect((await tenancy.listProjects()).map((p) => p.id)).toEqual(['default']);
    const p = await tenancy.createProject('acme', { name: 'Acme Inc', actor: 'cli' });
    expect(p).toEqual({ id: 'acme', name: 'Acme Inc', createdAt: clock });
    expect(await tenancy.getProject('acme')).toEqual(p);
    expect(await tenancy.getProject('zzz')).toBeUndefined();
    expect((await rejected(tenancy.createProject('acme'))).status).toBe(409);
    for (const bad of ['', 'Acme', '../x', 'a/b', '-a', 'x'.repeat(64)]) expect((await rejected(tenancy.createProject(bad))).code).toBe('BAD_REQUEST');
    expect((await rejected(tenancy.deleteProject('default', { force: true }))).code).toBe('BAD_REQUEST');
  });

  it('refuses to delete a project with data unless forced, then deletes data, keys and secrets', async () => {
    const data = new Map<string, number>([['acme', 3]]);
    tenancy.close();
    tenancy = createTenancy({
      path,
      now: () => clock,
      masterKey: randomBytes(32).toString('base64'),
      projectData: { hasData: (p) => (data.get(p) ?? 0) > 0, deleteData: (p) => void data.delete(p) },
    });
    await tenancy.createProject('acme');
    await tenancy.createProject('empty');
    const key = await tenancy.createKey({ project: 'acme', scopes: ['query'], name: 'k' });
    await tenancy.setSecret('acme', 'OPENAI_API_KEY', 'sk-test-value');

    const refused = await rejected(tenancy.deleteProject('acme'));
    expect([refused.status, refused.hint?.includes('--force')]).toEqual([409, true]);
    expect(await tenancy.authenticate(key.secret)).toBeDefined();

    await tenancy.deleteProject('empty');
    await tenancy.deleteProject('acme', { force: true, actor: 'cli' });
    expect(data.has('acme')).toBe(false);
    expect((await tenancy.listProjects()).map((p) => p.id)).toEqual(['default']);
    expect(await tenancy.authenticate(key.secret)).toBeUndefined();
    // Recreating the id does not resurrect the old keys or secrets.
    await tenancy.createProject('acme');
    expect(await tenancy.listSecrets('acme')).toEqual([]);
    expect(await tenancy.listKeys('acme', { includeRevoked: true })).toEqual([]);
    expect((await tenancy.listAudit({ project: 'acme', action: 'project.delete' }))[0]?.detail).toEqual({ force: true, keys: 1, secrets: 1 });
  });

  it('without data hooks, deletion needs force (tenancy cannot see the documents)', async () => {
    await tenancy.createProject('x');
    expect((await rejected(tenancy.deleteProject('x'))).message).toContain('may still have data');
    await tenancy.deleteProject('x', { force: true });
    expect(await tenancy.getProject('x')).toBeUndefined();
  });
});

describe('audit log', () => {
  it('records every admin action with actor and target, never a secret, newest first, filtered by project and time', async () => {
    tenancy.close();
    tenancy = createTenancy({ path, now: () => clock, masterKey: randomBytes(32).toString('hex') });
    await tenancy.createProject('acme', { actor: 'cli' });
    clock += 1;
    const admin = await tenancy.createKey({ project: 'acme', scopes: ['admin'], name: 'admin', actor: 'cli' });
    const principal = (await tenancy.authenticate(admin.secret))!;
    clock += 1;
    const since = clock;
    const key = await tenancy.createKey({ project: 'acme', scopes: ['query'], name: 'bot', actor: principal });
    await tenancy.setSecret('acme', 'ANTHROPIC_API_KEY', 'sk-ant-very-secret-value', { actor: principal });
    await tenancy.setSecret('acme', 'ANTHROPIC_API_KEY', 'sk-ant-very-secret-value-2', { actor: principal });
    clock += 1;
    await tenancy.revokeKey(key.id, { actor: principal });
    await tenancy.deleteSecret('acme', 'ANTHROPIC_API_KEY', { actor: principal });
    await tenancy.rotateMasterKey(randomBytes(32).toString('hex'), { actor: 'cli' });
    await tenancy.createProject('other');

    const acme = await tenancy.listAudit({ project: 'acme' });
    expect(acme.map((e) => [e.action, e.actor])).toEqual([
      ['secret.delete', admin.id],
      ['key.revoke', admin.id],
      ['secret.set', admin.id],
      ['secret.set', admin.id],
      ['key.create', admin.id],
      ['key.create', 'cli'],
      ['project.create', 'cli'],
    ]);
    expect(acme[4]).toMatchObject({ target: key.id, detail: { name: 'bot', scopes: ['query'], limits: {} } });
    expect(acme.find((e) => e.action === 'secret.set')?.detail).toEqual({ replaced: true });
    expect((await tenancy.listAudit({ project: 'acme', since })).length).toBe(5);
    expect((await tenancy.listAudit({ limit: 2 })).map((e) => e.action)).toEqual(['project.create', 'vault.rotate']);
    expect((await tenancy.listAudit({ action: 'vault.rotate' }))[0]).toMatchObject({ project: '*', detail: { secrets: 0 } });

    const raw = new Database(path, { readonly: true });
    const dump = JSON.stringify(raw.prepare('SELECT * FROM audit_log').all());
    raw.close();
    expect(dump).not.toContain('very-secret');
    expect(dump).not.toContain(admin.secret.slice(13));
    expect(dump).not.toContain(key.secret.slice(13));
  });

  it('shares the file with other stages: migrations run once on an open handle', async () => {
    tenancy.close();
    const db = new Database(path);
    const t = createTenancy({ db });
    await t.createProject('shared');
    t.close();
    expect(db.open).toBe(true);
    const again = createTenancy({ db });
    expect((await again.listProjects()).map((p) => p.id)).toEqual(['default', 'shared']);
    // One row per migration: opening the handle twice applied none of them twice.
    expect((db.prepare('SELECT count(*) AS n FROM tenancy_migrations').get() as { n: number }).n).toBe(MIGRATIONS.length);
    db.close();
    tenancy = createTenancy({ path });
  });
});
