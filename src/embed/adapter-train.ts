/**
 * Train a linear query adapter from (query, positive chunk) vector pairs.
 *
 * The loss is the in-batch-negatives softmax of sentence-transformers'
 * MultipleNegativesRankingLoss (cosine × scale, cross-entropy on the positive),
 * as LlamaIndex's adapter engine uses it, with what that engine lacks for small,
 * noisy, per-project data:
 *  - negatives from the corpus itself (a fresh sample each batch, plus the
 *    hardest few for each query under the base embedder), not only the other
 *    positives of a 10-pair batch, so the adapter learns to beat the chunks it
 *    will actually compete with;
 *  - pairs of one group (one document) are never each other's negatives;
 *  - the query is re-normalised inside the loss, exactly as it is at search time;
 *  - weight decay toward the identity, early stopping on a held-apart split of the
 *    pairs (by group or by pair): the kept epoch has the lowest validation loss among
 *    those whose validation MRR is no worse than the identity's (a lower loss alone can be
 *    flatter scores, not better ranking), and the identity is kept when none qualifies;
 *  - a seed, so the same pairs give the same adapter.
 * Pure TypeScript on typed arrays: a few thousand pairs at 100–384 dimensions train in seconds.
 */
import { IncontextError, prng } from '../core/index.js';
import { makeAdapter, type AdapterTrainingSummary, type LinearAdapter } from './adapter.js';
import { adamStep, addScaled, dot32, dotMixed, gather, newState, outerSum, projectMany, sample, shuffle, type State } from './adapter-kernels.js';

export interface AdapterPair {
  query: Float32Array;
  positive: Float32Array;
  /** Pairs and corpus vectors of one group (the positive's document) are never negatives of each other. */
  group?: string;
}

export interface AdapterEpoch {
  epoch: number;
  trainLoss: number;
  validationLoss: number | null;
  validationMrr: number | null;
}

export interface TrainAdapterOptions {
  /** Id of the embedder that made the vectors; the adapter is only valid for it. */
  embedder: string;
  /** Add a bias vector to `W q` (default false: a bias is a document prior, and pseudo-queries teach a wrong one). */
  bias?: boolean;
  /** Chunk vectors of the collection, used as negatives; `groups` (same order) keep a query's own document out. */
  corpus?: { vectors: Float32Array[]; groups?: string[] };
  /** Corpus vectors sampled as shared negatives for each batch (default 128). */
  negativesPerBatch?: number;
  /** Hardest corpus vectors (under the base embedder) added as negatives of each query (default 4). */
  hardNegatives?: number;
  /** Default 64. */
  batchSize?: number;
  /** Most passes over the pairs (default 30); early stopping usually ends sooner. */
  epochs?: number;
  /** Epochs without a better validation loss before stopping (default 3). */
  patience?: number;
  /** Adam step size (default 0.002). */
  learningRate?: number;
  /** Cosine multiplier inside the softmax (default 20, as MultipleNegativesRankingLoss). */
  scale?: number;
  /** L2 pull of W toward the identity and of the bias toward zero (default 0.5: small, noisy per-project data needs it). */
  weightDecay?: number;
  /** Share of the pairs held apart for early stopping (default 0.15; none when fewer than 4 would be). */
  validation?: number;
  /**
   * 'group' (default): whole groups go to validation, which measures documents never trained on;
   * 'pair': single pairs, for real questions about documents that other questions also ask about.
   */
  validationSplit?: 'group' | 'pair';
  seed?: number;
  onEpoch?: (epoch: AdapterEpoch) => void;
}

const VALIDATION_NEGATIVES = 256;
const MINE_FROM = 1024;

interface Packed {
  d: number;
  q: Float32Array;
  p: Float32Array;
  g: Int32Array;
  c: Float32Array;
  cg: Int32Array;
  m: number;
}

