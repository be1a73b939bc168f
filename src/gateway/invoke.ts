/**
 * The innermost handler: one call to one concrete model. Streams resolve only
 * once their first content part has arrived, so every layer above sees a
 * stream that broke before starting as an ordinary failed attempt.
 */
import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { GatewayError } from './errors.js';
import { guardStream, primeStream } from './stream.js';
import type { GatewayCall, Handler } from './types.js';

export interface InvokeOptions {
  /** Longest silence between stream parts once a stream has started. Default 60 s. */
  streamIdleTimeoutMs?: number;
}

function paramsFor(call: GatewayCall, signal: AbortSignal | undefined): LanguageModelV4CallOptions {
  const { incontext: _ours, ...providerOptions } = call.params.providerOptions ?? {};
  return {
    ...call.params,
    providerOptions,
    ...(signal === undefined ? {} : { abortSignal: signal }),
  };
}

export function createInvoke(options: InvokeOptions = {}): Handler {
  const idleTimeoutMs = options.streamIdleTimeoutMs ?? 60_000;
  return {
    async generate(call) {
      return call.target.model.doGenerate(paramsFor(call, call.signal ?? call.params.abortSignal));
    },
    async stream(call) {
      // Own controller: an idle stream must be aborted here, after the retry layer has let go
      // of its attempt signal; the caller's own signal must keep reaching the provider too.
      const controller = new AbortController();
      for (const parent of [call.signal, call.params.abortSignal]) {
        if (!parent) continue;
        if (parent.aborted) controller.abort(parent.reason);
        else parent.addEventListener('abort', () => controller.abort(parent.reason), { once: true });
      }
      const result = await call.target.model.doStream(paramsFor(call, controller.signal));
      const primed = await primeStream(result.stream);
      const stream = guardStream(primed, {
        idleTimeoutMs,
        onIdle: () => {
          const error = new GatewayError('stream-idle', `${call.target.id} sent nothing for ${idleTimeoutMs} ms`, {
            hint: 'the provider stalled mid-answer; the partial answer above is incomplete — ask again',
          });
          controller.abort(error);
          return error;
        },
      });
      return { ...result, stream };
    },
  };
}
