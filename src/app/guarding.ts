/**
 * The guard policies of `config.guard` in the request path. Per request the project's policy is
 * resolved (default policy + `guard.projects[id]`), then:
 *
 * - input: the question is checked for injection (flag/block) and PII (flag/redact/block); with
 *   redact the PII is tokenized before retrieval and before any model sees it (HyDE and
 *   multi-query steps send the query to a model too) and restored in the answer;
 * - retrieval: chunks with injected instructions or PII are dropped, flagged or redacted before
 *   the prompt is built;
 * - output: a middleware in the model stack (inside the trace span, outside the cache, so a cached
 *   answer is guarded as well and the trace records what the caller got) checks PII, a canary
 *   planted in the RAG system prompt, system-prompt leaks and block lists, the same way streamed
 *   or not.
 *
 * Every decision goes on the trace: input and retrieval on the request span, output on the llm span.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Content, LanguageModelV4Middleware, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import type { Config } from '../config/index.js';
import { IncontextError, sha256, type Hit } from '../core/index.js';
import {
  createInjectionDetector,
  createLlmInjectionCheck,
  decisionAttributes,
  decisionsFromReport,
  detectPii,
  guardInput,
  guardRetrieved,
  outputGuardMiddleware,
  outputGuardOptions,
  redactPii,
  reportAttributes,
  resolvePolicy,
  restorePii,
  type GuardDecision,
  type GuardPolicyConfig,
  type InjectionDetector,
  type LlmCheckedResult,
  type PiiVault,
  type ScanResult,
} from '../guard/index.js';
import { resolveLanguageModel } from '../model/index.js';
import { RAG_SYSTEM_PROMPT } from '../prompt/index.js';
import type { Span, SpanHandle, SpanSink, Tracer, TraceStore } from '../trace/index.js';

export interface AskGuardOptions {
  /**
   * The secret itself (INCONTEXT_GUARD_SECRET), for replicas that share a response cache: each
   * must plant the same canary or their prompts, and so their cache keys, differ.
   */
  secret?: string;
  /**
   * File that keeps the secret canaries are derived from. A canary is fixed per project (not per
   * call) so the system prompt, and with it the response-cache key, stays the same across calls
   * and restarts. Without a file the secret lives as long as the process.
   */
  secretPath?: string;
  /**
   * How `guard.input.injectionLlm.model` becomes a model (an alias or spec through the app's stack).
   * Without it a spec is resolved from the environment; without a configured model the guarded
   * call's own model is asked, below the guard (through the response cache and the gateway).
   */
  languageModel?: (spec: string, project: string) => LanguageModelV4;
}

export interface GuardedInput {
  /** The question to retrieve and prompt with: PII tokenized when the policy redacts input PII. */
  text: string;
  /** Placeholders → original values, for the answer. */
  vault: PiiVault;
}

/** Puts tokenized PII back into a streamed answer without splitting a placeholder across deltas. */
export interface PiiRestorer {
  push(delta: string): string;
  end(): string;
}

/**
 * What the model stack asks for each model it builds (see models.ts). `input` guards the user
 * messages of the call too: for the `/v1` pass-through, not for ask (its question was guarded
 * before retrieval, and its prompt holds retrieved text that is not the user's).
 */
export type ModelGuardHook = (project: string, tracer: Tracer, options: { input: boolean }) => { tracer: Tracer; middleware: LanguageModelV4Middleware } | undefined;

export interface AskGuard {
  policy(project: string): GuardPolicyConfig;
  /** Throws GUARD_BLOCKED when the policy blocks the question. */
  checkInput(question: string, project: string, span?: SpanHandle): GuardedInput;
  /** Extra candidates to retrieve so that `k` hits remain after dropping flagged ones. */
  spare(k: number, project: string): number;
  filterHits(hits: Hit[], k: number, project: string, span?: SpanHandle): Hit[];
  /** Options for renderRagPrompt: the RAG system prompt with the project's canary, when canaries are on. */
  promptOptions(project: string): { system?: string };
  restore(answer: string, vault: PiiVault): string;
  restorer(vault: PiiVault): PiiRestorer;
  modelGuard: ModelGuardHook;
}

