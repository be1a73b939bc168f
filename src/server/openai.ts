import { Hono, type Context } from 'hono';
import { simulateStreamingMiddleware, wrapLanguageModel } from 'ai';
import type { LanguageModelV4, LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { resolvePolicy, validationMiddleware, validationOptions } from '../guard/index.js';
import { z } from 'zod';
import { IncontextError, newId, toIncontextError, type Usage } from '../core/index.js';
import type { Incontext } from '../app/index.js';
import { callerOf } from './auth.js';
import { readJson } from './errors.js';
import { sse } from './sse.js';
import { projectOf } from './native.js';
import { ChatCompletionRequest, EmbeddingsRequest } from './schemas.js';
import { chatCallOptions, finishReason, generateChat, streamChat, type ChatDelta } from './openai-wire.js';

/** The model name that answers with retrieval over the project instead of a plain completion. */
export const RAG_MODEL = 'incontext-rag';

type ChatRequest = z.output<typeof ChatCompletionRequest>;
type ChatMessage = ChatRequest['messages'][number];

function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('');
}

/** `provider:model` passes through; a bare name uses the provider of the configured default model. */
export function modelSpec(ic: Incontext, model: string): string {
  const routed = ic.config.gateway.rules.some((r) => r.when?.model === model || (Array.isArray(r.when?.model) && r.when.model.includes(model)));
  if (model.includes(':') || model in ic.config.gateway.aliases || routed) return model;
  const provider = ic.config.model.default.split(':')[0] ?? 'local';
  return provider === 'local' ? 'local' : `${provider}:${model}`;
}

function usageJson(u: Usage | undefined) {
  return u ? { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.totalTokens } : undefined;
}

export function openaiRoutes(ic: Incontext): Hono {
  const v1 = new Hono();

  v1.get('/models', (c) => {
    const created = Math.floor(Date.now() / 1000);
    const ids = [RAG_MODEL, ic.config.model.default, ...Object.keys(ic.config.gateway.aliases)];
    return c.json({ object: 'list', data: [...new Set(ids)].map((id) => ({ id, object: 'model', created, owned_by: 'incontext' })) });
  });

  v1.post('/embeddings', async (c) => {
    const body = await readJson(c, EmbeddingsRequest);
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    const { model, vectors } = await ic.embed(input, { project: projectOf(c, ic.config.project) });
    const data = vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: body.encoding_format === 'base64' ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : Array.from(v),
    }));
    const tokens = input.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
    return c.json({ object: 'list', model, data, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  });

  v1.post('/chat/completions', async (c) => {
    const body = await readJson(c, ChatCompletionRequest);
    const id = `chatcmpl-${newId('x').slice(2)}`;
    const created = Math.floor(Date.now() / 1000);
    if (body.model === RAG_MODEL) return ragCompletion(c, ic, body, id, created);
    const project = projectOf(c, ic.config.project);
    const { model, id: modelId } = ic.languageModel(modelSpec(ic, body.model), { project, ...callerOf(c) });
    const options = chatCallOptions(body, c.req.raw.signal);
    if (!body.stream) {
      const r = await generateChat(validated(ic, model, options, project), options).catch((e: unknown) => {
        throw upstreamError(e, modelId);
      });
      const message = { role: 'assistant', content: r.text || (r.toolCalls.length ? null : ''), refusal: null, ...(r.toolCalls.length ? { tool_calls: r.toolCalls } : {}) };
      return c.json({ ...completionJson(id, created, body.model, r.text, r.finish, r.usage), choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(r.finish) }] });
    }
    return streamChunks(c, id, created, body, async (emit) => {
      try {
        return await streamChat(validated(ic, model, options, project, { stream: true }), options, emit);
      } catch (e) {
        throw upstreamError(e, modelId);
      }
    });
  });

  return v1;
}

function upstreamError(e: unknown, model: string): IncontextError {
  if (IncontextError.isInstance(e)) return e;
  const err = toIncontextError(e, 'MODEL_FAILED');
  return new IncontextError('MODEL_FAILED', `Model ${model} failed: ${err.message}`, { hint: 'Check the provider configuration and that it is reachable.', cause: e, status: 502 });
}

function completionJson(id: string, created: number, model: string, text: string, finish: string, usage: Usage, extra: Record<string, unknown> = {}) {
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finishReason(finish) }],
    usage: usageJson(usage),
    ...extra,
  };
}

type Emit = (delta: ChatDelta) => Promise<void>;

/** OpenAI chunk framing; errors after the first byte become an `error` chunk, never a hung connection. */
function streamChunks(c: Context, id: string, created: number, body: ChatRequest, run: (emit: Emit) => Promise<{ finish: string; usage?: Usage; extra?: Record<string, unknown> }>) {
  const base = { id, object: 'chat.completion.chunk', created, model: body.model };
  return sse(c, async (stream) => {
    const send = (obj: unknown) => stream.write(JSON.stringify(obj));
    await send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
    try {
        const r = await run((delta) => send({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] }));
      await send({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason(r.finish) }], ...(r.extra ?? {}) });
      if (body.stream_options?.include_usage && r.usage) await send({ ...base, choices: [], usage: usageJson(r.usage) });
    } catch (e) {
      const err = toIncontextError(e);
      await send({ error: { message: err.message, type: err.code, code: err.code } });
    }
    await stream.write('[DONE]');
  });
}

async function ragCompletion(c: Context, ic: Incontext, body: ChatRequest, id: string, created: number) {
  const question = contentText([...body.messages].reverse().find((m) => m.role === 'user')?.content ?? null);
  if (!question.trim()) throw new IncontextError('BAD_REQUEST', 'No user message to answer', { input: { key: 'messages' }, hint: 'Send at least one message with role "user".' });
  const project = projectOf(c, ic.config.project);
  const o = { project, ...callerOf(c), signal: c.req.raw.signal, ...(body.max_tokens ? { maxOutputTokens: body.max_tokens } : {}) };
  if (!body.stream) {
    const a = await ic.ask(question, o);
    return c.json(completionJson(id, created, body.model, a.answer, 'stop', a.usage, { citations: a.citations }));
  }
  return streamChunks(c, id, created, body, async (emit) => {
    for await (const part of ic.askStream(question, o)) {
      if (part.type === 'text-delta') await emit({ content: part.text });
      else if (part.type === 'error') throw new IncontextError(part.error.code as 'MODEL_FAILED', part.error.message);
      else if (part.type === 'done') return { finish: 'stop', usage: part.answer.usage, extra: { citations: part.answer.citations } };
    }
    return { finish: 'stop' };
  });
}

/**
 * A JSON-schema response_format is checked on the answer (guard.output.validation of the project's
 * policy): a failing answer is repaired or re-asked with the error, then refused (422) or flagged.
 * A validated stream is generated whole, checked, then sent as a stream: what was sent cannot be
 * taken back, so nothing is sent before it passes (the client sees no tokens until then).
 */
function validated(ic: Incontext, model: LanguageModelV4, options: LanguageModelV4CallOptions, project: string, o: { stream?: boolean } = {}): LanguageModelV4 {
  const format = options.responseFormat;
  if (format?.type !== 'json' || !format.schema) return model;
  const settings = validationOptions(resolvePolicy(ic.config.guard, project));
  if (!settings) return model;
  const validation = validationMiddleware({ kind: 'json-schema', schema: format.schema as Record<string, unknown> }, settings);
  return wrapLanguageModel({ model, middleware: o.stream ? [simulateStreamingMiddleware(), validation] : validation });
}
