import type { LanguageModelV4 } from '@ai-sdk/provider';
import { generateText, wrapLanguageModel } from 'ai';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatRagUserMessage, IncontextError } from '../core/index.js';
import { createHashingEmbedder } from '../embed/index.js';
import { createLocalModel } from '../model/index.js';
import { startRedisServer, type RedisServer } from '../testing/index.js';
import { runCacheConformance } from './conformance.js';
import { cacheMiddleware, openRedisCacheBackend, type CacheBackend, type CachedResponse, type CacheEvent } from './index.js';

// Every test gets its own server, started here and stopped after the suite's own cleanup.
let server: RedisServer;
beforeEach(async () => {
  server = await startRedisServer();
});
afterEach(async () => {
  await server.stop();
});

runCacheConformance('redis', (o) => openRedisCacheBackend({ ...o, url: server.url }));

const answer = (text: string): CachedResponse => ({
  text,
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: { inputTokens: 5, outputTokens: 2 },
  modelId: 'm',
});

function unit(values: number[]): Float32Array {
  const n = Math.hypot(...values);
  return Float32Array.from(values, (v) => v / n);
}

describe('redis cache backend across replicas', () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const b of opened.splice(0)) await b.close();
  });
  const open = (o: Parameters<typeof openRedisCacheBackend>[0] = {}): CacheBackend => {
    const b = openRedisCacheBackend({ url: server.url, ...o });
    opened.push(b);
    return b;
  };

  it('answers on one replica what the other stored, exact and semantic, after the reader had loaded the partition', async () => {
    const a = open();
    const b = open();
    // b mirrors partition P while it is still empty; a's write must reach it through the change log.
    expect(await b.searchSemantic('P', unit([1, 0, 0]), 0.5)).toBeUndefined();
    await a.setSemantic('P', 'p', 'capital of france', unit([1, 0.1, 0]), answer('Paris'));
    await a.setExact('k', 'p', answer('exact'));
    const hit = await b.searchSemantic('P', unit([1, 0, 0]), 0.9);
    expect(hit?.value).toEqual(answer('Paris'));
    expect(hit?.query).toBe('capital of france');
    expect(hit?.score).toBeCloseTo(1 / Math.hypot(1, 0.1), 5);
    expect(await b.getExact('k')).toEqual(answer('exact'));
    // Replacing the entry on b is seen by a, which also mirrors P by now.
    expect((await a.searchSemantic('P', unit([1, 0, 0]), 0.9))?.value.text).toBe('Paris');
    await b.setSemantic('P', 'p', 'capital of france', unit([0, 0, 1]), answer('moved'));
    expect(await a.searchSemantic('P', unit([1, 0, 0]), 0.9)).toBeUndefined();
    expect((await a.searchSemantic('P', unit([0, 0, 1]), 0.9))?.value.text).toBe('moved');
    expect(await a.size()).toEqual({ exact: 1, semantic: 1 });
    expect(await b.size()).toEqual({ exact: 1, semantic: 1 });
  });

  it('clears a project and everything for every replica', async () => {
    const a = open();
    const b = open();
    await a.setExact('k1', 'p1', answer('1'));
    await a.setExact('k2', 'p2', answer('2'));
    await a.setSemantic('A', 'p1', 'q', unit([1, 0]), answer('1'));
    await a.setSemantic('B', 'p2', 'q', unit([1, 0]), answer('2'));
    // b mirrors both partitions before the clears.
    expect(await b.searchSemantic('A', unit([1, 0]), 0.5)).toBeDefined();
    expect(await b.searchSemantic('B', unit([1, 0]), 0.5)).toBeDefined();
    await a.clear('p1');
    expect(await b.getExact('k1')).toBeUndefined();
    expect(await b.getExact('k2')).toBeDefined();
    expect(await b.searchSemantic('A', unit([1, 0]), 0.5)).toBeUndefined();
    expect(await b.searchSemantic('B', unit([1, 0]), 0.5)).toBeDefined();
    expect(await b.size()).toEqual({ exact: 1, semantic: 1 });
    await b.clear();
    expect(await a.size()).toEqual({ exact: 0, semantic: 0 });
    expect(await a.searchSemantic('B', unit([1, 0]), 0.5)).toBeUndefined();
    // A partition refilled after a full clear is seen again (versions never repeat).
    await b.setSemantic('B', 'p2', 'q2', unit([0, 1]), answer('again'));
    expect((await a.searchSemantic('B', unit([0, 1]), 0.5))?.value.text).toBe('again');
    const keys = await withClient((c) => c.keys('*'));
    expect(keys.every((k) => k.startsWith('incontext:cache:'))).toBe(true);
  });

  it('drops from its mirror what another replica removed, so stale vectors never crowd out a live one', async () => {
    const a = open();
    const b = open();
    for (let i = 0; i < 6; i++) await a.setSemantic('P', 'gone', `q${i}`, unit([1, 0.01 * i, 0]), answer(`stale${i}`));
    expect((await b.searchSemantic('P', unit([1, 0, 0]), 0.9))?.value.text).toBe('stale0');
    await a.clear('gone');
    await a.setSemantic('P', 'kept', 'live', unit([1, 0.3, 0]), answer('live'));
    expect((await b.searchSemantic('P', unit([1, 0, 0]), 0.9))?.value.text).toBe('live');
  });

  it('stays correct when it keeps fewer mirrors than it searches partitions', async () => {
    const a = open();
    const b = open({ maxMirroredPartitions: 1 });
    for (const p of ['A', 'B', 'C']) await a.setSemantic(p, 'p', 'q', unit([1, 0]), answer(p));
    for (const p of ['A', 'B', 'C', 'A']) expect((await b.searchSemantic(p, unit([1, 0]), 0.9))?.value.text).toBe(p);
    await a.setSemantic('B', 'p', 'q', unit([0, 1]), answer('B2'));
    expect(await b.searchSemantic('B', unit([1, 0]), 0.9)).toBeUndefined();
    expect((await b.searchSemantic('B', unit([0, 1]), 0.9))?.value.text).toBe('B2');
  });

  it('reloads a mirror that fell behind the trimmed change log', async () => {
    const a = open();
    const b = open();
    await a.setSemantic('P', 'p', 'first', unit([1, 0, 0, 0]), answer('first'));
    expect(await b.searchSemantic('P', unit([1, 0, 0, 0]), 0.9)).toBeDefined();
    // Trim b's unread history away (as MAXLEN does after many writes).
    for (let i = 0; i < 4; i++) await a.setSemantic('P', 'p', `q${i}`, unit([0, 1, i, 0]), answer(`a${i}`));
    await a.setSemantic('P', 'p', 'last', unit([0, 0, 0, 1]), answer('last'));
    await withClient((c) => c.xtrim('incontext:cache:s:log:P', 'MAXLEN', 1));
    expect((await b.searchSemantic('P', unit([0, 0, 0, 1]), 0.9))?.value.text).toBe('last');
    expect((await b.searchSemantic('P', unit([1, 0, 0, 0]), 0.9))?.value.text).toBe('first');
  });

  it('keeps a separate namespace per prefix and stores vectors as compact bytes', async () => {
    const a = open({ prefix: 'one:' });
    const b = open({ prefix: 'two:' });
    await a.setSemantic('P', 'p', 'q', unit([1, 2, 3]), answer('a'));
    expect(await b.searchSemantic('P', unit([1, 2, 3]), 0.5)).toBeUndefined();
    expect(await b.size()).toEqual({ exact: 0, semantic: 0 });
    const stored = await withClient((c) => c.hgetallBuffer('one:s:vec:P'));
    const bytes = Object.values(stored)[0];
    expect(bytes?.byteLength).toBe(8 + 3 * 4);
  });

  it('reports a stopped server as an IncontextError naming the redacted URL, without hanging', async () => {
    const secured = await startRedisServer({ password: 'cache-secret' });
    try {
      const b = open({ url: secured.url });
      await b.setExact('k', 'p', answer('x'));
      await secured.stop();
      for (const op of [() => b.getExact('k'), () => b.searchSemantic('P', unit([1, 0]), 0.5), () => b.size()]) {
        const error = await op().catch((e: unknown) => e);
        expect(IncontextError.isInstance(error)).toBe(true);
        const e = error as IncontextError;
        expect(e.code).toBe('STORE_FAILED');
        expect(e.input?.path).toBe(`redis://:***@127.0.0.1:${secured.port}`);
        expect(e.message).toMatch(/is unreachable \(cache (read|search|count)\)/);
        expect(JSON.stringify(e.toJSON())).not.toContain('cache-secret');
      }
    } finally {
      await secured.stop();
    }
  });

  it('works on a client the caller owns and leaves it open', async () => {
    const client = new Redis(server.url);
    try {
      const b = openRedisCacheBackend({ client });
      await b.setExact('k', 'p', answer('x'));
      await b.close();
      expect(await client.exists('incontext:cache:x:e:k')).toBe(1);
    } finally {
      client.disconnect();
    }
  });
});

