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
import { heuristicSignals, withoutMentions } from './heuristics.js';
import { normalizeForScan } from './normalize.js';
import { buildAttackIndex, similaritySignal } from './similarity.js';
import type { GuardPolicy, GuardSignal, InjectionDetector, InjectionDetectorOptions, ScanResult } from './types.js';

export const POLICY_THRESHOLDS: Record<GuardPolicy, number> = { strict: 0.35, balanced: 0.5, permissive: 0.75 };

/**
 * Inputs of the logistic combination, in the order of `CombinerWeights.w`: the evidence of the
 * rules (heuristic families, similarity to known attacks, obfuscation) pooled by noisy-or, and the
 * classifier's logit. One weight for all rules rather than one per family: a per-family weight is
 * fitted only on the families the training sources contain, so a family missing from them (token
 * floods, "access granted" hijacks when only jailbreaks were seen) got no weight and its rules went
 * unheard on exactly the attacks that are new. Each rule's own strength is its prior.
 */
export const COMBINER_INPUTS = ['rules', 'classifier'] as const;

export interface CombinerWeights {
  bias: number;
  w: number[];
}

// Used until train.ts has stored fitted weights in the model file: one rule at 0.75 flags on its own.
const DEFAULT_COMBINER: CombinerWeights = { bias: -4, w: [6, 0.5] };
/**
 * The classifier's logit is clipped so one runaway n-gram sum cannot outvote every rule; 4 rather than 8
 * gave the same held-out recall with the classifier less able to flag a benign style it never saw on its own.
 */
export const LOGIT_CLIP = 4;
/** Obfuscation alone is no attack (pasted web text carries zero-width characters): it counts at this share. */
const OBFUSCATION_SHARE = 0.5;

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
  const readings = [norm.text, ...(norm.leet !== undefined ? [norm.leet] : []), ...norm.decoded, ...(norm.variants ?? [])];
  const signals = heuristicSignals(readings, clipped);
  if (parts.index) {
    let best: GuardSignal | undefined;
    for (const r of [withoutMentions(norm.text), ...norm.decoded]) {
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
  let miss = 1;
  for (const s of signals) {
    if (s.name === 'classifier' || s.name === 'llm') continue;
    miss *= 1 - Math.min(1, s.score) * (s.name === 'obfuscation' ? OBFUSCATION_SHARE : 1);
  }
  return [1 - miss, logit === undefined ? 0 : Math.max(-LOGIT_CLIP, Math.min(LOGIT_CLIP, logit))];
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
