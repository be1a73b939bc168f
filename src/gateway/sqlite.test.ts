import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBudgetStoreConformance } from './conformance.js';
import { SqliteBudgetStore } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'ic-budget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runBudgetStoreConformance('sqlite', () => {
  const store = new SqliteBudgetStore({ path: join(dir, `b${++n}.db`) });
  return { store, close: () => store.close() };
});

describe('SqliteBudgetStore', () => {
  const line = { scope: 'project:p', period: 'day:2026-11-23', limitUsd: 1 };
  const opts = { now: Date.UTC(2026, 10, 23, 12), ttlMs: 60_000 };

  it('keeps spend across a restart', async () => {
    const path = join(dir, 'restart.db');
    const a = new SqliteBudgetStore({ path });
    const r = await a.reserve([line], 0.4, opts);
    if (!r.ok) throw new Error('refused');
    await a.settle(r.id, 0.3);
    a.close();
    const b = new SqliteBudgetStore({ path });
    expect(await b.usage(line.scope, line.period)).toEqual({ spentUsd: 0.3, reservedUsd: 0 });
    expect((await b.reserve([line], 0.8, opts)).ok).toBe(false);
    b.close();
  });

  it('two processes on one file never book past the limit together', async () => {
    const path = join(dir, 'procs.db');
    new SqliteBudgetStore({ path }).close();
    const script = `
      import { SqliteBudgetStore } from ${JSON.stringify(join(import.meta.dirname, 'sqlite.ts'))};
      const s = new SqliteBudgetStore({ path: ${JSON.stringify(path)} });
      let ok = 0;
      for (let i = 0; i < 40; i++) if ((await s.reserve([${JSON.stringify(line)}], 0.0625, ${JSON.stringify(opts)})).ok) ok++;
      s.close();
      console.log(ok);
    `;
    const file = join(dir, 'reserve.mts');
    writeFileSync(file, script);
    // Both at once, so their transactions interleave on the one file.
    const run = () =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: join(import.meta.dirname, '..', '..') });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => resolve({ code, out, err }));
      });
    const [x, y] = await Promise.all([run(), run()]);
    expect(x.code, x.err).toBe(0);
    expect(y.code, y.err).toBe(0);
    const total = Number(x.out.trim()) + Number(y.out.trim());
    // 1 USD at 1/16 a reservation (exact in binary): 16 fit, however the two processes interleave.
    expect(total).toBe(16);
  });
});
