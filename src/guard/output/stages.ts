/**
 * The input and retrieval halves of a guard policy, as plain functions that return what they
 * decided, so the caller records every decision on the trace (decisionAttributes) and the
 * policy, not the call site, says what happens.
 */
import { IncontextError } from '../../core/index.js';
import { createInjectionDetector } from '../detector.js';
import { detectPii, redactPii, type PiiSpan, type PiiVault } from '../pii/index.js';
import type { InjectionDetector } from '../types.js';
import type { GuardDecision, GuardPolicyConfig } from './policy.js';

export interface StageOptions {
  /** The injection detector to use; one is built for the policy's threshold when absent (it loads a model: pass one in hot paths). */
  detector?: InjectionDetector;
  /** Locale for phone numbers in PII detection, e.g. `de-DE`. */
  locale?: string;
}

export interface InputGuardResult {
  /** The text to send on: PII tokenized when the policy redacts input PII. */
  text: string;
  /** Placeholders → values, for restorePii on the answer; empty unless PII was tokenized. */
  vault: PiiVault;
  decisions: GuardDecision[];
  /** Set when the policy blocks this input; throw it. */
  blocked?: IncontextError;
}

function detectorFor(policy: GuardPolicyConfig, options: StageOptions): InjectionDetector {
  return options.detector ?? createInjectionDetector({ policy: policy.threshold });
}

function piiSpans(text: string, options: StageOptions): PiiSpan[] {
  return detectPii(text, options.locale ? { locale: options.locale } : {});
}

function topLabels(spans: readonly PiiSpan[]): string {
  return [...new Set(spans.map((s) => s.label))].join(', ');
}

/** Check a user's message against `policy.input`. */
export function guardInput(text: string, policy: GuardPolicyConfig, options: StageOptions = {}): InputGuardResult {
  const decisions: GuardDecision[] = [];
  let out = text;
  let vault: PiiVault = new Map();
  let blocked: IncontextError | undefined;
  const { injection, pii } = policy.input;
  if (injection !== 'off') {
    const r = detectorFor(policy, options).scan(text);
    decisions.push({ stage: 'input', check: 'injection', action: r.flagged ? injection : 'pass', score: r.score });
    if (r.flagged && injection === 'block') {
      blocked = new IncontextError('GUARD_BLOCKED', `The message looks like a prompt-injection attempt (score ${r.score.toFixed(2)})`, {
        input: { key: 'input' },
        hint: 'Rephrase the message. Operators can set the guard policy input.injection to "flag", or threshold to "permissive".',
      });
    }
  }
  if (pii !== 'off') {
    const spans = piiSpans(text, options);
    for (const s of spans) decisions.push({ stage: 'input', check: 'pii', action: pii, label: s.label, score: s.score });
    if (spans.length > 0 && pii === 'block' && !blocked) {
      blocked = new IncontextError('GUARD_BLOCKED', `The message contains personal data (${topLabels(spans)})`, {
        input: { key: 'input' },
        hint: 'Remove the personal data from the message. Operators can set the guard policy input.pii to "redact" to send placeholders instead.',
      });
    }
    if (spans.length > 0 && pii === 'redact') {
      // Tokenized, not masked: the answer can have the real values put back with restorePii(answer, vault).
      const r = redactPii(text, spans, 'tokenize');
      out = r.text;
      vault = r.vault;
    }
  }
  return { text: out, vault, decisions, ...(blocked ? { blocked } : {}) };
}

export interface RetrievedText {
  id: string;
  text: string;
}

export interface RetrievalGuardResult<T extends RetrievedText> {
  /** The items to build the prompt from, in order; PII replaced when the policy redacts it. */
  kept: T[];
  /** Ids of items dropped by the policy. */
  dropped: string[];
  decisions: GuardDecision[];
}

/** Check retrieved chunks against `policy.retrieval`: flag, redact or drop. */
export function guardRetrieved<T extends RetrievedText>(items: readonly T[], policy: GuardPolicyConfig, options: StageOptions = {}): RetrievalGuardResult<T> {
  const { injection, pii } = policy.retrieval;
  const detector = injection === 'off' ? undefined : detectorFor(policy, options);
  const kept: T[] = [];
  const dropped: string[] = [];
  const decisions: GuardDecision[] = [];
  for (const item of items) {
    let drop = false;
    let text = item.text;
    if (detector) {
      const r = detector.scan(item.text);
      if (r.flagged) {
        decisions.push({ stage: 'retrieval', check: 'injection', action: injection === 'drop' ? 'drop' : 'flag', label: item.id, score: r.score });
        drop = injection === 'drop';
      }
    }
    if (pii !== 'off' && !drop) {
      const spans = piiSpans(item.text, options);
      if (spans.length > 0) {
        decisions.push({ stage: 'retrieval', check: 'pii', action: pii, label: `${item.id}: ${topLabels(spans)}` });
        if (pii === 'drop') drop = true;
        // Labels, not placeholders: what a document says about third parties is not the asker's to get back.
        if (pii === 'redact') text = redactPii(item.text, spans, 'redact').text;
      }
    }
    if (drop) dropped.push(item.id);
    else kept.push(text === item.text ? item : { ...item, text });
  }
  return { kept, dropped, decisions };
}
