import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { countTokens } from '../index.js';
import type { ChunkPiece } from '../types.js';

const read = (name: string): string => readFileSync(new URL(name, import.meta.url), 'utf8');

export const prose = read('./prose.txt');
export const guide = read('./guide.md');
export const cjk = read('./cjk.txt');

/** ~120 KB of mixed Markdown and prose, with numbered parts so repeated paragraphs stay distinguishable. */
export const longText = Array.from({ length: 30 }, (_, k) => `## Part ${k + 1}\n\n${prose}\n\n${guide}`).join('\n\n');

/**
 * What every strategy promises: the piece text is exactly the slice at its
 * offsets, has no surrounding whitespace, is counted with the real tokenizer,
 * stays within `size`, and together the pieces cover every non-blank character.
 */
export function expectValidPieces(text: string, pieces: ChunkPiece[], size: number): void {
  expect(pieces.length).toBeGreaterThan(0);
  const covered = new Uint8Array(text.length);
  let prevStart = -1;
  for (const p of pieces) {
    expect(text.slice(p.start, p.end)).toBe(p.text);
    expect(p.text).toBe(p.text.trim());
    expect(p.text.length).toBeGreaterThan(0);
    expect(p.tokenCount).toBe(countTokens(p.text));
    expect(p.tokenCount).toBeLessThanOrEqual(size);
    expect(p.start).toBeGreaterThan(prevStart);
    prevStart = p.start;
    covered.fill(1, p.start, p.end);
  }
  const missed: string[] = [];
  for (let i = 0; i < text.length; i++) if (!covered[i] && !/\s/.test(text[i]!)) missed.push(`${i}:${text[i]}`);
  expect(missed).toEqual([]);
}
