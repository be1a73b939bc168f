import { Hono, type Context } from 'hono';
import type { JSONSchema7, LanguageModelV4CallOptions, LanguageModelV4Message, LanguageModelV4Prompt, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { z } from 'zod';
import { IncontextError, newId, toIncontextError, type Usage } from '../core/index.js';
import type { Incontext } from '../app/index.js';
import { callerOf } from './auth.js';
import { readJson } from './errors.js';
import { sse } from './sse.js';
import { projectOf } from './native.js';
import { modelSpec, RAG_MODEL } from './openai.js';

/** The Anthropic Messages API shape, so the official @anthropic-ai/sdk works against incontext unchanged. */
const block = z.looseObject({ type: z.string(), text: z.string().optional() });
const MessagesRequest = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  system: z.union([z.string(), z.array(block)]).optional(),
  messages: z.array(z.looseObject({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(block)]) })).min(1),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().optional(),
  top_k: z.number().int().optional(),
  stop_sequences: z.array(z.string()).optional(),
  tools: z.array(z.looseObject({ name: z.string().min(1), description: z.string().optional(), input_schema: z.looseObject({}) })).optional(),
  tool_choice: z.looseObject({ type: z.enum(['auto', 'any', 'tool', 'none']), name: z.string().optional() }).optional(),
  metadata: z.looseObject({ user_id: z.string().optional() }).optional(),
});
type MessagesBody = z.output<typeof MessagesRequest>;
type Block = z.output<typeof block>;

const text = (c: string | Block[]): string => (typeof c === 'string' ? c : c.map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join(''));

function stopReason(finish: string): string {
  return finish === 'length' ? 'max_tokens' : finish === 'stop-sequence' ? 'stop_sequence' : finish === 'tool-calls' ? 'tool_use' : 'end_turn';
}

const bad = (key: string, message: string, hint: string) => new IncontextError('BAD_REQUEST', message, { input: { key }, hint });

/** Anthropic messages → the provider-neutral prompt: tool_use blocks become tool calls, tool_result blocks tool results. */
function messagesPrompt(body: MessagesBody): LanguageModelV4Prompt {
  const prompt: LanguageModelV4Prompt = [];
  if (body.system !== undefined) prompt.push({ role: 'system', content: text(body.system) });
  const toolNames = new Map<string, string>();
  body.messages.forEach((m, i) => {
    const blocks: Block[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    if (m.role === 'assistant') {
      const content: Extract<LanguageModelV4Message, { role: 'assistant' }>['content'] = [];
      for (const b of blocks) {
        if (b.type === 'text') content.push({ type: 'text', text: b.text ?? '' });
        else if (b.type === 'tool_use') {
          const id = String(b.id ?? '');
          const name = String(b.name ?? '');
          toolNames.set(id, name);
          content.push({ type: 'tool-call', toolCallId: id, toolName: name, input: b.input ?? {} });
        }
      }
      prompt.push({ role: 'assistant', content });
      return;
    }
    const results = blocks.filter((b) => b.type === 'tool_result');
    if (results.length > 0) {
      prompt.push({
        role: 'tool',
        content: results.map((b) => {
          const id = String(b.tool_use_id ?? '');
          const name = toolNames.get(id);
          if (!name) throw bad(`messages.${i}.content`, `No earlier tool_use block has id "${id}"`, 'A tool_result answers a tool_use of an earlier assistant message: send that message too.');
          const out = b.content;
          const value = typeof out === 'string' ? out : Array.isArray(out) ? text(out as Block[]) : '';
          return { type: 'tool-result' as const, toolCallId: id, toolName: name, output: { type: 'text' as const, value } };
        }),
      });
    }
    const rest = blocks.filter((b) => b.type === 'text');
    if (rest.length > 0 || results.length === 0) prompt.push({ role: 'user', content: rest.map((b) => ({ type: 'text' as const, text: b.text ?? '' })) });
  });
  return prompt;
}

function callOptions(body: MessagesBody, signal: AbortSignal): LanguageModelV4CallOptions {
  const o: LanguageModelV4CallOptions = { prompt: messagesPrompt(body), abortSignal: signal, maxOutputTokens: body.max_tokens };
  if (body.temperature !== undefined) o.temperature = body.temperature;
  if (body.top_p !== undefined) o.topP = body.top_p;
  if (body.top_k !== undefined) o.topK = body.top_k;
  if (body.stop_sequences) o.stopSequences = body.stop_sequences;
  if (body.tools?.length) {
    o.tools = body.tools.map((t) => ({ type: 'function' as const, name: t.name, inputSchema: t.input_schema as JSONSchema7, ...(t.description ? { description: t.description } : {}) }));
  }
  const choice = body.tool_choice;
  if (choice) o.toolChoice = choice.type === 'any' ? { type: 'required' } : choice.type === 'tool' ? { type: 'tool', toolName: choice.name ?? '' } : { type: choice.type };
  if (body.metadata?.user_id) o.providerOptions = { incontext: { user: body.metadata.user_id } };
  return o;
}

const usageOf = (u: { inputTokens: { total?: number | undefined }; outputTokens: { total?: number | undefined } }): Usage => {
  const input = u.inputTokens.total ?? 0;
  const output = u.outputTokens.total ?? 0;
  return { inputTokens: input, outputTokens: output, totalTokens: input + output };
};

type OutBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

function messageJson(id: string, model: string, content: OutBlock[], finish: string, usage: Usage, extra: Record<string, unknown> = {}) {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason(finish),
    stop_sequence: null,
    usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
    ...extra,
  };
}

