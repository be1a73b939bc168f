import { IncontextError } from '../core/index.js';
import { markdownSpans } from './markdown.js';
import type { Span } from './pack.js';
import { recursiveSpans } from './recursive.js';
import { sentenceSpans } from './sentence.js';
import type { ChunkOptions, ChunkPiece, Chunker, ChunkStrategy } from './types.js';

export type * from './types.js';
export { countTokens, encode, decode } from './tokenizer.js';
export { sentenceRanges } from './sentence.js';

const STRATEGIES: readonly ChunkStrategy[] = ['recursive', 'markdown', 'sentence'];
export const MIN_CHUNK_SIZE = 16;

/** Throws CONFIG_INVALID naming `chunk.size` / `chunk.overlap` / `chunk.strategy` when options are out of range. */
export function validateChunkOptions(options: ChunkOptions): void {
  const { size, overlap, strategy } = options;
  if (!STRATEGIES.includes(strategy)) {
    throw new IncontextError('CONFIG_INVALID', `chunk.strategy must be one of ${STRATEGIES.join(', ')} (got ${JSON.stringify(strategy)})`, {
      input: { key: 'chunk.strategy' },
      hint: `Set chunk.strategy to ${STRATEGIES.map((s) => `"${s}"`).join(', ')}.`,
    });
  }
  if (!Number.isInteger(size) || size < MIN_CHUNK_SIZE) {
    throw new IncontextError('CONFIG_INVALID', `chunk.size must be an integer >= ${MIN_CHUNK_SIZE} tokens (got ${String(size)})`, {
      input: { key: 'chunk.size' },
      hint: `Set chunk.size to a whole number of tokens, at least ${MIN_CHUNK_SIZE}; 256–512 suits most retrieval.`,
    });
  }
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new IncontextError('CONFIG_INVALID', `chunk.overlap must be an integer with 0 <= overlap < chunk.size, i.e. 0..${size - 1} (got ${String(overlap)})`, {
      input: { key: 'chunk.overlap' },
      hint: `Set chunk.overlap between 0 and ${size - 1}; about 10–15% of chunk.size is typical.`,
    });
  }
}

/**
 * Every strategy returns pieces whose `text` is exactly `input.slice(start, end)`;
 * offsets are chosen so that the slice has no leading or trailing whitespace.
 */
export function createChunker(options: ChunkOptions): Chunker {
  validateChunkOptions(options);
  const { strategy, size, overlap } = options;
  return {
    name: strategy,
    split(text: string): ChunkPiece[] {
      if (text.trim().length === 0) return [];
      switch (strategy) {
        case 'recursive':
          return recursiveSpans(text, 0, text.length, size, overlap).map((s) => piece(text, s, {}));
        case 'sentence':
          return sentenceSpans(text, size, overlap).map((s) => piece(text, s, {}));
        case 'markdown':
          return markdownSpans(text, size, overlap).map((s) => piece(text, s, { headingPath: s.headingPath }));
      }
    },
  };
}

function piece(text: string, span: Span, metadata: ChunkPiece['metadata']): ChunkPiece {
  return { text: text.slice(span.start, span.end), start: span.start, end: span.end, tokenCount: span.tokenCount, metadata };
}

/** The strategy a document of this format splits best with: Markdown by headings, everything else recursively. */
export function defaultStrategyFor(format: string): ChunkStrategy {
  const f = format.toLowerCase();
  return f === 'markdown' || f === 'md' ? 'markdown' : 'recursive';
}
export {
  createSemanticChunker,
  validateSemanticOptions,
  percentileOf,
  SEMANTIC_DEFAULTS,
  type EmbedTexts,
  type SemanticChunker,
  type SemanticChunkOptions,
} from './semantic.js';
export {
  createParentChildChunker,
  parentRanges,
  parentOf,
  collapseToParents,
  type ParentChildChunker,
  type ParentChildOptions,
  type ParentRange,
  type ParentRef,
  type ChildSplitter,
} from './parent.js';
export { toChunks, type ToChunksOptions } from './to-chunks.js';
