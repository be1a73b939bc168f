/** Shared by the gateway tests: a manual clock and stream-collection helpers. */
import type { Clock, GatewayEvent } from '../types.js';

export interface ManualClock extends Clock {
  /** Every delay passed to sleep, in order. */
  sleeps: number[];
  advance(ms: number): void;
}

/** Time moves only when told to (or by the amount a sleep asked for); sleeps return at once. */
export function manualClock(random: () => number = () => 0.5, start = Date.UTC(2026, 10, 23, 12)): ManualClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    random,
    advance(ms) {
      now += ms;
    },
    sleep(ms) {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

export function recorder(): { events: GatewayEvent[]; onEvent: (e: GatewayEvent) => void } {
  const events: GatewayEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

export type Part = { type: string; text?: string; error?: unknown };

/** Collect fullStream parts; an error thrown by the iterator is returned, not rethrown. */
export async function collect(stream: AsyncIterable<unknown>): Promise<{ parts: Part[]; thrown: unknown }> {
  const parts: Part[] = [];
  try {
    for await (const part of stream) parts.push(part as Part);
  } catch (error) {
    return { parts, thrown: error };
  }
  return { parts, thrown: undefined };
}

export function textOf(parts: readonly Part[]): string {
  return parts.map((p) => (p.type === 'text-delta' ? (p.text ?? '') : '')).join('');
}
