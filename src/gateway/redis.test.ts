import { generateText } from 'ai';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { IncontextError } from '../core/index.js';
import { startRedisServer, type RedisServer } from '../testing/index.js';
import { useFakeProviders } from './__fixtures__/providers.js';
import { manualClock, recorder } from './__fixtures__/helpers.js';
import { runBudgetStoreConformance, runRateLimitStoreConformance } from './conformance.js';
import { budgetPeriods, createGateway, GatewayError, RedisBudgetStore, RedisRateLimitStore, redactRedisUrl } from './index.js';

const fake = useFakeProviders();

runRateLimitStoreConformance('redis', async () => {
  const server = await startRedisServer();
  const store = new RedisRateLimitStore({ url: server.url });
  return { store, close: async () => (await store.close(), await server.stop()) };
});

runBudgetStoreConformance('redis', async () => {
  const server = await startRedisServer();
  const store = new RedisBudgetStore({ url: server.url });
  return { store, close: async () => (await store.close(), await server.stop()) };
});

/** Servers and stores of one test, stopped after it whatever happened. */
function scope() {
  const servers: RedisServer[] = [];
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    for (const s of servers.splice(0)) await s.stop();
  });
  return {
    async server(options?: Parameters<typeof startRedisServer>[0]) {
      const s = await startRedisServer(options);
      servers.push(s);
      return s;
    },
    track<T extends { close(): Promise<void> }>(x: T): T {
      closers.push(() => x.close());
      return x;
    },
    client(url: string): Redis {
      const c = new Redis(url);
      closers.push(async () => void c.disconnect());
      return c;
    },
  };
}

describe('Redis budget store across replicas', () => {
  const t = scope();
  const day = 'day:2026-11-23';

  it('never overspends by more than one reservation when two replicas reserve 50 times at once', async () => {
    const server = await t.server();
    // Two stores, each with its own ioredis connection: two server replicas.
    const replicas = [t.track(new RedisBudgetStore({ url: server.url })), t.track(new RedisBudgetStore({ url: server.url }))];
    const limit = 0.05;
    const reservation = 0.0123;
    const lines = [
      { scope: 'project:p', period: day, limitUsd: limit },
      { scope: 'project:p', period: 'month:2026-11', limitUsd: 1 },
    ];
    const now = Date.UTC(2026, 10, 23, 12);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => replicas[i % 2]!.reserve(lines, reservation, { now, ttlMs: 60_000 })),
    );
    const granted = results.filter((r) => r.ok);
    // Only the atomic check-and-book keeps this at floor(limit / reservation).
    expect(granted).toHaveLength(Math.floor(limit / reservation));
    // Settle on the other replica than the one that reserved: ids are shared, not per process.
    await Promise.all(granted.map((r, i) => (r.ok ? replicas[(i + 1) % 2]!.settle(r.id, reservation * 0.9) : undefined)));
    const usage = await replicas[0]!.usage('project:p', day);
    expect(usage.reservedUsd).toBeCloseTo(0, 12);
    expect(usage.spentUsd).toBeCloseTo(granted.length * reservation * 0.9, 12);
    expect(usage.spentUsd).toBeLessThanOrEqual(limit + reservation);
    expect(await replicas[1]!.usage('project:p', 'month:2026-11')).toEqual(usage);
  });

  it('keeps deployments with different prefixes apart', async () => {
    const server = await t.server();
    const a = t.track(new RedisBudgetStore({ url: server.url, prefix: 'a:' }));
    const b = t.track(new RedisBudgetStore({ url: server.url, prefix: 'b:' }));
    const lines = [{ scope: 'project:p', period: day, limitUsd: 1 }];
    expect((await a.reserve(lines, 1, { now: 0, ttlMs: 1000 })).ok).toBe(true);
    expect((await b.reserve(lines, 1, { now: 0, ttlMs: 1000 })).ok).toBe(true);
    expect((await a.reserve(lines, 0.5, { now: 0, ttlMs: 1000 })).ok).toBe(false);
    const keys = await t.client(server.url).keys('*');
    expect(keys.every((k) => k.startsWith('a:budget:') || k.startsWith('b:budget:'))).toBe(true);
  });

  it('reloads its scripts when the server forgot them (restart, SCRIPT FLUSH)', async () => {
    const server = await t.server();
    const store = t.track(new RedisBudgetStore({ url: server.url }));
    const lines = [{ scope: 'project:p', period: day, limitUsd: 1 }];
    await store.reserve(lines, 0.25, { now: 0, ttlMs: 1000 });
    await t.client(server.url).script('FLUSH');
    expect((await store.reserve(lines, 0.25, { now: 0, ttlMs: 1000 })).ok).toBe(true);
    expect((await store.usage('project:p', day)).reservedUsd).toBeCloseTo(0.5, 12);
  });

  it('holds 50 concurrent calls of two gateway replicas to the budget', async () => {
    const server = await t.server();
    const rec = recorder();
    const clock = manualClock();
    const gateways = [0, 1].map(() =>
      createGateway({
        budget: { projects: { p: { dailyUsd: 0.05 } }, store: t.track(new RedisBudgetStore({ url: server.url })) },
        retry: { maxAttempts: 1 },
        clock,
        onEvent: rec.onEvent,
      }),
    );
    fake.upstream.setHandler(() => ({ delayMs: 100, text: 'a b c' }));
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        generateText({
          model: gateways[i % 2]!(fake.openai.chat('gpt-4o')),
          prompt: 'hello',
          maxOutputTokens: 1000,
          maxRetries: 0,
          providerOptions: { incontext: { project: 'p' } },
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const reserve = rec.events.find((e) => e.type === 'budget' && e.action === 'reserve');
    const reservation = reserve?.type === 'budget' ? reserve.amountUsd : NaN;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThanOrEqual(Math.floor(0.05 / reservation));
    for (const r of results) if (r.status === 'rejected') expect(GatewayError.is(r.reason, 'budget-exceeded')).toBe(true);
    const store = t.track(new RedisBudgetStore({ url: server.url }));
    const usage = await store.usage('project:p', budgetPeriods(clock.now()).day);
    expect(usage.reservedUsd).toBeCloseTo(0, 12);
    expect(usage.spentUsd).toBeGreaterThan(0);
    expect(usage.spentUsd).toBeLessThanOrEqual(0.05 + reservation);
  });
});

