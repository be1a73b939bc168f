/**
 * Abstention support: how likely the top hit holds the answer, in [0, 1], so the answer
 * layer can say "not in the documents" instead of answering from a weak hit.
 *
 * Rank-fusion scores cannot do this: RRF gives the top hit of any query nearly the same
 * score, relevant or not. So support comes from absolute signals of the top hit:
 *  - coverage: the share of the query's content words found in the chunk (light stemming);
 *  - cosine: the similarity of the query's and the chunk's embeddings;
 * mapped to a probability by logistic regression (Platt scaling):
 *   support = 1 / (1 + exp(-(intercept + a·coverage + b·cosine))).
 * When the last ranking step was a reranker whose score already is a relevance probability
 * (a provider reranker, the LLM grader), that score is the support.
 *
 * How DEFAULT_SUPPORT_CALIBRATION was fitted (tools/fit-support.ts, reproducible): corpus =
 * the 39 SQuAD 2.0 "Normans" paragraphs of rag-dev; positives = answerable questions whose
 * top hit is their gold paragraph; negatives = the 100 SciFact claims asked against that
 * corpus (off-topic) and answerable questions whose top hit is wrong. 2-fold held-out, with
 * the default local embedder: AUC 0.91 / 0.95, every off-topic question abstains, 8% / 31%
 * of well-supported questions abstain wrongly at 0.5. The cosine term added nothing
 * (AUC 0.91 / 0.94 with it; the same with the hashing embedders), so the default is
 * coverage only — embedder-independent and no extra embedding. SQuAD 2.0's own unanswerable
 * questions are written to look answerable from their paragraph; 28% of them abstain, and
 * telling them apart needs a reader (the answer model), not retrieval. Fit your own with
 * `fitSupportCalibration` on labelled questions (eval datasets, feedback) for your corpus.
 */
import { words } from '../embed/index.js';
import type { Hit } from '../core/index.js';
import { round } from './fuse.js';
import type { StepContext, StepDetail } from './steps.js';

export interface SupportCalibration {
  intercept: number;
  coverage: number;
  cosine: number;
  /** Where the numbers come from, for explain output. */
  source: string;
}

export const DEFAULT_SUPPORT_CALIBRATION: SupportCalibration = {
  intercept: -3.4909,
  coverage: 6.7737,
  cosine: 0,
  source: 'rag-dev (SQuAD 2.0) vs off-topic SciFact claims, coverage only',
};

export interface SupportOptions {
  calibration?: SupportCalibration;
  /** Below this the answer layer should abstain (default 0.5). Reported, not enforced here. */
  threshold?: number;
  /** Set by the pipeline: the hits' scores are relevance probabilities already. */
  probability?: boolean;
}

export interface Support {
  /** P(the top hit supports an answer), in [0, 1]; 0 when there is no hit. */
  score: number;
  /** True when score < threshold: the answer layer should say the documents lack it. */
  weak: boolean;
  threshold: number;
  basis: 'none' | 'reranker' | 'features';
  chunkId?: string;
  detail: StepDetail;
}

export interface SupportFeatures {
  coverage: number;
  cosine: number;
}

const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have how i if in into is it its ' +
    'me my no not of on or our so such that the their them then there these they this to was we were what when ' +
    'where which while who whom whose why will with would you your about after before between during over under ' +
    'than too very just also any all some each other more most own same only both few via s t'
  ).split(' '),
);

/** Crude stem: enough to match "PDFs"/"PDF" and "answers"/"answered" without a dictionary. */
function stem(w: string): string {
  const singular = w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w;
  return singular.length > 5 ? singular.slice(0, 5) : singular;
}

export function contentTerms(text: string): Set<string> {
  return new Set(
    words(text)
      .filter((w) => !STOPWORDS.has(w) && (w.length > 1 || /\d/.test(w)))
      .map(stem),
  );
}

/** Share of the query's content terms present in the text; 0 for a query of stopwords only. */
export function termCoverage(query: string, text: string): number {
  const q = contentTerms(query);
  if (q.size === 0) return 0;
  const t = contentTerms(text);
  let found = 0;
  for (const w of q) if (t.has(w)) found++;
  return found / q.size;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

export function calibrate(f: SupportFeatures, c: SupportCalibration = DEFAULT_SUPPORT_CALIBRATION): number {
  return 1 / (1 + Math.exp(-(c.intercept + c.coverage * f.coverage + c.cosine * f.cosine)));
}

export async function computeSupport(hits: Hit[], ctx: StepContext, options: SupportOptions = {}): Promise<Support> {
  const threshold = options.threshold ?? 0.5;
  const top = hits[0];
  if (!top) return { score: 0, weak: true, threshold, basis: 'none', detail: {} };
  if (options.probability) {
    const score = Math.min(1, Math.max(0, top.score));
    return { score: round(score), weak: score < threshold, threshold, basis: 'reranker', chunkId: top.chunk.id, detail: { rerankScore: round(top.score) } };
  }
  const calibration = options.calibration ?? DEFAULT_SUPPORT_CALIBRATION;
  // The default calibration ignores the cosine: skip the embedding work then.
  let cosine = 0;
  if (calibration.cosine !== 0) {
    const [qv, [cv]] = await Promise.all([ctx.embedQuery(ctx.query), ctx.chunkVectors([top])]);
    cosine = cv ? dot(qv, cv) : 0;
  }
  const features = { coverage: termCoverage(ctx.query, top.chunk.text), cosine };
  const score = calibrate(features, calibration);
  return {
    score: round(score),
    weak: score < threshold,
    threshold,
    basis: 'features',
    chunkId: top.chunk.id,
    detail: { coverage: round(features.coverage), ...(calibration.cosine !== 0 ? { cosine: round(features.cosine) } : {}), calibration: calibration.source },
  };
}

/**
 * Fit the calibration by logistic regression (Newton's method on the 3 weights, with a
 * small L2 penalty so separable data still converges).
 */
export function fitSupportCalibration(samples: Array<SupportFeatures & { supported: boolean }>, source = 'fitted'): SupportCalibration {
  let w = [0, 0, 0];
  const l2 = 1e-3;
  for (let iter = 0; iter < 50; iter++) {
    const g = [0, 0, 0];
    const h = [
      [l2, 0, 0],
      [0, l2, 0],
      [0, 0, l2],
    ];
    for (const s of samples) {
      const x = [1, s.coverage, s.cosine];
      const p = 1 / (1 + Math.exp(-(w[0]! + w[1]! * x[1]! + w[2]! * x[2]!)));
      const y = s.supported ? 1 : 0;
      for (let i = 0; i < 3; i++) {
        g[i]! += (p - y) * x[i]!;
        for (let j = 0; j < 3; j++) h[i]![j]! += p * (1 - p) * x[i]! * x[j]!;
      }
    }
    for (let i = 0; i < 3; i++) g[i]! += l2 * w[i]!;
    const step = solve3(h, g);
    w = w.map((v, i) => v - step[i]!);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return { intercept: round(w[0]!), coverage: round(w[1]!), cosine: round(w[2]!), source };
}

/** Gaussian elimination with partial pivoting on a 3x3 system. */
function solve3(a: number[][], b: number[]): number[] {
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const d = m[c]![c]!;
    if (Math.abs(d) < 1e-12) return [0, 0, 0];
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / d;
      for (let k = c; k < 4; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return [m[0]![3]! / m[0]![0]!, m[1]![3]! / m[1]![1]!, m[2]![3]! / m[2]![2]!];
}
