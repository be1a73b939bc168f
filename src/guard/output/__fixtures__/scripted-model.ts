/** A model that answers with fixed text (and optional tool call), streamed in the pieces given. */
import type { LanguageModelV4CallOptions, LanguageModelV4Content, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { MockLanguageModelV4, convertArrayToReadableStream } from 'ai/test';

const usage = { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 20, text: 20, reasoning: 0 } };

export interface Script {
  /** Text answer, split into these stream deltas (joined for generate). */
  pieces: string[];
  toolCall?: { toolName: string; input: string };
  /** Reasoning before the answer, in these deltas. */
  reasoning?: string[];
}

export function scriptedModel(next: (call: LanguageModelV4CallOptions, n: number) => Script): MockLanguageModelV4 {
  let n = 0;
  return new MockLanguageModelV4({
    doGenerate: async (call) => {
      const s = next(call, n++);
      const content: LanguageModelV4Content[] = [
        ...(s.reasoning ? [{ type: 'reasoning' as const, text: s.reasoning.join('') }] : []),
        { type: 'text', text: s.pieces.join('') },
      ];
      if (s.toolCall) content.push({ type: 'tool-call', toolCallId: 't1', ...s.toolCall });
      return { content, finishReason: { unified: s.toolCall ? 'tool-calls' : 'stop', raw: undefined }, usage, warnings: [] };
    },
    doStream: async (call) => {
      const s = next(call, n++);
      const parts: LanguageModelV4StreamPart[] = [
        { type: 'stream-start', warnings: [] },
        ...(s.reasoning
          ? [
              { type: 'reasoning-start' as const, id: 'r' },
              ...s.reasoning.map((delta): LanguageModelV4StreamPart => ({ type: 'reasoning-delta', id: 'r', delta })),
              { type: 'reasoning-end' as const, id: 'r' },
            ]
          : []),
        { type: 'text-start', id: 'x' },
        ...s.pieces.map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 'x', delta })),
        { type: 'text-end', id: 'x' },
      ];
      if (s.toolCall) {
        const input = s.toolCall.input;
        const half = Math.floor(input.length / 2);
        parts.push(
          { type: 'tool-input-start', id: 't1', toolName: s.toolCall.toolName },
          { type: 'tool-input-delta', id: 't1', delta: input.slice(0, half) },
          { type: 'tool-input-delta', id: 't1', delta: input.slice(half) },
          { type: 'tool-input-end', id: 't1' },
          { type: 'tool-call', toolCallId: 't1', ...s.toolCall },
        );
      }
      parts.push({ type: 'finish', finishReason: { unified: s.toolCall ? 'tool-calls' : 'stop', raw: undefined }, usage });
      return { stream: convertArrayToReadableStream(parts) };
    },
  });
}
