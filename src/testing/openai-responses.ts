/**
 * OpenAI Responses API (`POST /v1/responses`). `openai(model)` from
 * @ai-sdk/openai uses this API by default, so the fake must speak it: a
 * `response` object, or named SSE events from `response.created` to
 * `response.completed`, each with a `sequence_number`.
 */
import type { SseEvent } from './http.js';
import { openaiError } from './openai.js';
import { unixSeconds, type GenerationProtocol, type GenerationReply } from './protocol.js';
import { asArray, asRecord, contentTexts, fakeId, splitChunks } from './script.js';

function inputItems(body: unknown): Record<string, unknown>[] {
  const input = asRecord(body)['input'];
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  return asArray(input).map(asRecord);
}

function usageBody(reply: GenerationReply): Record<string, unknown> {
  const { inputTokens, outputTokens } = reply.usage;
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + outputTokens,
  };
}

function messageItem(reply: GenerationReply, status: 'in_progress' | 'completed'): Record<string, unknown> {
  return {
    id: fakeId('msg_', reply.request),
    type: 'message',
    status,
    role: 'assistant',
    content:
      status === 'completed'
        ? [{ type: 'output_text', text: reply.text, annotations: [], logprobs: [] }]
        : [],
  };
}

function functionItems(reply: GenerationReply, status: 'in_progress' | 'completed'): Record<string, unknown>[] {
  return reply.toolCalls.map((call, i) => ({
    id: fakeId('fc_', reply.request, i),
    type: 'function_call',
    status,
    call_id: call.id,
    name: call.name,
    arguments: status === 'completed' ? call.arguments : '',
  }));
}

function outputItems(reply: GenerationReply): Record<string, unknown>[] {
  const items = reply.text === '' && reply.toolCalls.length > 0 ? [] : [messageItem(reply, 'completed')];
  return [...items, ...functionItems(reply, 'completed')];
}

function responseObject(
  reply: GenerationReply,
  status: 'in_progress' | 'completed',
): Record<string, unknown> {
  const body = asRecord(reply.request.body);
  return {
    id: fakeId('resp_', reply.request),
    object: 'response',
    created_at: unixSeconds(reply.request.receivedAt),
    status,
    error: null,
    incomplete_details: null,
    instructions: typeof body['instructions'] === 'string' ? body['instructions'] : null,
    model: reply.model,
    output: status === 'completed' ? outputItems(reply) : [],
    parallel_tool_calls: true,
    tool_choice: body['tool_choice'] ?? 'auto',
    tools: asArray(body['tools']),
    service_tier: 'default',
    store: body['store'] ?? true,
    usage: status === 'completed' ? usageBody(reply) : null,
    metadata: {},
  };
}

export const openaiResponses: GenerationProtocol = {
  endpoint: 'openai.responses',
  promptTexts(body) {
    const instructions = asRecord(body)['instructions'];
    return [
      ...(typeof instructions === 'string' ? [instructions] : []),
      ...inputItems(body).flatMap((item) => contentTexts(item['content'] ?? item['output'] ?? '')),
    ];
  },
  lastUserText(body) {
    const last = inputItems(body).filter((item) => item['role'] === 'user').at(-1);
    return last === undefined ? '' : contentTexts(last['content']).join(' ');
  },
  json: (reply) => responseObject(reply, 'completed'),
  events(reply) {
    let seq = 0;
    const events: SseEvent[] = [];
    const emit = (type: string, fields: Record<string, unknown>, content = false): void => {
      const head = type === 'response.created' || type === 'response.in_progress';
      events.push({ event: type, data: { type, sequence_number: seq++, ...fields }, content, head });
    };
    emit('response.created', { response: responseObject(reply, 'in_progress') });
    emit('response.in_progress', { response: responseObject(reply, 'in_progress') });
    let outputIndex = 0;
    if (!(reply.text === '' && reply.toolCalls.length > 0)) {
      const itemId = fakeId('msg_', reply.request);
      const at = { item_id: itemId, output_index: outputIndex, content_index: 0 };
      emit('response.output_item.added', { output_index: outputIndex, item: messageItem(reply, 'in_progress') });
      emit('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } });
      for (const delta of reply.chunks) emit('response.output_text.delta', { ...at, delta, logprobs: [] }, true);
      emit('response.output_text.done', { ...at, text: reply.text, logprobs: [] });
      emit('response.content_part.done', {
        ...at,
        part: { type: 'output_text', text: reply.text, annotations: [] },
      });
      emit('response.output_item.done', { output_index: outputIndex, item: messageItem(reply, 'completed') });
      outputIndex++;
    }
    const started = functionItems(reply, 'in_progress');
    const finished = functionItems(reply, 'completed');
    reply.toolCalls.forEach((call, i) => {
      const itemId = fakeId('fc_', reply.request, i);
      const at = { item_id: itemId, output_index: outputIndex };
      emit('response.output_item.added', { output_index: outputIndex, item: started[i] });
      for (const delta of splitChunks(call.arguments, reply.argumentChunkSize)) {
        emit('response.function_call_arguments.delta', { ...at, delta }, true);
      }
      emit('response.function_call_arguments.done', { ...at, arguments: call.arguments });
      emit('response.output_item.done', { output_index: outputIndex, item: finished[i] });
      outputIndex++;
    });
    emit('response.completed', { response: responseObject(reply, 'completed') });
    return events;
  },
  brokenEvent: { event: 'response.output_text.delta', data: '{"type":"response.output_text.delta","delta":' },
  errorEvent(status, message, sequence) {
    const e = openaiError(status, message);
    return {
      event: 'error',
      data: { type: 'error', sequence_number: sequence, code: e.code ?? e.type, message: e.message, param: null },
    };
  },
};
