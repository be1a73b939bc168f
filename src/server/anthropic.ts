import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { generateText, streamText, type ModelMessage } from 'ai';
import { z } from 'zod';
import { IncontextError, newId, toIncontextError, type Usage } from '../core/index.js';
import type { Incontext } from '../app/index.js';
import { readJson } from './errors.js';
import { projectOf } from './native.js';
import { modelSpec, RAG_MODEL } from './openai.js';

/** The Anthropic Messages API shape, so the official @anthropic-ai/sdk works against incontext unchanged. */
const textBlock = z.looseObject({ type: z.string(), text: z.string().optional() });
const MessagesRequest = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  messages: z.array(z.looseObject({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(textBlock)]) })).min(1),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().optional(),
  top_k: z.number().int().optional(),
  stop_sequences: z.array(z.string()).optional(),
});
type MessagesBody = z.output<typeof MessagesRequest>;

const text = (c: string | Array<{ type: string; text?: string | undefined }>): string =>
  typeof c === 'string' ? c : c.map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join('');

function stopReason(finish: string): string {
  return finish === 'length' ? 'max_tokens' : finish === 'stop-sequence' ? 'stop_sequence' : finish === 'tool-calls' ? 'tool_use' : 'end_turn';
}

function messageJson(id: string, model: string, body: string, finish: string, usage: Usage, extra: Record<string, unknown> = {}) {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: body }],
    stop_reason: stopReason(finish),
    stop_sequence: null,
    usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
    ...extra,
  };
}

type Run = (emit: (delta: string) => Promise<void>) => Promise<{ finish: string; usage: Usage }>;

/** Anthropic's event sequence; a failure after the first byte becomes an `error` event, never a hung stream. */
function streamEvents(c: Context, id: string, model: string, run: Run) {
  return streamSSE(c, async (stream) => {
    const send = (event: string, data: unknown) => stream.writeSSE({ event, data: JSON.stringify(data) });
    await send('message_start', {
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } },
    });
    await send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    try {
      const r = await run((delta) => send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: delta } }));
      await send('content_block_stop', { type: 'content_block_stop', index: 0 });
      await send('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason(r.finish), stop_sequence: null }, usage: { input_tokens: r.usage.inputTokens, output_tokens: r.usage.outputTokens } });
      await send('message_stop', { type: 'message_stop' });
    } catch (e) {
      const err = toIncontextError(e);
      await send('error', { type: 'error', error: { type: 'api_error', message: err.message } });
    }
  });
}

function settings(body: MessagesBody, signal: AbortSignal) {
  return {
    abortSignal: signal,
    maxRetries: 0, // the gateway owns retries and fallback
    maxOutputTokens: body.max_tokens,
    ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
    ...(body.top_p !== undefined ? { topP: body.top_p } : {}),
    ...(body.top_k !== undefined ? { topK: body.top_k } : {}),
    ...(body.stop_sequences ? { stopSequences: body.stop_sequences } : {}),
  };
}

const usageOf = (u: { inputTokens?: number | undefined; outputTokens?: number | undefined }): Usage => ({
  inputTokens: u.inputTokens ?? 0,
  outputTokens: u.outputTokens ?? 0,
  totalTokens: (u.inputTokens ?? 0) + (u.outputTokens ?? 0),
});

export function anthropicRoutes(ic: Incontext): Hono {
  const v1 = new Hono();
  v1.post('/messages', async (c) => {
    const body = await readJson(c, MessagesRequest);
    const id = `msg_${newId('x').slice(2)}`;
    if (body.model === RAG_MODEL) {
      const question = text([...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '');
      if (!question.trim()) throw new IncontextError('BAD_REQUEST', 'No user message to answer', { input: { key: 'messages' }, hint: 'Send at least one message with role "user".' });
      const o = { project: projectOf(c, ic.config.project), signal: c.req.raw.signal, maxOutputTokens: body.max_tokens };
      if (!body.stream) {
        const a = await ic.ask(question, o);
        return c.json(messageJson(id, body.model, a.answer, 'stop', a.usage, { citations: a.citations }));
      }
      return streamEvents(c, id, body.model, async (emit) => {
        for await (const part of ic.askStream(question, o)) {
          if (part.type === 'text-delta') await emit(part.text);
          else if (part.type === 'error') throw new IncontextError(part.error.code as 'MODEL_FAILED', part.error.message);
          else if (part.type === 'done') return { finish: 'stop', usage: part.answer.usage };
        }
        return { finish: 'stop', usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } };
      });
    }
    const { model } = ic.languageModel(modelSpec(ic, body.model), { project: projectOf(c, ic.config.project) });
    const system = body.system === undefined ? undefined : text(body.system);
    const messages: ModelMessage[] = body.messages.map((m) => ({ role: m.role, content: text(m.content) }));
    const prompt = { messages, ...(system ? { instructions: system } : {}) };
    if (!body.stream) {
      const r = await generateText({ model, ...prompt, ...settings(body, c.req.raw.signal) }).catch((e: unknown) => {
        throw new IncontextError('MODEL_FAILED', `Model ${body.model} failed: ${toIncontextError(e).message}`, { status: 502, cause: e, hint: 'Check the provider configuration and that it is reachable.' });
      });
      return c.json(messageJson(id, body.model, r.text, r.finishReason, usageOf(r.usage)));
    }
    return streamEvents(c, id, body.model, async (emit) => {
      let error: unknown;
      const r = streamText({ model, ...prompt, ...settings(body, c.req.raw.signal), onError: ({ error: e }) => { error = e; } });
      for await (const delta of r.textStream) await emit(delta);
      if (error) throw error;
      return { finish: await r.finishReason, usage: usageOf(await r.usage) };
    });
  });
  return v1;
}
