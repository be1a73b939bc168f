import { describe, expect, it } from 'vitest';
import { prng as rng } from '../core/index.js';
import { createChunker, type ChunkStrategy } from './index.js';
import { cjk, expectValidPieces, guide, prose } from './__fixtures__/fixtures.js';


const fragments = [
  ...prose.split(/(?<=[.!?])\s+/),
  ...guide.split('\n'),
  ...cjk.split(/(?<=[。.])/),
  '\n\n', '\n', '   ', '\t', '😀👍🏽', 'e.g.', 'Dr.', '3.14', '```', '```ts\nconst a = 1;\n```', '# Heading', '### Deep',
  'x'.repeat(300), '가'.repeat(120), '\u200b', '\r\n', '\u2028', '## Win\r\n\r\nbody', '<|endoftext|>', '  - list item', '|a|b|\n|-|-|',
];

function randomDocument(next: () => number): string {
  const parts: string[] = [];
  const count = 1 + Math.floor(next() * 60);
  for (let k = 0; k < count; k++) {
    parts.push(fragments[Math.floor(next() * fragments.length)]!);
    parts.push(['', ' ', '\n', '\n\n'][Math.floor(next() * 4)]!);
  }
  return parts.join('');
}

describe('every strategy on random documents', () => {
  it('keeps its promises for 150 seeded documents', () => {
    const strategies: ChunkStrategy[] = ['recursive', 'markdown', 'sentence'];
    for (let seed = 1; seed <= 150; seed++) {
      const next = rng(seed);
      const text = randomDocument(next);
      const strategy = strategies[seed % 3]!;
      const size = 16 + Math.floor(next() * 200);
      const overlap = Math.floor(next() * size);
      const pieces = createChunker({ strategy, size, overlap }).split(text);
      if (text.trim() === '') expect(pieces).toEqual([]);
      else expectValidPieces(text, pieces, size);
    }
  });
});
