/**
 * The local extractive model: a real AI SDK `LanguageModelV4` that answers RAG
 * prompts by quoting the context, with no weights and no network. incontext
 * falls back to it when no provider is configured, so `ask` works out of the box
 * and every pipeline stage (streaming, usage, tracing) runs the same code path
 * it does with a remote model.
 */
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4FinishReason,
  LanguageModelV4GenerateResult,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
  SharedV4Warning,
} from '@ai-sdk/provider';
import { NO_ANSWER, parseRagUserMessage } from '../core/index.js';
import { extractAnswer, type ExtractiveOptions } from './extractive.js';
import { countTokens, truncateToTokens } from './tokens.js';

export interface LocalModelOptions extends ExtractiveOptions {
  /** Reported as `modelId`; defaults to 'extractive'. */
  modelId?: string;
}

export const LOCAL_PROVIDER = 'incontext.local';

export const LOCAL_MODEL_GUIDANCE =
  'The local model only answers questions over retrieved documents: ask through incontext ' +
  '(for example `incontext ask "..."`) so your question arrives with the matching passages. ' +
  'For open conversation, configure a real model with --model or INCONTEXT_MODEL, e.g. `--model openai:gpt-4o-mini` with OPENAI_API_KEY set, ' +
  '`--model anthropic:claude-3-5-haiku-latest` with ANTHROPIC_API_KEY, or a local server with `--model ollama:llama3.2`.';

export function createLocalModel(options: LocalModelOptions = {}): LanguageModelV4 {
  const modelId = options.modelId ?? 'extractive';

  const run = (call: LanguageModelV4CallOptions) => {
    const { text, finishReason } = limit(respond(call.prompt, options), call);
    const warnings: SharedV4Warning[] = [];
    if (call.tools?.length) warnings.push({ type: 'unsupported', feature: 'tools', details: 'the local extractive model never calls tools' });
    if (call.responseFormat?.type === 'json') warnings.push({ type: 'unsupported', feature: 'responseFormat', details: 'the local extractive model answers in plain text' });
    return { text, warnings, finishReason, usage: usageOf(call.prompt, text) };
  };

  return {
    specificationVersion: 'v4',
    provider: LOCAL_PROVIDER,
    modelId,
    supportedUrls: {},
    async doGenerate(call): Promise<LanguageModelV4GenerateResult> {
      const { text, warnings, usage, finishReason } = run(call);
      return {
        content: [{ type: 'text', text }],
        finishReason,
        usage,
        warnings,
        response: { modelId, timestamp: new Date() },
      };
    },
    async doStream(call) {
      const { text, warnings, usage, finishReason } = run(call);
      const parts: LanguageModelV4StreamPart[] = [
        { type: 'stream-start', warnings },
        { type: 'response-metadata', modelId, timestamp: new Date() },
        { type: 'text-start', id: 'text-0' },
        ...wordDeltas(text).map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 'text-0', delta })),
        { type: 'text-end', id: 'text-0' },
        { type: 'finish', usage, finishReason },
      ];
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        start(controller) {
          if (call.abortSignal?.aborted) {
            controller.error(call.abortSignal.reason);
            return;
          }
          for (const part of parts) controller.enqueue(part);
          controller.close();
        },
      });
      return { stream };
    },
  };
}

/** Honour stop sequences and maxOutputTokens the way a remote model does. */
function limit(answer: string, call: LanguageModelV4CallOptions): { text: string; finishReason: LanguageModelV4FinishReason } {
  let text = answer;
  for (const stop of call.stopSequences ?? []) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at >= 0) text = text.slice(0, at);
  }
  if (call.maxOutputTokens !== undefined && countTokens(text) > call.maxOutputTokens) {
    return { text: truncateToTokens(text, call.maxOutputTokens), finishReason: { unified: 'length', raw: 'length' } };
  }
  return { text, finishReason: { unified: 'stop', raw: 'stop' } };
}

/** The answer text for a prompt: extractive over a RAG message, guidance otherwise. */
export function respond(prompt: LanguageModelV4Prompt, options: ExtractiveOptions = {}): string {
  const last = lastUserText(prompt);
  const rag = last === undefined ? undefined : parseRagUserMessage(last);
  if (!rag) return LOCAL_MODEL_GUIDANCE;
  return extractAnswer(rag.blocks, rag.question, options).text ?? NO_ANSWER;
}

function lastUserText(prompt: LanguageModelV4Prompt): string | undefined {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const message = prompt[i]!;
    if (message.role !== 'user') continue;
    return message.content
      .filter((p) => p.type === 'text')
      .map((p) => p.text)
      .join('\n');
  }
  return undefined;
}

/** Split into word-sized deltas whose concatenation is exactly the text. */
export function wordDeltas(text: string): string[] {
  return text.match(/\s*\S+(?:\s+$)?/g) ?? (text ? [text] : []);
}

function usageOf(prompt: LanguageModelV4Prompt, answer: string): LanguageModelV4Usage {
  const input = prompt.reduce((sum, m) => sum + countTokens(messageText(m)), 0);
  const output = countTokens(answer);
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: 0 },
  };
}

function messageText(message: LanguageModelV4Prompt[number]): string {
  if (typeof message.content === 'string') return message.content;
  return message.content.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('\n');
}
