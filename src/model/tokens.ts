import { countTokens, decode, encode } from '../chunk/index.js';

/**
 * cl100k_base token counting for usage reports: the chunk stage's tokenizer (same ids as
 * tiktoken, much faster on long words), so counts agree everywhere in incontext.
 */
export { countTokens };

/** The text cut to at most `max` tokens, as a model stopped by maxOutputTokens would leave it. */
export function truncateToTokens(text: string, max: number): string {
  const ids = encode(text);
  return ids.length <= max ? text : decode(ids.slice(0, Math.max(0, max)));
}
