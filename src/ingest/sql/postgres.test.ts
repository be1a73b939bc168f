import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, failure, sqlSourceContract } from './__fixtures__/contract.js';
import { pgUnavailable, startPgCluster, type PgCluster } from './__fixtures__/pg-cluster.js';
import { isoTimestamp } from './postgres.js';

const unavailable = pgUnavailable();
if (unavailable) console.warn(`Skipping the PostgreSQL SQL-source tests: ${unavailable}. Run scripts/setup-services.sh.`);

describe.skipIf(unavailable !== undefined)('SQL source on PostgreSQL', () => {
  let cluster: PgCluster;
  let admin: pg.Client;
  let n = 0;
  beforeAll(async () => {
    cluster = await startPgCluster();
    admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
  }, 120_000);
  afterAll(async () => {
    await admin?.end();
    await cluster?.stop();
  }, 60_000);

  /** A fresh database per test, so tables never collide. */
  async function database(): Promise<{ url: string; label: string; exec: (sql: string) => Promise<void> }> {
    const name = `t${++n}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = cluster.url.replace(/\/incontext$/, `/${name}`);
    return {
      url,
      label: `postgres://127.0.0.1:${cluster.port}/${name}`,
      exec: async (sql) => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          await c.query(sql);
        } finally {
          await c.end();
        }
      },
    };
  }

  sqlSourceContract(async () => {
    const d = await database();
    return { db: d.url, label: d.label, exec: d.exec };
  });

  it('keeps timestamps exact to the microsecond, so a watermark passed back loses no row', async () => {
    const d = await database();
    await d.exec(`CREATE TABLE events (id bigint PRIMARY KEY, body text, tags text[], attrs jsonb, at timestamptz, day date, local timestamp);
      INSERT INTO events VALUES
        (1, 'first', '{a,b}', '{"k": 1}', '2024-01-01 10:00:00.123456+02', '2024-01-01', '2024-01-01 10:00:00.5'),
        (2, 'second', '{}', NULL, '2024-01-01 08:00:00.123457+00', '2024-01-02', '2024-01-02 00:00:00')`);
    const full = await collect({ db: d.url, sql: 'SELECT * FROM events ORDER BY id', textColumns: ['body'], updatedColumn: 'at' });
    expect(full[0]!.metadata).toEqual({
      id: 1,
      at: '2024-01-01T08:00:00.123456Z',
      tags: ['a', 'b'],
      attrs: '{"k":1}',
      day: '2024-01-01',
      local: '2024-01-01T10:00:00.5',
    });
    // Row 2 is one microsecond later than row 1; a millisecond-precision watermark could not tell them apart.
    const after = await collect({ db: d.url, sql: 'SELECT * FROM events', textColumns: ['body'], updatedColumn: 'at', since: '2024-01-01T08:00:00.123457Z' });
    expect(after.map((x) => x.text)).toEqual(['second']);
  });

  it('never puts the password in origins, messages or causes', async () => {
    const d = await database();
    await d.exec(`CREATE TABLE a (id int PRIMARY KEY, body text); INSERT INTO a VALUES (1, 'x')`);
    const [doc] = await collect({ db: d.url, sql: 'SELECT * FROM a' });
    expect(doc!.origin).toBe(`sql:${d.label}/a#1`);
    const secretFree = (err: Error) => {
      const all = JSON.stringify(err) + err.message + String((err.cause as Error | undefined)?.message) + (err as { hint?: string }).hint;
      expect(all).not.toContain(cluster.password);
      expect(all).not.toContain(encodeURIComponent(cluster.password));
    };
    const wrongPassword = await failure(() => collect({ db: d.url.replace(encodeURIComponent(cluster.password), 'wrong'), sql: 'SELECT 1' }));
    expect(wrongPassword.code).toBe('FILE_UNREADABLE');
    expect(wrongPassword.hint).toMatch(/password/);
    const badSql = await failure(() => collect({ db: d.url, sql: 'SELECT nope FROM a' }));
    expect(badSql.input?.key).toBe('sql');
    const noDb = await failure(() => collect({ db: d.url.replace(/\/t\d+$/, '/missing'), sql: 'SELECT 1' }));
    expect(noDb.hint).toMatch(/does not exist/);
    for (const e of [wrongPassword, badSql, noDb]) {
      secretFree(e);
      expect(e.input?.path).toMatch(/^postgres:\/\/127\.0\.0\.1:\d+\//);
    }
  });

  it('names the server when nothing listens there', async () => {
    const err = await failure(() => collect({ db: `postgres://u:secret@127.0.0.1:1/db`, sql: 'SELECT 1' }));
    expect(err.code).toBe('FILE_UNREADABLE');
    expect(err.message).not.toContain('secret');
    expect(err.hint).toContain('postgres://127.0.0.1:1');
  });
});

describe('isoTimestamp', () => {
  it('reshapes the server’s text form to ISO 8601', () => {
    expect(isoTimestamp('2024-01-02 03:04:05.123456+00')).toBe('2024-01-02T03:04:05.123456Z');
    expect(isoTimestamp('2024-01-02 03:04:05+05:30')).toBe('2024-01-02T03:04:05+05:30');
    expect(isoTimestamp('2024-01-02 03:04:05-08')).toBe('2024-01-02T03:04:05-08:00');
    expect(isoTimestamp('2024-01-02 03:04:05')).toBe('2024-01-02T03:04:05');
    expect(isoTimestamp('infinity')).toBe('infinity');
  });
});
