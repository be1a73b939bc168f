import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { generateText, wrapLanguageModel } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validationMiddleware, withValidation, type Attempt } from './reask.js';
import { scriptedModel } from './__fixtures__/scripted-model.js';

const Answer = z.object({ answer: z.string(), confidence: z.number().min(0).max(1) });

describe('withValidation', () => {
  it('re-asks with the previous answer and its error until the answer validates', async () => {
    const answers = ['The answer is 4.', '{"answer": "4", "confidence": 7}', '```json\n{"answer": "4", "confidence": 0.9,}\n```'];
    const seen: Attempt[] = [];
    const r = await withValidation(async (a) => {
      seen.push(a);
      return answers[a.n - 1]!;
    }, Answer);
    expect(r).toMatchObject({ value: { answer: '4', confidence: 0.9 }, tries: 3, repaired: true });
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toMatch(/must be JSON/);
    expect(r.errors[1]).toMatch(/^\/confidence: /);
    expect(seen[0]!.previous).toBeUndefined();
    expect(seen[2]!.previous?.text).toBe(answers[1]);
    expect(seen[2]!.previous?.feedback).toContain('/confidence');
  });

  it('stops after maxTries with PARSE_FAILED naming the last error', async () => {
    let calls = 0;
    const run = withValidation(async () => {
      calls++;
      return 'maybe';
    }, ['yes', 'no'], { maxTries: 2 });
    await expect(run).rejects.toMatchObject({ code: 'PARSE_FAILED', message: expect.stringContaining('exactly one of: "yes", "no"') });
    expect(calls).toBe(2);
    await expect(withValidation(async () => 'yes', ['yes'], { maxTries: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('validationMiddleware', () => {
  it('asks for structured output, re-asks the model with the error, and returns clean JSON with summed usage', async () => {
    const calls: LanguageModelV4CallOptions[] = [];
    const replies = ['Sure! {"answer": "Paris", "confidence": 2}', "{'answer': 'Paris', 'confidence': 0.95,}"];
    const model = wrapLanguageModel({
      model: scriptedModel((call, n) => {
        calls.push(call);
        return { pieces: [replies[n]!] };
      }),
      middleware: validationMiddleware(Answer, { maxTries: 3 }),
    });
    const result = await generateText({ model, prompt: 'Capital of France? Answer as JSON.' });
    expect(JSON.parse(result.text)).toEqual({ answer: 'Paris', confidence: 0.95 });
    expect(calls).toHaveLength(2);
    expect(calls[0]!.responseFormat).toMatchObject({ type: 'json', schema: { type: 'object', required: ['answer', 'confidence'] } });
    const reask = calls[1]!.prompt;
    expect(reask.at(-2)).toEqual({ role: 'assistant', content: [{ type: 'text', text: replies[0] }] });
    const feedback = reask.at(-1);
    expect(feedback?.role).toBe('user');
    expect(JSON.stringify(feedback)).toContain('/confidence');
    expect(result.usage.inputTokens).toBe(20);
    expect(result.usage.outputTokens).toBe(40);
    expect(result.providerMetadata?.incontext?.validation).toMatchObject({ tries: 2, repaired: true });
  });

  it('leaves a caller-set responseFormat alone and gives up after maxTries', async () => {
    const calls: LanguageModelV4CallOptions[] = [];
    const model = wrapLanguageModel({
      model: scriptedModel((call) => {
        calls.push(call);
        return { pieces: ['not json at all'] };
      }),
      middleware: validationMiddleware({ kind: 'json-schema', schema: { type: 'object' } }, { maxTries: 2 }),
    });
    await expect(model.doGenerate({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }], responseFormat: { type: 'json', name: 'mine' } })).rejects.toMatchObject({
      code: 'PARSE_FAILED',
    });
    expect(calls).toHaveLength(2);
    expect(calls[0]!.responseFormat).toEqual({ type: 'json', name: 'mine' });
  });

  it('passes the last answer on, flagged, when asked to instead of throwing', async () => {
    const model = wrapLanguageModel({
      model: scriptedModel(() => ({ pieces: ['still not json'] })),
      middleware: validationMiddleware(Answer, { maxTries: 2, onExhausted: 'flag' }),
    });
    const r = await model.doGenerate({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }] });
    expect(r.content).toEqual([{ type: 'text', text: 'still not json' }]);
    expect(r.providerMetadata?.incontext?.validation).toMatchObject({ tries: 2, failed: true, errors: [expect.stringMatching(/JSON/), expect.stringMatching(/JSON/)] });
    expect(r.usage.outputTokens.total).toBe(40);
  });

  it('does not validate an answer that calls tools', async () => {
    const model = wrapLanguageModel({
      model: scriptedModel(() => ({ pieces: [''], toolCall: { toolName: 'lookup', input: '{}' } })),
      middleware: validationMiddleware(Answer),
    });
    const r = await model.doGenerate({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }] });
    expect(r.content.some((c) => c.type === 'tool-call')).toBe(true);
  });
});
