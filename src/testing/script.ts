/**
 * Protocol-independent pieces of the fake: the reply queue, the echo reply,
 * deterministic token counts, chunking and embeddings.
 */
import { createHash } from 'node:crypto';
import type {
  FakeEndpoint,
  FakeToolCall,
  FakeUsage,
  RecordedRequest,
  ReplyItem,
} from './types.js';

const GENERATION: readonly FakeEndpoint[] = ['openai.chat', 'openai.responses', 'anthropic.messages'];

function accepts(item: ReplyItem, endpoint: FakeEndpoint): boolean {
  const on = item.on;
  if (on === undefined) return GENERATION.includes(endpoint);
  return typeof on === 'string' ? on === endpoint : on.includes(endpoint);
}

/** FIFO of scripted replies; each request takes the first item aimed at its endpoint. */
export class ReplyQueue {
  #items: ReplyItem[] = [];

  push(items: readonly ReplyItem[]): void {
    this.#items.push(...items);
  }

  take(endpoint: FakeEndpoint): ReplyItem | undefined {
    const i = this.#items.findIndex((item) => accepts(item, endpoint));
    if (i < 0) return undefined;
    return this.#items.splice(i, 1)[0];
  }

  get size(): number {
    return this.#items.length;
  }

  clear(): void {
    this.#items = [];
  }
}

/**
 * Deterministic token count: whitespace-separated words. Exported so tests can
 * compute the usage the fake will report.
 */
export function countFakeTokens(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

/** The reply when nothing is scripted. */
export function echoText(lastUserText: string): string {
  return `echo: ${lastUserText}`;
}

/**
 * Split text for streaming: by default each word keeps its leading space
 * ("Hello", " world"), so joining the chunks gives the text back exactly.
 */
export function splitChunks(text: string, chunkSize?: number): string[] {
  if (text === '') return [];
  if (chunkSize !== undefined && chunkSize > 0) {
    const out: string[] = [];
    for (let i = 0; i < text.length; i += chunkSize) out.push(text.slice(i, i + chunkSize));
    return out;
  }
  return text.match(/\s*\S+|\s+$/g) ?? [text];
}

export function toolArguments(call: FakeToolCall): string {
  return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
}

export interface ResolvedUsage {
  inputTokens: number;
  outputTokens: number;
}

export function resolveUsage(
  promptTexts: readonly string[],
  outputText: string,
  toolCalls: readonly FakeToolCall[],
  override: FakeUsage | undefined,
): ResolvedUsage {
  const computedInput = promptTexts.reduce((n, t) => n + countFakeTokens(t), 0);
  const computedOutput =
    countFakeTokens(outputText) +
    toolCalls.reduce((n, c) => n + countFakeTokens(`${c.name} ${toolArguments(c)}`), 0);
  return {
    inputTokens: override?.inputTokens ?? computedInput,
    outputTokens: override?.outputTokens ?? computedOutput,
  };
}

/** Short deterministic id from the request index, so recorded runs are stable. */
export function fakeId(prefix: string, request: RecordedRequest, n = 0): string {
  const h = createHash('sha256').update(`${request.index}:${n}:${prefix}`).digest('hex');
  return `${prefix}${h.slice(0, 24)}`;
}

/** Collect the string leaves of a message content (string, text parts, nested tool results). */
export function contentTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (Array.isArray(content)) return content.flatMap((part) => contentTexts(part));
  if (content !== null && typeof content === 'object') {
    const part = content as Record<string, unknown>;
    if (typeof part['text'] === 'string') return [part['text']];
    if ('content' in part) return contentTexts(part['content']);
    if (typeof part['output'] === 'string') return [part['output']];
  }
  return [];
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function u32(bytes: Buffer, offset: number): number {
  return bytes.readUInt32LE(offset);
}

/**
 * Deterministic embedding by feature hashing: every lower-cased word adds ±1 at
 * a hashed position, then the vector is L2-normalised. Texts that share words
 * therefore have positive cosine similarity, which keeps retrieval tests
 * meaningful. A text without words gets a pseudo-random unit vector seeded by its hash.
 */
export function fakeEmbedding(input: string, dimensions: number): number[] {
  const vector: number[] = Array.from({ length: dimensions }, () => 0);
  const words = input.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const word of words) {
    const h = createHash('sha256').update(word).digest();
    const index = u32(h, 0) % dimensions;
    vector[index] = (vector[index] ?? 0) + ((h[4] ?? 0) & 1 ? 1 : -1);
  }
  if (!vector.some((v) => v !== 0)) {
    let block = createHash('sha256').update(`empty:${input}`).digest();
    for (let i = 0; i < dimensions; i++) {
      const offset = (i * 4) % 32;
      if (i > 0 && offset === 0) block = createHash('sha256').update(block).digest();
      vector[i] = u32(block, offset) / 0xffffffff - 0.5;
    }
  }
  const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0));
  return vector.map((v) => v / norm);
}

/** Little-endian float32 bytes in base64: the OpenAI `encoding_format: 'base64'` wire form. */
export function embeddingToBase64(vector: readonly number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}
