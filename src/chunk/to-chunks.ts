import { sha256, stableId, type Chunk, type Metadata } from '../core/index.js';
import type { ChunkPiece } from './types.js';

export interface ToChunksOptions {
  documentId: string;
  projectId: string;
  /** The document's metadata, which every chunk inherits (a piece's own keys win). */
  metadata?: Metadata;
  /** Chunk id; default a stable hash of the document, the position and the text, so an unchanged chunk keeps its id. */
  id?: (piece: ChunkPiece, index: number) => string;
}

/** A chunker's pieces as stored chunks of one document, in order. */
export function toChunks(pieces: readonly ChunkPiece[], o: ToChunksOptions): Chunk[] {
  return pieces.map((p, i) => ({
    id: o.id ? o.id(p, i) : stableId('chk', o.documentId, String(i), sha256(p.text).slice(0, 16)),
    documentId: o.documentId,
    projectId: o.projectId,
    index: i,
    text: p.text,
    tokenCount: p.tokenCount,
    start: p.start,
    end: p.end,
    metadata: { ...o.metadata, ...p.metadata },
  }));
}
