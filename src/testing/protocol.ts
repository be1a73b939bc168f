/**
 * The contract between the generic reply driver (server.ts) and each wire
 * protocol: the driver decides *what* to answer (text, tool calls, error,
 * hang, reset, malformed); a protocol decides how that looks on the wire.
 */
import type { SseEvent } from './http.js';
import type { ResolvedUsage } from './script.js';
import type { FakeGenerationEndpoint, RecordedRequest } from './types.js';

export interface ResolvedToolCall {
  id: string;
  name: string;
  /** The arguments exactly as sent on the wire (JSON text, or a deliberately broken string). */
  arguments: string;
}

/** A successful generation, independent of protocol. */
export interface GenerationReply {
  request: RecordedRequest;
  model: string;
  text: string;
  /** The text split for streaming; joined they equal `text`. */
  chunks: readonly string[];
  toolCalls: readonly ResolvedToolCall[];
  /** Chunk size used to split tool-call arguments when streaming. */
  argumentChunkSize: number;
  usage: ResolvedUsage;
}

export interface GenerationProtocol {
  endpoint: FakeGenerationEndpoint;
  /** Every text of the prompt (system and messages), for the input token count. */
  promptTexts(body: unknown): string[];
  /** The text of the last user message, for the echo reply. */
  lastUserText(body: unknown): string;
  json(reply: GenerationReply): unknown;
  events(reply: GenerationReply): SseEvent[];
  /** An event in the protocol's framing whose data is not valid JSON. */
  brokenEvent: SseEvent;
  /** The protocol's in-stream error event; `sequence` is the number of events sent before it. */
  errorEvent(status: number, message: string | undefined, sequence: number): SseEvent;
}

/** Events up to the `n`-th content event; with `n` 0 only the opening events that carry no output. */
export function cutAfterContent(events: readonly SseEvent[], n: number): SseEvent[] {
  if (n <= 0) return events.filter((event) => event.head === true);
  const out: SseEvent[] = [];
  let seen = 0;
  for (const event of events) {
    if (event.content === true) {
      if (seen >= n) break;
      seen++;
    }
    out.push(event);
  }
  return out;
}

export interface ErrorShape {
  body: unknown;
  headers: Record<string, string>;
}

export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
