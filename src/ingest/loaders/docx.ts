import mammoth from 'mammoth';
import { parseHTML } from 'linkedom';
import { parseFailed } from '../errors.js';
import { assertSafeZip } from '../zip-guard.js';
import { domToText } from './html-text.js';
import { firstLineTitle, makeDoc, type Loader } from './shared.js';

/**
 * Word documents go through mammoth's HTML conversion rather than its raw
 * text: the HTML keeps Heading styles as <h1>..<h6>, which become `#` lines
 * here, so headings survive for the title and for heading-aware chunking.
 */
export const loadDocx: Loader = async (input) => {
  // JSZip inside mammoth inflates whatever the archive claims; bound it first.
  assertSafeZip(input.bytes, input.path);
  let html: string;
  try {
    const result = await mammoth.convertToHtml({ buffer: Buffer.from(input.bytes) }, {
      externalFileAccess: false,
      // Images carry no text; without this mammoth inlines each one as a base64 data URI.
      convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
    });
    html = result.value;
  } catch (err) {
    throw parseFailed(input.path, 'a DOCX document', err);
  }
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  const body = document.body as unknown as Node;
  const heading = document.querySelector('h1, h2, h3, h4, h5, h6')?.textContent?.trim();
  const text = domToText(body);
  return [makeDoc(input, { format: 'docx', text, title: heading || firstLineTitle(text) })];
};