describe('Redis rate-limit store across replicas', () => {
  const t = scope();

  it('shares one bucket between replicas and lets idle buckets expire', async () => {
    const server = await t.server();
    const a = t.track(new RedisRateLimitStore({ url: server.url }));
    const b = t.track(new RedisRateLimitStore({ url: server.url }));
    const limit = { requestsPerMinute: 3 };
    const now = Date.UTC(2026, 10, 23, 12);
    const decisions = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).take('key:k', { requests: 1, tokens: 0 }, limit, now)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
    const ttl = await t.client(server.url).pttl('incontext:rl:key:k');
    // Empty bucket: a minute to refill plus the skew margin.
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
  });

  it('refuses over the limit through two gateway replicas', async () => {
    const server = await t.server();
    const clock = manualClock();
    const make = () =>
      createGateway({ rateLimit: { perKey: { requestsPerMinute: 2 }, store: t.track(new RedisRateLimitStore({ url: server.url })) }, clock });
    const [g1, g2] = [make(), make()];
    const ask = (g: typeof g1) =>
      generateText({ model: g(fake.openai.chat('gpt-4o-mini')), prompt: 'hi', maxRetries: 0, providerOptions: { incontext: { key: 'k' } } });
    await ask(g1);
    await ask(g2);
    const error = await ask(g1).catch((e: unknown) => e);
    expect(GatewayError.is(error, 'rate-limited')).toBe(true);
    expect((error as GatewayError).retryAfterMs).toBe(30_000);
    expect(fake.upstream.requests).toHaveLength(2);
  });
});

