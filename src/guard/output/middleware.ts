/**
 * The output guard as AI SDK middleware: the whole answer of doGenerate and the parts of
 * doStream go through the same guard, so a caller sees the same redactions and the same
 * verdict whether it streamed or not. Blocking throws GUARD_BLOCKED from generate and ends a
 * stream with one clean error part (text already released stays released: it was checked).
 */
import type {
  JSONObject,
  LanguageModelV4Content,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
  SharedV4ProviderMetadata,
} from '@ai-sdk/provider';
import { IncontextError } from '../../core/index.js';
import { createOutputGuard, verdictOf } from './guard.js';
import type { OutputFinding, OutputGuard, OutputGuardOptions, OutputGuardStream, OutputScan, OutputVerdict } from './types.js';

type Part = LanguageModelV4StreamPart;

export interface ReportedFinding extends OutputFinding {
  /** Which part of the answer: a text block, a reasoning block, or a tool call's JSON input. */
  source: 'text' | 'reasoning' | 'tool-call' | 'structured-output';
  /** Index of that part among the parts of its kind, in order. */
  part: number;
  toolName?: string;
}

/** Everything the output guard decided about one model call; what goes on the trace. */
export interface OutputGuardReport {
  verdict: OutputVerdict;
  findings: ReportedFinding[];
}

export interface OutputGuardMiddlewareOptions {
  guard: OutputGuard | OutputGuardOptions;
  /** Guard tool-call inputs as well as text (default true): a model can leak through a tool's arguments too. */
  toolCalls?: boolean;
  /** Guard reasoning text as well (default true): UIs often show it, and it can quote the system prompt. */
  reasoning?: boolean;
  /** Called once per call with the report (also when blocked or when nothing was found), e.g. to record it on a span. */
  onReport?: (report: OutputGuardReport, mode: 'generate' | 'stream') => void;
}

class Report {
  findings: ReportedFinding[] = [];
  add(scan: OutputScan, source: ReportedFinding['source'], part: number, toolName?: string): void {
    for (const f of scan.findings) this.findings.push({ ...f, source, part, ...(toolName !== undefined ? { toolName } : {}) });
  }
  value(): OutputGuardReport {
    return { verdict: verdictOf(this.findings), findings: this.findings };
  }
}

/** Span attributes for a report: flat, bounded, and free of the values found. */
export function reportAttributes(report: OutputGuardReport): Record<string, string | number | boolean> {
  const checks = [...new Set(report.findings.map((f) => `${f.check}:${f.label}`))].sort();
  return {
    'guard.output.verdict': report.verdict,
    'guard.output.findings': report.findings.length,
    'guard.output.blocked': report.verdict === 'block',
    ...(checks.length > 0 ? { 'guard.output.labels': checks.join(',').slice(0, 500) } : {}),
  };
}

export function guardBlockedError(report: OutputGuardReport): IncontextError {
  const what = [...new Set(report.findings.filter((f) => f.action === 'block').map((f) => (f.check === 'pii' ? `pii:${f.label}` : f.check)))];
  return new IncontextError('GUARD_BLOCKED', `The model's answer was blocked by the output guard (${what.join(', ')})`, {
    input: { key: 'output' },
    hint: 'The answer contained something the guard policy blocks; the findings are on the trace. Change the prompt, or set that check to "redact" or "flag" in the guard policy.',
    cause: report,
  });
}

function withReport(meta: SharedV4ProviderMetadata | undefined, report: OutputGuardReport): SharedV4ProviderMetadata {
  const guard = JSON.parse(JSON.stringify(report)) as JSONObject;
  const incontext: JSONObject = { ...(meta?.incontext ?? {}), guard };
  return { ...(meta ?? {}), incontext };
}

export function outputGuardMiddleware(options: OutputGuardMiddlewareOptions): LanguageModelV4Middleware {
  const guard = 'scan' in options.guard ? options.guard : createOutputGuard(options.guard);
  const toolCalls = options.toolCalls ?? true;
  const reasoning = options.reasoning ?? true;
  return {
    specificationVersion: 'v4',
    async wrapGenerate({ doGenerate }) {
      const result = await doGenerate();
      const report = new Report();
      let text = 0;
      let thought = 0;
      let tool = 0;
      const content = result.content.map((part): LanguageModelV4Content => {
        if (part.type === 'text') {
          const r = guard.scan(part.text);
          report.add(r, 'text', text++);
          return { ...part, text: r.text };
        }
        if (part.type === 'reasoning' && reasoning) {
          const r = guard.scan(part.text);
          report.add(r, 'reasoning', thought++);
          return { ...part, text: r.text };
        }
        if (part.type === 'tool-call' && toolCalls) {
          const r = guard.scan(part.input);
          report.add(r, 'tool-call', tool++, part.toolName);
          return { ...part, input: r.text };
        }
        return part;
      });
      // The text the AI SDK parses for structured output when it differs from the text parts: guarded too, or it would be a way around.
      let structured: string | undefined;
      if (result.structuredOutputText !== undefined) {
        const r = guard.scan(result.structuredOutputText);
        report.add(r, 'structured-output', 0);
        structured = r.text;
      }
      const value = report.value();
      options.onReport?.(value, 'generate');
      if (value.verdict === 'block') throw guardBlockedError(value);
      if (value.findings.length === 0) return result;
      return {
        ...result,
        content,
        ...(structured !== undefined ? { structuredOutputText: structured } : {}),
        providerMetadata: withReport(result.providerMetadata, value),
      };
    },
    async wrapStream({ doStream }) {
      const { stream, ...rest } = await doStream();
      return { ...rest, stream: stream.pipeThrough(guardParts(guard, { toolCalls, reasoning }, options.onReport)) };
    },
  };
}

