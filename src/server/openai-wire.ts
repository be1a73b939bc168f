/**
 * OpenAI Chat Completions ↔ the AI SDK's LanguageModelV4 call, for `/v1` pass-through.
 * The request is mapped straight onto the model call (no generateText loop), so
 * everything a client sends reaches the provider — tools, tool choice, tool results,
 * JSON mode and JSON schema, stop, seed, penalties — and tool calls come back in
 * OpenAI's shape, streamed or not. The model is the app's stack, so trace, cache and
 * gateway see these calls exactly like any other.
 */
import type {
  JSONSchema7,
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4FunctionTool,
  LanguageModelV4Message,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4ToolChoice,
} from '@ai-sdk/provider';
import { z } from 'zod';
import { IncontextError } from '../core/index.js';
import type { ChatCompletionRequest } from './schemas.js';

type ChatRequest = z.output<typeof ChatCompletionRequest>;
type ChatMessage = ChatRequest['messages'][number];

export interface WireUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('');
}

const bad = (key: string, message: string, hint: string) => new IncontextError('BAD_REQUEST', message, { input: { key }, hint });

function parseArguments(raw: unknown, key: string): unknown {
  if (typeof raw !== 'string') return raw ?? {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw bad(key, `Tool call arguments are not valid JSON: ${raw.slice(0, 80)}`, 'Send `function.arguments` as a JSON-encoded string, as the model returned it.');
  }
}

/** OpenAI messages → the provider-neutral prompt; a tool result finds its tool's name through the earlier assistant call. */
export function chatPrompt(messages: readonly ChatMessage[]): LanguageModelV4Prompt {
  const toolNames = new Map<string, string>();
  return messages.map((m, i): LanguageModelV4Message => {
    const text = contentText(m.content);
    switch (m.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: text };
      case 'user':
        return { role: 'user', content: [{ type: 'text', text }] };
      case 'assistant': {
        const calls = Array.isArray(m.tool_calls) ? (m.tool_calls as Array<{ id?: unknown; function?: { name?: unknown; arguments?: unknown } }>) : [];
        const parts: Extract<LanguageModelV4Message, { role: 'assistant' }>['content'] = text ? [{ type: 'text', text }] : [];
        calls.forEach((call, j) => {
          const id = typeof call.id === 'string' ? call.id : '';
          const name = typeof call.function?.name === 'string' ? call.function.name : '';
          if (!id || !name) throw bad(`messages.${i}.tool_calls.${j}`, 'A tool call needs an id and function.name', 'Send the tool_calls back exactly as the model returned them.');
          toolNames.set(id, name);
          parts.push({ type: 'tool-call', toolCallId: id, toolName: name, input: parseArguments(call.function?.arguments, `messages.${i}.tool_calls.${j}.function.arguments`) });
        });
        return { role: 'assistant', content: parts };
      }
      case 'tool': {
        const id = typeof m.tool_call_id === 'string' ? m.tool_call_id : '';
        const name = toolNames.get(id);
        if (!name) throw bad(`messages.${i}.tool_call_id`, `No earlier assistant tool call has id "${id}"`, 'A tool message answers a tool call of an earlier assistant message: send that message too.');
        return { role: 'tool', content: [{ type: 'tool-result', toolCallId: id, toolName: name, output: { type: 'text', value: text } }] };
      }
    }
  });
}

function tools(body: ChatRequest): LanguageModelV4FunctionTool[] | undefined {
  const list = body.tools as Array<{ type?: unknown; function?: { name?: unknown; description?: unknown; parameters?: unknown; strict?: unknown } }> | undefined | null;
  if (!list || list.length === 0) return undefined;
  return list.map((t, i) => {
    const name = t.function?.name;
    if (t.type !== 'function' || typeof name !== 'string' || !name) {
      throw bad(`tools.${i}`, 'Only function tools with a name are supported', 'Send tools as {"type":"function","function":{"name":...,"parameters":{...}}}.');
    }
    const schema = (t.function?.parameters ?? { type: 'object', properties: {} }) as JSONSchema7;
    return {
      type: 'function',
      name,
      inputSchema: schema,
      ...(typeof t.function?.description === 'string' ? { description: t.function.description } : {}),
      ...(t.function?.strict === true ? { strict: true } : {}),
    };
  });
}

function toolChoice(raw: unknown): LanguageModelV4ToolChoice | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (raw === 'auto' || raw === 'none' || raw === 'required') return { type: raw };
  const name = (raw as { function?: { name?: unknown } }).function?.name;
  if (typeof name === 'string') return { type: 'tool', toolName: name };
  throw bad('tool_choice', 'tool_choice must be "auto", "none", "required" or {"type":"function","function":{"name":...}}', 'See the OpenAI Chat Completions reference for tool_choice.');
}

