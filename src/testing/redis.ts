/**
 * startRedisServer(): a throwaway `redis-server` (Debian's binary) on a free
 * loopback port, with no persistence and its own temp dir, for tests of the
 * Redis backends. Every test starts its own, so tests never share state and
 * never need a Redis that someone forgot to start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IncontextError } from '../core/index.js';
import { freePort } from './ports.js';

export interface RedisServerOptions {
  /** Sets `requirepass`; the URL then carries it (`redis://:secret@127.0.0.1:port`). */
  password?: string;
  /** The binary to run. Default `redis-server` from PATH. */
  binary?: string;
  /** More `--flag value` arguments for redis-server. */
  args?: readonly string[];
  /** Listen on this port instead of a free one (to restart a server where its clients expect it). */
  port?: number;
  /** How long to wait for the first PONG. Default 10 s (a loaded 2-core machine can be slow). */
  startTimeoutMs?: number;
}

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM, SIGKILL if it lingers) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

const SETUP_HINT = 'install it with scripts/setup-services.sh (it installs Debian\'s redis-server)';

/** A command in the wire format, so arguments may hold spaces. */
function resp(args: readonly string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
}

/** One PING over a raw socket: the helper must not depend on the client library under test. */
function ping(port: number, password: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => {
      socket.write((password === undefined ? '' : resp(['AUTH', password])) + resp(['PING']));
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('+PONG')) done(true);
      else if (reply.includes('-')) done(false);
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function startOnce(options: RedisServerOptions, port: number): Promise<RedisServer | 'port-taken'> {
  const binary = options.binary ?? 'redis-server';
  const dir = mkdtempSync(join(tmpdir(), 'incontext-redis-'));
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--daemonize', 'no',
    '--logfile', '',
    ...(options.password === undefined ? [] : ['--requirepass', options.password]),
    ...(options.args ?? []),
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  // A test runner that dies must not leave servers behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const cleanup = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited(child);
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  const exit = exited(child).then(() => 'exit' as const);
  for (;;) {
    const failed = await Promise.race([
      spawnError,
      exit,
      ping(port, options.password).then((ok) => (ok ? ('up' as const) : undefined)),
    ]);
    if (failed === 'up') break;
    if (failed instanceof Error) {
      await cleanup();
      const missing = (failed as NodeJS.ErrnoException).code === 'ENOENT';
      throw new IncontextError('INTERNAL', missing ? `${binary} is not installed` : `${binary} could not start: ${failed.message}`, {
        input: { path: binary },
        hint: missing ? SETUP_HINT : 'check that the binary runs on its own',
        cause: failed,
      });
    }
    if (failed === 'exit') {
      await cleanup();
      if (/address already in use/i.test(output)) return 'port-taken';
      throw new IncontextError('INTERNAL', `${binary} exited while starting: ${output.trim().split('\n').slice(-3).join(' | ')}`, {
        input: { path: binary },
        hint: 'run the same command by hand to see why; ' + SETUP_HINT,
      });
    }
    if (Date.now() > deadline) {
      await cleanup();
      throw new IncontextError('INTERNAL', `${binary} did not answer PING on port ${port}`, {
        input: { path: binary },
        hint: 'the machine may be overloaded; raise startTimeoutMs',
      });
    }
    await new Promise((r) => setTimeout(r, 20));
  }

  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    stop: () => (stopping ??= cleanup()),
  };
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (options.port !== undefined) {
    const started = await startOnce(options, options.port);
    if (started === 'port-taken') {
      throw new IncontextError('INTERNAL', `port ${options.port} is already in use`, { hint: 'stop what listens there, or leave port unset' });
    }
    return started;
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const started = await startOnce(options, await freePort());
    if (started !== 'port-taken') return started;
  }
  throw new IncontextError('INTERNAL', 'redis-server found no free port in 5 tries', { hint: 'too many processes are opening ports; try again' });
}
