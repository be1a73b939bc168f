import type { Metadata } from '../core/index.js';

/** A piece of a document's text, before it gets ids. Offsets index the input text (end exclusive). */
export interface ChunkPiece {
  text: string;
  start: number;
  end: number;
  tokenCount: number;
  /** e.g. `{ headingPath: ['Install', 'From npm'] }` from the Markdown splitter. */
  metadata: Metadata;
}

export type ChunkStrategy = 'recursive' | 'markdown' | 'sentence';

export interface ChunkOptions {
  strategy: ChunkStrategy;
  /** Target size in tokens (cl100k_base). */
  size: number;
  /** Tokens shared between neighbouring chunks. */
  overlap: number;
}

export interface Chunker {
  readonly name: ChunkStrategy;
  split(text: string): ChunkPiece[];
}
