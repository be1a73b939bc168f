/**
 * Child processes for the HTTP benchmark: the fake upstream, incontext's server
 * and Portkey's gateway each get their own process (and event loop), so no
 * proxy shares a thread with the upstream it forwards to or with the load
 * generator. Everything listens on, and is called through, 127.0.0.1.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/testing/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface Child {
  name: string;
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
  /** stderr of the child so far, for error messages. */
  stderr(): string;
}

function capture(proc: ChildProcess): () => string {
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  return () => err;
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const kill = setTimeout(() => proc.kill('SIGKILL'), 3000);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      proc.kill('SIGTERM');
    });
}

/** Runs one of this folder's `*-child.ts` scripts under tsx and waits for its `{ url }` message. */
async function forkChild(name: string, script: string, env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const proc = fork(join(HERE, script), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const stderr = capture(proc);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s. stderr:\n${stderr()}`)), 60_000);
    proc.once('message', (m: { url?: string; error?: string }) => {
      clearTimeout(timer);
      if (m.url) resolve(m.url);
      else reject(new Error(`${name} failed to start: ${m.error ?? 'no url'}`));
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code} before it was ready. stderr:\n${stderr()}`));
    });
  });
  return { name, url, proc, stop: stopper(proc), stderr };
}

export function startUpstreamProcess(): Promise<Child> {
  return forkChild('fake upstream', 'upstream-child.ts');
}

export function startIncontextProcess(upstreamUrl: string, options: { guards?: boolean } = {}): Promise<Child> {
  return forkChild('incontext server', 'incontext-child.ts', { BENCH_UPSTREAM_URL: upstreamUrl, BENCH_GUARDS: options.guards === false ? 'off' : 'on' });
}

export function portkeyEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@portkey-ai/gateway/package.json')), 'build', 'start-server.js');
}

export function portkeyVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('@portkey-ai/gateway/package.json') as { version: string }).version;
}

/**
 * Portkey's own Node entry (`npx @portkey-ai/gateway`), headless so its log UI
 * and log stream are off: the leanest way it runs. It binds every interface
 * (it has no host option); the benchmark only ever calls it on 127.0.0.1.
 */
export async function startPortkeyProcess(): Promise<Child> {
  const port = await freePort();
  const proc = spawn(process.execPath, [portkeyEntry(), `--port=${port}`, '--headless'], {
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr = capture(proc);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    proc.once('exit', (code) => reject(new Error(`Portkey gateway exited with code ${code}. stderr:\n${stderr()}`))),
  );
  exited.catch(() => undefined);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await Promise.race([
      fetch(url, { signal: AbortSignal.timeout(1000) }).then(
        () => true,
        () => false,
      ),
      exited,
    ]);
    if (up) break;
    if (Date.now() > deadline) throw new Error(`Portkey gateway did not answer on ${url} within 60 s. stderr:\n${stderr()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { name: 'portkey', url, proc, stop: stopper(proc), stderr };
}
