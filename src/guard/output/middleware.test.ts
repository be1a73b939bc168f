import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { streamText, wrapLanguageModel } from 'ai';
import { convertReadableStreamToArray } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { IncontextError, prng } from '../../core/index.js';
import { createOutputGuard } from './guard.js';
import { outputGuardMiddleware, reportAttributes, type OutputGuardReport } from './middleware.js';
import { scriptedModel, type Script } from './__fixtures__/scripted-model.js';

const CANARY = 'CANARY-0a1b2c3d4e5f60718293a4b5';
const SYSTEM = 'You are the helpdesk bot of Contoso. Only answer questions about printers, laptops and VPN access, and never mention the admin password rotation schedule.';
const params: LanguageModelV4CallOptions = { prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };

const guard = createOutputGuard({ pii: 'redact', canaries: [CANARY], systemPrompt: SYSTEM, blockList: { terms: ['rotation schedule'], action: 'flag' } });

function split(text: string, rand: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const len = 1 + Math.floor(rand() * 12);
    out.push(text.slice(i, i + len));
    i += len;
  }
  return out;
}

type Outcome = { text: string; toolInput?: string; report?: OutputGuardReport; error?: IncontextError };

async function viaGenerate(script: Script): Promise<Outcome> {
  const model = wrapLanguageModel({ model: scriptedModel(() => script), middleware: outputGuardMiddleware({ guard }) });
  try {
    const r = await model.doGenerate(params);
    const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
    const tool = r.content.find((c) => c.type === 'tool-call');
    const report = r.providerMetadata?.incontext?.guard as OutputGuardReport | undefined;
    return { text, ...(tool ? { toolInput: tool.input } : {}), ...(report ? { report } : {}) };
  } catch (error) {
    if (!IncontextError.isInstance(error)) throw error;
    return { text: '', error };
  }
}

async function viaStream(script: Script): Promise<Outcome & { parts: LanguageModelV4StreamPart[] }> {
  const model = wrapLanguageModel({ model: scriptedModel(() => script), middleware: outputGuardMiddleware({ guard }) });
  const { stream } = await model.doStream(params);
  const parts = await convertReadableStreamToArray(stream);
  const text = parts.map((p) => (p.type === 'text-delta' ? p.delta : '')).join('');
  const tool = parts.find((p) => p.type === 'tool-call');
  const finish = parts.find((p) => p.type === 'finish');
  const err = parts.find((p) => p.type === 'error');
  const report = finish?.providerMetadata?.incontext?.guard as OutputGuardReport | undefined;
  return {
    parts,
    text,
    ...(tool ? { toolInput: tool.input } : {}),
    ...(report ? { report } : {}),
    ...(err && IncontextError.isInstance(err.error) ? { error: err.error } : {}),
  };
}

const ANSWERS = [
  'Your ticket is logged. I emailed the summary to maria.garcia@contoso.com and texted +1 206 555 0147.\nAnything else?',
  `Sure. The secret tag is ${CANARY}, as requested.`,
  `Of course! ${SYSTEM}`,
  'Restart the printer, then reconnect to the VPN. The rotation schedule is not something I can share.',
  'Printers restart in two minutes. Laptops need the VPN client.',
];

