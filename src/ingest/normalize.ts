/**
 * Text normalisation shared by every loader. The chunkers split on blank
 * lines, so paragraph breaks must survive; everything else that varies by
 * editor or OS (line endings, Unicode composition, stray NULs) is made uniform
 * so that the same content always yields the same text and offsets.
 */
export function normalizeText(input: string): string {
  let text = input.normalize('NFC');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.replace(/\r\n?/g, '\n').replace(/\u0000/g, '');
  // Whitespace-only lines count as blank, otherwise "\n \n" would hide a paragraph break.
  text = text.replace(/^[^\S\n]+$/gm, '');
  // More than two blank lines in a row carry no extra meaning; keep at most two.
  text = text.replace(/\n{4,}/g, '\n\n\n');
  return text.replace(/^\n+/, '').replace(/\s+$/, '');
}

/** True when extraction left nothing a reader could use. */
export function isBlank(text: string): boolean {
  return text.trim().length === 0;
}
