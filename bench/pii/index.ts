/**
 * PII detection on the development set (presidio-research synthetic sentences): precision and
 * recall per label, span-level, with exact and overlap matching, and p50 latency per text.
 * Run: npx tsx bench/pii/index.ts [path/to/pii-dev.jsonl]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectPii, PII_LABELS, type PiiSpan } from '../../src/guard/pii/index.js';

interface GoldSpan {
  start: number;
  end: number;
  label: string;
  value: string;
}
interface Row {
  id: number;
  text: string;
  spans: GoldSpan[];
}

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const dataPath = process.argv[2] ?? resolve(root, '..', 'shared', 'datasets', 'pii-dev.jsonl');

/** Our label → the data set's. presidio calls URLs DOMAIN_NAME; other labels already share names. */
const TO_GOLD: Record<string, string> = { url: 'domain_name' };
/** Gold labels we do not detect. */
const OUT_OF_SCOPE = new Set<string>();

function iou(a: { start: number; end: number }, b: { start: number; end: number }): number {
  const inter = Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  const union = Math.max(a.end, b.end) - Math.min(a.start, b.start);
  return union === 0 ? 0 : inter / union;
}

interface Tally {
  gold: number;
  pred: number;
  tpExact: number;
  tpOverlap: number;
  goldHitExact: number;
  goldHitOverlap: number;
}

function main(): void {
  const rows = readFileSync(dataPath, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row);
  const tallies = new Map<string, Tally>();
  const tally = (l: string): Tally => {
    let t = tallies.get(l);
    if (!t) tallies.set(l, (t = { gold: 0, pred: 0, tpExact: 0, tpOverlap: 0, goldHitExact: 0, goldHitOverlap: 0 }));
    return t;
  };
  const times: number[] = [];
  const errors: string[] = [];
  detectPii('warm up the NLP lexicon, Mr. Smith, 555-0100');
  for (const row of rows) {
    const t0 = performance.now();
    const pred: PiiSpan[] = detectPii(row.text, { labels: [...PII_LABELS] });
    times.push(performance.now() - t0);
    const p = pred.map((s) => ({ ...s, label: TO_GOLD[s.label] ?? s.label }));
    for (const g of row.spans) {
      const t = tally(g.label);
      t.gold++;
      const same = p.filter((s) => s.label === g.label);
      if (same.some((s) => s.start === g.start && s.end === g.end)) t.goldHitExact++;
      if (same.some((s) => iou(s, g) >= 0.5)) t.goldHitOverlap++;
      else if (process.env.PII_BENCH_VERBOSE) errors.push(`FN ${g.label}: ${JSON.stringify(g.value)} in ${JSON.stringify(row.text.slice(0, 120))}`);
    }
    for (const s of p) {
      const t = tally(s.label);
      t.pred++;
      const same = row.spans.filter((g) => g.label === s.label);
      if (same.some((g) => g.start === s.start && g.end === s.end)) t.tpExact++;
      if (same.some((g) => iou(s, g) >= 0.5)) t.tpOverlap++;
      else if (process.env.PII_BENCH_VERBOSE) errors.push(`FP ${s.label}: ${JSON.stringify(s.text)} in ${JSON.stringify(row.text.slice(0, 120))}`);
    }
  }
  const fmt = (n: number, d: number) => (d === 0 ? '  -  ' : (n / d).toFixed(3));
  const lines: string[] = [];
  lines.push('| label | gold | predicted | precision (IoU≥0.5) | recall (IoU≥0.5) | F1 (IoU≥0.5) | precision (exact) | recall (exact) |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  const all: Tally = { gold: 0, pred: 0, tpExact: 0, tpOverlap: 0, goldHitExact: 0, goldHitOverlap: 0 };
  const labels = [...tallies.keys()].sort((a, b) => (tallies.get(b)?.gold ?? 0) - (tallies.get(a)?.gold ?? 0));
  for (const l of labels) {
    const t = tallies.get(l);
    if (!t) continue;
    const P = t.pred ? t.tpOverlap / t.pred : 0;
    const R = t.gold ? t.goldHitOverlap / t.gold : 0;
    const f1 = P + R ? (2 * P * R) / (P + R) : 0;
    const note = OUT_OF_SCOPE.has(l) ? ' (not detected)' : '';
    lines.push(
      `| ${l}${note} | ${t.gold} | ${t.pred} | ${fmt(t.tpOverlap, t.pred)} | ${fmt(t.goldHitOverlap, t.gold)} | ${t.gold && t.pred ? f1.toFixed(3) : '  -  '} | ${fmt(t.tpExact, t.pred)} | ${fmt(t.goldHitExact, t.gold)} |`,
    );
    if (OUT_OF_SCOPE.has(l)) continue;
    for (const k of Object.keys(all) as (keyof Tally)[]) all[k] += t[k];
  }
  lines.push(
    `| **all in scope** | ${all.gold} | ${all.pred} | ${fmt(all.tpOverlap, all.pred)} | ${fmt(all.goldHitOverlap, all.gold)} | | ${fmt(all.tpExact, all.pred)} | ${fmt(all.goldHitExact, all.gold)} |`,
  );
  const sorted = [...times].sort((a, b) => a - b);
  const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))] ?? 0;
  const latency = `latency per text: p50 ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms, mean ${(times.reduce((a, b) => a + b, 0) / times.length).toFixed(2)} ms over ${rows.length} texts`;
  const table = lines.join('\n');
  console.log(table);
  console.log(latency);
  if (errors.length) console.log(errors.join('\n'));

  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores), ${os.platform()} ${os.release()}, Node ${process.version}`;
  const md = `# PII detection: development set

- date: ${new Date().toISOString()}
- machine: ${machine} (shared with other jobs while measured)
- data: \`pii-dev.jsonl\` (${rows.length} synthetic texts from presidio-research), labels as in the file; our \`url\` counts as its \`domain_name\`
- matching: a predicted span is correct when it overlaps a gold span of the same label by at least 50% of their union (IoU≥0.5); exact = same start and end
- command: \`npx tsx bench/pii/index.ts\`

${table}

${latency}

Notes
- \`gpe\` (places) and \`nrp\` (nationalities, religions, parties) are measured with \`labels\` including them; detectPii leaves them out by default.
- The data set splits many addresses into fragments (house number, street, unit, postal code as separate spans) and
  labels others whole; our detector returns one span per address, so exact-match figures for \`address\` are low by construction.
- \`ip_address\`, \`kr_rrn\` and the like have few or no gold rows here; their behaviour is covered by unit tests.
`;
  writeFileSync(join(here, 'RESULTS.md'), md);
}

main();
