import { generateText, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NO_ANSWER } from '../core/index.js';
import { useFakeProviders } from './__fixtures__/providers.js';
import { answersAgree, createGateway, judgeVerifier, nonAbstentionVerifier, orderTargets, schemaVerifier, selfConsistencyVerifier, type GatewayOptions } from './index.js';
import { manualClock, recorder } from './__fixtures__/helpers.js';

const fake = useFakeProviders();

const modelsAsked = (): string[] => fake.upstream.requests.map((r) => (r.body as { model: string }).model);

function setup(options: Partial<GatewayOptions>, random: () => number = () => 0.5) {
  const rec = recorder();
  const gateway = createGateway({
    // Any `openai:<id>` spec becomes a chat model on the fake.
    resolve: (spec) => fake.openai.chat(spec.replace(/^openai:/, '')),
    clock: manualClock(random),
    onEvent: rec.onEvent,
    ...options,
  });
  return { gateway, ...rec };
}

describe('routing', () => {
  it('resolves aliases to concrete models', async () => {
    const { gateway, events } = setup({ route: { aliases: { fast: 'openai:gpt-4o-mini', smart: 'openai:gpt-4o' } } });
    await generateText({ model: gateway('fast'), prompt: 'q', maxRetries: 0 });
    await generateText({ model: gateway('smart'), prompt: 'q', maxRetries: 0 });
    expect(modelsAsked()).toEqual(['gpt-4o-mini', 'gpt-4o']);
    expect(events).toContainEqual({ type: 'route', rule: 'alias', requested: 'fast', targets: ['openai:gpt-4o-mini'], cascade: false });
  });

  it('matches rules on metadata, project and prompt length; first match wins', async () => {
    const { gateway } = setup({
      route: {
        rules: [
          { name: 'vip', when: { model: 'chat', metadata: { tier: 'vip' } }, targets: ['openai:vip-model'] },
          { name: 'acme', when: { model: 'chat', project: 'acme' }, targets: ['openai:acme-model'] },
          { name: 'long', when: { model: 'chat', minPromptTokens: 50 }, targets: ['openai:long-context'] },
          { name: 'default', when: { model: 'chat' }, targets: ['openai:small'] },
        ],
      },
    });
    const ask = (prompt: string, incontext: Record<string, unknown> = {}) =>
      generateText({ model: gateway('chat'), prompt, maxRetries: 0, providerOptions: { incontext: incontext as never } });
    await ask('short', { metadata: { tier: 'vip' }, project: 'acme' });
    await ask('short', { project: 'acme' });
    await ask('word '.repeat(60));
    await ask('short');
    expect(modelsAsked()).toEqual(['vip-model', 'acme-model', 'long-context', 'small']);
    // Our routing context is not sent on to the provider.
    expect(JSON.stringify(fake.upstream.requests[0]?.body)).not.toMatch(/tier|acme|incontext/);
  });

  it('spreads load by weight, deterministically for a given random, keeping the others as fallbacks', async () => {
    const pool = [
      { model: 'openai:key-a', weight: 3 },
      { model: 'openai:key-b', weight: 1 },
    ];
    expect(orderTargets(pool, () => 0.1)).toEqual(['openai:key-a', 'openai:key-b']);
    expect(orderTargets(pool, () => 0.74)).toEqual(['openai:key-a', 'openai:key-b']);
    expect(orderTargets(pool, () => 0.76)).toEqual(['openai:key-b', 'openai:key-a']);

    const draws = [0.1, 0.9, 0.5, 0.8];
    let i = 0;
    const { gateway } = setup({ route: { rules: [{ name: 'lb', targets: pool }] } }, () => draws[i++ % draws.length] ?? 0);
    for (let n = 0; n < 4; n++) await generateText({ model: gateway('anything'), prompt: 'q', maxRetries: 0 });
    expect(modelsAsked()).toEqual(['key-a', 'key-b', 'key-a', 'key-b']);

    // The unpicked member is the fallback.
    fake.upstream.reset();
    fake.upstream.script({ error: { status: 401 } });
    await generateText({ model: gateway('anything'), prompt: 'q', maxRetries: 0 });
    expect(modelsAsked()).toEqual(['key-a', 'key-b']);
  });
});