export function createAskGuard(config: Config['guard'], options: AskGuardOptions = {}): AskGuard {
  const policies = new Map<string, GuardPolicyConfig>();
  const policy = (project: string): GuardPolicyConfig => {
    let p = policies.get(project);
    if (!p) {
      p = resolvePolicy(config, project);
      policies.set(project, p);
    }
    return p;
  };
  // One detector per threshold: building one loads the classifier.
  const detectors = new Map<GuardPolicyConfig['threshold'], InjectionDetector>();
  const detector = (threshold: GuardPolicyConfig['threshold']): InjectionDetector => {
    let d = detectors.get(threshold);
    if (!d) {
      d = createInjectionDetector({ policy: threshold });
      detectors.set(threshold, d);
    }
    return d;
  };
  let secret: string | undefined;
  const canary = (project: string): string => {
    secret ??= options.secret ?? canarySecret(options.secretPath);
    return `CANARY-${sha256(`${secret}\n${project}`).slice(0, 24)}`;
  };

  /**
   * The LLM second opinion (policy input.injectionLlm). Ask checks its question synchronously before
   * retrieval, so an uncertain question is parked under its trace id and asked about when the answer's
   * model call starts, before the model sees it; pass-through calls are checked before they are sent.
   */
  const llmModel = (spec: string | undefined, project: string, callModel: LanguageModelV4): LanguageModelV4 =>
    spec === undefined ? callModel : options.languageModel ? options.languageModel(spec, project) : resolveLanguageModel(spec).model;
  const refineWithLlm = (p: GuardPolicyConfig, project: string, callModel: LanguageModelV4, text: string, local: ScanResult, signal?: AbortSignal): Promise<LlmCheckedResult> => {
    const cfg = p.input.injectionLlm!;
    const check = createLlmInjectionCheck(detector(p.threshold), { model: llmModel(cfg.model, project, callModel), band: cfg.band });
    return check.refine(text, local, signal ? { abortSignal: signal } : {});
  };
  const parked = new Map<string, { question: string; local: ScanResult; root: SpanHandle }>();
  const llmAttributes = (r: LlmCheckedResult): Record<string, string | number | boolean> => {
    const signal = r.signals.find((s) => s.name === 'llm');
    return {
      'guard.input.llm': r.llm.error !== undefined ? 'error' : r.llm.consulted ? 'consulted' : 'skipped',
      ...(signal ? { 'guard.input.llm.score': signal.score } : {}),
      ...(r.llm.error !== undefined ? { 'guard.input.llm.error': r.llm.error } : {}),
      'guard.input.score': Number(r.score.toFixed(4)),
      'guard.input.flagged': r.flagged,
    };
  };
  /** Fixes a scan result so guardInput decides on the refined verdict without scanning again. */
  const decided = (base: InjectionDetector, text: string, result: ScanResult): InjectionDetector => ({ threshold: base.threshold, scan: (t) => (t === text ? result : base.scan(t)) });
  const blockedByLlm = (r: LlmCheckedResult) =>
    new IncontextError('GUARD_BLOCKED', `The message looks like a prompt-injection attempt (score ${r.score.toFixed(2)}, with the LLM classifier)`, {
      input: { key: 'input' },
      hint: 'Rephrase the message. Operators can set the guard policy input.injection to "flag", or threshold to "permissive".',
    });

  const modelGuard: ModelGuardHook = (project, tracer, { input }) => {
    const p = policy(project);
    const o = p.output;
    const checksOutput = o.pii !== 'off' || o.canary !== 'off' || o.leak !== 'off' || o.injection !== 'off' || (o.blockList.length > 0 && o.blockListAction !== 'off');
    const checksInput = input && (p.input.injection !== 'off' || p.input.pii !== 'off');
    const asksLlm = p.input.injection !== 'off' && p.input.injectionLlm !== undefined;
    if (!checksOutput && !checksInput && !asksLlm) return undefined;
    // The trace middleware opens the llm span and runs the call inside it; the guard, one layer in,
    // finds that span by the active context and records its decisions there.
    const open = new Map<string, SpanHandle>();
    const spied: Tracer = {
      ...tracer,
      startSpan(name, kind, opts) {
        const span = tracer.startSpan(name, kind, opts);
        if (kind !== 'llm') return span;
        open.set(span.spanId, span);
        const end = span.end.bind(span);
        span.end = (status, error) => {
          open.delete(span.spanId);
          end(status, error);
        };
        return span;
      },
    };
    const outputFor = (params: LanguageModelV4CallOptions, span: SpanHandle | undefined): LanguageModelV4Middleware | undefined => {
      if (!checksOutput) return undefined;
      const system = params.prompt.flatMap((m) => (m.role === 'system' ? [m.content] : [])).join('\n\n');
      const planted = canary(project);
      // Only a call whose system prompt carries the canary (the RAG prompt) can leak it; a call with
      // nothing to check passes through untouched, so its stream is not held back piece by piece.
      const guardOptions = outputGuardOptions(p, {
        ...(system.includes(planted) ? { canaries: [planted] } : {}),
        ...(system ? { systemPrompt: system } : {}),
        ...(o.injection !== 'off' ? { injectionDetector: detector(p.threshold) } : {}),
      });
      if (!guardOptions.pii && !guardOptions.canaries && !guardOptions.systemPrompt && !guardOptions.injection && !guardOptions.blockList) return undefined;
      return outputGuardMiddleware({
        guard: guardOptions,
        onReport: (report) => span?.setAttributes({ ...reportAttributes(report), ...decisionAttributes(decisionsFromReport(report)) }),
      });
    };
    /** The input half for a pass-through call: the params to send on and the vault to restore the answer with. */
    const inputFor = async (params: LanguageModelV4CallOptions, span: SpanHandle | undefined, callModel: LanguageModelV4): Promise<{ params: LanguageModelV4CallOptions; vault: PiiVault }> => {
      const none = { params, vault: new Map() as PiiVault };
      if (!input) {
        // An ask whose question was parked as uncertain: the second opinion before the model answers it.
        const traceId = tracer.active()?.traceId;
        const waiting = traceId === undefined ? undefined : parked.get(traceId);
        if (!waiting || traceId === undefined) return none;
        parked.delete(traceId);
        const r = await refineWithLlm(p, project, callModel, waiting.question, waiting.local, params.abortSignal);
        waiting.root.setAttributes({ ...llmAttributes(r), ...(r.flagged ? { 'guard.input.injection': p.input.injection } : {}) });
        if (r.flagged && p.input.injection === 'block') throw blockedByLlm(r);
        return none;
      }
      if (!checksInput) return none;
      let d = detector(p.threshold);
      const text = lastUserText(params);
      if (asksLlm && text) {
        const r = await refineWithLlm(p, project, callModel, text, d.scan(text), params.abortSignal);
        span?.setAttributes(llmAttributes(r));
        d = decided(d, text, r);
      }
      const r = guardUserMessages(params, p, d);
      span?.setAttributes(decisionAttributes(r.decisions));
      if (r.blocked) throw r.blocked;
      return r.vault.size > 0 ? { params: r.params, vault: r.vault } : none;
    };
    const activeSpan = () => {
      const active = tracer.active();
      return active ? open.get(active.spanId) : undefined;
    };
    /** Input checks first; then the (possibly redacted) call, wrapped by the output checks. */
    const guarded = async (call: Parameters<NonNullable<LanguageModelV4Middleware['wrapGenerate']>>[0]) => {
      const span = activeSpan();
      const { params, vault } = await inputFor(call.params, span, call.model);
      const doGenerate = params === call.params ? call.doGenerate : () => call.model.doGenerate(params);
      const doStream = params === call.params ? call.doStream : () => call.model.doStream(params);
      return { call: { ...call, params, doGenerate, doStream }, vault, output: outputFor(params, span) };
    };
    const middleware: LanguageModelV4Middleware = {
      specificationVersion: 'v4',
      async wrapGenerate(original) {
        const { call, vault, output } = await guarded(original);
        const result = output?.wrapGenerate ? await output.wrapGenerate(call) : await call.doGenerate();
        if (vault.size === 0) return result;
        return { ...result, content: result.content.map((c) => restoreContent(c, vault)) };
      },
      async wrapStream(original) {
        const { call, vault, output } = await guarded(original);
        const result = output?.wrapStream ? await output.wrapStream(call) : await call.doStream();
        if (vault.size === 0) return result;
        return { ...result, stream: result.stream.pipeThrough(restoreParts(vault)) };
      },
    };
    return { tracer: spied, middleware };
  };

  return {
    policy,
    checkInput(question, project, span) {
      const p = policy(project);
      let d = detector(p.threshold);
      if (span && p.input.injection !== 'off' && p.input.injectionLlm) {
        const local = d.scan(question);
        const [lo, hi] = p.input.injectionLlm.band;
        if (local.score >= lo && local.score <= hi) {
          // A bounded wait list: a trace that never reaches a model call (abstention, an error) must not pile up.
          if (parked.size >= 1000) parked.delete(parked.keys().next().value!);
          parked.set(span.traceId, { question, local, root: span });
          span.setAttributes({ 'guard.input.llm': 'pending' });
        }
        d = decided(d, question, local);
      }
      const r = guardInput(question, p, { detector: d });
      const injection = r.decisions.find((d) => d.check === 'injection');
      span?.setAttributes({
        ...decisionAttributes(r.decisions),
        ...(injection ? { 'guard.input.score': Number((injection.score ?? 0).toFixed(4)), 'guard.input.flagged': injection.action !== 'pass' } : {}),
      });
      if (r.blocked) throw r.blocked;
      return { text: r.text, vault: r.vault };
    },
    spare(k, project) {
      const r = policy(project).retrieval;
      return r.injection === 'drop' || r.pii === 'drop' ? Math.min(k, 3) : 0;
    },
    filterHits(hits, k, project, span) {
      const p = policy(project);
      if (p.retrieval.injection === 'off' && p.retrieval.pii === 'off') return hits.slice(0, k);
      const r = guardRetrieved(
        hits.map((hit) => ({ id: hit.chunk.id, text: hit.chunk.text, hit })),
        p,
        { detector: detector(p.threshold) },
      );
      span?.setAttributes({
        ...decisionAttributes(r.decisions),
        'guard.retrieval.flagged': r.decisions.filter((d) => d.check === 'injection').length,
        'guard.retrieval.dropped': r.dropped.length,
      });
      return r.kept.slice(0, k).map((item, i) => ({ ...item.hit, chunk: item.text === item.hit.chunk.text ? item.hit.chunk : { ...item.hit.chunk, text: item.text }, rank: i + 1 }));
    },
    promptOptions(project) {
      if (policy(project).output.canary === 'off') return {};
      // Seeing this token in an answer proves the system prompt is being read out.
      return { system: `${RAG_SYSTEM_PROMPT}\nConfidential marker, never repeat it: ${canary(project)}` };
    },
    restore: (answer, vault) => restorePii(answer, vault),
    restorer: (vault) => piiRestorer(vault),
    modelGuard,
  };
}

