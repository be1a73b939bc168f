/**
 * Anthropic Messages wire format (`POST /v1/messages`): a `message` object, or
 * named SSE events message_start → content_block_start/delta/stop (text_delta,
 * input_json_delta) → message_delta (stop_reason, usage) → message_stop, with a
 * ping after the first block starts, as the real API sends. Errors use
 * `{ type: 'error', error: { type, message } }`.
 */
import type { SseEvent } from './http.js';
import type { GenerationProtocol, GenerationReply } from './protocol.js';
import { asArray, asRecord, contentTexts, fakeId, splitChunks } from './script.js';

const ANTHROPIC_ERRORS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  404: { type: 'not_found_error', message: 'The requested resource could not be found.' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit.' },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

export function anthropicErrorBody(status: number, message?: string): unknown {
  const known = ANTHROPIC_ERRORS[status] ?? {
    type: status >= 500 ? 'api_error' : 'invalid_request_error',
    message: `Fake upstream error ${status}.`,
  };
  return { type: 'error', error: { type: known.type, message: message ?? known.message } };
}

function messages(body: unknown): Record<string, unknown>[] {
  return asArray(asRecord(body)['messages']).map(asRecord);
}

function stopReason(reply: GenerationReply): string {
  return reply.toolCalls.length > 0 ? 'tool_use' : 'end_turn';
}

/** Non-streaming `input` must be an object; a deliberately broken string is passed through as is. */
function parsedInput(args: string): unknown {
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return args;
  }
}

function hasTextBlock(reply: GenerationReply): boolean {
  return !(reply.text === '' && reply.toolCalls.length > 0);
}

export const anthropicMessages: GenerationProtocol = {
  endpoint: 'anthropic.messages',
  promptTexts(body) {
    return [
      ...contentTexts(asRecord(body)['system'] ?? ''),
      ...messages(body).flatMap((m) => contentTexts(m['content'])),
    ];
  },
  lastUserText(body) {
    const last = messages(body).filter((m) => m['role'] === 'user').at(-1);
    return last === undefined ? '' : contentTexts(last['content']).join(' ');
  },
  json(reply) {
    return {
      id: fakeId('msg_', reply.request),
      type: 'message',
      role: 'assistant',
      model: reply.model,
      content: [
        ...(hasTextBlock(reply) ? [{ type: 'text', text: reply.text }] : []),
        ...reply.toolCalls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: parsedInput(c.arguments) })),
      ],
      stop_reason: stopReason(reply),
      stop_sequence: null,
      usage: {
        input_tokens: reply.usage.inputTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: reply.usage.outputTokens,
        service_tier: 'standard',
      },
    };
  },
  events(reply) {
    const events: SseEvent[] = [];
    const emit = (type: string, fields: Record<string, unknown>, content = false): void => {
      events.push({ event: type, data: { type, ...fields }, content, head: type === 'message_start' });
    };
    emit('message_start', {
      message: {
        id: fakeId('msg_', reply.request),
        type: 'message',
        role: 'assistant',
        model: reply.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: reply.usage.inputTokens,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 1,
          service_tier: 'standard',
        },
      },
    });
    let index = 0;
    let pinged = false;
    const ping = (): void => {
      if (!pinged) emit('ping', {});
      pinged = true;
    };
    if (hasTextBlock(reply)) {
      emit('content_block_start', { index, content_block: { type: 'text', text: '' } });
      ping();
      for (const text of reply.chunks) {
        emit('content_block_delta', { index, delta: { type: 'text_delta', text } }, true);
      }
      emit('content_block_stop', { index });
      index++;
    }
    for (const call of reply.toolCalls) {
      emit('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
      });
      ping();
      for (const partial of splitChunks(call.arguments, reply.argumentChunkSize)) {
        emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: partial } }, true);
      }
      emit('content_block_stop', { index });
      index++;
    }
    emit('message_delta', {
      delta: { stop_reason: stopReason(reply), stop_sequence: null },
      usage: { input_tokens: reply.usage.inputTokens, output_tokens: reply.usage.outputTokens },
    });
    emit('message_stop', {});
    return events;
  },
  brokenEvent: { event: 'content_block_delta', data: '{"type":"content_block_delta","index":0,"delta":' },
  errorEvent: (status, message) => ({ event: 'error', data: anthropicErrorBody(status, message) }),
};

export function anthropicModels(ids: readonly string[]): unknown {
  return {
    data: ids.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' })),
    has_more: false,
    first_id: ids[0] ?? null,
    last_id: ids.at(-1) ?? null,
  };
}
