/**
 * Neighbour expansion: add the chunks just before and after each final hit from the same
 * document, so an answer that straddles a chunk boundary reaches the model whole.
 *
 * Each hit brings the contiguous run of chunks around it; within a group the chunks are in
 * document order (prev, hit, next), so the prompt reads as continuous text. A neighbour that
 * is itself a hit stays at its own rank (and ends the run), and the request's filter applies
 * to neighbours too (a filter may be an access rule, and chunk-level metadata can differ
 * inside one document). With `merge`, each run becomes one hit.
 */
import { matchesFilter, normalizeFilter, type Chunk, type Hit } from '../core/index.js';
import { chunkPositions, type ChunkPositions } from './positions.js';
import type { RetrievalStep, StepContext } from './steps.js';

export interface NeighbourOptions {
  /** Chunks to add before each hit (default 1). */
  before?: number;
  /** Chunks to add after each hit (default 1). */
  after?: number;
  /**
   * Merge each hit with its neighbours into one hit: the document text from the first to the
   * last chunk of the group (overlaps appear once), keeping the hit's chunk id so citations
   * still point at the chunk that matched. The merged ids go in `metadata.mergedChunkIds`.
   */
  merge?: boolean;
  /** How to read chunks by position; default: the store's getChunkRange. */
  positions?: ChunkPositions;
}

/** One hit spanning a contiguous group of chunks, cut from the stored document text. */
async function merged(ctx: StepContext, hit: Hit, group: Hit[], documents: Map<string, Promise<string | undefined>>): Promise<Hit> {
  const id = hit.chunk.documentId;
  let text = documents.get(id);
  if (!text) documents.set(id, (text = ctx.deps.store.getDocument(ctx.request.projectId, id).then((d) => d?.text)));
  const docText = await text;
  const start = Math.min(...group.map((g) => g.chunk.start));
  const end = Math.max(...group.map((g) => g.chunk.end));
  // Without the document (deleted meanwhile) the chunk texts are joined as they are.
  const body = docText !== undefined ? docText.slice(start, end) : group.map((g) => g.chunk.text).join('\n');
  const tokenCount = Math.round(group.reduce((a, g) => a + g.chunk.tokenCount, 0) * (body.length / Math.max(1, group.reduce((a, g) => a + g.chunk.text.length, 0))));
  return {
    ...hit,
    chunk: { ...hit.chunk, text: body, start, end, tokenCount, metadata: { ...hit.chunk.metadata, mergedChunkIds: group.map((g) => g.chunk.id) } },
  };
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
      const positions = options.positions ?? chunkPositions(ctx.deps.store);
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
      const documents = new Map<string, Promise<string | undefined>>();
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
        // Outward from the hit, stopping at the first gap (a missing, filtered or already
        // placed chunk), so a group is always a contiguous run of the document.
        const prev: Hit[] = [];
        for (let i = h.chunk.index - 1; i >= h.chunk.index - before; i--) {
          const p = pick(i);
          if (p.length === 0) break;
          prev.unshift(...p);
        }
        const next: Hit[] = [];
        for (let i = h.chunk.index + 1; i <= h.chunk.index + after; i++) {
          const n = pick(i);
          if (n.length === 0) break;
          next.push(...n);
        }
        emitted.add(h.chunk.id);
        if (options.merge && prev.length + next.length > 0) out.push(await merged(ctx, h, [...prev, h, ...next], documents));
        else out.push(...prev, h, ...next);
      }
      return {
        hits: out,
        detail: { before, after, ...(options.merge ? { merged: true } : {}), added, ...(filtered ? { filteredOut: filtered } : {}) },
      };
    },
  };
}
