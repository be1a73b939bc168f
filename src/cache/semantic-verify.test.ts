import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGloveEmbedder, createHashingEmbedder, type Embedder } from '../embed/index.js';
import { createLocalModel } from '../model/index.js';
import { cacheMiddleware, createMemoryCacheBackend, DEFAULT_SEMANTIC_THRESHOLD, type CacheEvent, type SemanticCacheConfig } from './index.js';

// The default local embedder, as the app wires it; its binary cache is shared with the embed tests.
const glove = createGloveEmbedder({ cacheDir: join(tmpdir(), 'incontext-test-glove') });
beforeAll(async () => {
  await glove.embed(['warm up'], { kind: 'query' });
}, 180_000);

function cached(semantic: Partial<SemanticCacheConfig> = {}, embedder: Embedder = glove) {
  let calls = 0;
  const local = createLocalModel();
  const base: LanguageModelV4 = {
    ...local,
    doGenerate: (o) => {
      calls++;
      return local.doGenerate(o);
    },
    doStream: (o) => {
      calls++;
      return local.doStream(o);
    },
  };
  const events: CacheEvent[] = [];
  const model = wrapLanguageModel({
    model: base,
    middleware: cacheMiddleware({ semantic: { backend: createMemoryCacheBackend(), embedder, ...semantic }, onEvent: (e) => events.push(e) }),
  });
  return { model, events, calls: () => calls };
}

const cacheKind = (r: { providerMetadata?: Record<string, Record<string, unknown>> | undefined }) => r.providerMetadata?.['incontext']?.['cache'];

describe('semantic cache with the hit verifier (default guard, default threshold, local GloVe embedder)', () => {
  it.each([
    ['synonym', 'How do I delete my account?', 'How do I remove my account?'],
    ['synonym phrase', 'How do I get rid of fruit flies in the kitchen?', 'How do I eliminate fruit flies in the kitchen?'],
    ['polite wrapper', 'How do I reset my router?', 'Can you tell me how to reset my router?'],
    ['abbreviation', 'How far is New York City from Boston?', 'How far is NYC from Boston?'],
    ['moved phrase', 'How do I get to the airport from downtown?', 'how do i get from downtown to the airport'],
  ])('serves a paraphrase (%s): "%s" answers "%s"', async (_kind, stored, asked) => {
    const { model, events, calls } = cached();
    const first = await generateText({ model, prompt: stored });
    const second = await generateText({ model, prompt: asked });
    expect(calls()).toBe(1);
    expect(cacheKind(second)).toBe('semantic');
    expect(second.text).toBe(first.text);
    expect(events).toContainEqual(expect.objectContaining({ type: 'hit', kind: 'semantic' }));
  });

  it.each([
    ['order', 'How long is the flight from Madrid to Chicago?', 'How long is the flight from Chicago to Madrid?'],
    ['order', 'How do I convert miles to kilometers?', 'How do I convert kilometers to miles?'],
    ['negation', 'Which vegetables should I refrigerate?', 'Which vegetables should I not refrigerate?'],
    ['question-word', 'When did the Titanic sink?', 'Where did the Titanic sink?'],
    ['number', 'How many grams of protein are in 3 eggs?', 'How many grams of protein are in 2 eggs?'],
    ['name', 'How many moons does Jupiter have?', 'How many moons does Saturn have?'],
    ['particle', 'How do I turn on Bluetooth on my car radio?', 'How do I turn off Bluetooth on my car radio?'],
    ['word', 'How do I enable two-factor authentication?', 'How do I disable two-factor authentication?'],
    ['word', 'What is the coldest month in Chicago?', 'What is the warmest month in Chicago?'],
    ['added', 'How do I make pancakes?', 'How do I make vegan pancakes?'],
  ])('refuses a near-identical question with another answer (%s): "%s" / "%s"', async (reason, stored, asked) => {
    const { model, events, calls } = cached();
    await generateText({ model, prompt: stored });
    const second = await generateText({ model, prompt: asked });
    // The model answered: the cached answer to the other question was not served.
    expect(calls()).toBe(2);
    expect(cacheKind(second)).toBeUndefined();
    const miss = events.find((e) => e.type === 'miss' && e.kind === 'semantic' && e.refused !== undefined);
    expect(miss).toMatchObject({ refused: `verify:${reason}` });
    // The candidate was close enough to be served without the verifier.
    expect(miss && 'bestScore' in miss ? miss.bestScore : 0).toBeGreaterThanOrEqual(DEFAULT_SEMANTIC_THRESHOLD);
  });

  it('the same refusals hold for streamed calls', async () => {
    const { model, calls } = cached();
    await generateText({ model, prompt: 'How do I transfer money from savings to checking?' });
    const swapped = streamText({ model, prompt: 'How do I transfer money from checking to savings?' });
    await swapped.text;
    expect(calls()).toBe(2);
    const para = streamText({ model, prompt: 'How do I transfer money from savings to checking, please?' });
    expect((await para.providerMetadata)?.['incontext']?.['cache']).toBe('semantic');
    expect(calls()).toBe(2);
  });

  it("guard 'none' trusts the threshold alone and serves the swapped question", async () => {
    const { model, calls } = cached({ guard: 'none' });
    await generateText({ model, prompt: 'How long is the flight from Madrid to Chicago?' });
    const wrong = await generateText({ model, prompt: 'How long is the flight from Chicago to Madrid?' });
    expect(calls()).toBe(1);
    expect(cacheKind(wrong)).toBe('semantic');
  });

  it('uses the cache embedder for words WordNet lacks: unrelated vectors never make a synonym', async () => {
    // The hashing embedder gives unrelated words near-orthogonal vectors, so "dev" never stands in for "developer".
    const { model, events, calls } = cached({ threshold: 0.3 }, createHashingEmbedder());
    await generateText({ model, prompt: 'How do I become a software developer?' });
    await generateText({ model, prompt: 'how do i become a software dev' });
    expect(calls()).toBe(2);
    expect(events).toContainEqual(expect.objectContaining({ type: 'miss', kind: 'semantic', refused: 'verify:word' }));
  });
});
