import { getDocumentProxy } from 'unpdf';
import { IncontextError } from '../../core/index.js';
import { fileEmpty, parseFailed } from '../errors.js';
import { isTextItem, layoutText, toLines, type Line } from './pdf-layout.js';
import { firstLineTitle, makeDoc, type Loader } from './shared.js';

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
    const pages: Line[][] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      pages.push(toLines(content.items.filter(isTextItem)));
      page.cleanup();
    }
    const text = layoutText(pages);
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