function responseFormat(raw: unknown): LanguageModelV4CallOptions['responseFormat'] {
  if (raw === undefined || raw === null) return undefined;
  const r = raw as { type?: unknown; json_schema?: { name?: unknown; description?: unknown; schema?: unknown } };
  if (r.type === 'text') return { type: 'text' };
  if (r.type === 'json_object') return { type: 'json' };
  if (r.type === 'json_schema' && r.json_schema && typeof r.json_schema === 'object') {
    const js = r.json_schema;
    return {
      type: 'json',
      ...(js.schema ? { schema: js.schema as JSONSchema7 } : {}),
      ...(typeof js.name === 'string' ? { name: js.name } : {}),
      ...(typeof js.description === 'string' ? { description: js.description } : {}),
    };
  }
  throw bad('response_format', 'response_format.type must be "text", "json_object" or "json_schema"', 'e.g. {"type":"json_schema","json_schema":{"name":"answer","schema":{...}}}.');
}

/** Every generation parameter of the request, as the model call's options. */
export function chatCallOptions(body: ChatRequest, signal: AbortSignal): LanguageModelV4CallOptions {
  const stop = typeof body.stop === 'string' ? [body.stop] : (body.stop ?? undefined);
  const max = body.max_completion_tokens ?? body.max_tokens;
  const t = tools(body);
  const choice = toolChoice(body.tool_choice);
  const format = responseFormat(body.response_format);
  const o: LanguageModelV4CallOptions = { prompt: chatPrompt(body.messages), abortSignal: signal };
  if (body.temperature != null) o.temperature = body.temperature;
  if (body.top_p != null) o.topP = body.top_p;
  if (max != null) o.maxOutputTokens = max;
  if (stop) o.stopSequences = stop;
  if (body.seed != null) o.seed = body.seed;
  if (body.presence_penalty != null) o.presencePenalty = body.presence_penalty;
  if (body.frequency_penalty != null) o.frequencyPenalty = body.frequency_penalty;
  if (t) o.tools = t;
  if (choice) o.toolChoice = choice;
  if (format) o.responseFormat = format;
  if (typeof body.user === 'string' && body.user) o.providerOptions = { incontext: { user: body.user } };
  return o;
}

export function finishReason(f: string): string {
  return f === 'length' ? 'length' : f === 'content-filter' ? 'content_filter' : f === 'tool-calls' ? 'tool_calls' : 'stop';
}

function usageOf(u: { inputTokens: { total?: number | undefined }; outputTokens: { total?: number | undefined } }): WireUsage {
  const input = u.inputTokens.total ?? 0;
  const output = u.outputTokens.total ?? 0;
  return { inputTokens: input, outputTokens: output, totalTokens: input + output };
}

/** One non-streamed call: the answer text, its tool calls in OpenAI's shape, finish reason and usage. */
export async function generateChat(model: LanguageModelV4, options: LanguageModelV4CallOptions): Promise<{ text: string; toolCalls: WireToolCall[]; finish: string; usage: WireUsage }> {
  const r = await model.doGenerate(options);
  let text = '';
  const toolCalls: WireToolCall[] = [];
  for (const c of r.content) {
    if (c.type === 'text') text += c.text;
    else if (c.type === 'tool-call' && !c.providerExecuted) toolCalls.push({ id: c.toolCallId, type: 'function', function: { name: c.toolName, arguments: c.input } });
  }
  return { text, toolCalls, finish: r.finishReason.unified, usage: usageOf(r.usage) };
}

export type ChatDelta = { content: string } | { tool_calls: Array<{ index: number; id?: string; type?: 'function'; function: { name?: string; arguments: string } }> };

/**
 * One streamed call: text and tool-call deltas in OpenAI's chunk shape, in order. Resolves with
 * the finish reason and usage; an in-band error part is thrown, so the caller ends the stream cleanly.
 */
export async function streamChat(model: LanguageModelV4, options: LanguageModelV4CallOptions, emit: (delta: ChatDelta) => Promise<void>): Promise<{ finish: string; usage: WireUsage }> {
  const { stream } = await model.doStream(options);
  const toolIndex = new Map<string, number>();
  const streamed = new Set<string>();
  let finish = 'stop';
  let usage: WireUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  for await (const part of stream as unknown as AsyncIterable<LanguageModelV4StreamPart>) {
    switch (part.type) {
      case 'text-delta':
        if (part.delta) await emit({ content: part.delta });
        break;
      case 'tool-input-start': {
        const index = toolIndex.size;
        toolIndex.set(part.id, index);
        streamed.add(part.id);
        await emit({ tool_calls: [{ index, id: part.id, type: 'function', function: { name: part.toolName, arguments: '' } }] });
        break;
      }
      case 'tool-input-delta': {
        const index = toolIndex.get(part.id);
        if (index !== undefined && part.delta) await emit({ tool_calls: [{ index, function: { arguments: part.delta } }] });
        break;
      }
      case 'tool-call':
        // Providers that stream no input deltas send the whole call at once.
        if (!streamed.has(part.toolCallId) && !part.providerExecuted) {
          const index = toolIndex.size;
          toolIndex.set(part.toolCallId, index);
          await emit({ tool_calls: [{ index, id: part.toolCallId, type: 'function', function: { name: part.toolName, arguments: part.input } }] });
        }
        break;
      case 'finish':
        finish = part.finishReason.unified;
        usage = usageOf(part.usage);
        break;
      case 'error':
        throw part.error;
      default:
        break;
    }
  }
  return { finish, usage };
}
