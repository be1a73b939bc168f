/**
 * Fetching a document's chunks by position, for neighbour expansion, through the
 * store's `getChunkRange` (chunk ids hash the chunk text, so neighbours' ids cannot be
 * computed from a hit's id).
 */
import type { Chunk } from '../core/index.js';
import type { Store } from '../store/index.js';

export interface ChunkPositions {
  range(projectId: string, documentId: string, from: number, to: number): Promise<Chunk[]>;
}

export function chunkPositions(store: Store): ChunkPositions {
  return { range: (p, d, from, to) => store.getChunkRange(p, d, from, to) };
}