interface Sink {
  text(delta: string): Promise<void>;
  toolStart(id: string, name: string): Promise<void>;
  toolDelta(json: string): Promise<void>;
}
type Run = (sink: Sink) => Promise<{ finish: string; usage: Usage }>;

/** Anthropic's event sequence, one content block at a time; a failure after the first byte becomes an `error` event, never a hung stream. */
function streamEvents(c: Context, id: string, model: string, run: Run) {
  return sse(c, async (stream) => {
    const send = (event: string, data: unknown) => stream.write(JSON.stringify(data), event);
    let index = -1;
    let open: 'text' | 'tool_use' | undefined;
    const close = async () => {
      if (open) await send('content_block_stop', { type: 'content_block_stop', index });
      open = undefined;
    };
    const start = async (kind: 'text' | 'tool_use', contentBlock: unknown) => {
      await close();
      index++;
      open = kind;
      await send('content_block_start', { type: 'content_block_start', index, content_block: contentBlock });
    };
    await send('message_start', {
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } },
    });
    try {
      const r = await run({
        text: async (delta) => {
          if (open !== 'text') await start('text', { type: 'text', text: '' });
          await send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: delta } });
        },
        toolStart: (toolId, name) => start('tool_use', { type: 'tool_use', id: toolId, name, input: {} }),
        toolDelta: (json) => send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json } }),
      });
      if (index < 0) await start('text', { type: 'text', text: '' });
      await close();
      await send('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason(r.finish), stop_sequence: null }, usage: { input_tokens: r.usage.inputTokens, output_tokens: r.usage.outputTokens } });
      await send('message_stop', { type: 'message_stop' });
    } catch (e) {
      const err = toIncontextError(e);
      await send('error', { type: 'error', error: { type: err.status === 429 ? 'rate_limit_error' : 'api_error', message: err.message } });
    }
  });
}

function upstreamError(e: unknown, model: string): IncontextError {
  // Gateway refusals (429 rate limit, 402 budget, 503 open circuit) keep their status and Retry-After.
  if (IncontextError.isInstance(e)) return e;
  return new IncontextError('MODEL_FAILED', `Model ${model} failed: ${toIncontextError(e).message}`, { status: 502, cause: e, hint: 'Check the provider configuration and that it is reachable.' });
}

export function anthropicRoutes(ic: Incontext): Hono {
  const v1 = new Hono();
  v1.post('/messages', async (c) => {
    const body = await readJson(c, MessagesRequest);
    const id = `msg_${newId('x').slice(2)}`;
    if (body.model === RAG_MODEL) {
      const question = text([...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '');
      if (!question.trim()) throw new IncontextError('BAD_REQUEST', 'No user message to answer', { input: { key: 'messages' }, hint: 'Send at least one message with role "user".' });
      const o = { project: projectOf(c, ic.config.project), ...callerOf(c), signal: c.req.raw.signal, maxOutputTokens: body.max_tokens };
      if (!body.stream) {
        const a = await ic.ask(question, o);
        return c.json(messageJson(id, body.model, [{ type: 'text', text: a.answer }], 'stop', a.usage, { citations: a.citations }));
      }
      return streamEvents(c, id, body.model, async (sink) => {
        for await (const part of ic.askStream(question, o)) {
          if (part.type === 'text-delta') await sink.text(part.text);
          else if (part.type === 'error') throw new IncontextError(part.error.code as 'MODEL_FAILED', part.error.message);
          else if (part.type === 'done') return { finish: 'stop', usage: part.answer.usage };
        }
        return { finish: 'stop', usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } };
      });
    }
    const { model, id: modelId } = ic.languageModel(modelSpec(ic, body.model), { project: projectOf(c, ic.config.project), ...callerOf(c) });
    const options = callOptions(body, c.req.raw.signal);
    if (!body.stream) {
      const r = await Promise.resolve(model.doGenerate(options)).catch((e: unknown) => {
        throw upstreamError(e, modelId);
      });
      const content: OutBlock[] = [];
      for (const part of r.content) {
        if (part.type === 'text') content.push({ type: 'text', text: part.text });
        else if (part.type === 'tool-call' && !part.providerExecuted) content.push({ type: 'tool_use', id: part.toolCallId, name: part.toolName, input: JSON.parse(part.input || '{}') as unknown });
      }
      return c.json(messageJson(id, body.model, content, r.finishReason.unified, usageOf(r.usage)));
    }
    return streamEvents(c, id, body.model, async (sink) => {
      let finish = 'stop';
      let usage: Usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
      try {
        const { stream } = await model.doStream(options);
        const streamed = new Set<string>();
        for await (const part of stream as unknown as AsyncIterable<LanguageModelV4StreamPart>) {
          if (part.type === 'text-delta' && part.delta) await sink.text(part.delta);
          else if (part.type === 'tool-input-start') {
            streamed.add(part.id);
            await sink.toolStart(part.id, part.toolName);
          } else if (part.type === 'tool-input-delta' && part.delta) await sink.toolDelta(part.delta);
          else if (part.type === 'tool-call' && !streamed.has(part.toolCallId) && !part.providerExecuted) {
            await sink.toolStart(part.toolCallId, part.toolName);
            await sink.toolDelta(part.input);
          } else if (part.type === 'finish') {
            finish = part.finishReason.unified;
            usage = usageOf(part.usage);
          } else if (part.type === 'error') throw part.error;
        }
      } catch (e) {
        throw upstreamError(e, modelId);
      }
      return { finish, usage };
    });
  });
  return v1;
}
