import { describe, expect, it } from 'vitest';
import { IncontextError } from '../core/index.js';
import { expectValidPieces, guide, prose } from './__fixtures__/fixtures.js';
import { countTokens, createSemanticChunker, percentileOf, type EmbedTexts } from './index.js';
import { depthScores } from './semantic.js';

/**
 * A bag-of-words embedder: each content word gets its own dimension, so two
 * sentences are similar exactly when they share vocabulary. Real enough to
 * show where topics change, and fully predictable.
 */
function bagOfWords(): EmbedTexts & { calls: string[][] } {
  const dims = new Map<string, number>();
  const stop = new Set(['the', 'a', 'an', 'of', 'and', 'to', 'in', 'is', 'it', 'its', 'on', 'for', 'with', 'are', 'by', 'at', 'as', 'from', 'that', 'they', 'their']);
  const calls: string[][] = [];
  const embed = async (texts: string[]): Promise<Float32Array[]> => {
    calls.push(texts);
    const words = texts.map((t) => (t.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => !stop.has(w)));
    for (const ws of words) for (const w of ws) if (!dims.has(w)) dims.set(w, dims.size);
    return words.map((ws) => {
      const v = new Float32Array(4096);
      for (const w of ws) v[dims.get(w)! % 4096]! += 1;
      return v;
    });
  };
  return Object.assign(embed, { calls });
}

const BEES = [
  'Honey bees live in colonies with one queen and thousands of worker bees.',
  'Worker bees collect nectar and pollen from flowers near the hive.',
  'Inside the hive the bees turn nectar into honey and store it in wax combs.',
  'A strong colony of bees can make more honey than the hive needs for winter.',
];
const VOLCANOES = [
  'A volcano erupts when magma rises through cracks in the crust.',
  'Magma that reaches the surface is called lava, and lava flows can bury whole valleys.',
  'Ash from a large volcano eruption can circle the planet and cool the climate.',
  'Geologists measure gas and ground swelling to predict when a volcano will erupt.',
];
const TAXES = [
  'Income tax is charged on wages, interest and profits above a yearly allowance.',
  'Employers usually withhold income tax from wages every month.',
  'A tax return lists income and deductions so the tax office can settle the balance.',
  'Late tax returns cost a penalty that grows with each month of delay.',
];

