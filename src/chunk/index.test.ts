import { describe, expect, it } from 'vitest';
import { IncontextError } from '../core/index.js';
import { createChunker, defaultStrategyFor, type ChunkOptions } from './index.js';

function errorOf(options: ChunkOptions): IncontextError {
  try {
    createChunker(options);
  } catch (err) {
    if (IncontextError.isInstance(err)) return err;
    throw err;
  }
  throw new Error('expected createChunker to throw');
}

describe('createChunker validation', () => {
  it('rejects a size under 16 naming chunk.size and the range', () => {
    const err = errorOf({ strategy: 'recursive', size: 8, overlap: 0 });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.input?.key).toBe('chunk.size');
    expect(err.message).toContain('>= 16');
    expect(err.hint).toBeTruthy();
    expect(errorOf({ strategy: 'recursive', size: 100.5, overlap: 0 }).input?.key).toBe('chunk.size');
  });

  it('rejects overlap outside 0..size-1 naming chunk.overlap and the range', () => {
    for (const overlap of [100, 150, -1, 2.5]) {
      const err = errorOf({ strategy: 'sentence', size: 100, overlap });
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.input?.key).toBe('chunk.overlap');
      expect(err.message).toContain('0..99');
    }
  });

  it('rejects an unknown strategy naming chunk.strategy', () => {
    const err = errorOf({ strategy: 'semantic' as ChunkOptions['strategy'], size: 100, overlap: 10 });
    expect(err.input?.key).toBe('chunk.strategy');
  });

  it('accepts the edges of the range', () => {
    expect(createChunker({ strategy: 'markdown', size: 16, overlap: 15 }).name).toBe('markdown');
    expect(createChunker({ strategy: 'recursive', size: 16, overlap: 0 }).split('Hello there, world.')).toHaveLength(1);
  });
});

describe('defaultStrategyFor', () => {
  it('picks markdown for Markdown and recursive for everything else', () => {
    expect(defaultStrategyFor('markdown')).toBe('markdown');
    expect(defaultStrategyFor('text')).toBe('recursive');
    expect(defaultStrategyFor('html')).toBe('recursive');
    expect(defaultStrategyFor('pdf')).toBe('recursive');
  });
});
