import { describe, expect, it } from 'vitest';
import { IncontextError } from '../core/index.js';
import { expectValidPieces, guide, prose } from './__fixtures__/fixtures.js';
import { collapseToParents, countTokens, createChunker, createParentChildChunker, parentOf, parentRanges } from './index.js';

const children = (size: number) => createChunker({ strategy: 'recursive', size, overlap: Math.floor(size / 8) });

describe('parent-child chunker', () => {
  it('cuts children inside parents and points every child at its parent range', () => {
    const chunker = createParentChildChunker({ parentSize: 256 }, children(64));
    const parents = chunker.parents(prose);
    expect(parents.length).toBeGreaterThan(1);
    for (const p of parents) {
      expect(p.tokenCount).toBeLessThanOrEqual(256);
      expect(p.tokenCount).toBe(countTokens(prose.slice(p.start, p.end)));
    }
    const pieces = chunker.split(prose);
    expectValidPieces(prose, pieces, 64);
    const byId = new Map(parents.map((p) => [p.id, p]));
    for (const c of pieces) {
      const ref = parentOf(c.metadata)!;
      const parent = byId.get(ref.parentId)!;
      expect(parent).toBeDefined();
      expect([ref.parentStart, ref.parentEnd, ref.parentTokens]).toEqual([parent.start, parent.end, parent.tokenCount]);
      // Inside its parent: the overlap of the child splitter never reaches into the previous parent.
      expect(c.start).toBeGreaterThanOrEqual(parent.start);
      expect(c.end).toBeLessThanOrEqual(parent.end);
      expect(prose.slice(ref.parentStart, ref.parentEnd)).toContain(c.text);
    }
    // Every parent has at least one child, and children are smaller than their parents.
    expect(new Set(pieces.map((c) => c.metadata.parentId))).toEqual(new Set(parents.map((p) => p.id)));
    expect(pieces.length).toBeGreaterThan(parents.length);
  });

  it('uses Markdown sections as parents, with the full heading path on every child', () => {
    const chunker = createParentChildChunker({ parentSize: 512, markdown: true }, createChunker({ strategy: 'markdown', size: 48, overlap: 0 }));
    const parents = chunker.parents(guide);
    for (const p of parents) {
      const body = guide.slice(p.start, p.end);
      // A section parent starts at its heading and holds no other heading outside code.
      expect(body.startsWith('#') || p.index === 0).toBe(true);
    }
    const fromNpm = parents.find((p) => p.headingPath?.join(' > ') === 'Incontext Guide > Install > From npm')!;
    expect(guide.slice(fromNpm.start, fromNpm.end)).toContain('npm install incontext');
    const pieces = chunker.split(guide);
    expectValidPieces(guide, pieces, 48);
    const child = pieces.find((c) => c.text.includes('npx incontext --version'))!;
    expect(child.metadata.headingPath).toEqual(['Incontext Guide', 'Install', 'From npm']);
    expect(child.metadata.parentId).toBe(fromNpm.id);
  });

  it('gives the same ids for the same text and different ids to different parents', () => {
    const a = parentRanges(prose, { parentSize: 128 });
    const b = parentRanges(prose, { parentSize: 128 });
    expect(a.map((p) => p.id)).toEqual(b.map((p) => p.id));
    expect(new Set(a.map((p) => p.id)).size).toBe(a.length);
    expect(a[0]!.id).toMatch(/^par_[0-9a-f]{24}$/);
  });

  it('collapses ranked children to one entry per parent of the same document, best first', () => {
    const chunker = createParentChildChunker({ parentSize: 128 }, children(32));
    const pieces = chunker.split(prose);
    const p0 = pieces.filter((c) => c.metadata.parentId === pieces[0]!.metadata.parentId);
    const p1 = pieces.filter((c) => c.metadata.parentId !== pieces[0]!.metadata.parentId);
    expect(p0.length).toBeGreaterThan(1);
    const hits = [
      { doc: 'd1', chunk: p1[0]! },
      { doc: 'd1', chunk: p0[1]! },
      { doc: 'd2', chunk: p0[0]! },
      { doc: 'd1', chunk: p0[0]! },
      { doc: 'd1', chunk: { ...p0[0]!, metadata: { lang: 'en' } } },
    ];
    const out = collapseToParents(hits, (h) => h.chunk.metadata, (h) => h.doc);
    // The second d1 child of parent 0 is dropped; the same parent in another document is kept; a plain chunk passes.
    expect(out.map((o) => o.item)).toEqual([hits[0], hits[1], hits[2], hits[4]]);
    expect(out[3]!.parent).toBeUndefined();
    expect(out[1]!.parent?.parentId).toBe(p0[0]!.metadata.parentId);
  });

  it('rejects a parent size too small to add context, naming the key', () => {
    let err: unknown;
    try {
      createParentChildChunker({ parentSize: 32 }, children(16));
    } catch (e) {
      err = e;
    }
    expect(IncontextError.isInstance(err) && err.input?.key).toBe('chunk.parent.size');
    expect(createParentChildChunker({ parentSize: 128 }, children(32)).split(' \n ')).toEqual([]);
  });
});