describe('cache middleware on Redis', () => {
  /** One replica: its own backend connection, the same local model, a call counter. */
  function replica(url: string) {
    const backend = openRedisCacheBackend({ url });
    const events: CacheEvent[] = [];
    let calls = 0;
    const base = createLocalModel();
    const counted: LanguageModelV4 = { ...base, doGenerate: (o) => (calls++, base.doGenerate(o)) };
    const model = wrapLanguageModel({
      model: counted,
      middleware: cacheMiddleware({
        exact: { backend },
        semantic: { backend, embedder: createHashingEmbedder(), threshold: 0.8 },
        onEvent: (e) => events.push(e),
      }),
    });
    return { backend, events, model, calls: () => calls };
  }
  const prompt = formatRagUserMessage([{ index: 1, source: 'geo.md', text: 'Paris is the capital of France.' }], 'What is the capital of France?');

  it('answers on the second replica from what the first one cached', async () => {
    const a = replica(server.url);
    const b = replica(server.url);
    try {
      const first = await generateText({ model: a.model, prompt });
      const second = await generateText({ model: b.model, prompt });
      expect(a.calls() + b.calls()).toBe(1);
      expect(second.text).toBe(first.text);
      expect(b.events).toContainEqual(expect.objectContaining({ type: 'hit', kind: 'exact' }));
    } finally {
      await a.backend.close();
      await b.backend.close();
    }
  });

  it('fails open when Redis stops: the model answers and the failure is an error event', async () => {
    const r = replica(server.url);
    try {
      await generateText({ model: r.model, prompt });
      await server.stop();
      const again = await generateText({ model: r.model, prompt });
      expect(again.text).toMatch(/Paris/);
      expect(r.calls()).toBe(2);
      const errors = r.events.filter((e): e is Extract<CacheEvent, { type: 'error' }> => e.type === 'error');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]?.error.code).toBe('STORE_FAILED');
      expect(errors[0]?.error.input?.path).toBe(server.url);
    } finally {
      await r.backend.close();
    }
  });
});

async function withClient<T>(fn: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis(server.url);
  try {
    return await fn(c);
  } finally {
    c.disconnect();
  }
}
