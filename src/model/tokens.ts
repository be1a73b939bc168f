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