describe('semantic chunker', () => {
  it('ends chunks where the topic changes, embedding each sentence once', async () => {
    const text = [...BEES, ...VOLCANOES, ...TAXES].join(' ');
    const embed = bagOfWords();
    const pieces = await createSemanticChunker({ size: 512, minSize: 0, percentile: 85 }, embed).split(text);
    expect(pieces.map((p) => p.text)).toEqual([BEES.join(' '), VOLCANOES.join(' '), TAXES.join(' ')]);
    expectValidPieces(text, pieces, 512);
    expect(embed.calls).toHaveLength(1);
    expect(embed.calls[0]).toHaveLength(12);
    expect(embed.calls[0]![1]).toBe(BEES[1]);
  });

  it('keeps the topic boundaries with no window too', async () => {
    const text = [...TAXES, ...BEES].join('\n');
    const pieces = await createSemanticChunker({ size: 512, minSize: 0, window: 0, percentile: 90 }, bagOfWords()).split(text);
    expect(pieces.map((p) => p.text)).toEqual([TAXES.join('\n'), BEES.join('\n')]);
  });

  it('cuts a topic that is too long for one chunk at its weakest link, never over size', async () => {
    const text = [...BEES, ...VOLCANOES, ...TAXES].join(' ');
    const size = 60;
    const pieces = await createSemanticChunker({ size, minSize: 0 }, bagOfWords()).split(text);
    expectValidPieces(text, pieces, size);
    // Every topic is bigger than 60 tokens, so it is cut, but no chunk mixes two topics.
    const topicOf = (s: string) => [BEES, VOLCANOES, TAXES].findIndex((t) => t.some((x) => s.includes(x)));
    for (const p of pieces) {
      const topics = new Set([BEES, VOLCANOES, TAXES].map((t, i) => (t.some((x) => p.text.includes(x)) ? i : -1)).filter((i) => i >= 0));
      expect(topics.size).toBe(1);
      expect(topicOf(p.text)).toBeGreaterThanOrEqual(0);
    }
    expect(pieces.length).toBeGreaterThan(3);
  });

  it('joins a run under minSize to the neighbour it is more similar to', async () => {
    // One bee sentence dropped between volcano sentences is its own "topic" by distance, but too small to stand alone.
    const odd = 'Bees also visit the crater rim.';
    const text = [...VOLCANOES.slice(0, 2), odd, ...VOLCANOES.slice(2), ...TAXES].join(' ');
    const loose = await createSemanticChunker({ size: 512, minSize: 0, window: 0, percentile: 70 }, bagOfWords()).split(text);
    expect(loose.some((p) => p.text === odd)).toBe(true);
    const merged = await createSemanticChunker({ size: 512, minSize: 30, window: 0, percentile: 70 }, bagOfWords()).split(text);
    for (const p of merged) expect(p.tokenCount).toBeGreaterThanOrEqual(30);
    expect(merged.find((p) => p.text.includes(odd))!.text).toContain(VOLCANOES[0]);
    expect(merged.at(-1)!.text).toBe(TAXES.join(' '));
  });

  it('never crosses a Markdown heading and names the heading path', async () => {
    const text = `# Hives\n\n${BEES.join(' ')}\n\n## Winter\n\n${BEES.slice(2).join(' ')}\n\n# Eruptions\n\n${VOLCANOES.join(' ')}`;
    const pieces = await createSemanticChunker({ size: 512, markdown: true }, bagOfWords()).split(text);
    expectValidPieces(text, pieces, 512);
    expect(pieces.map((p) => p.metadata.headingPath)).toEqual([['Hives'], ['Hives', 'Winter'], ['Eruptions']]);
    expect(pieces[1]!.text.startsWith('## Winter')).toBe(true);
  });

  it('keeps the chunker invariants on long real text, cutting over-long sentences', async () => {
    const long = `${prose}\n\n${'word '.repeat(400).trim()}.\n\n${guide}`;
    const pieces = await createSemanticChunker({ size: 128 }, bagOfWords()).split(long);
    expectValidPieces(long, pieces, 128);
    // minSize defaults to a quarter of size; only a piece with no mergeable neighbour may be smaller.
    const small = pieces.filter((p) => p.tokenCount < 32);
    expect(small.length).toBeLessThanOrEqual(2);
  });

  it('handles empty, one-sentence and vector-less text', async () => {
    const embed = bagOfWords();
    const chunker = createSemanticChunker({ size: 64 }, embed);
    expect(await chunker.split('  \n ')).toEqual([]);
    const one = await chunker.split('Just one sentence here.');
    expect(one).toEqual([{ text: 'Just one sentence here.', start: 0, end: 23, tokenCount: countTokens('Just one sentence here.'), metadata: {} }]);
    // A single sentence needs no embedding at all.
    expect(embed.calls).toHaveLength(0);
    const zeros = createSemanticChunker({ size: 64, minSize: 0 }, async (texts) => texts.map(() => new Float32Array(8)));
    expect((await zeros.split('1. 2. 3. 4.')).length).toBe(1);
  });

  it('fails with EMBEDDING_FAILED when the embedder returns the wrong number of vectors', async () => {
    const chunker = createSemanticChunker({ size: 64 }, async () => [new Float32Array(4)]);
    const err = await chunker.split(BEES.join(' ')).catch((e: unknown) => e);
    expect(IncontextError.isInstance(err) && err.code).toBe('EMBEDDING_FAILED');
  });

  it('names the bad option', () => {
    const keyOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        if (IncontextError.isInstance(e)) return e.input?.key;
        throw e;
      }
      return undefined;
    };
    const embed = bagOfWords();
    expect(keyOf(() => createSemanticChunker({ size: 8 }, embed))).toBe('chunk.size');
    expect(keyOf(() => createSemanticChunker({ size: 64, minSize: 64 }, embed))).toBe('chunk.semantic.minSize');
    expect(keyOf(() => createSemanticChunker({ size: 64, percentile: 100 }, embed))).toBe('chunk.semantic.percentile');
    expect(keyOf(() => createSemanticChunker({ size: 64, window: 1.5 }, embed))).toBe('chunk.semantic.window');
  });

  it('interpolates percentiles like numpy', () => {
    expect(percentileOf([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentileOf([0, 10], 90)).toBe(9);
    expect(percentileOf([5], 95)).toBe(5);
  });
});

describe('depthScores', () => {
  it('scores a peak by how far it rises above the valleys on both sides', () => {
    expect(depthScores([0.1, 0.5, 0.2, 0.2, 0.9, 0.3])).toEqual([0, 0.4 + 0.3, 0, 0, 0.7 + 0.6, 0].map((x) => expect.closeTo(x, 10)));
    // A uniformly loose text has no deep gap anywhere.
    expect(depthScores([0.6, 0.6, 0.6])).toEqual([0, 0, 0]);
  });
});
