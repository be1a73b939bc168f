import { IncontextError, sha256, stableId } from '../core/index.js';
import { parseSections } from './markdown.js';
import { recursiveSpans } from './recursive.js';
import type { ChunkPiece } from './types.js';

/** A parent: a span of the document text that is returned as context when one of its children matches. */
export interface ParentRange {
  /** `par_…`, derived from the range and its text: the same parent keeps its id across re-ingests. */
  id: string;
  /** Position among the document's parents, from 0. */
  index: number;
  start: number;
  end: number;
  tokenCount: number;
  /** Markdown parents: the section's heading path. */
  headingPath?: string[];
}

export interface ParentChildOptions {
  /** Largest parent in tokens. A Markdown section up to this size is one parent; a bigger one is cut recursively. */
  parentSize: number;
  /** Parents follow Markdown sections (headings) instead of runs of paragraphs. */
  markdown?: boolean;
}

/** Anything that splits text into pieces: `createChunker(...)` for the children. */
export interface ChildSplitter {
  split(text: string): ChunkPiece[];
}

export interface ParentChildChunker {
  readonly name: 'parent-child';
  /** Child pieces, each inside exactly one parent, with the parent in its metadata (see `parentOf`). */
  split(text: string): ChunkPiece[];
  parents(text: string): ParentRange[];
}

/** The parent fields a child carries in its chunk metadata. */
export interface ParentRef {
  parentId: string;
  parentStart: number;
  parentEnd: number;
  parentTokens: number;
}

/** Minimum parent: smaller parents give the retriever nothing a child does not already have. */
const MIN_PARENT_SIZE = 64;

/**
 * Parents in document order. Markdown: one per heading section, big sections
 * cut at paragraph boundaries; other text: runs of paragraphs up to `parentSize`.
 */
export function parentRanges(text: string, options: ParentChildOptions): ParentRange[] {
  const spans: Array<{ start: number; end: number; tokenCount: number; headingPath?: string[] }> = [];
  if (options.markdown) {
    for (const s of parseSections(text)) {
      for (const span of recursiveSpans(text, s.start, s.end, options.parentSize, 0)) spans.push({ ...span, headingPath: [...s.headingPath] });
    }
  } else {
    spans.push(...recursiveSpans(text, 0, text.length, options.parentSize, 0));
  }
  return spans.map((s, index) => ({
    id: stableId('par', String(s.start), String(s.end), sha256(text.slice(s.start, s.end))),
    index,
    start: s.start,
    end: s.end,
    tokenCount: s.tokenCount,
    ...(s.headingPath ? { headingPath: s.headingPath } : {}),
  }));
}

/**
 * Small chunks for matching, their parent for context. Every child lies inside
 * one parent and carries `parentId`, `parentStart`, `parentEnd` and
 * `parentTokens` in its metadata; the retriever turns a matched child into
 * `document.text.slice(parentStart, parentEnd)`. Parents are not stored as
 * chunks: the document text already holds them.
 */
export function createParentChildChunker(options: ParentChildOptions, child: ChildSplitter): ParentChildChunker {
  const { parentSize } = options;
  if (!Number.isInteger(parentSize) || parentSize < MIN_PARENT_SIZE) {
    throw new IncontextError('CONFIG_INVALID', `chunk.parent.size must be an integer >= ${MIN_PARENT_SIZE} tokens (got ${String(parentSize)})`, {
      input: { key: 'chunk.parent.size' },
      hint: 'Set chunk.parent.size to a few times chunk.size, e.g. 1024 with chunk.size 256.',
    });
  }
  return {
    name: 'parent-child',
    parents: (text) => (text.trim().length === 0 ? [] : parentRanges(text, options)),
    split(text) {
      if (text.trim().length === 0) return [];
      const out: ChunkPiece[] = [];
      for (const parent of parentRanges(text, options)) {
        const ref: ParentRef = { parentId: parent.id, parentStart: parent.start, parentEnd: parent.end, parentTokens: parent.tokenCount };
        for (const piece of child.split(text.slice(parent.start, parent.end))) {
          out.push({
            text: piece.text,
            start: parent.start + piece.start,
            end: parent.start + piece.end,
            tokenCount: piece.tokenCount,
            // The child splitter saw only the section, so its own heading path would miss the outer headings.
            metadata: { ...piece.metadata, ...(parent.headingPath ? { headingPath: [...parent.headingPath] } : {}), ...ref },
          });
        }
      }
      return out;
    },
  };
}

/** The parent a chunk's metadata points at, or undefined for a chunk made without parents. */
export function parentOf(metadata: Readonly<Record<string, unknown>>): ParentRef | undefined {
  const { parentId, parentStart, parentEnd, parentTokens } = metadata;
  if (typeof parentId !== 'string' || typeof parentStart !== 'number' || typeof parentEnd !== 'number' || typeof parentTokens !== 'number') return undefined;
  return { parentId, parentStart, parentEnd, parentTokens };
}

/**
 * Replace matched children by their parents, best first: the first child of a
 * parent decides its rank, later children of the same parent are dropped, and
 * chunks without a parent pass through. Generic so the retriever can use it on
 * its hits without this stage knowing their type.
 */
export function collapseToParents<T>(items: readonly T[], metadataOf: (item: T) => Readonly<Record<string, unknown>>, documentOf: (item: T) => string): Array<{ item: T; parent: ParentRef | undefined }> {
  const seen = new Set<string>();
  const out: Array<{ item: T; parent: ParentRef | undefined }> = [];
  for (const item of items) {
    const parent = parentOf(metadataOf(item));
    if (parent) {
      const key = `${documentOf(item)}\u0000${parent.parentId}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    out.push({ item, parent });
  }
  return out;
}
