import { getDocumentProxy } from 'unpdf';
import { IncontextError } from '../../core/index.js';
import { fileEmpty, parseFailed } from '../errors.js';
import { firstLineTitle, makeDoc, type Loader } from './shared.js';

interface Line {
  text: string;
  /** Baseline y in PDF space (grows upwards). */
  y: number;
  size: number;
}

interface PositionedText {
  str: string;
  transform: number[];
  height: number;
  hasEOL: boolean;
}

function isTextItem<T extends object>(item: T): item is T & PositionedText {
  return 'str' in item && 'transform' in item;
}

function toLines(items: PositionedText[]): Line[] {
  const lines: Line[] = [];
  let cur: Line | undefined;
  for (const item of items) {
    const y = Number(item.transform[5] ?? 0);
    const size = Math.max(Math.abs(Number(item.transform[3] ?? 0)), item.height, 1);
    if (cur && Math.abs(cur.y - y) > size * 0.4) {
      lines.push(cur);
      cur = undefined;
    }
    if (!cur) cur = { text: '', y, size };
    cur.text += item.str;
    cur.size = Math.max(cur.size, size);
    if (item.hasEOL) {
      lines.push(cur);
      cur = undefined;
    }
  }
  if (cur) lines.push(cur);
  return lines.filter((l) => l.text.trim() !== '');
}

/**
 * A PDF has no paragraphs, only positioned text. Rebuild them from the layout:
 * a vertical gap clearly larger than the page's usual line spacing, or a
 * change of font size (a heading), starts a new paragraph. Chunkers need these
 * breaks; without them a whole page is one run-on block.
 */
function pageText(lines: Line[]): string {
  const gaps = lines
    .slice(1)
    .map((l, i) => (lines[i]?.y ?? 0) - l.y)
    .filter((g) => g > 0)
    .sort((a, b) => a - b);
  // Lower quartile, not median: on short pages paragraph gaps can outnumber line gaps.
  const typical = gaps[Math.floor(gaps.length / 4)];
  let out = '';
  lines.forEach((line, i) => {
    const prev = lines[i - 1];
    if (prev) {
      const gap = prev.y - line.y;
      const sizeChange = Math.abs(prev.size - line.size) / Math.max(prev.size, line.size) > 0.15;
      const limit = typical !== undefined && gaps.length >= 2 ? typical * 1.4 : line.size * 1.8;
      out += gap < 0 || gap > limit || sizeChange ? '\n\n' : '\n';
    }
    out += line.text.replace(/[^\S\n]+/g, ' ').trim();
  });
  return out;
}

/** A page break is a paragraph break unless a sentence visibly runs on across it. */
function joinPages(pages: string[]): string {
  return pages.reduce((acc, page) => {
    if (!acc) return page;
    const runsOn = !/[.!?:;"')\]]\s*$/.test(acc) && /^\s*[a-z]/.test(page);
    return acc + (runsOn ? '\n' : '\n\n') + page;
  }, '');
}

export const loadPdf: Loader = async (input) => {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  // pdf.js transfers the buffer it is given; a copy keeps the caller's bytes intact.
  const data = new Uint8Array(input.bytes);
  try {
    pdf = await getDocumentProxy(data, { verbosity: 0 });
  } catch (err) {
    if (err instanceof Error && err.name === 'PasswordException') {
      throw new IncontextError('PARSE_FAILED', `${input.path} is a password-protected PDF`, {
        input: { path: input.path },
        hint: 'Save an unprotected copy of the PDF and ingest that.',
        cause: err,
      });
    }
    throw parseFailed(input.path, 'a PDF', err);
  }
  try {
    const pages: string[] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      pages.push(pageText(toLines(content.items.filter(isTextItem))));
      page.cleanup();
    }
    const text = joinPages(pages.filter((p) => p.trim() !== ''));
    if (!text.trim()) {
      throw fileEmpty(
        input.path,
        `the PDF has ${pdf.numPages} page(s) but no text layer`,
        'It is probably scanned images. Run it through OCR (for example ocrmypdf) to add a text layer, then ingest the result.',
      );
    }
    const meta = await pdf.getMetadata().catch(() => undefined);
    const info = (meta?.info ?? {}) as Record<string, unknown>;
    const infoTitle = typeof info['Title'] === 'string' && info['Title'].trim() ? info['Title'] : undefined;
    const author = typeof info['Author'] === 'string' && info['Author'].trim() ? info['Author'].trim() : undefined;
    return [
      makeDoc(input, {
        format: 'pdf',
        text,
        title: infoTitle ?? firstLineTitle(text),
        metadata: { pages: pdf.numPages, ...(author ? { author } : {}) },
      }),
    ];
  } catch (err) {
    if (IncontextError.isInstance(err)) throw err;
    throw parseFailed(input.path, 'a PDF', err);
  } finally {
    await pdf.destroy();
  }
};
