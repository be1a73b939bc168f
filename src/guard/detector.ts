/**
 * The injection detector: normalise, read the text several ways (folded, leet
 * copy, decoded payloads), collect signals, and combine them with a logistic
 * function into one score. The combination weights are fitted by train.ts on
 * source-held-out predictions and stored with the classifier, so the score is
 * calibrated on data the classifier did not see.
 */
import { IncontextError } from '../core/index.js';
import { classifierLogit, loadInjectionModel, type LinearModel } from './classifier.js';
import { sigmoid } from './features.js';
import { heuristicSignals } from './heuristics.js';
import { normalizeForScan } from './normalize.js';
import { buildAttackIndex, similaritySignal } from './similarity.js';
import type { GuardPolicy, GuardSignal, InjectionDetector, InjectionDetectorOptions, ScanResult } from './types.js';

export const POLICY_THRESHOLDS: Record<GuardPolicy, number> = { strict: 0.35, balanced: 0.5, permissive: 0.75 };

/** Names of the inputs of the logistic combination, in the order of `CombinerWeights.w`. */
export const COMBINER_INPUTS = [
  'heuristic:override',
  'heuristic:jailbreak',
  'heuristic:extraction',
  'heuristic:delimiter',
  'heuristic:exfiltration',
  'heuristic:flood',
  'similarity',
  'obfuscation',
  'classifier',
] as const;

export interface CombinerWeights {
  bias: number;
  w: number[];
}

// Used until train.ts has stored fitted weights in the model file.
const DEFAULT_COMBINER: CombinerWeights = { bias: -3, w: [5, 4, 3.5, 3, 4, 4, 3, 1.5, 0.8] };
/** The classifier's logit is clipped so one runaway n-gram sum cannot outvote every rule. */
const LOGIT_CLIP = 8;

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

export function combinerFrom(model: LinearModel): CombinerWeights {
  const c = model.meta.combiner as CombinerWeights | undefined;
  return c && Array.isArray(c.w) && c.w.length === COMBINER_INPUTS.length ? c : DEFAULT_COMBINER;
}

/** Signals of one text, plus the raw classifier logit (for training the combiner). */
export function collectSignals(
  text: string,
  parts: { model: LinearModel | undefined; index: ReturnType<typeof buildAttackIndex> | undefined; maxChars: number },
): { signals: GuardSignal[]; logit: number | undefined } {
  const clipped = text.length > parts.maxChars ? `${text.slice(0, parts.maxChars / 2)}\n${text.slice(-parts.maxChars / 2)}` : text;
  const norm = normalizeForScan(clipped);
  const readings = [norm.text, ...(norm.leet !== undefined ? [norm.leet] : []), ...norm.decoded];
  const signals = heuristicSignals(readings);
  if (parts.index) {
    let best: GuardSignal | undefined;
    for (const r of [norm.text, ...norm.decoded]) {
      const s = similaritySignal(parts.index, r);
      if (s && (!best || s.score > best.score)) best = s;
    }
    if (best) signals.push(best);
  }
  const obfuscation: string[] = [];
  if (norm.invisibleRemoved > 0) obfuscation.push(`${norm.invisibleRemoved} invisible`);
  if (norm.confusablesFolded > 0) obfuscation.push(`${norm.confusablesFolded} look-alike`);
  if (norm.decoded.length > 0) obfuscation.push(`${norm.decoded.length} decoded payload`);
  if (obfuscation.length > 0) {
    const score = Math.min(1, (norm.invisibleRemoved > 0 ? 0.4 : 0) + (norm.confusablesFolded > 0 ? 0.4 : 0) + (norm.decoded.length > 0 ? 0.5 : 0));
    signals.push({ name: 'obfuscation', score, detail: obfuscation.join(', ') });
  }
  let logit: number | undefined;
  if (parts.model) {
    logit = -Infinity;
    for (const r of readings) logit = Math.max(logit, classifierLogit(parts.model, r));
    signals.push({ name: 'classifier', score: round(sigmoid(logit)), detail: `logit ${logit.toFixed(2)}` });
  }
  return { signals, logit };
}

/** Combiner inputs of a signal list, in `COMBINER_INPUTS` order. */
export function combinerInputs(signals: GuardSignal[], logit: number | undefined): number[] {
  return COMBINER_INPUTS.map((name) => {
    if (name === 'classifier') return logit === undefined ? 0 : Math.max(-LOGIT_CLIP, Math.min(LOGIT_CLIP, logit));
    return signals.find((s) => s.name === name)?.score ?? 0;
  });
}

export function combine(weights: CombinerWeights, inputs: number[]): number {
  let z = weights.bias;
  for (let i = 0; i < inputs.length; i++) z += (weights.w[i] ?? 0) * inputs[i]!;
  return sigmoid(z);
}

export function createInjectionDetector(options: InjectionDetectorOptions = {}): InjectionDetector {
  const threshold = options.threshold ?? POLICY_THRESHOLDS[options.policy ?? 'balanced'];
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new IncontextError('CONFIG_INVALID', `Guard threshold must be in [0, 1], got ${threshold}`, {
      input: { key: 'guard.threshold' },
      hint: 'Use e.g. 0.5, or a policy: strict, balanced, permissive.',
    });
  }
  const maxChars = options.maxChars ?? 20_000;
  if (!Number.isInteger(maxChars) || maxChars < 100) {
    throw new IncontextError('CONFIG_INVALID', `Guard maxChars must be an integer >= 100, got ${maxChars}`, {
      input: { key: 'guard.maxChars' },
      hint: 'Use the default (20000) unless scans of very long texts are too slow.',
    });
  }
  const model = options.classifier === false ? undefined : loadInjectionModel();
  const index = options.similarity === false ? undefined : buildAttackIndex(options.extraAttacks ?? []);
  const weights = model ? combinerFrom(model) : DEFAULT_COMBINER;
  return {
    threshold,
    scan(text: string): ScanResult {
      const { signals, logit } = collectSignals(text, { model, index, maxChars });
      const score = round(combine(weights, combinerInputs(signals, logit)));
      return { flagged: score >= threshold, score, signals };
    },
  };
}
