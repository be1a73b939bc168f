/**
 * In-process overhead of the gateway chain: the same @ai-sdk/openai chat model
 * called through `generateText` / `streamText` directly and wrapped by
 * `createGateway()`, against one loopback fake upstream, calls interleaved so
 * machine load hits both alike.
 */
import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModelV4, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { generateText, streamText } from 'ai';
import { createGateway } from '../../src/gateway/index.js';
import { fmt, interleaved, log, percentile, settle, type Table } from '../lib.js';

export interface OverheadOptions {
  /** Timed calls per runner. */
  calls: number;
  warmup: number;
}

async function generateOnce(model: LanguageModelV4, i: number): Promise<string> {
  const r = await generateText({ model, prompt: `Say hello to caller ${i}.`, maxRetries: 0 });
  return r.text;
}

async function streamOnce(model: LanguageModelV4, i: number): Promise<string> {
  const r = streamText({ model, prompt: `Say hello to caller ${i}.`, maxRetries: 0 });
  let text = '';
  for await (const d of r.textStream) text += d;
  return text;
}

/**
 * A model that answers at once in process: with no network in the way, the
 * difference between direct and gateway calls is the chain's own CPU cost.
 */
function instantModel(): LanguageModelV4 {
  return {
    specificationVersion: 'v4',
    provider: 'bench.instant',
    modelId: 'instant-1',
    supportedUrls: {},
    doGenerate: async (o) => {
      const last = o.prompt.at(-1);
      const text = last?.role === 'user' ? last.content.map((p) => (p.type === 'text' ? p.text : '')).join('') : '';
      return {
        content: [{ type: 'text', text: `echo: ${text}` }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: { inputTokens: { total: 5, noCache: 5, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 5, text: 5, reasoning: undefined } },
        warnings: [],
      };
    },
    doStream: async (o) => {
      const last = o.prompt.at(-1);
      const text = last?.role === 'user' ? last.content.map((p) => (p.type === 'text' ? p.text : '')).join('') : '';
      const words = `echo: ${text}`.split(/(?= )/);
      const parts: LanguageModelV4StreamPart[] = [
        { type: 'stream-start', warnings: [] },
        { type: 'text-start', id: 't' },
        ...words.map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 't', delta })),
        { type: 'text-end', id: 't' },
        {
          type: 'finish',
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: { inputTokens: { total: 5, noCache: 5, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 5, text: 5, reasoning: undefined } },
        },
      ];
      return {
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            for (const p of parts) controller.enqueue(p);
            controller.close();
          },
        }),
      };
    },
  };
}

/** Median of per-call differences (gateway − direct) over calls made back to back. */
function pairedMedian(a: number[], b: number[]): number {
  return percentile(
    a.map((x, i) => x - b[i]!),
    50,
  );
}

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : '−'}${fmt(Math.abs(ms), 3)}`;
}

export async function measureOverhead(upstreamUrl: string, o: OverheadOptions): Promise<Table> {
  const openai = createOpenAI({ baseURL: `${upstreamUrl}/v1`, apiKey: 'sk-bench-0000' });
  const direct = openai.chat('gpt-4o-mini');
  const gateway = createGateway();
  const wrapped = gateway(direct);
  const instant = instantModel();
  const wrappedInstant = gateway(instant);
  const runners = [
    (i: number) => generateOnce(direct, i),
    (i: number) => generateOnce(wrapped, i),
    (i: number) => streamOnce(direct, i),
    (i: number) => streamOnce(wrapped, i),
    (i: number) => generateOnce(instant, i),
    (i: number) => generateOnce(wrappedInstant, i),
    (i: number) => streamOnce(instant, i),
    (i: number) => streamOnce(wrappedInstant, i),
  ];
  // The fake upstream echoes the last user message, so every runner must answer with its own prompt.
  const check = await Promise.all(runners.map((r) => r(-1)));
  if (check.some((t) => t !== 'echo: Say hello to caller -1.')) throw new Error(`Unexpected answers through the models: ${JSON.stringify(check)}`);
  log(`gateway overhead: ${o.warmup} warm-up + ${o.calls} timed calls per runner`);
  await interleaved(runners, Array.from({ length: o.warmup }, (_, i) => i));
  settle();
  const [gd, gg, sd, sg, id, ig, isd, isg] = await interleaved(
    runners,
    Array.from({ length: o.calls }, (_, i) => i),
  );
  const row = (name: string, lat: number[], base?: number[]) => [
    name,
    percentile(lat, 50),
    percentile(lat, 99),
    base ? fmt(percentile(lat, 50) - percentile(base, 50), 3) : '—',
    base ? fmt(pairedMedian(lat, base), 3) : '—',
  ];
  const addedGen = percentile(gg!.lat, 50) - percentile(gd!.lat, 50);
  const addedStream = percentile(sg!.lat, 50) - percentile(sd!.lat, 50);
  return {
    title: `Gateway overhead in process: generateText / streamText against a loopback fake upstream, ${o.calls} calls each`,
    head: ['call', 'p50 ms', 'p99 ms', 'added p50 ms', 'median paired difference ms'],
    rows: [
      row('generateText, @ai-sdk/openai chat model direct', gd!.lat),
      row('generateText, createGateway()(same model)', gg!.lat, gd!.lat),
      row('streamText, direct', sd!.lat),
      row('streamText, createGateway()(same model)', sg!.lat, sd!.lat),
      row('generateText, instant in-process model (no network)', id!.lat),
      row('generateText, createGateway()(instant model)', ig!.lat, id!.lat),
      row('streamText, instant in-process model (no network)', isd!.lat),
      row('streamText, createGateway()(instant model)', isg!.lat, isd!.lat),
    ],
    notes: [
      'The gateway with its defaults: route, cascade, retry/fallback (3 attempts), circuit breaker; rate limits and budgets are off unless configured. maxRetries: 0 on both sides.',
      'The fake upstream runs in its own process on 127.0.0.1 and echoes the prompt (a ~10-token answer; streamed word by word). Calls are sequential, the runners interleaved call by call in rotating order.',
      'The instant model answers in process with no I/O, so its rows show the chain\'s own CPU cost without network noise.',
      '"median paired difference" is the median over i of (gateway call i − direct call i), made back to back; less sensitive to load drift than the difference of the two medians.',
    ],
    summary: `Gateway overhead in process (added p50, loopback fake upstream): generateText ${signed(addedGen)} ms (${fmt(percentile(gd!.lat, 50), 3)} → ${fmt(percentile(gg!.lat, 50), 3)} ms; paired median ${signed(pairedMedian(gg!.lat, gd!.lat))}), streamText ${signed(addedStream)} ms (paired ${signed(pairedMedian(sg!.lat, sd!.lat))}); on an instant in-process model ${signed(percentile(ig!.lat, 50) - percentile(id!.lat, 50))} / ${signed(percentile(isg!.lat, 50) - percentile(isd!.lat, 50))} ms (goal ≤ 1 ms added p50: ${Math.max(addedGen, addedStream) <= 1 ? 'met' : 'missed on the difference of medians'}${Math.max(addedGen, addedStream) > 1 && Math.max(pairedMedian(gg!.lat, gd!.lat), pairedMedian(sg!.lat, sd!.lat)) <= 1 ? ', met on paired differences' : ''}).`,
  };
}
