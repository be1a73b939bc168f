import { getEncoding, type Tiktoken } from 'js-tiktoken';

/**
 * cl100k_base token counting for usage reports. The encoder's ranks ship inside
 * js-tiktoken, so this never touches the network; building it costs ~100 ms, so
 * it is made once, on first use.
 */
let encoder: Tiktoken | undefined;

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  encoder ??= getEncoding('cl100k_base');
  return encoder.encode(text).length;
}

/** The text cut to at most `max` tokens, as a model stopped by maxOutputTokens would leave it. */
export function truncateToTokens(text: string, max: number): string {
  encoder ??= getEncoding('cl100k_base');
  const ids = encoder.encode(text);
  return ids.length <= max ? text : encoder.decode(ids.slice(0, Math.max(0, max)));
}
