/**
 * Cascade: answer with the cheap tier, check the answer with a verifier, and
 * pay for the strong tier only when the check fails. Streams are buffered per
 * tier — an answer cannot be judged before it is complete — and replayed once
 * accepted, so the consumer never sees a rejected answer's text.
 */
import type { LanguageModelV4Content, LanguageModelV4StreamResult } from '@ai-sdk/provider';
import { NO_ANSWER } from '../core/index.js';
import { collectStream, replayStream, streamText } from './stream.js';
import type { GatewayCall, GatewayEventHandler, GatewayMiddleware, Handler, Verifier, VerifierVerdict } from './types.js';

export function cascadeMiddleware(deps: { emit: GatewayEventHandler }): GatewayMiddleware {
  async function tiers<T>(
    call: GatewayCall,
    attempt: (call: GatewayCall) => Promise<{ value: T; text: string }>,
  ): Promise<T> {
    const plan = call.cascade;
    if (!plan) return (await attempt(call)).value;
    const { cascade: _plan, ...base } = call;
    let lastError: unknown;
    for (const [tier, targets] of plan.tiers.entries()) {
      const first = targets[0];
      if (!first) continue;
      const last = tier === plan.tiers.length - 1;
      const tierCall: GatewayCall = { ...base, targets, target: first };
      let outcome: { value: T; text: string };
      try {
        outcome = await attempt(tierCall);
      } catch (error) {
        // A tier that cannot answer at all escalates like one that answered badly.
        if (last) throw error;
        lastError = error;
        deps.emit({ type: 'cascade', tier, target: first.id, passed: false, reason: errorText(error), escalated: true });
        continue;
      }
      call.state.tier = tier;
      if (last) {
        deps.emit({ type: 'cascade', tier, target: first.id, passed: true, reason: 'last tier', escalated: false });
        return outcome.value;
      }
      const verdict = await plan.verify({ text: outcome.text, call: tierCall });
      deps.emit({
        type: 'cascade',
        tier,
        target: first.id,
        passed: verdict.ok,
        ...(verdict.ok ? {} : { reason: verdict.reason }),
        escalated: !verdict.ok,
      });
      if (verdict.ok) return outcome.value;
    }
    throw lastError ?? new Error('cascade has no tiers');
  }

  return {
    name: 'cascade',
    wrap(next: Handler): Handler {
      return {
        generate: (call) =>
          tiers(call, async (c) => {
            const value = await next.generate(c);
            return { value, text: contentText(value.content) };
          }),
        stream: (call) =>
          call.cascade === undefined
            ? next.stream(call)
            : tiers<LanguageModelV4StreamResult>(call, async (c) => {
                const result = await next.stream(c);
                const parts = await collectStream(result.stream);
                const failed = parts.find((p) => p.type === 'error');
                if (failed) throw failed.error;
                return { value: { ...result, stream: replayStream(parts) }, text: streamText(parts) };
              }),
      };
    },
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function contentText(content: readonly LanguageModelV4Content[]): string {
  return content.map((c) => (c.type === 'text' ? c.text : '')).join('');
}

/** The part of Standard Schema (Zod 4, Valibot, ArkType) a verifier needs. */
export interface StandardSchemaLike {
  readonly '~standard': {
    validate(value: unknown): StandardResult | Promise<StandardResult>;
  };
}
type StandardResult = { readonly value: unknown; readonly issues?: undefined } | { readonly issues: readonly { readonly message: string }[] };

/** Accept answers whose text is JSON (optionally in a ```json fence) that the schema accepts. */
export function schemaVerifier(schema: StandardSchemaLike): Verifier {
  return async ({ text }) => {
    const body = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (error) {
      return { ok: false, reason: `not JSON: ${errorText(error)}` };
    }
    const result = await schema['~standard'].validate(value);
    if (result.issues) return { ok: false, reason: `schema: ${result.issues.map((i) => i.message).join('; ')}` };
    return { ok: true };
  };
}

/** Reject empty answers and the "documents don't contain it" sentence: a stronger model may find it. */
export function nonAbstentionVerifier(noAnswer: string = NO_ANSWER): Verifier {
  const normal = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();
  const sentence = normal(noAnswer);
  return ({ text }): VerifierVerdict => {
    const t = normal(text);
    if (t.length === 0) return { ok: false, reason: 'empty answer' };
    if (t === sentence || t.startsWith(sentence)) return { ok: false, reason: 'the model abstained' };
    return { ok: true };
  };
}

/** Passes only when every verifier passes; the first failure's reason is kept. */
export function allOf(...verifiers: Verifier[]): Verifier {
  return async (input) => {
    for (const v of verifiers) {
      const verdict = await v(input);
      if (!verdict.ok) return verdict;
    }
    return { ok: true };
  };
}
