import { extname } from 'node:path';
import { IncontextError } from '../core/index.js';
import { SUPPORTED_FORMATS, parseFailed } from './errors.js';

/** What a loader is picked by. Finer than LoadedDocument.format: TSV and JSONL parse differently. */
export type SourceKind = 'text' | 'markdown' | 'html' | 'pdf' | 'docx' | 'csv' | 'tsv' | 'json' | 'jsonl';

export interface Detected {
  kind: SourceKind;
  /** Decoded text for text-based kinds; '' for pdf and docx. */
  text: string;
}

const BY_EXTENSION: Record<string, SourceKind> = {
  '.txt': 'text',
  '.text': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.pdf': 'pdf',
  '.docx': 'docx',
};

/** Signatures of common binary formats, only to name them in the error message. */
const BINARY_MAGIC: Array<[string, number[]]> = [
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a JPEG image', [0xff, 0xd8, 0xff]],
  ['a GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['a WebP/RIFF file', [0x52, 0x49, 0x46, 0x46]],
  ['a gzip archive', [0x1f, 0x8b]],
  ['a 7-Zip archive', [0x37, 0x7a, 0xbc, 0xaf]],
  ['an ELF executable', [0x7f, 0x45, 0x4c, 0x46]],
  ['a legacy Office (OLE) document such as .doc or .xls', [0xd0, 0xcf, 0x11, 0xe0]],
  ['a SQLite database', [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66]],
];

function startsWith(bytes: Uint8Array, sig: number[], at = 0): boolean {
  return sig.every((b, i) => bytes[at + i] === b);
}

function indexOfAscii(bytes: Uint8Array, needle: string, limit = bytes.length): number {
  const first = needle.charCodeAt(0);
  const end = Math.min(limit, bytes.length - needle.length + 1);
  outer: for (let i = 0; i < end; i++) {
    if (bytes[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) if (bytes[i + j] !== needle.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}

/**
 * Decode bytes as text, or undefined when they are binary. UTF-8 (with or
 * without BOM) and UTF-16 with BOM are recognised; a file that is mostly valid
 * UTF-8 keeps its few bad bytes as U+FFFD, and a file whose non-ASCII bytes
 * are mostly invalid UTF-8 is taken as legacy Windows-1252 text.
 */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, [0xff, 0xfe])) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (startsWith(bytes, [0xfe, 0xff])) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  // A stray NUL (stripped later) does not make a text file binary; text never has them by the hundred.
  let nul = 0;
  for (const b of bytes) if (b === 0) nul++;
  if (nul > Math.max(1, bytes.length * 0.01)) return undefined;
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return controlRatio(text) > 0.1 ? undefined : text;
  } catch {
    // not valid UTF-8: decide below between UTF-8 with a few damaged bytes, legacy text and binary
  }
  const lenient = new TextDecoder('utf-8').decode(bytes);
  let bad = 0;
  let good = 0;
  for (const ch of lenient) {
    if (ch === '\uFFFD') bad++;
    else if (ch.charCodeAt(0) > 0x7f) good++;
  }
  if (good >= bad && bad / Math.max(1, lenient.length) <= 0.1) return controlRatio(lenient) > 0.1 ? undefined : lenient;
  // Windows-1252 maps nearly every byte to a printable character, so only a text with almost no
  // control characters counts as legacy text; compressed or random bytes have about 10%.
  const legacy = new TextDecoder('windows-1252').decode(bytes);
  return controlRatio(legacy) > 0.02 ? undefined : legacy;
}

function controlRatio(text: string): number {
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c > 0 && c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) || c === 0x7f) control++;
  }
  return control / Math.max(1, text.length);
}

const HTML_START = /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html)[\s>]/i;

function sniffText(text: string, ext: string): SourceKind {
  const head = text.slice(0, 4096);
  if (HTML_START.test(head)) return 'html';
  const trimmed = head.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      JSON.parse(text);
      return 'json';
    } catch {
      if (looksLikeJsonl(text)) return 'jsonl';
    }
  }
  // Only extensionless files (README, NOTES) are guessed as Markdown: a .txt or .log keeps its extension's word.
  if (ext === '' && (/^---\n/.test(text.replace(/\r\n?/g, '\n')) || /^#{1,6}\s+\S/.test(trimmed))) return 'markdown';
  return 'text';
}

export function looksLikeJsonl(text: string): boolean {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) return false;
  return lines.every((l) => {
    try {
      const v: unknown = JSON.parse(l);
      return typeof v === 'object' && v !== null;
    } catch {
      return false;
    }
  });
}

/**
 * Decide how to read a file from its bytes first and its name second, so a PDF
 * named `.txt` or a page saved without an extension still loads as what it is.
 * Binary signatures always win; for text, a specific extension (.md, .csv, .json,
 * ...) is trusted, while `.txt` and unknown or missing extensions are sniffed.
 */
export function detect(bytes: Uint8Array, name: string): Detected {
  const ext = extname(name).toLowerCase();
  const claimed = BY_EXTENSION[ext];

  const pdfAt = indexOfAscii(bytes, '%PDF-', 1024);
  if (pdfAt >= 0) return { kind: 'pdf', text: '' };

  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) {
    // Zip entry names are stored uncompressed, so the docx marker is visible without unzipping.
    if (indexOfAscii(bytes, 'word/document.xml') >= 0) return { kind: 'docx', text: '' };
    if (claimed === 'docx') {
      throw parseFailed(name, 'a DOCX document', new Error('the zip archive has no word/document.xml'));
    }
    throw unsupported(name, 'a zip archive (not a Word .docx)');
  }
  if (claimed === 'pdf') throw parseFailed(name, 'a PDF', new Error('there is no %PDF- header'));
  if (claimed === 'docx') throw parseFailed(name, 'a DOCX document', new Error('it is not a zip archive'));

  const known = BINARY_MAGIC.find(([, sig]) => startsWith(bytes, sig));
  const text = known ? undefined : decodeText(bytes);
  if (text === undefined) {
    const what = known ? known[0] : 'binary data';
    if (claimed) {
      return binaryInTextFile(name, what);
    }
    throw unsupported(name, what);
  }
  if (claimed && claimed !== 'text') return { kind: claimed, text };
  return { kind: sniffText(text, ext), text };
}

function binaryInTextFile(name: string, what: string): never {
  throw new IncontextError('FILE_BINARY', `${name} is named like a text file but contains ${what}`, {
    input: { path: name },
    hint: `Rename it to its real extension (supported: ${SUPPORTED_FORMATS}) or exclude it from the input.`,
  });
}

function unsupported(name: string, what: string): IncontextError {
  return new IncontextError('UNSUPPORTED_FORMAT', `${name} is ${what}, which incontext cannot read`, {
    input: { path: name },
    hint: `Supported formats: ${SUPPORTED_FORMATS}. Convert the file to one of them, or leave it out with an exclude glob such as '**/*${extname(name) || '.bin'}'.`,
  });
}