/**
 * Input guard for a call that is not an ask: injection and PII checks on the newest user message;
 * with PII redaction every user message is tokenized (a client resends the whole conversation), one
 * vault for all, so a value keeps its placeholder across turns.
 */
function lastUserText(params: LanguageModelV4CallOptions): string {
  const last = params.prompt.findLast((m) => m.role === 'user');
  return last && last.role === 'user' ? last.content.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('\n') : '';
}

function guardUserMessages(
  params: LanguageModelV4CallOptions,
  policy: GuardPolicyConfig,
  detector: InjectionDetector,
): { params: LanguageModelV4CallOptions; vault: PiiVault; decisions: GuardDecision[]; blocked?: Error } {
  const r = guardInput(lastUserText(params), policy, { detector });
  const vault: PiiVault = new Map();
  if (r.blocked || policy.input.pii !== 'redact') return { params, vault, decisions: r.decisions, ...(r.blocked ? { blocked: r.blocked } : {}) };
  const prompt = params.prompt.map((m) => {
    if (m.role !== 'user') return m;
    return { ...m, content: m.content.map((c) => (c.type === 'text' ? { ...c, text: redactPii(c.text, detectPii(c.text), 'tokenize', { vault }).text } : c)) };
  });
  return { params: { ...params, prompt }, vault, decisions: r.decisions };
}

