/**
 * PII detection on the development set (presidio-research synthetic sentences): precision and
 * recall per label, span-level, with overlap (IoU ≥ 0.5) and exact matching, p50 latency per text,
 * and llm-guard's PII guard side by side on the labels it covers.
 * Run: npx tsx bench/pii/index.ts [path/to/pii-dev.jsonl]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectPii, PII_LABELS } from '../../src/guard/pii/index.js';
import { PEER_LABELS, peerSpans } from './peer.js';
import { writeResultsBlock } from '../gateway/results.js';

interface Span {
  start: number;
  end: number;
  label: string;
}
interface GoldSpan extends Span {
  value: string;
}
interface Row {
  id: number;
  text: string;
  spans: GoldSpan[];
}
interface Tally {
  gold: number;
  pred: number;
  tpExact: number;
  tpOverlap: number;
  goldHitExact: number;
  goldHitOverlap: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const dataPath = process.argv[2] ?? resolve(root, '..', 'shared', 'datasets', 'pii-dev.jsonl');
const verbose = Boolean(process.env.PII_BENCH_VERBOSE);

/** Our label → the data set's. presidio calls URLs DOMAIN_NAME; the other labels share names. */
const TO_GOLD: Record<string, string> = { url: 'domain_name' };

function iou(a: Span, b: Span): number {
  const inter = Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  const union = Math.max(a.end, b.end) - Math.min(a.start, b.start);
  return union === 0 ? 0 : inter / union;
}

const empty = (): Tally => ({ gold: 0, pred: 0, tpExact: 0, tpOverlap: 0, goldHitExact: 0, goldHitOverlap: 0 });

/** Span-level tallies per gold label; `only` restricts both sides to some labels (for peers). */
function score(rows: Row[], preds: Span[][], only?: ReadonlySet<string>, log?: string[]): Map<string, Tally> {
  const tallies = new Map<string, Tally>();
  const tally = (l: string): Tally => {
    let t = tallies.get(l);
    if (!t) tallies.set(l, (t = empty()));
    return t;
  };
  rows.forEach((row, i) => {
    const gold = row.spans.filter((g) => !only || only.has(g.label));
    const pred = (preds[i] ?? []).filter((s) => !only || only.has(s.label));
    for (const g of gold) {
      const t = tally(g.label);
      t.gold++;
      const same = pred.filter((s) => s.label === g.label);
      if (same.some((s) => s.start === g.start && s.end === g.end)) t.goldHitExact++;
      if (same.some((s) => iou(s, g) >= 0.5)) t.goldHitOverlap++;
      else log?.push(`FN ${g.label}: ${JSON.stringify(g.value)} in ${JSON.stringify(row.text.slice(0, 120))}`);
    }
    for (const s of pred) {
      const t = tally(s.label);
      t.pred++;
      const same = gold.filter((g) => g.label === s.label);
      if (same.some((g) => g.start === s.start && g.end === s.end)) t.tpExact++;
      if (same.some((g) => iou(s, g) >= 0.5)) t.tpOverlap++;
      else log?.push(`FP ${s.label}: ${JSON.stringify(row.text.slice(s.start, s.end))} in ${JSON.stringify(row.text.slice(0, 120))}`);
    }
  });
  return tallies;
}

const ratio = (n: number, d: number) => (d === 0 ? '-' : (n / d).toFixed(3));
const f1 = (t: Tally) => {
  const p = t.pred ? t.tpOverlap / t.pred : 0;
  const r = t.gold ? t.goldHitOverlap / t.gold : 0;
  return t.pred && t.gold && p + r ? ((2 * p * r) / (p + r)).toFixed(3) : '-';
};
function p50(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] ?? 0;
}