export function trainLinearAdapter(pairs: AdapterPair[], options: TrainAdapterOptions): LinearAdapter {
  const o = settle(options);
  const data = pack(pairs, options);
  const { d } = data;
  const rand = prng(o.seed);
  const { train, valid } = split(o.validationSplit === 'group' ? data.g : undefined, pairs.length, o.validation, rand);
  const hard = o.hardNegatives > 0 && data.m > 0 ? mineHard(data, train, o.hardNegatives, rand) : new Map<number, Int32Array>();
  const validNegatives = sample(data.m, Math.min(VALIDATION_NEGATIVES, data.m), rand);

  const state = newState(d);
  const evaluateNow = () => (valid.length ? evaluate(data, state, valid, validNegatives, o.scale) : null);
  const before = evaluateNow();
  let best: { w: Float64Array; b: Float64Array; loss: number; mrr: number | null; epoch: number } = { w: Float64Array.from(state.w), b: Float64Array.from(state.b), loss: before?.loss ?? Infinity, mrr: before?.mrr ?? null, epoch: 0 };
  let stale = 0;
  let epochs = 0;
  let step = 0;
  const grads = { w: new Float64Array(d * d), b: new Float64Array(d) };
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    epochs = epoch;
    shuffle(train, rand);
    let lossSum = 0;
    for (let start = 0; start < train.length; start += o.batchSize) {
      const batch = train.subarray(start, Math.min(train.length, start + o.batchSize));
      const shared = sample(data.m, Math.min(o.negativesPerBatch, data.m), rand);
      lossSum += batchGradient(data, state, batch, shared, hard, o.scale, grads) * batch.length;
      adamStep(state, grads, batch.length, o, ++step);
    }
    const v = evaluateNow();
    o.onEpoch?.({ epoch, trainLoss: lossSum / Math.max(1, train.length), validationLoss: v?.loss ?? null, validationMrr: v?.mrr ?? null });
    if (!v) continue;
    // A lower loss alone can be calibration (flatter scores) rather than ranking: the positives must not rank worse than with the identity.
    if (v.loss < best.loss - 1e-6 && v.mrr >= (before?.mrr ?? 0)) {
      best = { w: Float64Array.from(state.w), b: Float64Array.from(state.b), loss: v.loss, mrr: v.mrr, epoch };
      stale = 0;
    } else if (++stale >= o.patience) break;
  }
  if (!valid.length) best = { w: state.w, b: state.b, loss: NaN, mrr: null, epoch: epochs };

  const training: AdapterTrainingSummary = {
    pairs: pairs.length,
    validationPairs: valid.length,
    epochs,
    bestEpoch: best.epoch,
    validationLossBefore: before ? round(before.loss) : null,
    validationLossAfter: before ? round(best.loss) : null,
    validationMrrBefore: before ? round(before.mrr) : null,
    validationMrrAfter: before && best.mrr !== null ? round(best.mrr) : null,
    seed: o.seed,
  };
  return makeAdapter(options.embedder, d, Float32Array.from(best.w), o.bias ? Float32Array.from(best.b) : undefined, { training });
}

function settle(options: TrainAdapterOptions) {
  const o = {
    bias: options.bias ?? false,
    negativesPerBatch: options.negativesPerBatch ?? 128,
    hardNegatives: options.hardNegatives ?? 4,
    batchSize: options.batchSize ?? 64,
    epochs: options.epochs ?? 30,
    patience: options.patience ?? 3,
    learningRate: options.learningRate ?? 0.002,
    scale: options.scale ?? 20,
    weightDecay: options.weightDecay ?? 0.5,
    validation: options.validation ?? 0.15,
    validationSplit: options.validationSplit ?? 'group',
    seed: options.seed ?? 1,
    onEpoch: options.onEpoch,
  };
  const check = (key: string, ok: boolean, want: string) => {
    if (!ok) throw new IncontextError('BAD_REQUEST', `Adapter training option ${key} must be ${want}`, { input: { key }, hint: 'Leave it out for the default.' });
  };
  check('batchSize', Number.isInteger(o.batchSize) && o.batchSize >= 2, 'an integer of at least 2');
  check('epochs', Number.isInteger(o.epochs) && o.epochs >= 1, 'a positive integer');
  check('patience', Number.isInteger(o.patience) && o.patience >= 1, 'a positive integer');
  check('negativesPerBatch', Number.isInteger(o.negativesPerBatch) && o.negativesPerBatch >= 0, 'a non-negative integer');
  check('hardNegatives', Number.isInteger(o.hardNegatives) && o.hardNegatives >= 0, 'a non-negative integer');
  check('learningRate', o.learningRate > 0 && o.learningRate < 1, 'between 0 and 1');
  check('scale', o.scale > 0, 'positive');
  check('weightDecay', o.weightDecay >= 0, 'zero or more');
  check('validation', o.validation >= 0 && o.validation < 1, 'in [0, 1)');
  return o;
}

