import { execFile, execFileSync } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../../testing/index.js';

const run = promisify(execFile);

/** Debian installs the server binaries outside PATH, one directory per major version. */
const BIN_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];
export const PG_PACKAGE = 'postgresql-15 (or any postgresql-NN; scripts/setup-services.sh installs it)';

export interface PgCluster {
  /** postgres://incontext:<password>@127.0.0.1:<port>/incontext */
  url: string;
  password: string;
  port: number;
  stop(): Promise<void>;
}

/** Why the cluster cannot start on this machine, or undefined when it can. */
export function pgUnavailable(): string | undefined {
  const bin = binDir();
  if (!bin) return `PostgreSQL server binaries (initdb, pg_ctl) not found in ${BIN_DIRS.join(', ')}: install the Debian package ${PG_PACKAGE}`;
  if (isRoot() && !existsSync('/usr/sbin/runuser')) return 'running as root and runuser is missing: postgres refuses to run as root';
  if (isRoot() && !systemUser('postgres')) return 'running as root and there is no "postgres" system user to run the server as';
  return undefined;
}

function binDir(): string | undefined {
  return BIN_DIRS.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function systemUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A throwaway cluster in a temp dir on a free loopback port, with password
 * (scram) auth over TCP so tests can check that the password never leaks.
 * As root the server runs as the `postgres` user (postgres refuses root).
 */
export async function startPgCluster(): Promise<PgCluster> {
  const bin = binDir();
  if (!bin) throw new Error(pgUnavailable());
  const dir = await mkdtemp(join(tmpdir(), 'incontext-pg-'));
  const data = join(dir, 'data');
  const password = 'pw-' + Math.random().toString(36).slice(2, 12) + '@/x';
  const pwfile = join(dir, 'pw');
  await writeFile(pwfile, password + '\n');
  const owner = isRoot() ? systemUser('postgres') : undefined;
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    await chown(pwfile, owner.uid, owner.gid);
  }
  await chmod(dir, 0o700);
  const as = (cmd: string, args: string[]) =>
    owner ? run('runuser', ['-u', 'postgres', '--', cmd, ...args], { cwd: dir }) : run(cmd, args, { cwd: dir });
  const port = await freePort();
  await as(join(bin, 'initdb'), ['-D', data, '-U', 'incontext', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  await as(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  await as(join(bin, 'createdb'), ['-h', dir, '-p', String(port), '-U', 'incontext', 'incontext']);
  const url = `postgres://incontext:${encodeURIComponent(password)}@127.0.0.1:${port}/incontext`;
  return {
    url,
    password,
    port,
    async stop() {
      try {
        await as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
