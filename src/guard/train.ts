/**
 * Train the injection classifier and the signal combiner:
 *   npx tsx src/guard/train.ts [--data ../shared/datasets/injection-dev.jsonl]
 *
 * Data: the public dev set (Tensor Trust hijacking, in-the-wild jailbreaks,
 * Alpaca seed tasks, MT-Bench) plus the hand-written hard benign prompts and
 * attacks in data/. Benign and malicious rows of the dev set come from different
 * sources with different styles, so the honest figure is cross-source: train on
 * one malicious and one benign source, test on the other two, both ways. The
 * combiner is fitted on held-out-source classifier outputs, so its weights trust
 * the classifier only as much as it deserves on unseen styles.
 * Writes model/injection-lr.json (int8 weights, ~90 KB) with the figures in `meta`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeModel, type LinearModel } from './classifier.js';
import { collectSignals, combine, combinerInputs, COMBINER_INPUTS, LOGIT_CLIP, POLICY_THRESHOLDS, type CombinerWeights } from './detector.js';
import { FEATURE_BITS, featurize, linearLogit, sigmoid } from './features.js';
import { normalizeForScan } from './normalize.js';
import { buildAttackIndex } from './similarity.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

interface Example {
  text: string;
  y: 0 | 1;
  source: string;
  feats: Uint32Array;
  /** Heuristic and similarity inputs of the combiner (classifier slot filled per fold). */
  base: number[];
  weight: number;
}

