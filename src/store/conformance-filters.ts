import { expect, it } from 'vitest';
import { IncontextError, matchesFilter, normalizeFilter, type Filter, type FilterCondition, type Metadata, type MetadataValue } from '../core/index.js';
import { MODEL, axis, makeEntry, prng, topicEntries } from './conformance-fixtures.js';
import type { Store } from './types.js';

const P = 'filters';

/** Ids of the chunks a filter lets through, by vector and by keyword search, versus matchesFilter. */
async function check(store: Store, all: Array<{ id: string; metadata: Metadata }>, filter: Filter, word: string): Promise<number> {
  const expected = all.filter((c) => matchesFilter(c.metadata, normalizeFilter(filter))).map((c) => c.id).sort();
  const byVector = await store.vectorSearch({ projectId: P, model: MODEL, vector: axis(0), k: 10_000, filter });
  const byKeyword = await store.keywordSearch({ projectId: P, query: word, k: 10_000, filter });
  const label = JSON.stringify(filter);
  expect(byVector.map((h) => h.chunk.id).sort(), `vector ${label}`).toEqual(expected);
  expect(byKeyword.map((h) => h.chunk.id).sort(), `keyword ${label}`).toEqual(expected);
  return expected.length;
}

const STRINGS = ['red', 'green', 'blue', '10', 'true', '[]', ''];
const DATES = ['2024-12-31', '2025-01-01', '2025-01-01T12:00:00Z', '2025-06-30', '2026-02-01'];

function randomValue(rnd: () => number): MetadataValue {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  switch (Math.floor(rnd() * 8)) {
    case 0: return Math.floor(rnd() * 7) - 3;
    case 1: return Math.round(rnd() * 40) / 4 - 3;
    case 2: return pick(STRINGS);
    case 3: return pick(DATES);
    case 4: return rnd() < 0.5;
    case 5: return null;
    case 6: return [pick(STRINGS), pick(STRINGS)].slice(0, 1 + Math.floor(rnd() * 2));
    default: return 1;
  }
}

function randomCondition(rnd: () => number): FilterCondition {
  const scalar = (): string | number | boolean => {
    const v = randomValue(rnd);
    return Array.isArray(v) || v === null ? 'red' : v;
  };
  const bound = (): number | string => (rnd() < 0.5 ? Math.floor(rnd() * 7) - 3 : DATES[Math.floor(rnd() * DATES.length)]!);
  switch (Math.floor(rnd() * 7)) {
    case 0: return randomValue(rnd);
    case 1: return { eq: randomValue(rnd) };
    case 2: return { ne: randomValue(rnd) };
    case 3: return { in: [scalar(), scalar(), scalar()] };
    case 4: return { gte: bound() };
    case 5: return { gt: bound(), lte: bound() };
    default: return { lt: bound() };
  }
}

/** The filter part of the conformance suite; `get` returns the fresh store of the running test. */
export function filterTests(get: () => Store): void {
  it('every operator agrees with matchesFilter on the topic corpus, dates and arrays included', async () => {
    const store = get();
    const entries = topicEntries(P);
    for (const { origin, entry } of entries) await store.replaceOrigin(P, origin, [{ ...entry, vectors: entry.vectors.map(() => axis(0)) }]);
    const all = entries.map(({ entry }) => ({ id: entry.chunks[0]!.id, metadata: entry.chunks[0]!.metadata }));
    const filters: Filter[] = [
      { topic: 'jazz' },
      { topic: { eq: 'tcp' } },
      { order: 2 },
      { order: { ne: 2 } },
      { topic: { in: ['jazz', 'tcp', 'nothing'] } },
      { order: { gte: 1, lt: 4 } },
      { order: { gt: 4 } },
      { order: { lte: 0 } },
      { published: { gte: '2025-02-01', lte: '2025-04-30' } },
      { published: { lt: '2025-03-01' } },
      { published: { gt: 3 } },
      { draft: true },
      { draft: { ne: true } },
      { tags: 'science' },
      { tags: ['science', 'volcano'] },
      { tags: { in: ['jazz', 'photosynthesis'] } },
      { tags: { ne: 'science' } },
      { missing: 'x' },
      { missing: { ne: 'x' } },
      { topic: 'jazz', order: 5 },
      { topic: 'jazz', order: 4 },
      // Untyped callers (JSON bodies) can send values the types forbid; they must behave as matchesFilter says, not crash.
      { topic: { eq: { nested: 1 } } } as unknown as Filter,
      { topic: { ne: { nested: 1 } } } as unknown as Filter,
      { topic: { in: [{ nested: 1 }, 'jazz'] } } as unknown as Filter,
      { order: { gt: true } } as unknown as Filter,
      { order: 1.5 },
      { order: { gte: 0.5, lte: 2.5 } },
    ];
    for (const f of filters) await check(store, all, f, 'the');
    // Sanity: the reference itself is not trivially empty or full for the interesting cases.
    expect(all.filter((c) => matchesFilter(c.metadata, normalizeFilter({ tags: 'science' }))).length).toBe(3);
  });

  it('random metadata and random conditions: backend results equal matchesFilter', async () => {
    const store = get();
    const rnd = prng(20260123);
    const fields = ['n', 's', 'when', 'tags', 'mixed', 'a.b', 'x-y'];
    const all: Array<{ id: string; metadata: Metadata }> = [];
    const specs = Array.from({ length: 120 }, (_, i) => {
      const metadata: Metadata = {};
      for (const f of fields) if (rnd() < 0.8) metadata[f] = randomValue(rnd);
      all.push({ id: `rnd-${i}#0`, metadata });
      return makeEntry(P, `r${i % 7}.txt`, { id: `rnd-${i}`, texts: [`record ${i} about lighthouses`], vectors: [[1, rnd(), 0, 0, 0, 0]], chunkMetadata: [metadata] });
    });
    for (let o = 0; o < 7; o++) await store.replaceOrigin(P, `r${o}.txt`, specs.filter((_, i) => i % 7 === o));
    let selective = 0;
    for (let q = 0; q < 150; q++) {
      const filter: Filter = {};
      const n = 1 + Math.floor(rnd() * 2);
      for (let j = 0; j < n; j++) filter[fields[Math.floor(rnd() * fields.length)]!] = randomCondition(rnd);
      const matched = await check(store, all, filter, 'lighthouses');
      if (matched > 0 && matched < all.length) selective++;
    }
    // Guard against a generator that only produces all-or-nothing filters, which would prove little.
    expect(selective).toBeGreaterThan(60);
  });

  it('rejects invalid filter fields and operators with BAD_REQUEST', async () => {
    const store = get();
    for (const { origin, entry } of topicEntries(P)) await store.replaceOrigin(P, origin, [entry]);
    const bad: Filter[] = [{ "x') OR 1=1 --": 1 }, { topic: { like: 'j%' } as unknown as FilterCondition }];
    for (const filter of bad) {
      const err = await store.vectorSearch({ projectId: P, model: MODEL, vector: axis(0), k: 3, filter }).catch((e: unknown) => e);
      expect(IncontextError.isInstance(err) && err.code).toBe('BAD_REQUEST');
      const err2 = await store.keywordSearch({ projectId: P, query: 'jazz', k: 3, filter }).catch((e: unknown) => e);
      expect(IncontextError.isInstance(err2) && err2.code).toBe('BAD_REQUEST');
    }
  });
}