async function main(): Promise<void> {
  const rows = readFileSync(dataPath, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row);

  detectPii('warm up the lexicon, Mr. Smith, 555-0100');
  await peerSpans('warm up 555-0100');
  const ours: Span[][] = [];
  const peer: Span[][] = [];
  const oursMs: number[] = [];
  const peerMs: number[] = [];
  // Interleaved text by text so machine load hits both alike.
  for (const row of rows) {
    let t0 = performance.now();
    const spans = detectPii(row.text, { labels: [...PII_LABELS] });
    oursMs.push(performance.now() - t0);
    ours.push(spans.map((s) => ({ start: s.start, end: s.end, label: TO_GOLD[s.label] ?? s.label })));
    t0 = performance.now();
    peer.push(await peerSpans(row.text));
    peerMs.push(performance.now() - t0);
  }

  const log: string[] = [];
  const tallies = score(rows, ours, undefined, verbose ? log : undefined);
  const lines = [
    '| label | gold | predicted | precision | recall | F1 | precision (exact) | recall (exact) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const all = empty();
  const labels = [...tallies.keys()].sort((a, b) => (tallies.get(b)?.gold ?? 0) - (tallies.get(a)?.gold ?? 0));
  for (const l of labels) {
    const t = tallies.get(l) ?? empty();
    lines.push(`| ${l} | ${t.gold} | ${t.pred} | ${ratio(t.tpOverlap, t.pred)} | ${ratio(t.goldHitOverlap, t.gold)} | ${f1(t)} | ${ratio(t.tpExact, t.pred)} | ${ratio(t.goldHitExact, t.gold)} |`);
    for (const k of Object.keys(all) as (keyof Tally)[]) all[k] += t[k];
  }
  lines.push(`| **all** | ${all.gold} | ${all.pred} | ${ratio(all.tpOverlap, all.pred)} | ${ratio(all.goldHitOverlap, all.gold)} | ${f1(all)} | ${ratio(all.tpExact, all.pred)} | ${ratio(all.goldHitExact, all.gold)} |`);

  const only = new Set(PEER_LABELS);
  const mine = score(rows, ours, only);
  const theirs = score(rows, peer, only);
  const side = [
    '| label | gold | incontext precision | incontext recall | llm-guard precision | llm-guard recall |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const l of PEER_LABELS) {
    const a = mine.get(l) ?? empty();
    const b = theirs.get(l) ?? empty();
    side.push(`| ${l} | ${a.gold} | ${ratio(a.tpOverlap, a.pred)} | ${ratio(a.goldHitOverlap, a.gold)} | ${ratio(b.tpOverlap, b.pred)} | ${ratio(b.goldHitOverlap, b.gold)} |`);
  }

  const latency = `latency per text: incontext p50 ${p50(oursMs).toFixed(2)} ms, p95 ${p95(oursMs).toFixed(2)} ms; llm-guard (5 regexes, no names or addresses) p50 ${p50(peerMs).toFixed(3)} ms; ${rows.length} texts`;
  const table = lines.join('\n');
  const sideTable = side.join('\n');
  console.log(table);
  console.log();
  console.log(sideTable);
  console.log(latency);
  if (log.length) console.log(log.join('\n'));

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const machine = `${cpu} (${os.cpus().length} cores, shared with other jobs while measured), ${os.platform()} ${os.release()}, Node ${process.version}`;
  writeFileSync(
    join(here, 'RESULTS.md'),
    `# PII detection: development set

- date: ${new Date().toISOString()}
- machine: ${machine}
- data: \`pii-dev.jsonl\`, ${rows.length} synthetic texts from presidio-research, labels as in the file; our \`url\` counts as its \`domain_name\`
- matching: a predicted span is correct when it overlaps a gold span of the same label by at least 50% of their union (IoU ≥ 0.5); exact = same start and end
- detectPii ran with every label (\`gpe\` and \`nrp\` are off by default)
- command: \`npx tsx bench/pii/index.ts\`

${table}

Side by side with llm-guard's PII guard (npm \`llm-guard\`), on the labels it covers, same run:

${sideTable}

${latency}

Notes
- The data set splits many addresses into fragments (house number, street, unit and postal code as separate
  spans) and labels others whole; detectPii returns one span per address, so \`address\` and \`zip_code\` figures are
  low partly by construction.
- Few or no gold rows for \`ip_address\`, \`ssn\`, \`driver_license\`; \`kr_rrn\` has none. Unit tests cover them.
- The project is also judged on other data: the detectors are general rules and checksums, not fitted to these rows.
`,
  );
  // The record of every benchmark (bench/RESULTS.md) carries the same tables in its PII block.
  writeResultsBlock(
    'PII',
    [
      '## PII',
      '',
      `\`npm run bench:pii\` on ${new Date().toISOString().slice(0, 10)} (${machine}); the notes and method are in bench/pii/RESULTS.md. Matching: a span is correct when it overlaps a gold span of the same label by IoU ≥ 0.5.`,
      '',
      table,
      '',
      'Side by side with llm-guard (npm) on the labels it covers, same run:',
      '',
      sideTable,
      '',
      latency,
    ].join('\n'),
  );
}

await main();
