import { describe, expect, it } from 'vitest';
import { createHashingEmbedder, dot, hashEmbed } from './index.js';

describe('feature-hashing embedder', () => {
  it('is deterministic, including across embedder instances', async () => {
    const a = createHashingEmbedder();
    const b = createHashingEmbedder();
    const [x] = await a.embed(['The Normans conquered England in 1066']);
    const [y] = await b.embed(['The Normans conquered England in 1066']);
    expect(Array.from(x!)).toEqual(Array.from(y!));
  });

  it('produces fixed values for a fixed text (the same on every platform and run)', () => {
    // Pinned: a change of hashing or tokenisation would silently invalidate stored vectors, so it must be deliberate.
    const v = hashEmbed('hello world', 16);
    expect(Array.from(v, (x) => Number(x.toFixed(4)))).toEqual([
      0.3502, 0.1751, 0, -0.3502, 0, 0, -0.1751, -0.3252, 0, 0.3502, 0, -0.1751, 0.5003, 0.1751, -0.1751, 0.3502,
    ]);
  });

  it('has an id and size that follow the dimensions option', async () => {
    const e = createHashingEmbedder({ dimensions: 64 });
    expect(e.id).toBe('local:hash-64');
    expect(e.dimensions).toBe(64);
    const [v] = await e.embed(['short text']);
    expect(v).toHaveLength(64);
    expect(dot(v!, v!)).toBeCloseTo(1, 5);
    expect(createHashingEmbedder().id).toBe('local:hash-384');
  });

  it('scores texts that share words and word forms above unrelated ones', async () => {
    const e = createHashingEmbedder();
    const [install, installation, normans] = await e.embed([
      'How do I install the package?',
      'Installation instructions for installing the package',
      'The Normans conquered England in 1066',
    ]);
    expect(dot(install!, installation!)).toBeGreaterThan(dot(install!, normans!) + 0.2);
    const [inflected, base] = await e.embed(['installing packages', 'install package']);
    // Shared character n-grams link word forms even with no word in common.
    expect(dot(inflected!, base!)).toBeGreaterThan(0.3);
  });

  it('weights repeated words sublinearly', () => {
    const once = hashEmbed('cat dog', 512);
    const many = hashEmbed('cat cat cat cat cat cat cat cat dog', 512);
    const dogOnly = hashEmbed('dog', 512);
    // With raw counts "dog" would nearly vanish from the second text.
    expect(dot(many, dogOnly)).toBeGreaterThan(0.25);
    expect(dot(once, dogOnly)).toBeGreaterThan(dot(many, dogOnly));
  });

  it('returns a zero vector for a text without words', () => {
    expect(Array.from(hashEmbed('  ?! ', 32)).every((x) => x === 0)).toBe(true);
  });

  it('rejects nonsense dimensions', () => {
    expect(() => createHashingEmbedder({ dimensions: 0 })).toThrow(/dimensions/);
    expect(() => createHashingEmbedder({ dimensions: 2.5 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
