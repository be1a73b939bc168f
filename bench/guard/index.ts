/**
 * `npx tsx bench/guard/index.ts`: the injection detector on
 * ../shared/datasets/injection-dev.jsonl — TPR, FPR, F1 per source and overall,
 * p50 latency — side by side with the npm package `llm-guard` on the same rows in
 * the same run. Writes bench/guard/RESULTS.md unless `--no-write`.
 *
 * The dev set is also training data for the classifier (train.ts), so in-sample
 * figures here flatter it; the cross-source figures train.ts records in the model
 * file (train on some sources, test on the others) are the honest ones and are
 * copied into the results.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInjectionDetector, loadInjectionModel } from '../../src/guard/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATA = join(ROOT, '..', 'shared', 'datasets', 'injection-dev.jsonl');

interface Row {
  text: string;
  label: 'malicious' | 'benign';
  source: string;
}

interface Tally {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

function tally(rows: Row[], flags: boolean[]): Tally {
  const t: Tally = { tp: 0, fp: 0, tn: 0, fn: 0 };
  rows.forEach((r, i) => {
    const f = flags[i]!;
    if (r.label === 'malicious') t[f ? 'tp' : 'fn']++;
    else t[f ? 'fp' : 'tn']++;
  });
  return t;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : '–';
}

function metrics(t: Tally): { tpr: string; fpr: string; f1: string } {
  const tpr = t.tp / (t.tp + t.fn);
  const fpr = t.fp / (t.fp + t.tn);
  const prec = t.tp / (t.tp + t.fp);
  const f1 = (2 * prec * tpr) / (prec + tpr);
  return { tpr: fmt(tpr), fpr: fmt(fpr), f1: t.tp + t.fn === 0 ? '–' : fmt(f1) };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

function table(name: string, rows: Row[], flags: boolean[], times: number[]): string[] {
  const sources = [...new Set(rows.map((r) => r.source))].sort();
  const lines = [`| ${name} | rows | TPR | FPR | F1 |`, '|---|---|---|---|---|'];
  for (const s of sources) {
    const idx = rows.map((r, i) => (r.source === s ? i : -1)).filter((i) => i >= 0);
    const m = metrics(tally(idx.map((i) => rows[i]!), idx.map((i) => flags[i]!)));
    lines.push(`| ${s} | ${idx.length} | ${m.tpr} | ${m.fpr} | ${m.f1} |`);
  }
  const m = metrics(tally(rows, flags));
  lines.push(`| **overall** | ${rows.length} | ${m.tpr} | ${m.fpr} | ${m.f1} |`);
  lines.push('', `p50 latency ${percentile(times, 50).toFixed(3)} ms, p95 ${percentile(times, 95).toFixed(3)} ms per scan`);
  return lines;
}

interface LlmGuardLike {
  validate(prompt: string): Promise<{ isValid: boolean }>;
}

async function loadLlmGuard(): Promise<{ guard?: LlmGuardLike; version?: string; why?: string }> {
  const require = createRequire(import.meta.url);
  try {
    const pkgPath = require.resolve('llm-guard/package.json');
    const version = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
    // A variable specifier keeps typecheck independent of whether the peer is installed.
    const specifier = 'llm-guard';
    const mod = (await import(specifier)) as { LLMGuard: new (c: Record<string, boolean>) => LlmGuardLike };
    // Only its injection and jailbreak guards: PII, profanity and toxicity answer other questions.
    return { guard: new mod.LLMGuard({ promptInjection: true, jailbreak: true }), version };
  } catch (e) {
    return { why: `llm-guard is not usable here: ${(e as Error).message}` };
  }
}

async function main(): Promise<void> {
  const write = !process.argv.includes('--no-write');
  if (!existsSync(DATA)) {
    console.error(`Data set not found: ${DATA}. Run from the project root next to ../shared/datasets.`);
    process.exitCode = 1;
    return;
  }
  const rows = readFileSync(DATA, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
  const detector = createInjectionDetector();
  const lg = await loadLlmGuard();
  // Warm up both so JIT and lazy loading do not land in the first rows' times.
  for (const r of rows.slice(0, 30)) {
    detector.scan(r.text);
    if (lg.guard) await lg.guard.validate(r.text);
  }
  const ours: boolean[] = [];
  const ourTimes: number[] = [];
  const theirs: boolean[] = [];
  const theirTimes: number[] = [];
  // Interleaved row by row so load from other processes on the shared machine hits both alike.
  for (const r of rows) {
    let t0 = performance.now();
    ours.push(detector.scan(r.text).flagged);
    ourTimes.push(performance.now() - t0);
    if (lg.guard) {
      t0 = performance.now();
      theirs.push(!(await lg.guard.validate(r.text)).isValid);
      theirTimes.push(performance.now() - t0);
    }
  }
  const cpu = cpus();
  const meta = loadInjectionModel().meta;
  const out: string[] = [
    '# Guard benchmark: prompt injection and jailbreak detection',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(', ')} (shared machine)`,
    `- Data: ../shared/datasets/injection-dev.jsonl, ${rows.length} rows`,
    `- incontext detector: default policy (threshold ${detector.threshold})`,
    `- Peers: llm-guard ${lg.version ?? '(not run)'} (npm, regex rules; promptInjection + jailbreak guards); llm_guardrail is a Python package and is not run from this TypeScript benchmark`,
    '',
    '## incontext (in-sample: the classifier was trained on these rows, see cross-source below)',
    '',
    ...table('source', rows, ours, ourTimes),
    '',
  ];
  if (lg.guard) out.push(`## llm-guard ${lg.version ?? ''}`, '', ...table('source', rows, theirs, theirTimes), '');
  else out.push('## llm-guard', '', lg.why ?? 'not run', '');
  const cross = meta.crossSource as string[] | undefined;
  if (cross) out.push('## Cross-source (from train.ts: trained without the tested sources)', '', ...cross, '');
  const text = out.join('\n');
  console.log(text);
  if (write) writeFileSync(join(ROOT, 'bench', 'guard', 'RESULTS.md'), `${text}\n`);
}

await main();
