/**
 * The learned part of the local reranker: a linear scorer over standardised
 * features, trained with a pairwise logistic (RankNet) loss so it learns to order
 * a relevant passage above the non-relevant ones retrieved with it, which is all
 * a reranker has to do. Small enough to read in the JSON next to this file.
 */
import { IncontextError } from '../../core/index.js';
import { FEATURE_NAMES } from './features.js';

export interface RerankModel {
  version: 1;
  features: string[];
  mean: number[];
  scale: number[];
  weights: number[];
  /** Where the weights came from and how well they did on held-out data; informational. */
  trainedOn?: string;
  heldOut?: Record<string, number>;
}

export interface TrainingGroup {
  features: Float64Array[];
  /** Graded relevance per candidate, same order; > 0 is relevant. */
  labels: number[];
}

export interface TrainOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  /** Non-relevant candidates paired with each relevant one per group (the top ones by input order). */
  negatives?: number;
}

export function validateModel(model: RerankModel, source: string): RerankModel {
  const n = FEATURE_NAMES.length;
  const ok =
    model.version === 1 &&
    model.features.length === n &&
    model.features.every((f, i) => f === FEATURE_NAMES[i]) &&
    [model.mean, model.scale, model.weights].every((a) => Array.isArray(a) && a.length === n && a.every(Number.isFinite));
  if (!ok) {
    throw new IncontextError('CONFIG_INVALID', `Reranker weights in ${source} do not match this version's features (${FEATURE_NAMES.join(', ')})`, {
      input: { path: source },
      hint: 'Retrain them with `npx tsx src/retrieve/rerank/train.ts`, or drop the custom weights to use the shipped ones.',
    });
  }
  return model;
}

export function scoreFeatures(model: RerankModel, f: Float64Array): number {
  let s = 0;
  for (let i = 0; i < f.length; i++) s += model.weights[i]! * ((f[i]! - model.mean[i]!) / model.scale[i]!);
  return s;
}

function standardisation(groups: TrainingGroup[]): { mean: number[]; scale: number[] } {
  const n = FEATURE_NAMES.length;
  const mean = new Array<number>(n).fill(0);
  const sq = new Array<number>(n).fill(0);
  let count = 0;
  for (const g of groups) {
    for (const f of g.features) {
      count++;
      for (let i = 0; i < n; i++) {
        mean[i]! += f[i]!;
        sq[i]! += f[i]! * f[i]!;
      }
    }
  }
  const m = mean.map((s) => s / Math.max(1, count));
  // A constant feature (e.g. no titles in the training data) gets scale 1, so its weight stays 0 and harmless.
  const scale = sq.map((s, i) => {
    const v = s / Math.max(1, count) - m[i]! * m[i]!;
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  return { mean: m, scale };
}

/** Full-batch Adam on the mean pairwise logistic loss plus L2; deterministic for the same groups. */
export function trainPairwise(groups: TrainingGroup[], options: TrainOptions = {}): RerankModel {
  const n = FEATURE_NAMES.length;
  const { mean, scale } = standardisation(groups);
  const negatives = options.negatives ?? 30;
  const pairs: Array<Float64Array> = [];
  for (const g of groups) {
    const z = g.features.map((f) => f.map((v, i) => (v - mean[i]!) / scale[i]!));
    const neg = g.labels.map((l, i) => (l > 0 ? -1 : i)).filter((i) => i >= 0).slice(0, negatives);
    g.labels.forEach((l, p) => {
      if (l <= 0) return;
      for (const q of neg) pairs.push(z[p]!.map((v, i) => v - z[q]![i]!));
    });
  }
  const w = new Float64Array(n);
  const m1 = new Float64Array(n);
  const m2 = new Float64Array(n);
  const lr = options.learningRate ?? 0.05;
  const l2 = options.l2 ?? 1e-3;
  const epochs = options.epochs ?? 300;
  for (let t = 1; t <= epochs; t++) {
    const grad = new Float64Array(n);
    for (const d of pairs) {
      let s = 0;
      for (let i = 0; i < n; i++) s += w[i]! * d[i]!;
      // d/dw of log(1 + e^{-s}) = -σ(-s) d
      const g = -1 / (1 + Math.exp(s));
      for (let i = 0; i < n; i++) grad[i]! += g * d[i]!;
    }
    for (let i = 0; i < n; i++) {
      const gi = grad[i]! / Math.max(1, pairs.length) + l2 * w[i]!;
      m1[i] = 0.9 * m1[i]! + 0.1 * gi;
      m2[i] = 0.999 * m2[i]! + 0.001 * gi * gi;
      const mh = m1[i]! / (1 - 0.9 ** t);
      const vh = m2[i]! / (1 - 0.999 ** t);
      w[i] = w[i]! - (lr * mh) / (Math.sqrt(vh) + 1e-8);
    }
  }
  return { version: 1, features: [...FEATURE_NAMES], mean, scale, weights: Array.from(w) };
}
