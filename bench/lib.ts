import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Repository root (bench/ sits directly under it). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The shared development data sets live beside the checkout; INCONTEXT_DATASETS overrides for other layouts. */
export const DATASETS = process.env.INCONTEXT_DATASETS ?? resolve(ROOT, '../shared/datasets');

/** Persistent across runs (GloVe cache build happens once), outside the repo so nothing large is committed. */
export const BENCH_TMP = join(tmpdir(), 'incontext-bench');

export function dataset(name: string): string {
  const path = join(DATASETS, name);
  if (!existsSync(path)) throw new Error(`Missing data set ${path}; set INCONTEXT_DATASETS to the folder that holds ${name}.`);
  return path;
}

export function readJsonl<T>(name: string): T[] {
  return readFileSync(dataset(name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

export interface CorpusDoc { doc_id: string; title: string; text: string }
export interface SciQuery { id: string; query: string }
export interface Qrel { query_id: string; doc_id: string; score: number }
export interface RagQuestion { id: string; question: string; answers: string[]; doc: string; answerable: boolean }

// ---- timing ----

export function now(): bigint {
  return process.hrtime.bigint();
}

export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t = now();
  const value = await fn();
  return { value, ms: msSince(t) };
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function mean(xs: number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Runs every input through every runner, rotating which runner goes first, and
 * times each call. Peers are interleaved query by query so that a burst of load
 * from elsewhere on a shared machine hits all of them alike instead of whichever
 * happened to be running then.
 */
export async function interleaved<Q, R>(runners: Array<(q: Q) => Promise<R>>, inputs: Q[]): Promise<Array<{ lat: number[]; out: R[] }>> {
  const res = runners.map(() => ({ lat: [] as number[], out: [] as R[] }));
  for (let i = 0; i < inputs.length; i++) {
    for (let j = 0; j < runners.length; j++) {
      const r = (i + j) % runners.length;
      const t = now();
      const out = await runners[r]!(inputs[i]!);
      res[r]!.lat.push(msSince(t));
      res[r]!.out.push(out);
    }
  }
  return res;
}

// ---- seeded randomness (prng from core, re-exported below) ----

/** Standard normal via Box–Muller, so normalised vectors are uniform on the sphere. */
export function gaussian(rand: () => number): () => number {
  return () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}

// ---- formatting ----

export type Cell = string | number;

export interface Table {
  title: string;
  head: string[];
  rows: Cell[][];
  notes?: string[];
  /** One-line headline for the summary at the top of RESULTS.md. */
  summary?: string;
}

export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(digits);
}

export function ratio(slow: number, fast: number): string {
  return `${fmt(slow / fast)}×`;
}

function cellText(c: Cell): string {
  return typeof c === 'number' ? fmt(c) : c;
}

export function renderText(t: Table): string {
  const rows = [t.head, ...t.rows.map((r) => r.map(cellText))];
  const widths = t.head.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [`\n== ${t.title} ==`, line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  for (const n of t.notes ?? []) out.push(`  * ${n}`);
  return out.join('\n');
}

export function renderMarkdown(t: Table): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const out = [`### ${t.title}`, '', `| ${t.head.map(esc).join(' | ')} |`, `|${t.head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of t.rows) out.push(`| ${r.map((c) => esc(cellText(c))).join(' | ')} |`);
  if (t.notes?.length) out.push('', ...t.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

/** Progress on stderr so stdout stays the tables. */
export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

export interface Section {
  name: string;
  title: string;
  run(): Promise<Table[]>;
}

let gc: (() => void) | undefined;

/**
 * Collect garbage between peers so one peer's 100k-vector heap is not billed to the
 * next one's latencies. `npm run bench` has no --expose-gc, so the flag is set at
 * run time and gc() fetched from a fresh context (a documented V8 pattern).
 */
export function settle(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

export { prng } from '../src/core/index.js';

/** Version of an installed package, or 'not installed'. */
export function packageVersion(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** The machine, its load and the peer versions, as the header lines of a results file. */
export function machineLines(peers: readonly string[]): string[] {
  const cpu = cpus();
  return [
    `- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores`,
    `- RAM: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Node ${process.version} on ${process.platform}/${process.arch}`,
    `- Load average at the start: ${loadavg().map((l) => l.toFixed(2)).join(', ')} (the machine is shared; absolute times vary, ratios measured in one run are the figures to read)`,
    `- Peers: ${peers.map((p) => `${p} ${packageVersion(p)}`).join(', ')}`,
  ];
}
