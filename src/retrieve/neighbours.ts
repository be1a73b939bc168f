/**
 * Neighbour expansion: add the chunks just before and after each final hit from the same
 * document, so an answer that straddles a chunk boundary reaches the model whole.
 *
 * Each hit is followed by its neighbours; within a group the chunks are in document order
 * (prev, hit, next), so the prompt reads as continuous text. A neighbour that is itself a
 * hit stays at its own rank, and the request's filter applies to neighbours too (a filter
 * may be an access rule, and chunk-level metadata can differ inside one document).
 */
import { matchesFilter, normalizeFilter, type Chunk, type Hit } from '../core/index.js';
import { chunkPositions, type ChunkPositions } from './positions.js';
import type { RetrievalStep, StepContext } from './steps.js';

export interface NeighbourOptions {
  /** Chunks to add before each hit (default 1). */
  before?: number;
  /** Chunks to add after each hit (default 1). */
  after?: number;
  /** How to read chunks by position; default: the best route the store offers (positions.ts). */
  positions?: ChunkPositions;
}

function positionsFor(ctx: StepContext, first: Hit): ChunkPositions {
  return chunkPositions(ctx.deps.store, {
    probe: async () => ({ model: ctx.deps.embedder.id, vector: (await ctx.chunkVectors([first]))[0]! }),
  });
}

export function neighbourStep(options: NeighbourOptions = {}): RetrievalStep {
  const before = Math.max(0, Math.floor(options.before ?? 1));
  const after = Math.max(0, Math.floor(options.after ?? 1));
  return {
    name: 'neighbours',
    kind: 'context',
    async run(hits, ctx) {
      const first = hits[0];
      if (!first || (before === 0 && after === 0)) return { hits, detail: { before, after, added: [] } };
      const positions = options.positions ?? positionsFor(ctx, first);
      const conditions = normalizeFilter(ctx.request.filter);
      // One read per document, covering every hit's window in it.
      const windows = new Map<string, { from: number; to: number }>();
      for (const h of hits) {
        const w = windows.get(h.chunk.documentId);
        const from = Math.max(0, h.chunk.index - before);
        const to = h.chunk.index + after;
        windows.set(h.chunk.documentId, w ? { from: Math.min(w.from, from), to: Math.max(w.to, to) } : { from, to });
      }
      const chunksByDoc = new Map<string, Map<number, Chunk>>();
      await Promise.all(
        [...windows].map(async ([documentId, w]) => {
          const chunks = await positions.range(ctx.request.projectId, documentId, w.from, w.to);
          chunksByDoc.set(documentId, new Map(chunks.map((c) => [c.index, c])));
        }),
      );
      const hitIds = new Set(hits.map((h) => h.chunk.id));
      const emitted = new Set<string>();
      const added: Array<{ chunkId: string; of: string }> = [];
      let filtered = 0;
      const out: Hit[] = [];
      for (const h of hits) {
        if (emitted.has(h.chunk.id)) continue;
        const inDoc = chunksByDoc.get(h.chunk.documentId);
        const pick = (index: number): Hit[] => {
          const c = inDoc?.get(index);
          if (!c || hitIds.has(c.id) || emitted.has(c.id)) return [];
          if (!matchesFilter(c.metadata, conditions)) {
            filtered++;
            return [];
          }
          emitted.add(c.id);
          added.push({ chunkId: c.id, of: h.chunk.id });
          return [{ chunk: c, document: h.document, score: h.score, scores: {}, rank: 0 }];
        };
        const prev: Hit[] = [];
        for (let i = h.chunk.index - before; i < h.chunk.index; i++) prev.push(...pick(i));
        const next: Hit[] = [];
        for (let i = h.chunk.index + 1; i <= h.chunk.index + after; i++) next.push(...pick(i));
        emitted.add(h.chunk.id);
        out.push(...prev, h, ...next);
      }
      return { hits: out, detail: { before, after, via: positions.via, added, ...(filtered ? { filteredOut: filtered } : {}) } };
    },
  };
}
