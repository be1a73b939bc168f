import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheBackend, CacheBackendOptions, CachedResponse } from './types.js';

const answer = (text: string): CachedResponse => ({
  text,
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: { inputTokens: 12, outputTokens: 3 },
  modelId: 'm',
});

function unit(values: number[]): Float32Array {
  const n = Math.hypot(...values);
  return Float32Array.from(values, (v) => v / n);
}

/**
 * The one test suite every CacheBackend must pass. `open` gets the options
 * under test (a fake clock included) and must return an empty backend.
 */
export function runCacheConformance(name: string, open: (options: CacheBackendOptions) => CacheBackend, cleanup?: () => void): void {
  describe(`CacheBackend conformance: ${name}`, () => {
    let clock = 1_000_000;
    const now = () => clock;
    const opened: CacheBackend[] = [];
    const make = (o: CacheBackendOptions = {}) => {
      const b = open({ now, ...o });
      opened.push(b);
      return b;
    };
    beforeEach(() => {
      clock = 1_000_000;
    });
    afterEach(async () => {
      for (const b of opened.splice(0)) await b.close();
      cleanup?.();
    });

    it('returns exactly what was stored under an exact key, and nothing for other keys', async () => {
      const b = make();
      const v = { ...answer('Paris is the capital.'), finishReason: { unified: 'length' as const, raw: 'max_tokens' } };
      await b.setExact('k1', 'p', v);
      expect(await b.getExact('k1')).toEqual(v);
      expect(await b.getExact('k2')).toBeUndefined();
      await b.setExact('k1', 'p', answer('replaced'));
      expect((await b.getExact('k1'))?.text).toBe('replaced');
      expect(await b.size()).toEqual({ exact: 1, semantic: 0 });
    });

    it('finds the nearest vector above the threshold inside the partition only', async () => {
      const b = make();
      await b.setSemantic('A', 'p', 'capital of france', unit([1, 0, 0, 0]), answer('Paris'));
      await b.setSemantic('A', 'p', 'boiling point of water', unit([0, 1, 0, 0]), answer('100 C'));
      await b.setSemantic('B', 'p', 'capital of france', unit([1, 0.05, 0, 0]), answer('other partition'));
      const hit = await b.searchSemantic('A', unit([0.95, 0.1, 0, 0]), 0.9);
      expect(hit?.value.text).toBe('Paris');
      expect(hit?.query).toBe('capital of france');
      expect(hit?.score).toBeCloseTo(0.9945, 3);
      expect(await b.searchSemantic('A', unit([0.6, 0.6, 0.5, 0]), 0.9)).toBeUndefined();
      expect(await b.searchSemantic('C', unit([1, 0, 0, 0]), 0.5)).toBeUndefined();
      expect((await b.searchSemantic('B', unit([1, 0, 0, 0]), 0.5))?.value.text).toBe('other partition');
    });

    it('replaces an entry stored again under the same partition and query', async () => {
      const b = make();
      await b.setSemantic('A', 'p', 'q', unit([1, 0]), answer('old'));
      await b.setSemantic('A', 'p', 'q', unit([0, 1]), answer('new'));
      expect(await b.size()).toEqual({ exact: 0, semantic: 1 });
      expect(await b.searchSemantic('A', unit([1, 0]), 0.5)).toBeUndefined();
      expect((await b.searchSemantic('A', unit([0, 1]), 0.5))?.value.text).toBe('new');
    });

    it('never returns entries older than the TTL', async () => {
      const b = make({ ttlMs: 1000 });
      await b.setExact('k', 'p', answer('x'));
      await b.setSemantic('A', 'p', 'q', unit([1, 0]), answer('y'));
      clock += 999;
      expect(await b.getExact('k')).toBeDefined();
      expect(await b.searchSemantic('A', unit([1, 0]), 0.5)).toBeDefined();
      clock += 1;
      expect(await b.getExact('k')).toBeUndefined();
      expect(await b.searchSemantic('A', unit([1, 0]), 0.5)).toBeUndefined();
    });

    it('an expired nearest entry does not hide a live one behind it', async () => {
      const b = make({ ttlMs: 1000 });
      await b.setSemantic('A', 'p', 'old', unit([1, 0]), answer('old'));
      clock += 600;
      await b.setSemantic('A', 'p', 'newer', unit([0.9, 0.3]), answer('newer'));
      clock += 500;
      expect((await b.searchSemantic('A', unit([1, 0]), 0.5))?.value.text).toBe('newer');
    });

    it('evicts the least recently used entry beyond maxEntries', async () => {
      const b = make({ maxEntries: 2 });
      await b.setExact('a', 'p', answer('a'));
      clock++;
      await b.setExact('b', 'p', answer('b'));
      clock++;
      expect(await b.getExact('a')).toBeDefined(); // a is now more recent than b
      clock++;
      await b.setExact('c', 'p', answer('c'));
      expect(await b.getExact('b')).toBeUndefined();
      expect(await b.getExact('a')).toBeDefined();
      expect(await b.getExact('c')).toBeDefined();

      await b.setSemantic('A', 'p', 'x', unit([1, 0, 0]), answer('x'));
      clock++;
      await b.setSemantic('A', 'p', 'y', unit([0, 1, 0]), answer('y'));
      clock++;
      expect(await b.searchSemantic('A', unit([1, 0, 0]), 0.9)).toBeDefined();
      clock++;
      await b.setSemantic('A', 'p', 'z', unit([0, 0, 1]), answer('z'));
      expect(await b.size()).toEqual({ exact: 2, semantic: 2 });
      expect(await b.searchSemantic('A', unit([0, 1, 0]), 0.9)).toBeUndefined();
      expect((await b.searchSemantic('A', unit([1, 0, 0]), 0.9))?.value.text).toBe('x');
      expect((await b.searchSemantic('A', unit([0, 0, 1]), 0.9))?.value.text).toBe('z');
    });

    it('clears one project without touching another', async () => {
      const b = make();
      await b.setExact('k1', 'p1', answer('1'));
      await b.setExact('k2', 'p2', answer('2'));
      await b.setSemantic('A', 'p1', 'q', unit([1, 0]), answer('1'));
      await b.setSemantic('B', 'p2', 'q', unit([1, 0]), answer('2'));
      await b.clear('p1');
      expect(await b.getExact('k1')).toBeUndefined();
      expect(await b.getExact('k2')).toBeDefined();
      expect(await b.searchSemantic('A', unit([1, 0]), 0.5)).toBeUndefined();
      expect(await b.searchSemantic('B', unit([1, 0]), 0.5)).toBeDefined();
      await b.clear();
      expect(await b.size()).toEqual({ exact: 0, semantic: 0 });
    });

    it('keeps the block dense after removals (search still sees every survivor)', async () => {
      const b = make({ maxEntries: 50 });
      for (let i = 0; i < 80; i++) {
        const v = new Float32Array(8);
        v[i % 8] = 1;
        v[(i + 1) % 8] = i / 80;
        await b.setSemantic('A', 'p', `q${i}`, unit([...v]), answer(`a${i}`));
        clock++;
      }
      expect((await b.size()).semantic).toBe(50);
      const probe = new Float32Array(8);
      probe[79 % 8] = 1;
      probe[0] = 79 / 80;
      expect((await b.searchSemantic('A', unit([...probe]), 0.99))?.value.text).toBe('a79');
      const gone = new Float32Array(8);
      gone[0] = 1;
      gone[1] = 0;
      expect((await b.searchSemantic('A', unit([...gone]), 0.9999))?.value.text).not.toBe('a0');
    });
  });
}