const SEED = 20261123;
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function readHand(file: string, y: 0 | 1, source: string): Array<Pick<Example, 'text' | 'y' | 'source'>> {
  return readFileSync(join(HERE, 'data', file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => ({ text: l.replace(/\\n/g, '\n'), y, source }));
}

/**
 * Long benign prose and code from this repository's docs and the SQuAD "Normans" paragraphs
 * of the dev corpus: the dev set's benign rows are all short, so without these "long" would
 * read as "malicious".
 */
/**
 * The docs as of this commit, not the working tree: others edit docs/ all the time, and each edit
 * retrained a different model. Change the commit on purpose when the docs should count again.
 */
const AUX_DOCS_COMMIT = '9907303';
function readDoc(name: string): string {
  try {
    return execFileSync('git', ['show', `${AUX_DOCS_COMMIT}:docs/${name}`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    console.error(`docs/${name} at ${AUX_DOCS_COMMIT} not readable with git; using the working tree (the model will differ)`);
    return existsSync(join(ROOT, 'docs', name)) ? readFileSync(join(ROOT, 'docs', name), 'utf8') : '';
  }
}
function docNames(): string[] {
  try {
    return execFileSync('git', ['ls-tree', '--name-only', AUX_DOCS_COMMIT, 'docs/'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .map((p) => p.replace(/^docs\//, ''))
      .filter((n) => n.endsWith('.md'));
  } catch {
    return readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md'));
  }
}

function readAuxBenign(): Array<Pick<Example, 'text' | 'y' | 'source'>> {
  const out: Array<Pick<Example, 'text' | 'y' | 'source'>> = [];
  for (const f of docNames()) {
    let buf = '';
    for (const para of readDoc(f).split(/\n\s*\n/)) {
      buf = buf ? `${buf}\n\n${para}` : para;
      if (buf.length > 300) {
        out.push({ text: buf, y: 0, source: 'aux:docs' });
        buf = '';
      }
    }
    if (buf.length > 40) out.push({ text: buf, y: 0, source: 'aux:docs' });
  }
  // Code with comments: retrieved chunks are often code, and no benign row of the dev set is.
  // TypeScript's own lib files are pinned by the lockfile, so training stays reproducible.
  for (const f of ['lib.es5.d.ts', 'lib.es2015.promise.d.ts', 'lib.es2015.collection.d.ts', 'lib.dom.d.ts']) {
    const path = join(ROOT, 'node_modules', 'typescript', 'lib', f);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    const step = Math.max(1200, Math.floor(text.length / 15));
    for (let i = 0; i < text.length; i += step) out.push({ text: text.slice(i, i + 1200), y: 0, source: 'aux:code' });
  }
  const corpus = join(ROOT, '..', 'shared', 'datasets', 'rag-dev-corpus.jsonl');
  if (existsSync(corpus)) {
    for (const l of readFileSync(corpus, 'utf8').split('\n').filter(Boolean)) {
      out.push({ text: (JSON.parse(l) as { text: string }).text, y: 0, source: 'aux:docs' });
    }
  }
  return out;
}

/**
 * Indirect injections built from a fold's own training rows: a short attack placed
 * before, after or inside a benign text (malicious), and two benign texts joined
 * (benign), so neither "two parts" nor the benign host's style decides the label.
 */
function augment(train: Example[], aux: Example[], seed: number): Array<Pick<Example, 'text' | 'y' | 'source'>> {
  const rand = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const attacks = train.filter((e) => e.y === 1 && e.text.length <= 600 && !/(.)\1{20}|(\S+\s)\2{15}/.test(e.text));
  const hosts = [...train.filter((e) => e.y === 0), ...aux];
  const out: Array<Pick<Example, 'text' | 'y' | 'source'>> = [];
  if (attacks.length === 0 || hosts.length === 0) return out;
  for (let i = 0; i < 300; i++) {
    const host = pick(hosts).text;
    const attack = pick(attacks).text;
    const where = rand();
    let text: string;
    if (where < 0.4) text = `${host}\n\n${attack}`;
    else if (where < 0.7) text = `${attack}\n${host}`;
    else {
      const cut = host.indexOf('. ', Math.floor(host.length / 2));
      text = cut > 0 ? `${host.slice(0, cut + 2)}${attack} ${host.slice(cut + 2)}` : `${host} ${attack}`;
    }
    out.push({ text, y: 1, source: 'aug:mix' });
  }
  for (let i = 0; i < 150; i++) out.push({ text: `${pick(hosts).text}\n\n${pick(hosts).text}`, y: 0, source: 'aug:concat' });
  return out;
}

/** Each label gets half the total weight; within a label each source an equal share, hand-written ones double, code half. */
function assignWeights(examples: Example[]): void {
  for (const y of [0, 1] as const) {
    const ofLabel = examples.filter((e) => e.y === y);
    const sources = [...new Set(ofLabel.map((e) => e.source))];
    // Code gets half a share: Tensor Trust attacks are full of brackets and symbols, and code
    // weighted like a whole source taught the model that such text is benign.
    const shares = sources.map((s) => (s.startsWith('hand:') ? 2 : s === 'aux:code' ? 0.5 : 1));
    const total = shares.reduce((a, b) => a + b, 0);
    sources.forEach((s, i) => {
      const rows = ofLabel.filter((e) => e.source === s);
      for (const e of rows) e.weight = (shares[i]! / total / rows.length) * ofLabel.length;
    });
  }
}

/** Logistic regression with AdaGrad and L2, over binary L2-normalised hashed features. */
function trainLinear(examples: Example[], epochs = 12, l2 = 1e-3, lr = 0.4): LinearModel {
  const dims = 1 << FEATURE_BITS;
  const w = new Float32Array(dims);
  const g2 = new Float32Array(dims).fill(1e-6);
  let bias = 0;
  let gb2 = 1e-6;
  const rand = rng(SEED);
  const order = examples.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const idx of order) {
      const e = examples[idx]!;
      const norm = 1 / Math.sqrt(Math.max(1, e.feats.length));
      const p = sigmoid(linearLogit(e.feats, w, bias));
      const g = (p - e.y) * e.weight;
      for (const f of e.feats) {
        const grad = g * norm + l2 * w[f]!;
        g2[f] = g2[f]! + grad * grad;
        w[f] = w[f]! - (lr * grad) / Math.sqrt(g2[f]!);
      }
      gb2 += g * g;
      bias -= (lr * g) / Math.sqrt(gb2);
    }
  }
  return { bias, weights: w, meta: {} };
}

/**
 * Fit the combiner: logistic regression on signal inputs; rule and similarity weights
 * kept non-negative. A false positive costs BENIGN_COST times a miss, because the goal
 * is a low false-positive rate (blocking real users is the failure people notice).
 */
const BENIGN_COST = 4;
const CLASSIFIER_CAP = 0.7;
function fitCombiner(rows: Array<{ x: number[]; y: 0 | 1; weight: number }>): CombinerWeights {
  const k = COMBINER_INPUTS.length;
  const w = new Array<number>(k).fill(1);
  w[0] = 6;
  let bias = -4;
  const l2 = 1e-3;
  for (let iter = 0; iter < 3000; iter++) {
    const gw = new Array<number>(k).fill(0);
    let gb = 0;
    let total = 0;
    for (const r of rows) {
      const p = combine({ bias, w }, r.x);
      const weight = r.weight * (r.y === 0 ? BENIGN_COST : 1);
      const g = (p - r.y) * weight;
      for (let i = 0; i < k; i++) gw[i]! += g * r.x[i]!;
      gb += g;
      total += weight;
    }
    for (let i = 0; i < k; i++) w[i] = Math.max(0, w[i]! - (0.5 * (gw[i]! / total + l2 * w[i]!)));
    // The classifier's logit may add at most CLASSIFIER_CAP per unit: on a benign style it never saw it
    // is confidently wrong, and the held-out folds showed a larger weight buying recall with false positives.
    w[k - 1] = Math.min(w[k - 1]!, CLASSIFIER_CAP);
    bias -= 0.5 * (gb / total);
  }
  return { bias: Math.round(bias * 1e4) / 1e4, w: w.map((x) => Math.round(x * 1e4) / 1e4) };
}

interface Counts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}
function count(pairs: Array<{ y: 0 | 1; flag: boolean }>): Counts {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const p of pairs) {
    if (p.y === 1) c[p.flag ? 'tp' : 'fn']++;
    else c[p.flag ? 'fp' : 'tn']++;
  }
  return c;
}
function line(name: string, c: Counts): string {
  const tpr = c.tp / (c.tp + c.fn);
  const fpr = c.fp / (c.fp + c.tn);
  const prec = c.tp / (c.tp + c.fp);
  const f1 = (2 * prec * tpr) / (prec + tpr);
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
  return `| ${name} | ${c.tp + c.fn} / ${c.fp + c.tn} | ${f(tpr)} | ${f(fpr)} | ${f(f1)} |`;
}

function main(): void {
  const argi = process.argv.indexOf('--data');
  const dataPath = argi > 0 ? process.argv[argi + 1]! : join(ROOT, '..', 'shared', 'datasets', 'injection-dev.jsonl');
  const raw = [
    ...readFileSync(dataPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { text: string; label: string; source: string })
      .map((r) => ({ text: r.text, y: (r.label === 'malicious' ? 1 : 0) as 0 | 1, source: r.source })),
    ...readHand('hard-benign.txt', 0, 'hand:benign'),
    ...readHand('attacks.txt', 1, 'hand:attacks'),
  ];
  const index = buildAttackIndex();
  const toExample = (r: Pick<Example, 'text' | 'y' | 'source'>): Example => {
    const { signals } = collectSignals(r.text, { model: undefined, index, maxChars: 20_000 });
    return { ...r, feats: featurize(normalizeForScan(r.text).text), base: combinerInputs(signals, 0), weight: 1 };
  };
  const examples: Example[] = raw.map(toExample);
  const aux = readAuxBenign().map(toExample);
  // Training rows of a model: the given rows, the auxiliary benign texts and mixes built from both.
  const withAug = (rows: Example[], seed: number) => [...rows, ...aux, ...augment(rows, aux, seed).map(toExample)];
  const rand = rng(SEED + 1);
  // Hand-written rows are split in two halves, one per fold, so they too get held-out predictions.
  const half = new Map(examples.map((e) => [e, rand() < 0.5 ? 'A' : 'B']));
  const isTT = (s: string) => s.startsWith('tensor-trust');
  const isAlpaca = (s: string) => s.startsWith('stanford_alpaca');
  // Fold A trains on Tensor Trust + Alpaca and tests on jailbreaks + MT-Bench; fold B the other way round.
  const inA = (e: Example) => (e.source.startsWith('hand:') ? half.get(e) === 'A' : isTT(e.source) || isAlpaca(e.source));
  const folds = [
    { name: 'A: train tensor-trust + alpaca, test jailbreaks + mt_bench', train: examples.filter(inA), test: examples.filter((e) => !inA(e)) },
    { name: 'B: train jailbreaks + mt_bench, test tensor-trust + alpaca', train: examples.filter((e) => !inA(e)), test: examples.filter(inA) },
  ];
  const oof = new Map<Example, number>();
  const foldModels: LinearModel[] = [];
  for (const fold of folds) {
    const rows = withAug(fold.train, SEED + 10 + foldModels.length);
    assignWeights(rows);
    const m = trainLinear(rows);
    foldModels.push(m);
    for (const e of fold.test) {
      // Held-out logit read the way scan() reads it: max over the folded, leet and decoded readings.
      const { logit } = collectSignals(e.text, { model: m, index: undefined, maxChars: 20_000 });
      oof.set(e, logit ?? 0);
    }
  }
  assignWeights(examples);
  const combRow = (e: Example) => {
    const x = [...e.base];
    x[x.length - 1] = Math.max(-LOGIT_CLIP, Math.min(LOGIT_CLIP, oof.get(e) ?? 0));
    return { x, y: e.y, weight: e.weight };
  };
  const report: string[] = ['| held-out rows | malicious / benign | TPR | FPR | F1 |', '|---|---|---|---|---|'];
  const threshold = POLICY_THRESHOLDS.balanced;
  folds.forEach((fold, i) => {
    // The combiner for a fold's test is fitted only on rows whose sources that fold trained on.
    const comb = fitCombiner(folds[1 - i]!.test.map(combRow));
    const pairs = fold.test.map((e) => ({ e, y: e.y, flag: combine(comb, combRow(e).x) >= threshold }));
    if (process.env.GUARD_TRAIN_VERBOSE) {
      for (const p of pairs) {
        if (p.flag !== (p.y === 1)) console.error(`fold ${'AB'[i]} ${p.y ? 'missed' : 'false positive'} ${combine(comb, combRow(p.e).x).toFixed(3)} ${p.e.source}: ${p.e.text.slice(0, 200).replace(/\n/g, ' ')}`);
      }
    }
    const clfOnly = fold.test.map((e) => ({ y: e.y, flag: (oof.get(e) ?? 0) >= 0 }));
    report.push(line(`fold ${fold.name}: detector`, count(pairs)));
    report.push(line(`fold ${fold.name}: classifier alone`, count(clfOnly)));
    for (const src of [...new Set(fold.test.map((e) => e.source))].sort()) {
      report.push(line(`  ${src}`, count(pairs.filter((p) => p.e.source === src))));
    }
  });
  // In-source: a random fifth of every source held out from a model trained on the rest.
  const inTest = new Set(examples.filter(() => rand() < 0.2));
  const inTrain = withAug(examples.filter((e) => !inTest.has(e)), SEED + 20);
  assignWeights(inTrain);
  const inModel = trainLinear(inTrain);
  const combiner = fitCombiner(examples.map(combRow));
  const inPairs = [...inTest].map((e) => {
    const { signals, logit } = collectSignals(e.text, { model: inModel, index, maxChars: 20_000 });
    const score = combine(combiner, combinerInputs(signals, logit));
    // GUARD_TRAIN_VERBOSE=1 lists the held-out mistakes, for reading rather than for tuning on them.
    if (process.env.GUARD_TRAIN_VERBOSE && (score >= threshold) !== (e.y === 1)) {
      console.error(`${e.y ? 'missed' : 'false positive'} ${score.toFixed(3)} ${e.source}: ${e.text.slice(0, 160).replace(/\n/g, ' ')}`);
    }
    return { y: e.y, flag: score >= threshold };
  });
  report.push(line('in-source: random 20% of every source held out', count(inPairs)));
  const all = withAug(examples, SEED + 30);
  assignWeights(all);
  const final = trainLinear(all);
  const file = encodeModel(final.bias, final.weights, {
    trainedOn: [`${dataPath.split('/').slice(-1)[0]} (all sources)`, 'src/guard/data/hard-benign.txt', 'src/guard/data/attacks.txt', `docs/*.md at ${AUX_DOCS_COMMIT}, rag-dev-corpus.jsonl paragraphs and TypeScript lib .d.ts chunks (benign)`, 'attack-in-benign mixes built from the training rows'],
    rows: all.length,
    features: `hashed word 1-2-grams and character 3-5-grams, ${1 << FEATURE_BITS} buckets, binary, L2-normalised`,
    regularisation: 'L2 1e-3, 12 epochs AdaGrad, label- and source-balanced weights',
    combiner: { ...combiner, inputs: [...COMBINER_INPUTS] },
    crossSource: report,
  });
  const out = join(HERE, 'model', 'injection-lr.json');
  writeFileSync(out, `${JSON.stringify(file)}\n`);
  console.log(report.join('\n'));
  console.log(`combiner ${JSON.stringify(combiner)}`);
  console.log(`wrote ${out}`);
}

main();
