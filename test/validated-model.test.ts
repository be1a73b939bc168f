import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { IncontextError, type Incontext } from '../src/app/index.js';
import { startFakeUpstream, type FakeUpstream } from '../src/testing/index.js';
import { openTemp } from './helpers.js';

let upstream: FakeUpstream;
let ic: Incontext;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  ic = openTemp({}, { env: { OPENAI_API_KEY: 'sk-test-key-123456', OPENAI_BASE_URL: upstream.openaiBaseURL } }).ic;
});
afterAll(async () => {
  await ic?.close();
  await upstream?.close();
});

const Weather = z.object({ city: z.string(), celsius: z.number() });

describe('ic.languageModel(spec, context, { output }): validated answers for library callers', () => {
  it('re-asks with the Zod error until the answer fits, every try traced', async () => {
    upstream.reset();
    upstream.script({ text: '{"city": "Oslo"}' }, { text: '{"city": "Oslo", "celsius": -3}' });
    const { model } = ic.languageModel('openai:gpt-4o-mini', { user: 'u-1' }, { output: Weather });
    const r = await generateText({ model, prompt: 'Weather in Oslo as JSON', maxRetries: 0 });
    expect(JSON.parse(r.text)).toEqual({ city: 'Oslo', celsius: -3 });
    expect(upstream.requests).toHaveLength(2);
    // The second request carries the validation error back to the model.
    expect(JSON.stringify(upstream.requests[1]!.body)).toMatch(/celsius/);
    const page = await ic.traces.listTraces(ic.config.project, { user: 'u-1' });
    expect(page.traces.length).toBe(2);
  });

  it('repairs broken JSON without a second call', async () => {
    upstream.reset();
    upstream.script({ text: "Here you go: {city: 'Bergen', celsius: 7,}" });
    const { model } = ic.languageModel('openai:gpt-4o-mini', {}, { output: Weather });
    const r = await generateText({ model, prompt: 'Weather in Bergen', maxRetries: 0 });
    expect(JSON.parse(r.text)).toEqual({ city: 'Bergen', celsius: 7 });
    expect(upstream.requests).toHaveLength(1);
  });

  it('checks choices and custom functions, and refuses with PARSE_FAILED after maxTries', async () => {
    upstream.reset();
    upstream.script({ text: 'maybe' }, { text: 'positive' });
    const choices = ic.languageModel('openai:gpt-4o-mini', {}, { output: ['positive', 'negative'] });
    expect((await generateText({ model: choices.model, prompt: 'Sentiment of "great"', maxRetries: 0 })).text.trim()).toBe('positive');

    upstream.reset();
    upstream.setHandler(() => ({ text: 'far too long an answer for the limit' }));
    const short = ic.languageModel('openai:gpt-4o-mini', {}, { output: (text: string) => (text.length <= 10 ? true : `answer is ${text.length} characters, the limit is 10`), maxTries: 3 });
    const err = await generateText({ model: short.model, prompt: 'One word', maxRetries: 0 }).catch((e: unknown) => e);
    upstream.setHandler(undefined);
    expect(upstream.requests).toHaveLength(3);
    expect(IncontextError.isInstance(err) ? err.code : String(err)).toMatch(/PARSE_FAILED/);
  });

  it('a validated stream sends nothing from a failed try: the client sees only the answer that passed', async () => {
    upstream.reset();
    upstream.script({ text: '{"town": "Paris"}' }, { text: '{"city": "Paris", "celsius": 18}' });
    const { model } = ic.languageModel('openai:gpt-4o-mini', {}, { output: Weather });
    const r = streamText({ model, prompt: 'Weather in Paris', maxRetries: 0 });
    let text = '';
    for await (const part of r.textStream) text += part;
    expect(JSON.parse(text)).toEqual({ city: 'Paris', celsius: 18 });
    expect(text).not.toContain('town');
    expect(upstream.requests).toHaveLength(2);
  });
});
