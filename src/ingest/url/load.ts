import { loadBuffer } from '../load.js';
import type { LoadedDocument, LoadOptions } from '../types.js';
import { fetchUrlSafely, type SafeFetchOptions } from './fetch.js';

export interface LoadUrlOptions extends SafeFetchOptions, Omit<LoadOptions, 'maxBytes'> {}

/**
 * Fetch a URL under the SSRF policy and load it like an uploaded file: the final URL (after
 * redirects, without its fragment) is the document's origin, and the format comes from the
 * content (PDF/DOCX signatures, HTML/JSON sniffing) or the URL path's extension.
 */
export async function loadUrl(url: string | URL, options: LoadUrlOptions = {}): Promise<LoadedDocument[]> {
  const res = await fetchUrlSafely(url, options);
  const origin = res.url.replace(/#.*$/, '');
  const docs = await loadBuffer(res.bytes, origin, {
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    ...(options.csvMode === undefined ? {} : { csvMode: options.csvMode }),
    ...(options.jsonTextFields === undefined ? {} : { jsonTextFields: options.jsonTextFields }),
  });
  return docs.map((d) => ({ ...d, metadata: { ...d.metadata, url: res.url, ...(res.contentType ? { contentType: res.contentType } : {}) } }));
}