/** Pairs and corpus into contiguous arrays; groups as small integers (a pair without one is its own group). */
function pack(pairs: AdapterPair[], options: TrainAdapterOptions): Packed {
  if (pairs.length < 2) {
    throw new IncontextError('BAD_REQUEST', `Training an adapter needs at least 2 (query, positive) pairs, got ${pairs.length}`, {
      hint: 'Collect more pairs: feedback on answers, an eval file, or synthetic questions from the chunks.',
    });
  }
  const d = pairs[0]!.query.length;
  const groupIds = new Map<string, number>();
  const byVector = new Map<Float32Array, number>();
  const groupOf = (key: string | undefined, vector: Float32Array | undefined): number => {
    if (key !== undefined) {
      let id = groupIds.get(key);
      if (id === undefined) groupIds.set(key, (id = groupIds.size));
      return id;
    }
    // Without a group, the same positive array (one chunk, several questions) is still one group.
    if (vector) {
      let id = byVector.get(vector);
      if (id === undefined) byVector.set(vector, (id = -2 - byVector.size));
      return id;
    }
    return -1;
  };
  const n = pairs.length;
  const q = new Float32Array(n * d);
  const p = new Float32Array(n * d);
  const g = new Int32Array(n);
  pairs.forEach((pair, i) => {
    checkVector(pair.query, d, `pairs[${i}].query`);
    checkVector(pair.positive, d, `pairs[${i}].positive`);
    q.set(pair.query, i * d);
    p.set(pair.positive, i * d);
    g[i] = groupOf(pair.group, pair.positive);
  });
  const corpus = options.corpus?.vectors ?? [];
  const groups = options.corpus?.groups;
  if (groups && groups.length !== corpus.length) {
    throw new IncontextError('BAD_REQUEST', `corpus.groups has ${groups.length} entries for ${corpus.length} vectors`, { input: { key: 'corpus.groups' }, hint: 'Give one group per corpus vector, or none.' });
  }
  const m = corpus.length;
  const c = new Float32Array(m * d);
  // Corpus vectors of a group no pair has cannot collide with any query: mark them -1.
  const cg = new Int32Array(m).fill(-1);
  corpus.forEach((v, i) => {
    checkVector(v, d, `corpus.vectors[${i}]`);
    c.set(v, i * d);
    const key = groups?.[i];
    if (key !== undefined) cg[i] = groupIds.get(key) ?? -1;
  });
  return { d, q, p, g, c, cg, m };
}

function checkVector(v: Float32Array, d: number, key: string): void {
  if (v.length !== d) {
    throw new IncontextError('BAD_REQUEST', `${key} has ${v.length} dimensions, the first query has ${d}`, { input: { key }, hint: 'Every vector must come from the same embedder.' });
  }
  for (let i = 0; i < d; i++) {
    if (!Number.isFinite(v[i]!)) throw new IncontextError('BAD_REQUEST', `${key} contains a non-finite number`, { input: { key }, hint: 'Check the embedder output.' });
  }
}

/** Split by group (no document on both sides) or, without groups, by pair; returns index arrays. */
function split(g: Int32Array | undefined, n: number, share: number, rand: () => number): { train: Uint32Array; valid: Uint32Array } {
  const want = Math.round(n * share);
  if (want < 4 || n - want < 4) return { train: Uint32Array.from({ length: n }, (_, i) => i), valid: new Uint32Array(0) };
  const byGroup = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const key = g ? g[i]! : i;
    const list = byGroup.get(key);
    if (list) list.push(i);
    else byGroup.set(key, [i]);
  }
  const groups = [...byGroup.values()];
  shuffle(groups, rand);
  const valid: number[] = [];
  const train: number[] = [];
  for (const list of groups) (valid.length < want ? valid : train).push(...list);
  if (train.length < 2) return { train: Uint32Array.from({ length: n }, (_, i) => i), valid: new Uint32Array(0) };
  return { train: Uint32Array.from(train), valid: Uint32Array.from(valid) };
}

/** The hardest corpus negatives of each training query under the base embedder (its own group excluded). */
function mineHard(data: Packed, train: Uint32Array, k: number, rand: () => number): Map<number, Int32Array> {
  const { d, q, c, cg, g } = data;
  const pool = sample(data.m, Math.min(MINE_FROM, data.m), rand);
  const out = new Map<number, Int32Array>();
  const top = new Float64Array(k);
  const ids = new Int32Array(k);
  for (const i of train) {
    top.fill(-Infinity);
    ids.fill(-1);
    for (const j of pool) {
      if (cg[j] === g[i]) continue;
      const s = dot32(q, i * d, c, j * d, d);
      if (s <= top[k - 1]!) continue;
      let at = k - 1;
      while (at > 0 && top[at - 1]! < s) {
        top[at] = top[at - 1]!;
        ids[at] = ids[at - 1]!;
        at--;
      }
      top[at] = s;
      ids[at] = j;
    }
    out.set(i, ids.filter((j) => j >= 0));
  }
  return out;
}

