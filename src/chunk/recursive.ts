import { atomize, Break, SLACK } from './atoms.js';
import { pack, type PackOptions, type Span } from './pack.js';

/**
 * LangChain's RecursiveCharacterTextSplitter idea (paragraph → line →
 * sentence → word → token), measured in cl100k tokens and keeping offsets.
 * Instead of re-splitting and re-measuring text at every level, the text is
 * cut once into word-sized atoms that remember which separator preceded them;
 * the packer then ends each chunk at the strongest separator that keeps it at
 * least half full, and starts the overlap on a separator as well.
 */
export function recursiveSpans(text: string, from: number, to: number, size: number, overlap: number): Span[] {
  const atoms = atomize(text, from, to, size - SLACK, Break.PARAGRAPH);
  return pack(text, atoms, recursivePacking(size, overlap));
}

export function recursivePacking(size: number, overlap: number): PackOptions {
  return { size, overlap, minFill: 0.5, overlapMode: 'within' };
}