describe('Redis stores when Redis is unreachable', () => {
  const t = scope();

  it('fails with the URL (password redacted) and a hint when the server stops mid-run, and recovers when it is back', async () => {
    const server = await t.server({ password: 's3cret-pass' });
    const store = t.track(new RedisRateLimitStore({ url: server.url }));
    const limit = { requestsPerMinute: 10 };
    expect((await store.take('k', { requests: 1, tokens: 0 }, limit, 0)).allowed).toBe(true);
    await server.stop();
    const error = await store.take('k', { requests: 1, tokens: 0 }, limit, 0).catch((e: unknown) => e);
    expect(IncontextError.isInstance(error)).toBe(true);
    const e = error as IncontextError;
    expect(e.code).toBe('STORE_FAILED');
    expect(e.message).toContain(`redis://:***@127.0.0.1:${server.port}`);
    expect(e.message).toMatch(/is unreachable \(rate limit take for k\): .*(ECONNREFUSED|closed)/);
    expect(e.hint).toMatch(/setup-services\.sh/);
    expect(JSON.stringify(e.toJSON())).not.toContain('s3cret-pass');
    expect(e.message).not.toContain('s3cret-pass');
    // Back on the same port (with its script cache empty): the same store works again.
    await t.server({ password: 's3cret-pass', port: server.port });
    await expect.poll(() => store.take('k', { requests: 1, tokens: 0 }, limit, 0).then((d) => d.allowed, () => 'down'), { timeout: 5000 }).toBe(true);
  });

  it('turns a refused connection into a clear gateway error instead of a hang', async () => {
    const server = await t.server();
    const url = server.url;
    await server.stop();
    const gateway = createGateway({
      budget: { projects: { p: { dailyUsd: 1 } }, store: t.track(new RedisBudgetStore({ url })) },
      retry: { maxAttempts: 1 },
    });
    const error = await generateText({
      model: gateway(fake.openai.chat('gpt-4o')),
      prompt: 'x',
      maxRetries: 0,
      providerOptions: { incontext: { project: 'p' } },
    }).catch((e: unknown) => e);
    expect(IncontextError.isInstance(error)).toBe(true);
    expect((error as IncontextError).code).toBe('STORE_FAILED');
    expect((error as IncontextError).input?.path).toBe(url);
    expect(fake.upstream.requests).toHaveLength(0);
  });

  it('times out on a server that accepts the connection but does not answer', async () => {
    const server = await t.server();
    const store = t.track(new RedisBudgetStore({ url: server.url, commandTimeoutMs: 200 }));
    await store.usage('s', 'p');
    // CLIENT PAUSE holds every client's commands, as a stuck or swapping Redis would.
    const admin = t.client(server.url);
    await admin.call('CLIENT', 'PAUSE', '1000', 'ALL');
    const error = (await store.usage('s', 'p').catch((e: unknown) => e)) as IncontextError;
    expect(error.code).toBe('STORE_FAILED');
    expect(error.message).toMatch(/timed out/);
    expect(error.hint).toMatch(/commandTimeoutMs/);
  });

  it('names bad credentials as such', async () => {
    const server = await t.server({ password: 'right' });
    const url = server.url.replace(':right@', ':wrong@');
    const store = t.track(new RedisBudgetStore({ url }));
    const error = (await store.usage('s', 'p').catch((e: unknown) => e)) as IncontextError;
    expect(error.code).toBe('STORE_FAILED');
    expect(error.hint).toMatch(/credentials/);
    expect(error.message).not.toContain('wrong');
  });
});

describe('Redis store configuration', () => {
  it('refuses a URL that is not a Redis URL, without echoing its secret', () => {
    const error = (() => {
      try {
        return new RedisBudgetStore({ url: 'http://user:hunter2@cache.internal' });
      } catch (e) {
        return e;
      }
    })() as IncontextError;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).not.toContain('hunter2');
    expect(error.hint).toMatch(/redis:\/\//);
    expect(() => new RedisRateLimitStore({})).toThrow(/needs a url or a client/);
  });
});

describe('redactRedisUrl', () => {
  it('hides the password and keeps what helps find the server', () => {
    expect(redactRedisUrl('redis://user:p%40ss@cache.internal:6380/2')).toBe('redis://user:***@cache.internal:6380/2');
    expect(redactRedisUrl('rediss://:tok@h:6379')).toBe('rediss://:***@h:6379');
    expect(redactRedisUrl('redis://h:6379')).toBe('redis://h:6379');
    expect(redactRedisUrl('not a url with secret')).not.toContain('secret');
  });
});