function restoreContent(c: LanguageModelV4Content, vault: PiiVault): LanguageModelV4Content {
  return c.type === 'text' || c.type === 'reasoning' ? { ...c, text: restorePii(c.text, vault) } : c;
}

/** Restores tokenized PII in streamed text and reasoning deltas, each block on its own. */
function restoreParts(vault: PiiVault): TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart> {
  const open = new Map<string, PiiRestorer>();
  const flush = (key: string, id: string, type: 'text-delta' | 'reasoning-delta', controller: TransformStreamDefaultController<LanguageModelV4StreamPart>) => {
    const r = open.get(key);
    open.delete(key);
    const rest = r?.end();
    if (rest) controller.enqueue({ type, id, delta: rest });
  };
  return new TransformStream({
    transform(part, controller) {
      if (part.type === 'text-delta' || part.type === 'reasoning-delta') {
        const key = `${part.type}:${part.id}`;
        let r = open.get(key);
        if (!r) open.set(key, (r = piiRestorer(vault)));
        const delta = r.push(part.delta);
        if (delta) controller.enqueue({ ...part, delta });
        return;
      }
      if (part.type === 'text-end') flush(`text-delta:${part.id}`, part.id, 'text-delta', controller);
      if (part.type === 'reasoning-end') flush(`reasoning-delta:${part.id}`, part.id, 'reasoning-delta', controller);
      if (part.type === 'finish' || part.type === 'error') {
        for (const key of [...open.keys()]) {
          const [type, id] = key.split(/:(.*)/s) as ['text-delta' | 'reasoning-delta', string];
          flush(key, id, type, controller);
        }
      }
      controller.enqueue(part);
    },
    flush(controller) {
      for (const key of [...open.keys()]) {
        const [type, id] = key.split(/:(.*)/s) as ['text-delta' | 'reasoning-delta', string];
        flush(key, id, type, controller);
      }
    },
  });
}