describe('cascade', () => {
  const Answer = z.object({ answer: z.string(), confidence: z.number() });

  function cascadeGateway(verify = schemaVerifier(Answer)) {
    return setup({
      route: { rules: [{ name: 'cascade', when: { model: 'auto' }, cascade: { tiers: ['openai:cheap', 'openai:strong'], verify } }] },
    });
  }

  it('keeps the cheap answer when it passes the schema check', async () => {
    const { gateway, events } = cascadeGateway();
    fake.upstream.script({ text: '{"answer":"Paris","confidence":0.9}' });
    const result = await generateText({ model: gateway('auto'), prompt: 'q', maxRetries: 0 });
    expect(result.text).toBe('{"answer":"Paris","confidence":0.9}');
    expect(modelsAsked()).toEqual(['cheap']);
    expect((result.providerMetadata?.incontext as { tier: number }).tier).toBe(0);
    expect(events).toContainEqual({ type: 'cascade', tier: 0, target: 'openai:cheap', passed: true, escalated: false });
  });

  it('escalates to the strong model only when the check fails', async () => {
    const { gateway, events } = cascadeGateway();
    fake.upstream.script({ text: 'Paris, I think' }, { text: '{"answer":"Paris","confidence":1}' });
    const result = await generateText({ model: gateway('auto'), prompt: 'q', maxRetries: 0 });
    expect(result.text).toBe('{"answer":"Paris","confidence":1}');
    expect(modelsAsked()).toEqual(['cheap', 'strong']);
    const meta = result.providerMetadata?.incontext as { tier: number; answeredBy: string };
    expect(meta).toMatchObject({ tier: 1, answeredBy: 'openai:strong' });
    expect(events).toContainEqual(expect.objectContaining({ type: 'cascade', tier: 0, passed: false, escalated: true, reason: expect.stringMatching(/not JSON/) }));
  });

  it('escalates on a schema violation, not only on broken JSON', async () => {
    const { gateway } = cascadeGateway();
    fake.upstream.script({ text: '{"answer":"Paris"}' }, { text: '{"answer":"Paris","confidence":1}' });
    await generateText({ model: gateway('auto'), prompt: 'q', maxRetries: 0 });
    expect(modelsAsked()).toEqual(['cheap', 'strong']);
  });

  it('escalates an abstaining answer, and streams only the accepted tier', async () => {
    const { gateway } = cascadeGateway(nonAbstentionVerifier());
    fake.upstream.script({ text: NO_ANSWER }, { text: 'It is Paris.' });
    const result = streamText({ model: gateway('auto'), prompt: 'q', maxRetries: 0 });
    expect(await result.text).toBe('It is Paris.');
    expect(modelsAsked()).toEqual(['cheap', 'strong']);
    expect(((await result.providerMetadata)?.incontext as { tier: number }).tier).toBe(1);
  });

  it('does not escalate a real answer under the non-abstention check', async () => {
    const { gateway } = cascadeGateway(nonAbstentionVerifier());
    fake.upstream.script({ text: 'It is Paris.' });
    const result = streamText({ model: gateway('auto'), prompt: 'q', maxRetries: 0 });
    expect(await result.text).toBe('It is Paris.');
    expect(modelsAsked()).toEqual(['cheap']);
  });

  it('escalates when the cheap tier fails outright', async () => {
    const { gateway } = cascadeGateway(nonAbstentionVerifier());
    fake.upstream.script({ error: { status: 401 } }, { text: 'strong says hi' });
    const result = await generateText({ model: gateway('auto'), prompt: 'q', maxRetries: 0 });
    expect(result.text).toBe('strong says hi');
  });
});