type Block = 'text' | 'reasoning';

function guardParts(
  guard: OutputGuard,
  { toolCalls, reasoning }: { toolCalls: boolean; reasoning: boolean },
  onReport: OutputGuardMiddlewareOptions['onReport'],
): TransformStream<Part, Part> {
  const report = new Report();
  const texts = new Map<string, { kind: Block; id: string; stream: OutputGuardStream; part: number }>();
  const toolInputs = new Map<string, { start: Part; deltas: string[] }>();
  const counts: Record<Block, number> = { text: 0, reasoning: 0 };
  let toolCount = 0;
  let done = false;
  let reported = false;

  const openText = (kind: Block, id: string) => {
    let t = texts.get(`${kind}:${id}`);
    if (!t) {
      t = { kind, id, stream: guard.stream(), part: counts[kind]++ };
      texts.set(`${kind}:${id}`, t);
    }
    return t;
  };
  const sendReport = (): OutputGuardReport => {
    const value = report.value();
    if (!reported) onReport?.(value, 'stream');
    reported = true;
    return value;
  };
  /** One clean error part, then the stream ends (and the pipe cancels the model's stream). */
  const block = (controller: TransformStreamDefaultController<Part>): void => {
    done = true;
    controller.enqueue({ type: 'error', error: guardBlockedError(sendReport()) });
    controller.terminate();
  };
  /** End a text or reasoning block and send its rest; false when its last piece was blocked. */
  const closeText = (key: string, controller: TransformStreamDefaultController<Part>): boolean => {
    const t = texts.get(key);
    if (!t) return true;
    texts.delete(key);
    const rest = t.stream.end();
    if (rest) controller.enqueue({ type: t.kind === 'text' ? 'text-delta' : 'reasoning-delta', id: t.id, delta: rest });
    report.add(t.stream.result(), t.kind, t.part);
    return !t.stream.blocked;
  };
  const closeAll = (controller: TransformStreamDefaultController<Part>): boolean => {
    for (const key of [...texts.keys()]) if (!closeText(key, controller)) return false;
    return true;
  };
  type DeltaPart = Extract<Part, { type: 'text-delta' | 'reasoning-delta' }>;
  const delta = (kind: Block, part: DeltaPart, controller: TransformStreamDefaultController<Part>): void => {
    const t = openText(kind, part.id);
    const out = t.stream.push(part.delta);
    if (out) controller.enqueue({ ...part, delta: out });
    if (t.stream.blocked) {
      texts.delete(`${kind}:${part.id}`);
      report.add(t.stream.result(), kind, t.part);
      block(controller);
    }
  };

  return new TransformStream<Part, Part>({
    transform(part, controller) {
      if (done) return;
      switch (part.type) {
        case 'text-start':
          openText('text', part.id);
          controller.enqueue(part);
          return;
        case 'text-delta':
          return delta('text', part, controller);
        case 'text-end':
          if (!closeText(`text:${part.id}`, controller)) return block(controller);
          controller.enqueue(part);
          return;
        case 'reasoning-start':
          if (!reasoning) break;
          openText('reasoning', part.id);
          controller.enqueue(part);
          return;
        case 'reasoning-delta':
          if (!reasoning) break;
          return delta('reasoning', part, controller);
        case 'reasoning-end':
          if (!reasoning) break;
          if (!closeText(`reasoning:${part.id}`, controller)) return block(controller);
          controller.enqueue(part);
          return;
        case 'tool-input-start':
          if (!toolCalls) break;
          toolInputs.set(part.id, { start: part, deltas: [] });
          return;
        case 'tool-input-delta': {
          const t = toolInputs.get(part.id);
          if (!t) break;
          t.deltas.push(part.delta);
          return;
        }
        case 'tool-input-end': {
          // Held whole until its end: streamed arguments are guarded as one text, like the tool call's input.
          const t = toolInputs.get(part.id);
          if (!t) break;
          toolInputs.delete(part.id);
          const r = guard.scan(t.deltas.join(''));
          // When blocked, the tool-call part that follows carries the same input and ends the stream.
          if (r.verdict === 'block') return;
          controller.enqueue(t.start);
          if (r.text) controller.enqueue({ type: 'tool-input-delta', id: part.id, delta: r.text });
          controller.enqueue(part);
          return;
        }
        case 'tool-call': {
          if (!toolCalls) break;
          const r = guard.scan(part.input);
          report.add(r, 'tool-call', toolCount++, part.toolName);
          if (r.verdict === 'block') return block(controller);
          controller.enqueue({ ...part, input: r.text });
          return;
        }
        case 'finish': {
          if (!closeAll(controller)) return block(controller);
          const value = sendReport();
          controller.enqueue(value.findings.length > 0 ? { ...part, providerMetadata: withReport(part.providerMetadata, value) } : part);
          return;
        }
      }
      controller.enqueue(part);
    },
    flush(controller) {
      if (done) return;
      // A stream that ended without a finish part (cut off upstream) still has its open text checked.
      if (!closeAll(controller)) return block(controller);
      sendReport();
    },
  });
}
