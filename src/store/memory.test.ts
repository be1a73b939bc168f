import { describe, expect, it } from 'vitest';
import { runStoreConformance } from './conformance.js';
import { porterStem } from './memory/porter.js';
import { createMemoryStore } from './index.js';

runStoreConformance('memory', () => createMemoryStore());

describe('porterStem', () => {
  it('reduces word forms the way the Porter algorithm does', () => {
    const cases: Array<[string, string]> = [
      ['caresses', 'caress'], ['ponies', 'poni'], ['cats', 'cat'], ['feed', 'feed'], ['agreed', 'agre'],
      ['plastered', 'plaster'], ['motoring', 'motor'], ['sing', 'sing'], ['conflated', 'conflat'], ['hopping', 'hop'],
      ['falling', 'fall'], ['filing', 'file'], ['happy', 'happi'], ['relational', 'relat'], ['conditional', 'condit'],
      ['digitizer', 'digit'], ['generalization', 'gener'], ['electrical', 'electr'], ['hopefulness', 'hope'],
      ['adjustment', 'adjust'], ['controlling', 'control'], ['rolling', 'roll'], ['generously', 'gener'],
      ['fermentation', 'ferment'], ['fermenting', 'ferment'], ['is', 'is'], ['café', 'café'],
    ];
    for (const [word, stem] of cases) expect(porterStem(word), word).toBe(stem);
  });
});

describe('memory store', () => {
  it('refuses to work after close', async () => {
    const store = createMemoryStore();
    await store.close();
    await expect(store.stats('p')).rejects.toMatchObject({ code: 'STORE_FAILED' });
  });
});
