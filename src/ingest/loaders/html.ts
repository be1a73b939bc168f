import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import type { Metadata } from '../../core/index.js';
import { LEVEL_ATTR, domToText } from './html-text.js';
import { makeDoc, type Loader } from './shared.js';

/** Page chrome that is never the content a question is answered from. */
const CHROME = [
  'nav, header, footer, aside, script, style, noscript, template, form, dialog',
  '[role=navigation], [role=banner], [role=contentinfo], [role=dialog], [aria-hidden=true]',
  // Consent banners sit next to the article and Readability happily keeps them.
  '[id*=cookie i], [class*=cookie i], [id*=consent i], [class*=consent i]',
].join(', ');

function clean(s: string | null | undefined): string | undefined {
  const t = s?.replace(/\s+/g, ' ').trim();
  return t ? t : undefined;
}

/**
 * linkedom builds no <html>/<body> for a bare fragment or for a page that omits
 * <body> (browsers infer them); give it the skeleton so there is a body to read.
 */
function ensureDocument(html: string): string {
  if (/<body[\s>]/i.test(html)) return html;
  const head = /<head[\s>][\s\S]*?<\/head>/i.exec(html)?.[0] ?? '';
  const rest = html
    .replace(/<head[\s>][\s\S]*?<\/head>/i, '')
    .replace(/<\?xml[^>]*>|<!doctype[^>]*>|<\/?html[^>]*>/gi, '');
  return `<!doctype html><html>${head}<body>${rest}</body></html>`;
}

function parse(html: string): Document {
  return parseHTML(ensureDocument(html)).document as unknown as Document;
}

/** Readability's cost grows quickly with page size; bigger pages (dumps, long tables) go straight to the fallback. Counted here: its own maxElemsToParse check sees 0 elements under linkedom. */
const MAX_READABILITY_ELEMENTS = 30_000;

/** Main content via Readability; undefined when it finds nothing usable. */
function readable(html: string): string | undefined {
  try {
    const doc = parse(html);
    // Readability strips ids and classes from its output, so banners must go before it runs.
    if (doc.body) removeChrome(doc.body);
    // It also turns every <h1> into <h2>; remember the real levels in an attribute it keeps.
    for (const h of Array.from(doc.querySelectorAll('h1, h2, h3, h4, h5, h6'))) h.setAttribute(LEVEL_ATTR, h.localName.slice(1));
    const article = new Readability(doc, { maxElemsToParse: MAX_READABILITY_ELEMENTS }).parse();
    if (!article?.content) return undefined;
    // On short pages Readability keeps the whole body, nav included.
    const body = parse(`<!doctype html><html><body>${article.content}</body></html>`).body;
    removeChrome(body);
    const text = domToText(body);
    return text.trim() ? text : undefined;
  } catch {
    // Readability gives up on some odd DOMs; the fallback below still extracts the body.
    return undefined;
  }
}

/** Body text without the page chrome; prefers an explicit <main>/<article> when there is exactly one. */
function fallback(doc: Document): string {
  const mains = doc.querySelectorAll('main, [role=main]');
  const articles = doc.querySelectorAll('article');
  const root = mains.length === 1 ? mains[0] : articles.length === 1 ? articles[0] : doc.body ?? doc.documentElement;
  if (!root) return '';
  removeChrome(root);
  return domToText(root);
}

/** Drop navigation and page furniture; a <header>/<footer> inside an article or <main> is the article's own and stays. */
function removeChrome(root: Element): void {
  for (const el of Array.from(root.querySelectorAll(CHROME))) {
    const tag = el.localName.toLowerCase();
    if ((tag === 'header' || tag === 'footer') && el.parentElement?.closest('article, main, [role=main]')) continue;
    el.remove();
  }
}

export function htmlToDocumentParts(html: string): { text: string; title: string | undefined; metadata: Metadata } {
  const doc = parse(html);
  const h1 = clean(doc.querySelector('h1')?.textContent);
  const title = clean(doc.querySelector('title')?.textContent) ?? h1;
  const metadata: Metadata = {};
  const lang = clean(doc.documentElement?.getAttribute('lang'));
  if (lang) metadata['lang'] = lang;
  const description = clean(doc.querySelector('meta[name="description"]')?.getAttribute('content'));
  if (description) metadata['description'] = description;
  const author = clean(doc.querySelector('meta[name="author"]')?.getAttribute('content'));
  if (author) metadata['author'] = author;

  const main = doc.querySelectorAll('*').length <= MAX_READABILITY_ELEMENTS ? readable(html) : undefined;
  const rest = fallback(doc);
  // Readability can latch onto a small block on pages with little prose; then the cleaned body is the better answer.
  let text = main && main.length >= rest.length * 0.3 ? main : rest;
  // Readability drops an <h1> that repeats the page title; put it back so the heading structure stays whole.
  if (h1 && !text.includes(h1)) text = `# ${h1}\n\n${text}`;
  return { text, title, metadata };
}

export const loadHtml: Loader = async (input) => {
  const { text, title, metadata } = htmlToDocumentParts(input.text);
  return [makeDoc(input, { format: 'html', text, title, metadata })];
};
