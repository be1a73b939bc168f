/**
 * Child process: incontext's HTTP server (createIncontext + startServer, as
 * `incontext serve` runs it) in a temp home, with OpenAI pointed at the fake
 * upstream so `/v1/chat/completions` passes `gpt-4o-mini` through to it.
 * The response cache is off: the benchmark measures the proxy, not replays.
 * BENCH_GUARDS=off turns the default guard policy off (input injection scan, output canary
 * and leak checks), leaving what Portkey does: route, retry, breaker, limits, budget, trace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIncontext } from '../../src/app/index.js';
import { startServer } from '../../src/server/index.js';

const upstream = process.env.BENCH_UPSTREAM_URL;
if (!upstream) throw new Error('BENCH_UPSTREAM_URL is not set');
const cwd = mkdtempSync(join(tmpdir(), 'incontext-bench-gw-'));
try {
  const ic = createIncontext({
    cwd,
    env: { OPENAI_API_KEY: 'sk-bench-0000', OPENAI_BASE_URL: `${upstream}/v1` },
    config: {
      home: join(cwd, '.incontext'),
      embed: { model: 'local:hash' },
      logLevel: 'silent',
      model: { default: 'openai:gpt-4o-mini' },
      cache: { exact: false, semantic: false },
      ...(process.env.BENCH_GUARDS === 'off' ? { guard: { input: { injection: 'off' as const }, output: { canary: 'off' as const, leak: 'off' as const } } } : {}),
    },
  });
  const server = await startServer(ic, { port: 0, host: '127.0.0.1' });
  process.send?.({ url: server.url });
  const stop = (): void => {
    void server
      .close()
      .then(() => ic.close())
      .finally(() => {
        rmSync(cwd, { recursive: true, force: true });
        process.exit(0);
      });
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
} catch (error) {
  process.send?.({ error: error instanceof Error ? error.message : String(error) });
  rmSync(cwd, { recursive: true, force: true });
  process.exit(1);
}