/** Candidate rows of one query, the positive first: row offsets into the pairs' positives or the corpus. Preallocated, reused. */
class Candidates {
  readonly at: Int32Array;
  readonly corpus: Uint8Array;
  n = 0;
  constructor(capacity: number) {
    this.at = new Int32Array(capacity);
    this.corpus = new Uint8Array(capacity);
  }
  add(at: number, corpus: boolean): void {
    this.at[this.n] = at;
    this.corpus[this.n++] = corpus ? 1 : 0;
  }
}

/**
 * Softmax loss over the candidates of one query (the positive first) and, when `gz` is given,
 * d loss / d z into it. Returns the loss and the positive's rank (0-based).
 */
function queryLoss(z: Float64Array, zi: number, data: Packed, cands: Candidates, scale: number, logits: Float64Array, gz?: Float64Array): { loss: number; rank: number } {
  const { d, p, c } = data;
  const n = cands.n;
  let max = -Infinity;
  for (let k = 0; k < n; k++) {
    const s = dotMixed(z, zi, cands.corpus[k] ? c : p, cands.at[k]!, d) * scale;
    logits[k] = s;
    if (s > max) max = s;
  }
  let rank = 0;
  for (let k = 1; k < n; k++) if (logits[k]! > logits[0]!) rank++;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const e = Math.exp(logits[k]! - max);
    logits[k] = e;
    sum += e;
  }
  const loss = -Math.log(logits[0]! / sum);
  if (gz) {
    gz.fill(0);
    for (let k = 0; k < n; k++) {
      const pr = (logits[k]! / sum - (k === 0 ? 1 : 0)) * scale;
      if (pr === 0) continue;
      addScaled(gz, 0, pr, cands.corpus[k] ? c : p, cands.at[k]!, d);
    }
  }
  return { loss, rank };
}

/** Mean loss of the batch; the summed gradient (not yet averaged) in `grads`. */
function batchGradient(data: Packed, state: State, batch: Uint32Array, shared: Int32Array, hard: Map<number, Int32Array>, scale: number, grads: { w: Float64Array; b: Float64Array }): number {
  const { d, q, g, cg } = data;
  const n = batch.length;
  const z = new Float64Array(n * d);
  const qb = gather(q, batch, d);
  const inv = projectMany(state, qb, n, z);
  // d loss / d u per query, through the normalisation: (gz − z (z·gz)) / ‖u‖.
  const gu = new Float64Array(n * d);
  const gz = new Float64Array(d);
  let most = 0;
  for (const i of batch) most = Math.max(most, hard.get(i)?.length ?? 0);
  const cands = new Candidates(n + shared.length + most);
  const logits = new Float64Array(cands.at.length);
  let total = 0;
  for (let t = 0; t < n; t++) {
    const i = batch[t]!;
    const gi = g[i]!;
    cands.n = 0;
    cands.add(i * d, false);
    for (const j of batch) if (j !== i && g[j] !== gi) cands.add(j * d, false);
    for (const j of shared) if (cg[j] !== gi) cands.add(j * d, true);
    for (const j of hard.get(i) ?? []) cands.add(j * d, true);
    total += queryLoss(z, t * d, data, cands, scale, logits, gz).loss;
    let zg = 0;
    for (let k = 0; k < d; k++) zg += z[t * d + k]! * gz[k]!;
    for (let k = 0; k < d; k++) gu[t * d + k] = (gz[k]! - z[t * d + k]! * zg) * inv[t]!;
  }
  outerSum(gu, qb, n, d, grads);
  return total / n;
}

/** Mean loss and MRR of each validation query's positive among every validation positive and a fixed corpus sample. */
function evaluate(data: Packed, state: State, valid: Uint32Array, negatives: Int32Array, scale: number): { loss: number; mrr: number } {
  const { d, q, g, cg } = data;
  const z = new Float64Array(valid.length * d);
  projectMany(state, gather(q, valid, d), valid.length, z);
  const cands = new Candidates(valid.length + negatives.length);
  const logits = new Float64Array(cands.at.length);
  let loss = 0;
  let mrr = 0;
  valid.forEach((i, t) => {
    const gi = g[i]!;
    cands.n = 0;
    cands.add(i * d, false);
    for (const j of valid) if (j !== i && g[j] !== gi) cands.add(j * d, false);
    for (const j of negatives) if (cg[j] !== gi) cands.add(j * d, true);
    const r = queryLoss(z, t * d, data, cands, scale, logits);
    loss += r.loss;
    mrr += 1 / (r.rank + 1);
  });
  return { loss: loss / valid.length, mrr: mrr / valid.length };
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
