/**
 * Stream plumbing. The rule the gateway keeps: a stream is "started" at its
 * first content part. Before that a failure is invisible to the consumer and
 * may be retried or fall back; after it the consumer has seen text, so a
 * failure becomes one clean `error` part and the stream ends — never a hang,
 * never text sent twice.
 */
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';

type Part = LanguageModelV4StreamPart;

/**
 * Parts that deliver output to the consumer. Until one arrives (metadata, block
 * starts and providers' `custom` parts such as Anthropic's message_start do not
 * count) a stream that fails is safe to replay elsewhere.
 */
const CONTENT = new Set<Part['type']>([
  'text-delta',
  'reasoning-delta',
  'tool-input-start',
  'tool-input-delta',
  'tool-call',
  'tool-result',
  'tool-approval-request',
  'file',
  'source',
  'finish',
]);

export interface Primed {
  /** The parts read so far (preamble plus the first content part). */
  head: Part[];
  reader: ReadableStreamDefaultReader<Part>;
  /** True when the source ended while priming (e.g. a finish with no content). */
  done: boolean;
}

/**
 * Read until the first content part. Throws when the stream errors (or carries
 * an `error` part) before any content, so the caller can retry.
 */
export async function primeStream(stream: ReadableStream<Part>): Promise<Primed> {
  const reader = stream.getReader();
  const head: Part[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { head, reader, done: true };
      if (value.type === 'error') throw value.error;
      head.push(value);
      if (CONTENT.has(value.type)) return { head, reader, done: false };
    }
  } catch (error) {
    reader.cancel(error).catch(() => undefined);
    throw error;
  }
}

export interface GuardOptions {
  /** Longest silence between parts after the start; then `onIdle` and an error part. */
  idleTimeoutMs?: number;
  onIdle?: () => unknown;
}

/**
 * The rest of a primed stream, with its head replayed first. A read failure
 * becomes one `error` part and the stream closes; an idle stream is aborted the
 * same way (the error part carries what `onIdle` returns).
 */
export function guardStream(primed: Primed, options: GuardOptions = {}): ReadableStream<Part> {
  const { reader } = primed;
  const queue = [...primed.head];
  let finished = primed.done;
  return new ReadableStream<Part>({
    async pull(controller) {
      const next = queue.shift();
      if (next) return controller.enqueue(next);
      if (finished) return controller.close();
      try {
        const result = await readWithIdle(reader, options);
        if (result.done) {
          finished = true;
          return controller.close();
        }
        controller.enqueue(result.value);
      } catch (error) {
        finished = true;
        reader.cancel(error).catch(() => undefined);
        controller.enqueue({ type: 'error', error });
        controller.close();
      }
    },
    cancel(reason) {
      finished = true;
      return reader.cancel(reason);
    },
  });
}

async function readWithIdle(
  reader: ReadableStreamDefaultReader<Part>,
  options: GuardOptions,
): Promise<ReadableStreamReadResult<Part>> {
  const idle = options.idleTimeoutMs;
  if (idle === undefined) return reader.read();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(options.onIdle?.() ?? new Error(`stream idle for ${idle} ms`)), idle);
  });
  try {
    return await Promise.race([reader.read(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type StreamEnd = { kind: 'done' } | { kind: 'error'; error: unknown } | { kind: 'cancel' };

/**
 * Pass a stream through, calling `onPart` for each part and `onEnd` exactly once
 * however it ends (finished, failed, or cancelled by the consumer) — what a
 * budget needs to settle a reservation and a breaker to count an outcome.
 */
export function observeStream(
  stream: ReadableStream<Part>,
  hooks: { onPart?: (part: Part) => Part | void; onEnd: (end: StreamEnd) => void },
): ReadableStream<Part> {
  const reader = stream.getReader();
  let ended = false;
  const end = (e: StreamEnd): void => {
    if (ended) return;
    ended = true;
    hooks.onEnd(e);
  };
  return new ReadableStream<Part>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          end({ kind: 'done' });
          return controller.close();
        }
        controller.enqueue(hooks.onPart?.(value) ?? value);
      } catch (error) {
        end({ kind: 'error', error });
        controller.error(error);
      }
    },
    cancel(reason) {
      end({ kind: 'cancel' });
      return reader.cancel(reason);
    },
  });
}

/** Read a whole stream into memory (used by the cascade, which must judge an answer before sending it). */
export async function collectStream(stream: ReadableStream<Part>): Promise<Part[]> {
  const parts: Part[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
}

export function replayStream(parts: readonly Part[]): ReadableStream<Part> {
  let i = 0;
  return new ReadableStream<Part>({
    pull(controller) {
      const part = parts[i++];
      if (part) controller.enqueue(part);
      else controller.close();
    },
  });
}

export function streamText(parts: readonly Part[]): string {
  return parts.map((p) => (p.type === 'text-delta' ? p.delta : '')).join('');
}
