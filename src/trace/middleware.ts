import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Middleware, LanguageModelV4StreamPart, LanguageModelV4Usage, SharedV4ProviderMetadata } from '@ai-sdk/provider';
import { countTokens, estimateCost, LOCAL_PROVIDER } from '../model/index.js';
import type { SpanHandle, Tracer } from './tracer.js';
import type { SpanAttributes } from './types.js';

export interface TraceMiddlewareOptions {
  /** Span name; default `chat <modelId>` as the GenAI conventions name model spans. */
  name?: (model: LanguageModelV4) => string;
}

/** The prompt as readable text: one `role: text` line per message, tool parts as JSON. */
export function promptText(prompt: LanguageModelV4CallOptions['prompt']): string {
  return prompt
    .map((m) => {
      if (m.role === 'system') return `system: ${m.content}`;
      const parts = m.content.map((p) => (p.type === 'text' || p.type === 'reasoning' ? p.text : p.type === 'file' ? `[file ${p.mediaType}]` : JSON.stringify(p)));
      return `${m.role}: ${parts.join('\n')}`;
    })
    .join('\n\n');
}

function priceSpec(model: LanguageModelV4): string {
  // The price table knows local providers by spec prefix and remote models by id.
  return model.provider === LOCAL_PROVIDER ? `local:${model.modelId}` : model.modelId;
}

function requestAttributes(model: LanguageModelV4, params: LanguageModelV4CallOptions): SpanAttributes {
  const a: SpanAttributes = { model: model.modelId, provider: model.provider };
  if (params.temperature !== undefined) a['temperature'] = params.temperature;
  if (params.maxOutputTokens !== undefined) a['maxOutputTokens'] = params.maxOutputTokens;
  if (params.topP !== undefined) a['topP'] = params.topP;
  const incontext = params.providerOptions?.['incontext'];
  if (typeof incontext?.['promptVersion'] === 'string') a.promptVersion = incontext['promptVersion'];
  if (typeof incontext?.['user'] === 'string') a.user = incontext['user'];
  return a;
}

/**
 * Tokens as the provider reported them; when it reported none, counted with our
 * tokenizer over the prompt and answer text and flagged `tokensEstimated`.
 */
function usageAttributes(model: LanguageModelV4, usage: LanguageModelV4Usage, metadata: SharedV4ProviderMetadata | undefined, prompt: string, output: string): SpanAttributes {
  const estimated = usage.inputTokens.total === undefined || usage.outputTokens.total === undefined;
  const inputTokens = usage.inputTokens.total ?? countTokens(prompt);
  const outputTokens = usage.outputTokens.total ?? countTokens(output);
  const cacheKind = metadata?.['incontext']?.['cache'];
  const cached = typeof cacheKind === 'string';
  // Behind the gateway the model that answered may differ from the one asked for (alias, fallback, degrade).
  const answeredBy = metadata?.['incontext']?.['answeredBy'];
  const priced = typeof answeredBy === 'string' ? answeredBy : priceSpec(model);
  // A cache hit spends nothing; its token counts still show what it saved.
  const cachedInputTokens = usage.inputTokens.cacheRead ?? 0;
  const cost = cached ? 0 : estimateCost(priced, { inputTokens, outputTokens, cachedInputTokens });
  return {
    ...(typeof answeredBy === 'string' ? { answeredBy } : {}),
    inputTokens,
    outputTokens,
    cached,
    ...(estimated ? { tokensEstimated: true } : {}),
    ...(cached ? { cacheKind } : {}),
    ...(cost === undefined ? {} : { costUsd: cost }),
  };
}

/**
 * Records one `llm` span per model call: model, parameters, tokens, cost,
 * latency, time to first token for streams, cache hits and errors. Spans
 * started inside the call (gateway attempts) nest under it.
 */
export function traceMiddleware(tracer: Tracer, options: TraceMiddlewareOptions = {}): LanguageModelV4Middleware {
  const start = (model: LanguageModelV4, params: LanguageModelV4CallOptions): { span: SpanHandle; prompt: string } => {
    const prompt = promptText(params.prompt);
    const span = tracer.startSpan(options.name?.(model) ?? `chat ${model.modelId}`, 'llm', { attributes: requestAttributes(model, params) }).setInput(prompt);
    return { span, prompt };
  };

  return {
    specificationVersion: 'v4',
    async wrapGenerate({ doGenerate, params, model }) {
      const { span, prompt } = start(model, params);
      try {
        const result = await span.run(doGenerate);
        const output = result.content.map((c) => (c.type === 'text' ? c.text : c.type === 'tool-call' ? JSON.stringify(c) : '')).join('');
        span.setAttributes({
          ...usageAttributes(model, result.usage, result.providerMetadata, prompt, output),
          finishReason: result.finishReason.unified,
          ...(result.response?.modelId ? { responseModel: result.response.modelId } : {}),
        });
        span.setOutput(output);
        span.end('ok');
        return result;
      } catch (err) {
        span.end('error', err);
        throw err;
      }
    },
    async wrapStream({ doStream, params, model }) {
      const { span, prompt } = start(model, params);
      let result;
      try {
        result = await span.run(doStream);
      } catch (err) {
        span.end('error', err);
        throw err;
      }
      let text = '';
      let first = true;
      let failed: unknown;
      const firstToken = () => {
        if (!first) return;
        first = false;
        span.setAttributes({ ttftMs: tracer.now() - span.startTime });
      };
      // `cancel` (a consumer abandoning the stream) is in Node's TransformStream but not yet in TypeScript's lib.
      const transformer: Transformer<LanguageModelV4StreamPart, LanguageModelV4StreamPart> & { cancel(reason: unknown): void } = {
        transform(part, controller) {
          switch (part.type) {
            case 'text-delta':
              firstToken();
              text += part.delta;
              break;
            case 'reasoning-delta':
            case 'tool-input-delta':
            case 'tool-call':
              firstToken();
              break;
            case 'response-metadata':
              if (part.modelId) span.setAttributes({ responseModel: part.modelId });
              break;
            case 'finish':
              span.setAttributes({ ...usageAttributes(model, part.usage, part.providerMetadata, prompt, text), finishReason: part.finishReason.unified });
              break;
            case 'error':
              failed = part.error;
              break;
          }
          controller.enqueue(part);
        },
        flush() {
          span.setOutput(text);
          if (failed === undefined) span.end('ok');
          else span.end('error', failed);
        },
        cancel(reason) {
          span.setOutput(text);
          span.end('error', reason ?? 'stream cancelled by the consumer');
        },
      };
      const recorder = new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>(transformer);
      return { ...result, stream: result.stream.pipeThrough(recorder) };
    },
  };
}
