/**
 * OpenAI wire format: chat completions (JSON and SSE chunks ending in
 * `data: [DONE]`), embeddings, model list and the error envelope
 * `{ error: { message, type, param, code } }`.
 */
import type { SseEvent } from './http.js';
import { unixSeconds, type GenerationProtocol, type GenerationReply } from './protocol.js';
import {
  asArray,
  asRecord,
  contentTexts,
  countFakeTokens,
  embeddingToBase64,
  fakeEmbedding,
  fakeId,
  splitChunks,
} from './script.js';
import type { RecordedRequest } from './types.js';

const OPENAI_ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'permission_error', code: null, message: 'You are not allowed to use this model.' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request.' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded.' },
};

export function openaiError(status: number, message?: string): { message: string; type: string; code: string | null } {
  const known = OPENAI_ERRORS[status] ?? {
    type: status >= 500 ? 'server_error' : 'invalid_request_error',
    code: null,
    message: `Fake upstream error ${status}.`,
  };
  return { message: message ?? known.message, type: known.type, code: known.code };
}

export function openaiErrorBody(status: number, message?: string): unknown {
  const e = openaiError(status, message);
  return { error: { message: e.message, type: e.type, param: null, code: e.code } };
}

function messages(body: unknown): Record<string, unknown>[] {
  return asArray(asRecord(body)['messages']).map(asRecord);
}

function finishReason(reply: GenerationReply): string {
  return reply.toolCalls.length > 0 ? 'tool_calls' : 'stop';
}

function usageBody(reply: GenerationReply): Record<string, unknown> {
  const { inputTokens, outputTokens } = reply.usage;
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function includeUsage(request: RecordedRequest): boolean {
  return asRecord(asRecord(request.body)['stream_options'])['include_usage'] === true;
}

export const openaiChat: GenerationProtocol = {
  endpoint: 'openai.chat',
  promptTexts: (body) => messages(body).flatMap((m) => contentTexts(m['content'])),
  lastUserText(body) {
    const last = messages(body).filter((m) => m['role'] === 'user').at(-1);
    return last === undefined ? '' : contentTexts(last['content']).join(' ');
  },
  json(reply) {
    const toolCalls = reply.toolCalls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
    return {
      id: fakeId('chatcmpl-', reply.request),
      object: 'chat.completion',
      created: unixSeconds(reply.request.receivedAt),
      model: reply.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: reply.text === '' && toolCalls.length > 0 ? null : reply.text,
            refusal: null,
            annotations: [],
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          },
          logprobs: null,
          finish_reason: finishReason(reply),
        },
      ],
      usage: usageBody(reply),
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
    };
  },
  events(reply) {
    const withUsage = includeUsage(reply.request);
    const head = {
      id: fakeId('chatcmpl-', reply.request),
      object: 'chat.completion.chunk',
      created: unixSeconds(reply.request.receivedAt),
      model: reply.model,
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
    };
    const chunk = (delta: unknown, finish: string | null = null, content = true): SseEvent => ({
      data: {
        ...head,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...(withUsage ? { usage: null } : {}),
      },
      content,
    });
    const events: SseEvent[] = [{ ...chunk({ role: 'assistant', content: '', refusal: null }, null, false), head: true }];
    for (const piece of reply.chunks) events.push(chunk({ content: piece }));
    reply.toolCalls.forEach((call, index) => {
      events.push(
        chunk({
          tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
        }),
      );
      for (const piece of splitChunks(call.arguments, reply.argumentChunkSize)) {
        events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
      }
    });
    events.push(chunk({}, finishReason(reply), false));
    if (withUsage) events.push({ data: { ...head, choices: [], usage: usageBody(reply) } });
    events.push({ data: '[DONE]' });
    return events;
  },
  brokenEvent: { data: '{"id":"chatcmpl-broken","choices":[{"delta":{"content":"unterminated' },
  errorEvent: (status, message) => ({ data: openaiErrorBody(status, message) }),
};

export type EmbeddingResult =
  | { ok: true; body: unknown }
  | { ok: false; status: number; message: string };

/** `POST /v1/embeddings`: one deterministic vector per input. */
export function openaiEmbeddings(body: unknown, defaultDimensions: number): EmbeddingResult {
  const req = asRecord(body);
  const raw = req['input'];
  const inputs: unknown[] = Array.isArray(raw) && raw.every((x) => typeof x !== 'number') ? raw : [raw];
  if (raw === undefined || inputs.length === 0 || inputs.some((x) => x === undefined || x === '')) {
    return { ok: false, status: 400, message: "'input' must be a non-empty string or array." };
  }
  const dims = req['dimensions'];
  const dimensions = typeof dims === 'number' && Number.isInteger(dims) && dims > 0 ? dims : defaultDimensions;
  const base64 = req['encoding_format'] === 'base64';
  let tokens = 0;
  const data = inputs.map((input, index) => {
    // Token-array inputs are hashed by their JSON form; only text is split into words.
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    tokens += typeof input === 'string' ? countFakeTokens(input) : asArray(input).length;
    const vector = fakeEmbedding(text, dimensions);
    return { object: 'embedding', index, embedding: base64 ? embeddingToBase64(vector) : vector };
  });
  return {
    ok: true,
    body: {
      object: 'list',
      data,
      model: typeof req['model'] === 'string' ? req['model'] : 'text-embedding-3-small',
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
  };
}

export function openaiModels(ids: readonly string[]): unknown {
  return {
    object: 'list',
    data: ids.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'incontext-fake' })),
  };
}