function canarySecret(path: string | undefined): string {
  if (path && existsSync(path)) {
    const text = readFileSync(path, 'utf8').trim();
    if (text.length >= 32) return text;
  }
  const fresh = randomBytes(32).toString('hex');
  if (path) writeFileSync(path, `${fresh}\n`, { mode: 0o600 });
  return fresh;
}

/**
 * The end of the buffer might still become a placeholder restorePii knows (`[[EMAIL_1]]`, or the
 * `[EMAIL_1]` a model writes when it drops a bracket): hold it until it is complete or cannot be.
 */
const PARTIAL_PLACEHOLDER = /\[\[?(?:[A-Za-z_]+\d*)?\]?$/;

export function piiRestorer(vault: PiiVault): PiiRestorer {
  let held = '';
  return {
    push(delta) {
      if (vault.size === 0) return delta;
      held += delta;
      const m = PARTIAL_PLACEHOLDER.exec(held);
      const cut = m ? m.index : held.length;
      const out = held.slice(0, cut);
      held = held.slice(cut);
      return restorePii(out, vault);
    },
    end() {
      const out = restorePii(held, vault);
      held = '';
      return out;
    },
  };
}

/** A span's texts with PII replaced by labels (`[EMAIL]`), for trace.privacy 'redact'. */
export function redactSpan(span: Span): Span {
  const clean = (text: string | undefined) => (text === undefined || text.startsWith('sha256:') ? text : redactPii(text, detectPii(text), 'redact').text);
  const input = clean(span.input);
  const output = clean(span.output);
  return { ...span, ...(input !== undefined ? { input } : {}), ...(output !== undefined ? { output } : {}) };
}

/** Let the caller's work (sending the answer) go first: PII detection over a prompt takes tens of ms per 1,000 characters. */
const later = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * trace.privacy 'redact': spans are redacted on the way into the store and the exporters, after
 * the span's end has returned (flush still waits for them); reads are untouched.
 */
export function redactingTraceStore(store: TraceStore): TraceStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'write') return async (spans: Span[]) => target.write((await later(), spans.map(redactSpan)));
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export function redactingSink(sink: SpanSink): SpanSink {
  return { export: (span) => void later().then(() => sink.export(redactSpan(span))) };
}