describe('cascade verifiers that ask a model', () => {
  const cascade = (verify: ReturnType<typeof judgeVerifier>) =>
    setup({ route: { rules: [{ name: 'cascade', when: { model: 'auto' }, cascade: { tiers: ['openai:cheap', 'openai:strong'], verify } }] } });
  const bodyOf = (i: number) => JSON.stringify(fake.upstream.requests[i]!.body);

  it('judge: the tier model grades its own answer; PASS keeps it, and the judge call is an attempt of its own', async () => {
    const { gateway, events } = cascade(judgeVerifier());
    fake.upstream.script({ text: 'Paris is the capital of France.' }, { text: 'PASS - correct and direct.' });
    const result = await generateText({ model: gateway('auto'), prompt: 'What is the capital of France?', maxRetries: 0 });
    expect(result.text).toBe('Paris is the capital of France.');
    expect(modelsAsked()).toEqual(['cheap', 'cheap']);
    // The judge saw the request and the answer as delimited data.
    expect(bodyOf(1)).toMatch(/capital of France\?[\s\S]*Answer:[\s\S]*Paris is the capital/);
    expect(events.filter((e) => e.type === 'attempt')).toHaveLength(2);
    expect((result.providerMetadata?.incontext as { answeredBy: string; tier: number })).toMatchObject({ answeredBy: 'openai:cheap', tier: 0 });
  });

  it('judge: FAIL, or no clear verdict, pays for the strong tier', async () => {
    const { gateway, events } = cascade(judgeVerifier());
    fake.upstream.script({ text: 'I am not sure.' }, { text: 'FAIL: it does not answer.' }, { text: 'Paris.' });
    expect((await generateText({ model: gateway('auto'), prompt: 'Capital of France?', maxRetries: 0 })).text).toBe('Paris.');
    expect(modelsAsked()).toEqual(['cheap', 'cheap', 'strong']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'cascade', tier: 0, passed: false, reason: expect.stringMatching(/^judge: FAIL/) }));
    fake.upstream.reset();
    fake.upstream.script({ text: 'Paris.' }, { text: 'Looks fine to me' }, { text: 'Paris!' });
    expect((await generateText({ model: gateway('auto'), prompt: 'Capital of France?', maxRetries: 0 })).text).toBe('Paris!');
  });

  it('judge with its own model: the judge call goes to that model', async () => {
    const { gateway } = cascade(judgeVerifier({ model: 'openai:judge' }));
    fake.upstream.script({ text: 'Paris.' }, { text: 'PASS' });
    await generateText({ model: gateway('auto'), prompt: 'Capital of France?', maxRetries: 0 });
    expect(modelsAsked()).toEqual(['cheap', 'judge']);
  });

  it('self-consistency: agreeing samples keep the cheap answer, scattered ones escalate', async () => {
    const { gateway } = cascade(selfConsistencyVerifier({ samples: 3 }));
    fake.upstream.script({ text: 'Paris' }, { text: 'It is Paris.' }, { text: 'Lyon' });
    expect((await generateText({ model: gateway('auto'), prompt: 'Capital of France?', maxRetries: 0 })).text).toBe('Paris');
    expect(modelsAsked()).toEqual(['cheap', 'cheap', 'cheap']);
    expect(fake.upstream.requests.slice(1).map((r) => (r.body as { temperature?: number }).temperature)).toEqual([0.8, 0.8]);
    fake.upstream.reset();
    fake.upstream.script({ text: 'Paris' }, { text: 'Lyon' }, { text: 'Marseille' }, { text: 'Paris.' });
    expect((await generateText({ model: gateway('auto'), prompt: 'Capital of France?', maxRetries: 0 })).text).toBe('Paris.');
    expect(modelsAsked()).toEqual(['cheap', 'cheap', 'cheap', 'strong']);
  });

  it('answersAgree compares content words of the shorter answer', () => {
    expect(answersAgree('Paris', 'It is Paris.')).toBe(true);
    expect(answersAgree('The meeting is on Tuesday at 3pm', 'Tuesday, 3pm')).toBe(true);
    expect(answersAgree('Paris', 'Lyon')).toBe(false);
    expect(answersAgree('42', '42')).toBe(true);
  });
});
