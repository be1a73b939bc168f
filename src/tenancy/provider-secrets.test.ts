import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thrownError } from '../testing/index.js';
import { createTenancy, MASTER_KEY_ENV, openProjectSecrets, type ProjectSecretsReader, type Tenancy } from './index.js';

let dir: string;
let path: string;
const KEY = randomBytes(32).toString('hex');
const closers: Array<{ close(): void }> = [];
const track = <T extends { close(): void }>(x: T): T => (closers.push(x), x);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ic-psecrets-'));
  path = join(dir, 'incontext.db');
});
afterEach(() => {
  for (const c of closers.splice(0)) c.close();
  rmSync(dir, { recursive: true, force: true });
});

async function setup(): Promise<Tenancy> {
  const t = track(createTenancy({ path, masterKey: KEY }));
  await t.createProject('alpha');
  await t.createProject('beta');
  return t;
}

describe('openProjectSecrets', () => {
  it('moves a project\'s version on every set, replace, delete and project delete — and only that project\'s', async () => {
    const t = await setup();
    const r = track(openProjectSecrets({ path, masterKey: KEY }));
    const seen = (): [number, number] => [r.version('alpha'), r.version('beta')];
    const v0 = seen();
    await t.setSecret('alpha', 'OPENAI_API_KEY', 'sk-alpha-1');
    const v1 = seen();
    expect(v1[0]).toBeGreaterThan(v0[0]);
    expect(v1[1]).toBe(v0[1]);
    await t.setSecret('alpha', 'OPENAI_API_KEY', 'sk-alpha-2');
    const v2 = seen();
    expect(v2[0]).toBeGreaterThan(v1[0]);
    await t.deleteSecret('alpha', 'OPENAI_API_KEY');
    const v3 = seen();
    expect(v3[0]).toBeGreaterThan(v2[0]);
    await t.setSecret('beta', 'ANTHROPIC_API_KEY', 'sk-ant-beta-1');
    expect(r.version('beta')).toBeGreaterThan(v3[1]);
    const beforeDelete = r.version('beta');
    await t.deleteProject('beta', { force: true });
    expect(r.version('beta')).toBeGreaterThan(beforeDelete);
    await t.rotateMasterKey(randomBytes(32).toString('hex'));
  });

  it('reads only the wanted names, and needs no master key for a project that has none of them', async () => {
    const t = await setup();
    await t.setSecret('alpha', 'OPENAI_API_KEY', 'sk-alpha-1');
    await t.setSecret('alpha', 'SLACK_TOKEN', 'xoxb-not-a-provider');
    const r = track(openProjectSecrets({ path, masterKey: KEY }));
    expect(r.read('alpha', ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'])).toEqual({ OPENAI_API_KEY: 'sk-alpha-1' });
    expect(r.read('beta', ['OPENAI_API_KEY'])).toEqual({});

    const keyless = track(openProjectSecrets({ path, masterKey: '' }));
    expect(keyless.read('beta', ['OPENAI_API_KEY'])).toEqual({});
    const err = thrownError(() => keyless.read('alpha', ['OPENAI_API_KEY']));
    expect(err.input?.key).toBe(MASTER_KEY_ENV);
    const wrong = track(openProjectSecrets({ path, masterKey: randomBytes(32).toString('hex') }));
    expect(thrownError(() => wrong.read('alpha', ['OPENAI_API_KEY'])).message).toContain('does not match');
  });

  it('sees another process\'s write at the next poll, and this process\'s at once', async () => {
    const t = await setup();
    await t.setSecret('alpha', 'OPENAI_API_KEY', 'sk-alpha-1');
    let clock = 1_000_000;
    const r: ProjectSecretsReader = track(openProjectSecrets({ path, masterKey: KEY, pollMs: 1000, now: () => clock }));
    const before = r.version('alpha');

    // Another process: its own connection, which moves the version row but not this process's write counter.
    const other = new Database(path);
    other.prepare("UPDATE vault_secrets SET updated_at = updated_at + 1 WHERE project = 'alpha'").run();
    other.close();
    clock += 999;
    expect(r.version('alpha')).toBe(before);
    clock += 1;
    const after = r.version('alpha');
    expect(after).toBeGreaterThan(before);

    // A write through tenancy in this process: seen with no time passing.
    await t.setSecret('alpha', 'OPENAI_API_KEY', 'sk-alpha-2');
    expect(r.version('alpha')).toBeGreaterThan(after);
    expect(r.read('alpha', ['OPENAI_API_KEY'])).toEqual({ OPENAI_API_KEY: 'sk-alpha-2' });
  });

  it('upgrades a file whose secrets predate the version table', async () => {
    const t = await setup();
    await t.setSecret('alpha', 'OPENAI_API_KEY', 'sk-alpha-1');
    t.close();
    const db = new Database(path);
    db.exec("DROP TABLE vault_versions; DROP TRIGGER vault_secrets_version_insert; DROP TRIGGER vault_secrets_version_update; DROP TRIGGER vault_secrets_version_delete; DELETE FROM tenancy_migrations WHERE version = 2;");
    db.close();
    const r = track(openProjectSecrets({ path, masterKey: KEY }));
    expect(r.version('alpha')).toBe(1);
    expect(r.version('beta')).toBe(0);
  });
});
