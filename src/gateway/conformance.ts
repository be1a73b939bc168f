/**
 * The test suites every RateLimitStore and BudgetStore must pass (memory and
 * Redis alike), so a backend is done when it behaves exactly like the one the
 * middleware tests were written against.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BudgetLine, BudgetStore, RateLimitStore } from './types.js';

interface Opened<T> {
  store: T;
  close?: () => Promise<void> | void;
}

type Open<T> = () => Promise<Opened<T>> | Opened<T>;

function harness<T>(open: Open<T>): () => Promise<T> {
  const opened: Opened<T>[] = [];
  afterEach(async () => {
    for (const o of opened.splice(0)) await o.close?.();
  });
  return async () => {
    const o = await open();
    opened.push(o);
    return o.store;
  };
}

const T0 = Date.UTC(2026, 10, 23, 12);

export function runRateLimitStoreConformance(name: string, open: Open<RateLimitStore>): void {
  describe(`RateLimitStore conformance: ${name}`, () => {
    const make = harness(open);
    const one = { requests: 1, tokens: 0 };

    it('starts full, refuses past the limit with the wait for one request, and refills continuously', async () => {
      const s = await make();
      const limit = { requestsPerMinute: 2 };
      expect(await s.take('k', one, limit, T0)).toEqual({ allowed: true });
      expect(await s.take('k', one, limit, T0)).toEqual({ allowed: true });
      expect(await s.take('k', one, limit, T0)).toEqual({ allowed: false, retryAfterMs: 30_000, limit: 'requests' });
      // Half a request has come back after 15 s: the wait shrinks accordingly.
      expect(await s.take('k', one, limit, T0 + 15_000)).toEqual({ allowed: false, retryAfterMs: 15_000, limit: 'requests' });
      expect(await s.take('k', one, limit, T0 + 30_000)).toEqual({ allowed: true });
      // Never more than one minute's allowance, however long it was idle.
      const later = T0 + 3_600_000;
      expect(await s.take('k', { requests: 2, tokens: 0 }, limit, later)).toEqual({ allowed: true });
      expect((await s.take('k', one, limit, later)).allowed).toBe(false);
    });

    it('keeps keys apart', async () => {
      const s = await make();
      const limit = { requestsPerMinute: 1 };
      expect((await s.take('a', one, limit, T0)).allowed).toBe(true);
      expect((await s.take('b', one, limit, T0)).allowed).toBe(true);
      expect((await s.take('a', one, limit, T0)).allowed).toBe(false);
    });

    it('takes both dimensions or neither', async () => {
      const s = await make();
      const limit = { requestsPerMinute: 2, tokensPerMinute: 100 };
      // Refused on tokens: the request must not be counted either.
      expect(await s.take('k', { requests: 1, tokens: 150 }, limit, T0)).toEqual({ allowed: false, retryAfterMs: Infinity, limit: 'tokens' });
      expect(await s.take('k', { requests: 1, tokens: 80 }, limit, T0)).toEqual({ allowed: true });
      expect(await s.take('k', { requests: 1, tokens: 30 }, limit, T0)).toEqual({ allowed: false, retryAfterMs: 6_000, limit: 'tokens' });
      // Still one request left, since the refusal above took nothing.
      expect(await s.take('k', { requests: 1, tokens: 20 }, limit, T0)).toEqual({ allowed: true });
      expect(await s.take('k', { requests: 1, tokens: 0 }, limit, T0)).toEqual({ allowed: false, retryAfterMs: 30_000, limit: 'requests' });
    });

    it('reports the longer of the two waits and names its dimension', async () => {
      const s = await make();
      const limit = { requestsPerMinute: 2, tokensPerMinute: 60 };
      await s.take('k', { requests: 1, tokens: 60 }, limit, T0);
      expect(await s.take('k', { requests: 1, tokens: 30 }, limit, T0)).toEqual({ allowed: false, retryAfterMs: 30_000, limit: 'tokens' });
      expect(await s.take('k', { requests: 2, tokens: 45 }, limit, T0)).toEqual({ allowed: false, retryAfterMs: 45_000, limit: 'tokens' });
      expect(await s.take('k', { requests: 2, tokens: 15 }, limit, T0)).toEqual({ allowed: false, retryAfterMs: 30_000, limit: 'requests' });
    });

    it('returns unused tokens (never past the cap) and charges extra ones', async () => {
      const s = await make();
      const limit = { tokensPerMinute: 100 };
      expect((await s.take('k', { requests: 1, tokens: 90 }, limit, T0)).allowed).toBe(true);
      await s.adjustTokens('k', 70, limit, T0);
      expect((await s.take('k', { requests: 1, tokens: 80 }, limit, T0)).allowed).toBe(true);
      await s.adjustTokens('k', 1000, limit, T0);
      expect((await s.take('k', { requests: 1, tokens: 100 }, limit, T0)).allowed).toBe(true);
      // Charged 50 more than taken: the bucket owes 50, so 10 tokens are 36 s away.
      await s.adjustTokens('k', -50, limit, T0);
      expect(await s.take('k', { requests: 1, tokens: 10 }, limit, T0)).toEqual({ allowed: false, retryAfterMs: 36_000, limit: 'tokens' });
    });

    it('treats a missing dimension as unlimited', async () => {
      const s = await make();
      for (let i = 0; i < 20; i++) expect((await s.take('k', { requests: 1, tokens: 1e9 }, { requestsPerMinute: 100 }, T0)).allowed).toBe(true);
      expect((await s.take('k2', { requests: 1000, tokens: 5 }, { tokensPerMinute: 5 }, T0)).allowed).toBe(true);
      expect((await s.take('k2', { requests: 1, tokens: 1 }, { tokensPerMinute: 5 }, T0)).allowed).toBe(false);
    });

    it('keeps fractional refills exact enough that waits add up', async () => {
      const s = await make();
      const limit = { requestsPerMinute: 7, tokensPerMinute: 1000 };
      for (let i = 0; i < 7; i++) await s.take('k', { requests: 1, tokens: 1 }, limit, T0);
      const d = await s.take('k', { requests: 1, tokens: 1 }, limit, T0);
      expect(d).toEqual({ allowed: false, retryAfterMs: Math.ceil(60_000 / 7), limit: 'requests' });
      if (!d.allowed) expect((await s.take('k', { requests: 1, tokens: 1 }, limit, T0 + d.retryAfterMs)).allowed).toBe(true);
    });
  });
}

export function runBudgetStoreConformance(name: string, open: Open<BudgetStore>): void {
  describe(`BudgetStore conformance: ${name}`, () => {
    const make = harness(open);
    const day = 'day:2026-11-23';
    const month = 'month:2026-11';
    const opts = { now: T0, ttlMs: 60_000 };

    it('books reservations, refuses the one that would pass the limit and names the line', async () => {
      const s = await make();
      const lines: BudgetLine[] = [{ scope: 'project:p', period: day, limitUsd: 1 }];
      expect((await s.reserve(lines, 0.6, opts)).ok).toBe(true);
      expect((await s.reserve(lines, 0.4, opts)).ok).toBe(true); // exactly at the limit is allowed
      const refused = await s.reserve(lines, 0.01, opts);
      expect(refused).toEqual({ ok: false, line: lines[0], spentUsd: 0, reservedUsd: expect.closeTo(1, 12) as number });
      expect(await s.usage('project:p', day)).toEqual({ spentUsd: 0, reservedUsd: expect.closeTo(1, 12) as number });
      expect(await s.usage('project:other', day)).toEqual({ spentUsd: 0, reservedUsd: 0 });
    });

    it('books against every line or none', async () => {
      const s = await make();
      const lines: BudgetLine[] = [
        { scope: 'project:p', period: day, limitUsd: 10 },
        { scope: 'project:p', period: month, limitUsd: 100 },
        { scope: 'key:k', period: day, limitUsd: 1 },
      ];
      expect((await s.reserve(lines, 0.75, opts)).ok).toBe(true);
      const refused = await s.reserve(lines, 0.5, opts);
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.line).toEqual(lines[2]);
      // The refused call left no trace on the lines before the one that refused.
      expect((await s.usage('project:p', day)).reservedUsd).toBeCloseTo(0.75, 12);
      expect((await s.usage('project:p', month)).reservedUsd).toBeCloseTo(0.75, 12);
      expect((await s.usage('key:k', day)).reservedUsd).toBeCloseTo(0.75, 12);
    });

    it('replaces a reservation with the actual cost, releases on 0, and ignores unknown or repeated settles', async () => {
      const s = await make();
      const lines: BudgetLine[] = [{ scope: 'project:p', period: day, limitUsd: 1 }];
      const a = await s.reserve(lines, 0.5, opts);
      const b = await s.reserve(lines, 0.3, opts);
      if (!a.ok || !b.ok) throw new Error('reserve failed');
      expect(a.id).not.toBe(b.id);
      await s.settle(a.id, 0.125);
      await s.settle(b.id, 0);
      await s.settle(a.id, 0.9);
      await s.settle('no-such-reservation', 5);
      const u = await s.usage('project:p', day);
      expect(u.spentUsd).toBeCloseTo(0.125, 12);
      expect(u.reservedUsd).toBeCloseTo(0, 12);
      // The room freed by the settles is usable again.
      expect((await s.reserve(lines, 0.875, opts)).ok).toBe(true);
      expect((await s.reserve(lines, 0.001, opts)).ok).toBe(false);
    });

    it('counts a reservation that is never settled as spent once its TTL passes, and corrects it on a late settle', async () => {
      const s = await make();
      const lines = [{ scope: 'project:p', period: day, limitUsd: 1 }];
      const r = await s.reserve(lines, 0.4, { now: 0, ttlMs: 1000 });
      expect(r.ok).toBe(true);
      expect(await s.usage('project:p', day)).toEqual({ spentUsd: 0, reservedUsd: 0.4 });
      // The sweep runs on the next reservation after the TTL.
      await s.reserve(lines, 0.1, { now: 1000, ttlMs: 1000 });
      expect(await s.usage('project:p', day)).toEqual({ spentUsd: 0.4, reservedUsd: 0.1 });
      if (r.ok) await s.settle(r.id, 0.05);
      const after = await s.usage('project:p', day);
      expect(after.spentUsd).toBeCloseTo(0.05, 12);
      expect(after.reservedUsd).toBeCloseTo(0.1, 12);
    });

    it('settles an unexpired reservation normally even when its TTL has passed but no sweep ran yet', async () => {
      const s = await make();
      const lines = [{ scope: 'project:p', period: day, limitUsd: 1 }];
      const r = await s.reserve(lines, 0.4, { now: 0, ttlMs: 1000 });
      if (r.ok) await s.settle(r.id, 0.2);
      expect(await s.usage('project:p', day)).toEqual({ spentUsd: 0.2, reservedUsd: 0 });
    });

    it('never lets concurrent reservations pass the limit', async () => {
      const s = await make();
      const lines = [{ scope: 'project:p', period: day, limitUsd: 0.055 }];
      const results = await Promise.all(Array.from({ length: 40 }, () => s.reserve(lines, 0.01, opts)));
      expect(results.filter((r) => r.ok)).toHaveLength(5);
      expect((await s.usage('project:p', day)).reservedUsd).toBeCloseTo(0.05, 12);
    });
  });
}