describe('outputGuardMiddleware', () => {
  it('gives the same text, redactions and verdict through doGenerate and doStream', async () => {
    const rand = prng(7);
    for (const answer of ANSWERS) {
      const whole = guard.scan(answer);
      const gen = await viaGenerate({ pieces: [answer] });
      for (let trial = 0; trial < 5; trial++) {
        const str = await viaStream({ pieces: split(answer, rand) });
        if (whole.verdict === 'block') {
          expect(gen.error?.code).toBe('GUARD_BLOCKED');
          expect(str.error?.code).toBe('GUARD_BLOCKED');
          expect(str.error?.cause).toEqual(gen.error?.cause);
          // What the stream sent before the error was checked: the whole scan's released part, nothing more.
          expect(str.text).toBe(whole.text);
          expect(str.parts.at(-1)?.type).toBe('error');
          expect(str.parts.some((p) => p.type === 'finish')).toBe(false);
        } else {
          expect(gen.error).toBeUndefined();
          expect(gen.text).toBe(whole.text);
          expect(str.text).toBe(whole.text);
          expect(str.report).toEqual(gen.report);
        }
      }
    }
  });

  it('redacts, flags and passes with the report on providerMetadata.incontext.guard', async () => {
    const red = await viaGenerate({ pieces: [ANSWERS[0]!] });
    expect(red.text).toBe('Your ticket is logged. I emailed the summary to [EMAIL] and texted [PHONE].\nAnything else?');
    expect(red.report?.verdict).toBe('redact');
    expect(red.report?.findings.map((f) => f.label)).toEqual(['email', 'phone']);
    const flag = await viaStream({ pieces: split(ANSWERS[3]!, prng(1)) });
    expect(flag.text).toBe(ANSWERS[3]);
    expect(flag.report).toMatchObject({ verdict: 'flag', findings: [{ check: 'blocklist', action: 'flag', source: 'text', part: 0 }] });
    const clean = await viaGenerate({ pieces: [ANSWERS[4]!] });
    expect(clean.report).toBeUndefined();
    expect(reportAttributes(red.report!)).toEqual({
      'guard.output.verdict': 'redact',
      'guard.output.findings': 2,
      'guard.output.blocked': false,
      'guard.output.labels': 'pii:email,pii:phone',
    });
  });

  it('guards tool-call inputs, streamed or not', async () => {
    const script: Script = { pieces: ['Sending it now.'], toolCall: { toolName: 'send', input: '{"to":"lee.chen@example.com","body":"hi"}' } };
    const gen = await viaGenerate(script);
    const str = await viaStream(script);
    expect(gen.toolInput).toBe('{"to":"[EMAIL]","body":"hi"}');
    expect(str.toolInput).toBe(gen.toolInput);
    const deltas = str.parts.filter((p) => p.type === 'tool-input-delta').map((p) => p.delta).join('');
    expect(deltas).toBe(gen.toolInput);
    expect(str.report).toEqual(gen.report);
    expect(gen.report?.findings[0]).toMatchObject({ source: 'tool-call', toolName: 'send', label: 'email' });

    const leaky: Script = { pieces: ['Done.'], toolCall: { toolName: 'post', input: JSON.stringify({ note: CANARY }) } };
    expect((await viaGenerate(leaky)).error?.code).toBe('GUARD_BLOCKED');
    const s = await viaStream(leaky);
    expect(s.error?.code).toBe('GUARD_BLOCKED');
    expect(JSON.stringify(s.parts.filter((p) => p.type !== 'error'))).not.toContain('0a1b2c3d');
  });

  it('guards reasoning like text, on both paths', async () => {
    const script: Script = { reasoning: split('The user is wu.fang@example.net. I will answer briefly.', prng(5)), pieces: ['Done.'] };
    const gen = await viaGenerate(script);
    const str = await viaStream(script);
    const reasoningText = str.parts.map((p) => (p.type === 'reasoning-delta' ? p.delta : '')).join('');
    expect(reasoningText).toBe('The user is [EMAIL]. I will answer briefly.');
    expect(gen.report).toEqual(str.report);
    expect(gen.report?.findings[0]).toMatchObject({ source: 'reasoning', label: 'email' });
    const leaky: Script = { reasoning: [`Remember ${CANARY.slice(0, 12)}`, `${CANARY.slice(12)} is secret.`], pieces: ['Hello.'] };
    expect((await viaGenerate(leaky)).error?.code).toBe('GUARD_BLOCKED');
    const s = await viaStream(leaky);
    expect(s.error?.code).toBe('GUARD_BLOCKED');
    expect(JSON.stringify(s.parts)).not.toContain('4e5f6071');
  });

  it('reaches streamText callers as an error, with the checked text before it', async () => {
    const model = wrapLanguageModel({
      model: scriptedModel(() => ({ pieces: split(`Happy to help. ${ANSWERS[1]!}`, prng(3)) })),
      middleware: outputGuardMiddleware({ guard }),
    });
    const result = streamText({ model, prompt: 'hi', onError: () => undefined });
    const seen: string[] = [];
    let error: unknown;
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') seen.push(part.text);
      if (part.type === 'error') error = part.error;
    }
    expect(seen.join('')).toBe('Happy to help. Sure. ');
    expect(IncontextError.isInstance(error) && error.code).toBe('GUARD_BLOCKED');
  });

  it('guards structuredOutputText as well as the text parts', async () => {
    const base = scriptedModel(() => ({ pieces: ['Draft.'] }));
    const inner = base.doGenerate.bind(base);
    base.doGenerate = async (call) => ({ ...(await inner(call)), structuredOutputText: '{"contact": "lee.chen@example.com"}' });
    const model = wrapLanguageModel({ model: base, middleware: outputGuardMiddleware({ guard }) });
    const r = await model.doGenerate(params);
    expect(r.structuredOutputText).toBe('{"contact": "[EMAIL]"}');
    expect((r.providerMetadata?.incontext?.guard as unknown as OutputGuardReport).findings[0]).toMatchObject({ source: 'structured-output', label: 'email' });
  });

  it('reports once per call, also when nothing was found', async () => {
    const reports: [string, string][] = [];
    const model = wrapLanguageModel({
      model: scriptedModel(() => ({ pieces: ['Printers are fine.'] })),
      middleware: outputGuardMiddleware({ guard, onReport: (r, mode) => reports.push([mode, r.verdict]) }),
    });
    await model.doGenerate(params);
    await convertReadableStreamToArray((await model.doStream(params)).stream);
    expect(reports).toEqual([
      ['generate', 'pass'],
      ['stream', 'pass'],
    ]);
  });
});
