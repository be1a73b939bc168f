import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '../../../core/index.js';
import { hashEmbed } from '../../../embed/index.js';
import type { DocumentEntry } from '../../types.js';

export const PROJECT = 'p';
export const MODEL = 'test:hash-96';
export const DIMS = 96;

/**
 * Real text: distinct lines of this repository's own sources (code and comments), embedded
 * with the hashing embedder. Lexical vectors of real lines have the uneven neighbourhoods
 * of real data (near-duplicates, clusters of similar code), unlike uniform random vectors.
 */
export function realLines(root: string, count: number, seed: number): string[] {
  const lines = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
        for (const line of readFileSync(path, 'utf8').split('\n')) if (line.trim().length > 40) lines.add(line.trim());
      }
    }
  };
  walk(root);
  const all = [...lines].sort();
  const rand = prng(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, count);
}

export function embed(text: string): Float32Array {
  return hashEmbed(text, DIMS);
}

/** Seeded random unit vectors, for tests that need every vector distinct. */
export function randomUnit(rand: () => number, dims = DIMS): Float32Array {
  const v = new Float32Array(dims);
  let n = 0;
  for (let j = 0; j < dims; j++) {
    v[j] = rand() - 0.5;
    n += v[j]! * v[j]!;
  }
  const inv = 1 / Math.sqrt(n);
  return v.map((x) => x * inv);
}

/** One document per origin with one chunk per text; chunk ids `<origin>#<i>`. */
export function entryOf(origin: string, texts: string[], vectors: Float32Array[], metadata: Record<string, string | number> = {}): DocumentEntry {
  const ts = '2026-01-01T00:00:00.000Z';
  return {
    document: { id: `doc:${origin}`, projectId: PROJECT, origin, source: origin, format: 'text', text: texts.join('\n'), metadata, contentHash: `h:${origin}:${texts.length}`, createdAt: ts, updatedAt: ts },
    chunks: texts.map((t, i) => ({ id: `${origin}#${i}`, documentId: `doc:${origin}`, projectId: PROJECT, index: i, text: t, tokenCount: 1, start: 0, end: t.length, metadata })),
    vectors,
    model: MODEL,
  };
}
